//! The Python recorder (`python/xor_repro_record.py`) against this crate's `Run`: the same
//! tiny model trained by both, tch here and PyTorch in `common/recorder/tiny_model.py`, with
//! the same calls (`from_args`, `step` with `keep`, `params`, `value`, `backward`, `metric`,
//! `predictions_from`, `op`), gives byte-identical run files; numbers are written alike; and
//! the recorder's misuse is one line `error: ...` and status 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro_port::{init, named_parameters, Args, Run};

const EXPERIMENT: &str = "recorder-tiny";
const SEED: u64 = 7;
const LR: f64 = 0.1;
const N: i64 = 5;

/// tch's generator is global: one training at a time.
static TCH: Mutex<()> = Mutex::new(());

/// The project's Python, with this clone's `python/` on its path, running `args`.
fn python(args: &[&str]) -> Output {
    let interpreter = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    Command::new(interpreter)
        .args(args)
        .env("PYTHONPATH", xor_repro::run::python::python_path())
        .env("TF_CPP_MIN_LOG_LEVEL", "3")
        .output()
        .expect("python runs")
}

fn tiny_model_py() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/recorder/tiny_model.py")
}

/// The Python side: `tiny_model.py` with `Run.from_args`'s command line.
fn python_side(out: &Path, extra: &[&str]) -> PathBuf {
    let script = tiny_model_py();
    let seed = SEED.to_string();
    let mut args = vec![
        script.to_str().unwrap(),
        "--seed",
        &seed,
        "--out",
        out.to_str().unwrap(),
        "--steps",
        "3",
    ];
    args.extend_from_slice(extra);
    let ran = python(&args);
    assert!(
        ran.status.success(),
        "tiny_model.py failed:\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let folder = PathBuf::from(String::from_utf8_lossy(&ran.stdout).trim());
    assert_eq!(
        folder,
        out.join(EXPERIMENT)
            .join(format!("seed-{SEED}"))
            .join("python")
    );
    folder
}

/// The Rust side: `tiny_model.py` line for line, in tch. PyTorch's `SGD` step is
/// `param.add_(grad, alpha=-lr)`, one fused multiply-add in ATen's AVX2 and AVX-512 kernels;
/// tch has no `add_` with an alpha, and a manual `p -= lr * grad` rounds the product first
/// (it parts from SGD in about one value in ten on such a CPU), so the update is `nn::Sgd`,
/// libtorch's C++ SGD, whose step is that same `add_` (and whose `zero_grad` sets the
/// gradients to none, as `opt.zero_grad()` does in Python).
fn rust_side(out: &Path, args: Args) -> PathBuf {
    let _one = TCH.lock().unwrap_or_else(|e| e.into_inner());
    let args = Args {
        seed: SEED,
        out: out.to_path_buf(),
        steps: Some(3),
        ..args
    };
    let mut run = Run::new(EXPERIMENT, args)
        .notebook("port/tests/recorder.rs")
        .lr(LR);
    tch::manual_seed(run.seed() as i64);
    let vs = nn::VarStore::new(Device::Cpu);
    let fc1 = init::linear(vs.root() / "fc1", 2, 4);
    let fc2 = init::linear(vs.root() / "fc2", 4, 3);
    let x = Tensor::rand([N, 2], (Kind::Float, Device::Cpu));
    let y = Tensor::rand([N, 3], (Kind::Float, Device::Cpu));
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let mut opt = nn::Sgd::default().build(&vs, LR).unwrap();
    for step in 0..run.steps(10) {
        let t = run.step(step, &params);
        if step == 0 {
            t.params(&[
                ("fc1.weight", &fc1.ws),
                ("fc1.bias", fc1.bs.as_ref().unwrap()),
            ]);
        }
        let h = t.keep("fc1(x)", x.apply(&fc1));
        let r = t.keep("relu", h.relu());
        if step != 1 {
            t.params(&[
                ("fc2.weight", &fc2.ws),
                ("fc2.bias", fc2.bs.as_ref().unwrap()),
            ]);
        }
        let out = t.keep("out", r.apply(&fc2));
        let loss = t.value("loss", out.mse_loss(&y, Reduction::Mean));
        opt.zero_grad();
        t.backward(&loss);
        opt.step();
        drop(t);
        run.loss(step, &loss);
        if step == 0 {
            run.metric(step, "mae", 1.0);
        }
        run.metric(step, "max", out.max().double_value(&[]));
        if step != 1 {
            let mae = (&out - &y).abs().mean(Kind::Float).double_value(&[]);
            run.metric(step, "mae", mae);
        }
        if step == 2 {
            run.metric(step, "tiny", 1.5e-05);
        }
    }
    run.metric(10, "last", 2.0);
    run.metric(9, "last", 1e-07);
    run.final_params(&params);
    let fin = tch::no_grad(|| fc2.forward(&fc1.forward(&x).relu()));
    let label = fin.argmax(1, false);
    let y0 = y.narrow(1, 0, 1);
    run.predictions_from(&[("x", &x), ("label", &label), ("y0", &y0), ("output", &fin)])
        .unwrap();
    run.op("fc1(x)", "x.apply(&fc1)", "mkl");
    run.op("relu", "h.relu()", "aten");
    run.op("x", "Tensor::rand([N, 2], ..)", None);
    run.write().unwrap()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Both sides' files, byte for byte, and run.json's experiment, seed, steps, lr and ops.
fn assert_same_run(rust: &Path, python: &Path, files: &[&str]) {
    assert_eq!(file_names(rust), file_names(python));
    for file in files {
        if file.ends_with(".npz") {
            let bytes = |dir: &Path| {
                std::fs::read(dir.join(file))
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
            };
            let (a, b) = (bytes(rust), bytes(python));
            if let Some(at) = a.iter().zip(&b).position(|(x, y)| x != y) {
                panic!("{file} differs first at byte {at}");
            }
            assert_eq!(a.len(), b.len(), "{file}: sizes differ");
            continue;
        }
        let (a, b) = (read(rust, file), read(python, file));
        if a != b {
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(a.lines().count().min(b.lines().count()));
            panic!(
                "{file} differs at line {}:\n  rust:   {:?}\n  python: {:?}",
                line + 1,
                a.lines().nth(line),
                b.lines().nth(line)
            );
        }
    }
    let (a, b) = (
        xor_repro::record::read_info(rust).unwrap(),
        xor_repro::record::read_info(python).unwrap(),
    );
    assert_eq!(a.experiment, b.experiment);
    assert_eq!(a.notebook, b.notebook);
    assert_eq!(a.seed, b.seed);
    assert_eq!(a.steps, b.steps);
    assert_eq!(a.losses_recorded, b.losses_recorded);
    assert!(
        a.steps.is_none() && a.losses_recorded.is_some(),
        "a port's run.json: losses_recorded, no steps"
    );
    assert_eq!(a.lr.to_bits(), b.lr.to_bits());
    assert_eq!(a.ops, b.ops);
    assert_eq!(a.ops.len(), 3);
}

const FILES: [&str; 4] = ["loss.csv", "params.npz", "predictions.csv", "metrics.csv"];

/// The traced values' steps and names of a run's `trace.npz`, in order.
fn traced_values(dir: &Path) -> Vec<(usize, String)> {
    let index = xor_repro::record::npz::NpzIndex::open(&dir.join("trace.npz")).unwrap();
    let mut last: Option<(usize, usize)> = None;
    index
        .entries
        .iter()
        .map(|e| {
            let (step, seq, name) = xor_repro::record::trace::parse_entry_name(&e.name)
                .unwrap_or_else(|| panic!("{} is not STEP/SEQ/NAME", e.name));
            let expected = match last {
                Some((s, q)) if s == step => q + 1,
                _ => 0,
            };
            assert_eq!(seq, expected, "{}: seq in program order", e.name);
            last = Some((step, seq));
            (step, name.to_string())
        })
        .collect()
}

#[test]
fn both_recorders_write_the_same_files_for_the_same_training() {
    let dir = tempfile::tempdir().unwrap();
    let python = python_side(dir.path(), &["--trace"]);
    let rust = rust_side(
        dir.path(),
        Args {
            trace: true,
            ..Args::default()
        },
    );
    assert_same_run(&rust, &python, &[&FILES[..], &["trace.npz"]].concat());

    // What the files hold, so that identical files are also the intended ones.
    let predictions = read(&python, "predictions.csv");
    assert!(
        predictions.starts_with("row,x0,x1,label,y0,output0,output1,output2\n0,"),
        "{predictions}"
    );
    assert_eq!(predictions.lines().count(), 1 + N as usize);
    let metrics: Vec<String> = read(&python, "metrics.csv")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(metrics[0], "step,mae,max,tiny,last");
    let steps: Vec<&str> = metrics[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(steps, ["0", "1", "2", "10", "9"]);
    assert!(
        metrics[1].split(',').nth(1) != Some("1.0"),
        "a second value replaces: {metrics:?}"
    );
    assert!(metrics[2].starts_with("1,,"), "an empty cell: {metrics:?}");
    assert!(metrics[3].ends_with(",0.000015,"), "{metrics:?}");
    assert_eq!(metrics[5], "9,,,,1e-7");

    // The trace: parameters, forward values, gradients in autograd's order, updates.
    let trace = traced_values(&python);
    let names = |step: usize| -> Vec<String> {
        trace
            .iter()
            .filter(|(s, _)| *s == step)
            .map(|(_, name)| name.clone())
            .collect()
    };
    let params = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
    let forward = ["fc1(x)", "relu", "out", "loss"];
    let updated = params.map(|p| format!("{p}.updated"));
    let expect = |grads: &[&str]| -> Vec<String> {
        let grads = grads.iter().map(|g| format!("{g}.grad"));
        params
            .iter()
            .chain(&forward)
            .map(|s| s.to_string())
            .chain(grads)
            .chain(updated.clone())
            .collect()
    };
    // Step 0: both layers noted.
    assert_eq!(
        names(0),
        expect(&[
            "out",
            "fc2.weight",
            "fc2.bias",
            "relu",
            "fc1(x)",
            "fc1.weight",
            "fc1.bias"
        ])
    );
    // Step 1: none noted, so every parameter follows the kept values, the last one first.
    assert_eq!(
        names(1),
        expect(&[
            "out",
            "relu",
            "fc1(x)",
            "fc2.bias",
            "fc2.weight",
            "fc1.bias",
            "fc1.weight"
        ])
    );
    // Step 2: the second layer only.
    assert_eq!(
        names(2),
        expect(&[
            "out",
            "fc2.weight",
            "fc2.bias",
            "relu",
            "fc1(x)",
            "fc1.bias",
            "fc1.weight"
        ])
    );
}

#[test]
fn both_recorders_trace_the_same_steps_and_none_untraced() {
    let dir = tempfile::tempdir().unwrap();
    let traced = dir.path().join("traced");
    let python = python_side(&traced, &["--trace-steps", "1..2"]);
    let rust = rust_side(
        &traced,
        Args {
            trace_steps: Some(1..=2),
            ..Args::default()
        },
    );
    assert_same_run(&rust, &python, &[&FILES[..], &["trace.npz"]].concat());
    let steps: std::collections::BTreeSet<usize> = traced_values(&python)
        .iter()
        .map(|(step, _)| *step)
        .collect();
    assert_eq!(steps.into_iter().collect::<Vec<_>>(), [1, 2]);

    let untraced = dir.path().join("untraced");
    let python = python_side(&untraced, &[]);
    let rust = rust_side(&untraced, Args::default());
    assert_same_run(&rust, &python, &FILES);
    for dir in [&python, &rust] {
        assert!(!dir.join("trace.npz").exists() && !dir.join("trace.csv").exists());
        let left: Vec<String> = file_names(dir.parent().unwrap())
            .into_iter()
            .filter(|n| n.starts_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary folders left: {left:?}");
    }
}

/// `xor_repro::record::number` (ryu) and the recorder's `number`, on edge cases and on
/// pseudo-random doubles of every magnitude.
#[test]
fn numbers_are_written_alike() {
    let mut bits: Vec<u64> = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        0.3,
        2.5,
        100.0,
        1e-4,
        1e-5,
        1.5e-5,
        9.99e-6,
        1e-7,
        1.0e15,
        1e16,
        9999999999999998.0,
        123456789012345680.0,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        0.1f32 as f64,
        1e-5f32 as f64,
    ]
    .iter()
    .map(|x: &f64| x.to_bits())
    .collect();
    // splitmix64: random bit patterns (every exponent), and random floats near 10^k.
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        state = state.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    };
    for _ in 0..3000 {
        bits.push(next());
    }
    for k in -30..30 {
        for _ in 0..20 {
            let unit = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let x = (unit + 0.5) * 10f64.powi(k);
            bits.push(x.to_bits());
            bits.push((x as f32 as f64).to_bits());
        }
    }
    let list = bits
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let code = format!(
        "import struct, xor_repro_record as x\n\
         for b in [{list}]:\n    print(x.number(struct.unpack('<d', b.to_bytes(8, 'little'))[0]))"
    );
    let ran = python(&["-c", &code]);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let printed = String::from_utf8_lossy(&ran.stdout);
    let printed: Vec<&str> = printed.lines().collect();
    assert_eq!(printed.len(), bits.len());
    for (b, p) in bits.iter().zip(printed) {
        let x = f64::from_bits(*b);
        assert_eq!(p, xor_repro::record::number(x), "{x:e} ({b:#018x})");
    }
}

/// Runs `code` after `import torch` (when it uses it), `import xor_repro_record as xrr` and a run made by `from_args`
/// with `argv`; asserts it fails with status 2 and one line `error: ...`; returns the line.
fn misuse(argv: &[&str], code: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    argv.extend([
        "--out".to_string(),
        dir.path().to_string_lossy().into_owned(),
    ]);
    let script = format!(
        "{torch}import xor_repro_record as xrr\n\
         rec = xrr.Run.from_args('misuse', argv={argv:?})\n{code}\n\
         rec.write()\n",
        torch = if code.contains("torch") {
            "import torch\n"
        } else {
            ""
        }
    );
    let ran = python(&["-c", &script]);
    let err = String::from_utf8_lossy(&ran.stderr).into_owned();
    assert_eq!(ran.status.code(), Some(2), "{code}\nstderr: {err}");
    assert_eq!(err.lines().count(), 1, "{code}\nstderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        !dir.path().join("misuse").exists(),
        "no run folder is written: {code}"
    );
    err.trim_end().to_string()
}

#[test]
fn misuse_is_one_line_and_status_2() {
    let line = misuse(&["--seed", "x"], "");
    assert!(line.contains("--seed") && line.contains("'x'"), "{line}");
    let line = misuse(&["--seed", "-1"], "");
    assert!(line.contains("--seed"), "{line}");
    let line = misuse(&["--trace-steps", "5..2"], "");
    assert!(
        line.contains("steps 5..2: the first step is after the last"),
        "{line}"
    );
    let line = misuse(&["--trace-steps", "a"], "");
    assert!(
        line.contains("expected steps A..B (both included) or one step A"),
        "{line}"
    );
    let line = misuse(&["--epochs", "3"], "");
    assert!(
        line.contains("unrecognized arguments: --epochs 3"),
        "{line}"
    );

    let line = misuse(&[], "rec.loss(0, 1.0)\nrec.loss(2, 1.0)");
    assert!(
        line.contains("the loss of step 2 was given after 1 losses"),
        "{line}"
    );
    let line = misuse(&[], "rec.loss(0, torch.ones(3))");
    assert!(line.contains("expected one number, got 3"), "{line}");
    let line = misuse(&[], "rec.metric(0, 'a,b', 1.0)");
    assert!(line.contains("comma"), "{line}");
    let line = misuse(&[], "rec.metric(-1, 'acc', 1.0)");
    assert!(line.contains("a step is a whole number"), "{line}");
    let line = misuse(&[], "rec.op('h', None, 'mkl')");
    assert!(line.contains("code must be a non-empty string"), "{line}");
    let line = misuse(&[], "rec.op('h', 'fc1(x)', '')");
    assert!(
        line.contains("library must be a non-empty string or None"),
        "{line}"
    );
    let line = misuse(
        &[],
        "rec.predictions_from([('x', torch.zeros(4, 2)), ('x0', torch.zeros(4))])",
    );
    assert!(line.contains("column x0 (of x0) appears twice"), "{line}");
    let line = misuse(&[], "rec.predictions_from([('x', [[1.0, 2.0], [3.0]])])");
    assert!(line.contains("x: not an array"), "{line}");

    // The row counts: the same message as the Rust side's.
    let line = misuse(
        &[],
        "rec.predictions_from([('x', torch.zeros(4, 2)), ('y', torch.zeros(3))])",
    );
    let mut run = Run::new("misuse", Args::default());
    let rust = run
        .predictions_from(&[
            ("x", &Tensor::zeros([4, 2], (Kind::Float, Device::Cpu))),
            ("y", &Tensor::zeros([3], (Kind::Float, Device::Cpu))),
        ])
        .unwrap_err();
    assert_eq!(line, format!("error: {rust}"));

    // The step tracer.
    let model = "m = torch.nn.Linear(2, 1)\nx = torch.ones(3, 2)\n";
    let line = misuse(
        &["--trace"],
        &format!("{model}t = rec.step(0, m)\nt = rec.step(1, m)"),
    );
    assert!(
        line.contains("the tracer of step 0 was never ended"),
        "{line}"
    );
    let line = misuse(&[], &format!("{model}t = rec.step(0, m)"));
    assert!(
        line.contains("the tracer of step 0 was never ended"),
        "{line}"
    );
    let line = misuse(
        &["--trace"],
        &format!("{model}with rec.step(0, m) as t:\n    t.keep('x', x)"),
    );
    assert!(
        line.contains("keep('x'): the value does not require grad"),
        "{line}"
    );
    let line = misuse(
        &["--trace"],
        &format!(
            "{model}with rec.step(0, m) as t:\n    h = t.keep('h', m(x))\n    \
             t.backward(m(x).sum())"
        ),
    );
    assert!(
        line.contains("keep('h'): the loss does not depend on it"),
        "{line}"
    );
    let line = misuse(
        &["--trace"],
        &format!("{model}with rec.step(0, m) as t:\n    t.params(torch.nn.Linear(1, 1))"),
    );
    assert!(line.contains("is not a parameter of the model"), "{line}");
    let line = misuse(
        &[],
        &format!("{model}with rec.step(0, m) as t:\n    t.backward(m(x).sum())\n    t.backward(m(x).sum())"),
    );
    assert!(line.contains("backward() after backward()"), "{line}");
    let line = misuse(
        &[],
        &format!("{model}rec.step(0, m).end()\nrec.step(-1, m)"),
    );
    assert!(line.contains("a step is a whole number"), "{line}");
}

/// What the untraced step costs: `backward` is `loss.backward()`, nothing is kept or read;
/// and the reference scripts' form of `Run` is unchanged (their files are held to Rust's by
/// the workspace's own tests).
#[test]
fn an_untraced_step_is_the_scripts_own_backward() {
    let code = r#"
import sys, torch, xor_repro_record as xrr
rec = xrr.Run.from_args("x", argv=["--trace-steps", "1"], echo=False)
assert rec.seed == 0 and rec.steps(4) == 4 and not rec.traced(0) and rec.traced(1)
m = torch.nn.Linear(2, 1)
x = torch.ones(3, 2)
with rec.step(0, m) as t:
    h = t.keep("h", m(x))
    assert t._forward == [] and t._params == []
    t.backward(h.sum())
assert m.weight.grad is not None and rec._trace == []
rec2 = xrr.Run.from_args("x", argv=["--steps", "5", "--seed", "3"], echo=False)
assert rec2.seed == 3 and rec2.steps(4) == 5
sys.__stdout__.write("ok\n")  # print() goes to the transcript only (echo=False)
"#;
    let ran = python(&["-c", code]);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), "ok");
}

/// `rec.optimizer(opt)`: each param group's entries of the optimizer's `defaults`, in their
/// order, whatever order a group's own dict gives them; the entries a scheduler adds
/// (`initial_lr`, `max_lr`, …) and `None` left out; tuples and booleans as numbers; a tensor
/// lr as its number; and `save_data`'s refusal of a dtype tch cannot read.
#[test]
fn the_recorder_traces_what_the_optimizer_reads() {
    let code = r#"
import sys, torch, xor_repro_record as xrr
a, b = torch.nn.Linear(2, 1), torch.nn.Linear(1, 1)
opt = torch.optim.SGD([{"params": a.parameters(), "nesterov": True, "momentum": 0.5},
                       {"params": b.parameters()}], lr=torch.tensor(0.25), momentum=0.9)
torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=4)
names = xrr.hyper_parameters(opt)
keys = [n for n, _ in names if n.startswith("optim.group1.")]
assert keys == ["optim.group1." + k for k in
                ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize",
                 "differentiable"]], keys
assert ("optim.group0.nesterov", 1.0) in names and ("optim.group0.momentum", 0.95) in names, names
assert all(isinstance(v, float) for _, v in names)
# A tensor lr stays a float32 tensor under the scheduler (`fill_`): its float32 value.
assert ("optim.group0.lr", float(torch.tensor(0.5 / 25))) in names, names
adam = torch.optim.Adam(a.parameters(), betas=(0.8, 0.9))
assert xrr.hyper_parameters(adam)[1:3] == [("optim.group0.betas[0]", 0.8), ("optim.group0.betas[1]", 0.9)]
sys.__stdout__.write("ok\n")
"#;
    let ran = python(&["-c", code]);
    assert!(
        ran.status.success() && String::from_utf8_lossy(&ran.stdout).trim() == "ok",
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let line = misuse(
        &[],
        "import numpy as np\nrec.save_data('mask', np.array([True, False]))",
    );
    assert!(
        line.contains("is not one tch's Tensor::read_npy reads"),
        "{line}"
    );
}
