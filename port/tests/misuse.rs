//! Misuse of the port API is a one-line error from `Run::write`, never a panic, and leaves no
//! run folder behind: a kept value without a gradient, one the loss does not use, a parameter
//! the loss does not use, a name a CSV cannot hold, losses out of order, predictions of
//! different lengths or with a repeated column.

use tch::{nn, nn::Module, Kind, Tensor};
use xor_repro_port::{init, named_parameters, Args, Run};

type Misuse = dyn Fn(&mut Run, &xor_repro_port::Autograd, &Tensor, &Tensor);

/// A traced run of a two-layer model (and a third layer the loss never uses, when `unused`)
/// over 3 steps, `misuse` applied at step 1; returns what `write` said, and whether a run
/// folder was left.
fn run_with(unused: bool, misuse: &Misuse) -> (Result<(), String>, bool) {
    let out = tempfile::tempdir().unwrap();
    let args = Args {
        out: out.path().to_path_buf(),
        trace: true,
        ..Args::default()
    };
    let mut run = Run::new("misuse", args);
    tch::manual_seed(0);
    let vs = nn::VarStore::new(tch::Device::Cpu);
    let fc1 = init::linear(vs.root() / "fc1", 2, 3);
    let fc2 = init::linear(vs.root() / "fc2", 3, 1);
    if unused {
        let _ = init::linear(vs.root() / "unused", 1, 1);
    }
    let params = named_parameters(&vs);
    let x = Tensor::rand([4, 2], (Kind::Float, tch::Device::Cpu));
    for step in 0..3 {
        let t = run.step(step, &params);
        let h = t.keep("h", fc1.forward(&x).relu());
        let loss = t.value("loss", fc2.forward(&h).mean(None));
        if step == 1 {
            misuse(&mut run, &t, &x, &loss);
        }
        t.backward(&loss);
        drop(t);
        run.loss(step, &loss);
    }
    let folder = out.path().join("misuse");
    let said = run.write().map(|_| ()).map_err(|e| format!("{e:#}"));
    // Not even the temporary folder the trace was streamed into, nor the folders above it.
    let left = folder.exists();
    (said, left)
}

fn fails_with(said: (Result<(), String>, bool), expected: &str) {
    let (said, left) = said;
    let message = said.expect_err("write must fail");
    assert!(message.contains(expected), "said: {message}");
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(!left, "no run folder after a failed write");
    println!("{expected:?}: {message}");
}

#[test]
fn misuse_is_one_line_from_write() {
    // The `unused` layer gets no gradient: every traced step says so.
    fails_with(
        run_with(true, &|_, _, _, _| {}),
        "unused.weight.grad is not defined after backward",
    );
}

#[test]
fn a_kept_value_without_gradient_is_named() {
    let said = run_with(false, &|_, t, x, _| {
        let _ = t.keep("x", x.shallow_clone());
    });
    fails_with(
        said,
        "keep(\"x\") at step 1: the value does not require grad",
    );
}

#[test]
fn a_kept_value_the_loss_does_not_use_is_named() {
    let said = run_with(false, &|_, t, x, _| {
        let _ = t.keep("z", x.shallow_clone().set_requires_grad(true) * 2.0);
    });
    fails_with(
        said,
        "step 1: z.grad is not defined after backward: the loss does not use it",
    );
}

#[test]
fn a_name_a_csv_cannot_hold_is_refused() {
    let said = run_with(false, &|run, t, x, _| {
        let _ = t.value("a,b", x.shallow_clone());
        run.metric(1, "fine", 1.0);
    });
    let (fine, _) = run_with(false, &|run, _, _, _| {
        run.metric(1, "fine", 1.0);
    });
    assert_eq!(fine, Ok(()), "the same run without misuse writes");
    fails_with(said, "a traced value is named \"a,b\"");
    let said = run_with(false, &|run, _, _, _| {
        run.metric(1, "acc\nuracy", 1.0);
    });
    fails_with(said, "a metric is named");
}

#[test]
fn losses_out_of_order_are_refused() {
    let said = run_with(false, &|run, _, _, loss| {
        run.loss(5, loss);
    });
    fails_with(said, "the loss of step 5 was given after 1 losses");
}

#[test]
fn predictions_must_share_their_rows_and_names() {
    let mut run = Run::new("p", Args::default());
    let a = Tensor::zeros([4, 2], (Kind::Float, tch::Device::Cpu));
    let b = Tensor::zeros([3], (Kind::Float, tch::Device::Cpu));
    let err = run
        .predictions_from(&[("a", &a), ("b", &b)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("b has 3 rows, a has 4"), "{err}");
    let a0 = Tensor::zeros([4], (Kind::Float, tch::Device::Cpu));
    let err = run
        .predictions_from(&[("a", &a), ("a0", &a0)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("two columns named a0"), "{err}");
}
