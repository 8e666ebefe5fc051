//! `explain` on two folders of a notebook that is none of the five: a small PyTorch script
//! with Adam, recorded by `xor_repro_record`, against its tch port through this crate. The
//! exact port is identical; with tch's `nn::Adam` the port parts, and `explain` names the step,
//! the value and the operation (the optimizer's update); a difference planted into a value the
//! script declared (`rec.op`) is named with that op's code and its library's kernel, and one
//! planted into a parameter at step 0 as its initial value. With the optimizer's
//! hyper-parameters traced (`rec.optimizer(opt)`, `.optimizer(&opt)`), a schedule that sets a
//! wrong beta1 is named at the step it sets it, as the hyper-parameter it is.

use std::path::{Path, PathBuf};
use std::process::Command;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro::explain::render;
use xor_repro_port::lr_scheduler::{LrScheduler, OneCycleLR};
use xor_repro_port::{init, named_parameters, optim, Args, Run};

const SCRIPT: &str = r#"
import torch
from torch import nn
import xor_repro_record as xrr

rec = xrr.Run.from_args("own-adam")
torch.manual_seed(rec.seed)
X, y = torch.randn(8, 3), torch.randn(8, 1)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
rec.initial_params(model.named_parameters())
rec.op("h", "model[0](X)", "mkl")
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(rec.steps(6)):
    with rec.step(step, model) as t:
        h = t.keep("h", model[0](X))
        out = t.keep("out", model[2](torch.tanh(h)))
        loss = t.value("loss", nn.functional.mse_loss(out, y))
        optimizer.zero_grad()
        t.backward(loss)
        optimizer.step()
    rec.loss(step, loss)
rec.final_params(model.named_parameters())
rec.write()
"#;

/// The tch port, with PyTorch's Adam (`exact`) or tch's own, into side `side`.
fn port(out: &Path, side: &str, exact: bool) -> PathBuf {
    let args = Args {
        out: out.to_path_buf(),
        trace: true,
        ..Args::default()
    };
    let mut run = Run::new("own-adam", args).side(side);
    tch::manual_seed(run.seed() as i64);
    let opts = (Kind::Float, Device::Cpu);
    let (x, y) = (Tensor::randn([8, 3], opts), Tensor::randn([8, 1], opts));
    let vs = nn::VarStore::new(Device::Cpu);
    let (fc1, fc2) = (
        init::linear(vs.root() / "0", 3, 4),
        init::linear(vs.root() / "2", 4, 1),
    );
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let mut pytorch_adam = optim::Adam::new(&params, 0.05);
    let mut tch_adam = nn::Adam::default().build(&vs, 0.05).unwrap();
    for step in 0..run.steps(6) {
        let t = run.step(step, &params);
        let h = t.keep("h", fc1.forward(&x));
        let out = t.keep("out", fc2.forward(&h.tanh()));
        let loss = t.value("loss", out.mse_loss(&y, Reduction::Mean));
        if exact {
            pytorch_adam.zero_grad();
            t.backward(&loss);
            pytorch_adam.step();
        } else {
            tch_adam.zero_grad();
            t.backward(&loss);
            tch_adam.step();
        }
        drop(t);
        run.loss(step, &loss);
    }
    run.final_params(&params);
    run.write().unwrap()
}

fn script(out: &Path) -> PathBuf {
    run_script(out, SCRIPT, "own-adam")
}

/// Runs `source` with `--out OUT --trace`: OUT/EXPERIMENT/seed-0/python.
fn run_script(out: &Path, source: &str, experiment: &str) -> PathBuf {
    let file = out.join(format!("{experiment}.py"));
    std::fs::write(&file, source).unwrap();
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let ran = Command::new(python)
        .arg(&file)
        .args(["--out", out.to_str().unwrap(), "--trace"])
        .env("PYTHONPATH", xor_repro::run::python::python_path())
        .output()
        .expect("python runs");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    out.join(experiment).join("seed-0/python")
}

/// What `explain A B` prints: its headline and the operation line.
fn explain(a: &Path, b: &Path) -> (bool, String, String) {
    let outcome = xor_repro::explain::run::folders(a, b, "steps").unwrap();
    let op = render::operation(&outcome.explanation, &outcome.a, &outcome.b).unwrap_or_default();
    println!("{}\n  operation {op}", outcome.headline);
    (outcome.identical(), outcome.headline, op)
}

/// A copy of run folder `from` with element `index` of traced value `name` at `step` moved
/// by one float32 ulp.
fn planted(from: &Path, to: &Path, step: usize, name: &str, element: usize) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    let index = xor_repro::record::npz::NpzIndex::open(&to.join("trace.npz")).unwrap();
    let entries: Vec<&str> = index
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .filter(|e| {
            xor_repro::record::trace::parse_entry_name(e).map(|(s, _, n)| (s, n))
                == Some((step, name))
        })
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "{name} of step {step} is in the trace once"
    );
    let (before, after) = index.nudge(entries[0], element as u64).unwrap();
    assert_eq!((before as f32).to_bits() + 1, (after as f32).to_bits());
    to.to_path_buf()
}

#[test]
fn explain_names_where_a_port_of_ones_own_parts() {
    let out = tempfile::tempdir().unwrap();
    let python = script(out.path());
    let exact = port(out.path(), "tch", true);
    let (identical, headline, _) = explain(&python, &exact);
    assert!(identical, "the exact port: {headline}");

    let tch_adam = port(out.path(), "tch-adam", false);
    let (identical, headline, op) = explain(&python, &tch_adam);
    assert!(!identical);
    assert!(
        headline.starts_with("first divergence: step ")
            && !headline.starts_with("first divergence: step 0,")
            && headline.contains(".updated (value"),
        "nn::Adam parts at an update after step 0's (its first moment, mul_ and add_ against \
         lerp_, agrees while the moment starts from zero): {headline}"
    );
    assert!(op.starts_with("the optimizer's update of `"), "{op}");

    let grad = planted(&exact, &out.path().join("planted-grad"), 3, "h.grad", 5);
    let (_, headline, op) = explain(&python, &grad);
    assert!(
        headline.starts_with("first divergence: step 3, h.grad ")
            && headline.contains("1 of 32 elements differ; [5]"),
        "{headline}"
    );
    assert!(
        op.starts_with("the gradient of `model[0](X)` (`h.grad`), from autograd's backward of what uses it: python MKL"),
        "{op}"
    );

    let init = planted(&exact, &out.path().join("planted-init"), 0, "2.bias", 0);
    let (_, headline, op) = explain(&python, &init);
    assert!(
        headline.starts_with("first divergence: step 0, 2.bias "),
        "{headline}"
    );
    assert!(op.starts_with("`2.bias`'s initial value"), "{op}");
}

const SCHEDULED: &str = r#"
import torch
from torch import nn
import xor_repro_record as xrr

rec = xrr.Run.from_args("own-onecycle")
torch.manual_seed(rec.seed)
X, y = torch.randn(8, 3), torch.randn(8, 1)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
rec.initial_params(model.named_parameters())
optimizer = rec.optimizer(torch.optim.Adam(model.parameters(), lr=0.05))
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=6)
for step in range(rec.steps(6)):
    with rec.step(step, model) as t:
        h = t.keep("h", model[0](X))
        out = t.keep("out", model[2](torch.tanh(h)))
        loss = t.value("loss", nn.functional.mse_loss(out, y))
        optimizer.zero_grad()
        t.backward(loss)
        optimizer.step()
    scheduler.step()
    rec.loss(step, loss)
rec.final_params(model.named_parameters())
rec.write()
"#;

/// The port of `SCHEDULED`, its OneCycleLR cycling beta1 from `max_momentum` down.
fn scheduled_port(out: &Path, side: &str, max_momentum: f64) -> PathBuf {
    let args = Args {
        out: out.to_path_buf(),
        trace: true,
        ..Args::default()
    };
    let mut run = Run::new("own-onecycle", args).side(side);
    tch::manual_seed(run.seed() as i64);
    let opts = (Kind::Float, Device::Cpu);
    let (x, y) = (Tensor::randn([8, 3], opts), Tensor::randn([8, 1], opts));
    let vs = nn::VarStore::new(Device::Cpu);
    let (fc1, fc2) = (
        init::linear(vs.root() / "0", 3, 4),
        init::linear(vs.root() / "2", 4, 1),
    );
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let mut adam = optim::Adam::new(&params, 0.05);
    let mut scheduler = OneCycleLR::new(0.05, 6)
        .momentum(0.85, max_momentum)
        .build(&mut adam);
    for step in 0..run.steps(6) {
        let t = run.step(step, &params).optimizer(&adam);
        let h = t.keep("h", fc1.forward(&x));
        let out = t.keep("out", fc2.forward(&h.tanh()));
        let loss = t.value("loss", out.mse_loss(&y, Reduction::Mean));
        adam.zero_grad();
        t.backward(&loss);
        adam.step();
        drop(t);
        scheduler.step(&mut adam);
        run.loss(step, &loss);
    }
    run.final_params(&params);
    run.write().unwrap()
}

#[test]
fn explain_names_a_hyper_parameter_the_schedule_sets_wrong() {
    let out = tempfile::tempdir().unwrap();
    let python = run_script(out.path(), SCHEDULED, "own-onecycle");
    let exact = scheduled_port(out.path(), "tch", 0.95);
    let outcome = xor_repro::explain::run::folders(&python, &exact, "steps").unwrap();
    println!("{}", outcome.headline);
    assert!(outcome.identical(), "the exact port: {}", outcome.headline);
    let names = outcome.a.trace.names();
    let hyper: Vec<&str> = names
        .iter()
        .filter(|n| n.step == 0 && n.name.starts_with("optim."))
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(
        hyper,
        [
            "optim.group0.lr",
            "optim.group0.betas[0]",
            "optim.group0.betas[1]",
            "optim.group0.eps",
            "optim.group0.weight_decay",
            "optim.group0.amsgrad",
            "optim.group0.maximize",
            "optim.group0.capturable",
            "optim.group0.differentiable",
            "optim.group0.decoupled_weight_decay",
        ],
        "Adam's param_groups[0], in PyTorch's order"
    );
    for step in 0..6 {
        assert!(
            outcome.a.trace.has(step, "optim.group0.betas[0]"),
            "step {step}"
        );
        assert!(outcome.b.trace.has(step, "optim.group0.lr"), "step {step}");
    }
    let e = &outcome.explanation;
    println!(
        "identical: {} of {} values ({} numbers) compared",
        e.values_identical, e.values_compared, e.numbers_compared
    );
    // The hyper-parameters come right after the four parameters, before the forward.
    let first_hyper = names
        .iter()
        .position(|n| n.name.starts_with("optim."))
        .unwrap();
    assert_eq!(first_hyper, 4, "{:?}", &names[..6]);

    let wrong = scheduled_port(out.path(), "tch-wrong-beta", 0.9);
    let (identical, headline, op) = explain(&python, &wrong);
    assert!(!identical);
    assert!(
        headline.starts_with("first divergence: step 0, optim.group0.betas[0] "),
        "{headline}"
    );
    assert!(
        headline.contains("0.95") && headline.contains("0.9"),
        "{headline}"
    );
    assert!(
        op.starts_with(
            "the optimizer's hyper-parameter `betas[0]` of group 0, as the schedule set it"
        ),
        "{op}"
    );
}
