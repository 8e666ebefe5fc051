//! Notebook 003 (`003_91141446f149ca94.txt`, "The first neural network"): raw PyTorch
//! tensors with autograd, 2→4 sigmoid→1 sigmoid, per-sample binary cross-entropy, manual
//! SGD lr 0.05 over 10 000 single samples drawn with CPython's `random.choice([0, 1])`.
//!
//! Quirks kept:
//! - `torch.rand` init in the order W1 (2×4), b1 (4), W2 (4×1), b2 (1).
//! - Its own `sigmoid(x) = 1 / (1 + torch.exp(-x))`; in Python `1 / t` is
//!   `t.reciprocal() * 1`, so that is the graph built here, not `torch.sigmoid`.
//! - `W.data -= 0.05 * W.grad.data`: multiply, then subtract (two roundings), then the
//!   gradients are zeroed in place (not set to None), so the next backward accumulates
//!   onto zeros.
//! - `running_loss` starts as the int 0 and becomes a float32 tensor at the first
//!   `+= loss.data[0]`; it is printed as `running_loss/1000` *before* sample i's loss is
//!   added when `i % 1000 == 999`, so the first figure averages samples 0..998 (999 of
//!   them) over 1000.
//! - The notebook seeds neither torch nor `random`; `--seed S` seeds both (default 0).
//!   `notebooks/initial/torch-sigmoid4-bce-online.csv` holds the initial weights it
//!   printed, for `--init-from`.
//! - Cell outputs (`W1, b1` …) are shown as Jupyter displays tuples.

use super::{Config, Experiment, Framework};
use crate::record::{RunRecord, Stage};
use crate::rng::cpython::CpythonRandom;
use crate::{pyfmt, torch_init, xor};
use anyhow::Result;
use tch::Tensor;

pub const EXPERIMENT: Experiment = Experiment {
    name: "torch-sigmoid4-bce-online",
    notebook: "003_91141446f149ca94.txt",
    framework: Framework::PyTorch,
    net: "2→4 sigmoid→1 sigmoid",
    objective: "per-sample BCE, manual SGD lr 0.05",
    steps: 10_000,
    step_unit: "samples",
    lr: 0.05,
    default_seed: 0,
    reference_script: "torch_sigmoid4_bce_online.py",
    run,
};

/// The notebook's `sigmoid`: `1 / (1 + torch.exp(-x))`.
fn sigmoid(x: &Tensor) -> Tensor {
    (x.neg().exp() + 1.0).reciprocal() * 1.0
}

/// `str(t)` of a parameter or result, as the notebook displays it.
fn show(t: &Tensor, suffix: &[&str]) -> String {
    pyfmt::tensor(&torch_init::values(t), &torch_init::shape(t), suffix)
}

fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = RunRecord::default();
    tch::manual_seed(cfg.seed as i64);

    // In [3], [4]: W1 = torch.rand(2, 4, requires_grad=True) … b2 = torch.rand(1, …)
    let drawn = vec![
        ("W1", torch_init::rand(&[2, 4])),
        ("b1", torch_init::rand(&[4])),
        ("W2", torch_init::rand(&[4, 1])),
        ("b2", torch_init::rand(&[1])),
    ];
    let params: Vec<Tensor> = cfg
        .initial_params(&mut record, drawn)?
        .into_iter()
        .map(|p| p.set_requires_grad(true))
        .collect();
    let [w1, b1, w2, b2] = &params[..] else { unreachable!() };
    let leaf = ["requires_grad=True"];
    record.say(cfg.echo, pyfmt::display_tuple(&[show(w1, &leaf), show(b1, &leaf)]));
    record.say(cfg.echo, pyfmt::display_tuple(&[show(w2, &leaf), show(b2, &leaf)]));

    // In [5]: sigmoid(torch.Tensor([1, 2, 3, -3]))
    let probe = tch::no_grad(|| sigmoid(&Tensor::from_slice(&[1f32, 2.0, 3.0, -3.0])));
    record.say(cfg.echo, show(&probe, &[]));

    // In [6]: dataset(n) draws x1, then x2, with random.choice([0, 1])
    let mut random = CpythonRandom::new(cfg.seed as i128);
    let forward = |x: &Tensor| {
        let h1 = sigmoid(&(x.matmul(w1) + b1));
        let out = sigmoid(&(h1.matmul(w2) + b2));
        (h1, out)
    };

    // In [7]: train
    let mut running_loss = 0f32;
    for i in 0..cfg.steps {
        let x1 = random.choice(&[0f32, 1.0]);
        let x2 = random.choice(&[0f32, 1.0]);
        let y = ((x1 != 0.0) ^ (x2 != 0.0)) as i32 as f32;
        let x = Tensor::from_slice(&[x1, x2]);
        let y = Tensor::from_slice(&[y]);

        let (_, out) = forward(&x);
        let loss = (&y * out.log() + y.rsub_scalar(1) * out.rsub_scalar(1).log()).neg();

        if i % 1000 == 999 {
            record.say(cfg.echo, pyfmt::fixed((running_loss / 1000.0) as f64, 3));
            running_loss = 0.0;
        }
        let sample_loss = loss.double_value(&[0]);
        running_loss += sample_loss as f32;
        record.losses.push(sample_loss);

        loss.backward();
        tch::no_grad(|| {
            for p in &params {
                let step = p.grad() * cfg.lr;
                let mut data = p.detach();
                data -= step;
            }
        });
        for p in &params {
            let _ = p.grad().zero_();
        }
        cfg.tick(i);
    }

    // In [8]–[12]: the trained network on [1, 1], then its weights.
    let x = Tensor::from_slice(&[1f32, 1.0]);
    let (h1, out) = forward(&x);
    let result = ["grad_fn=<MulBackward0>"];
    record.say(
        cfg.echo,
        pyfmt::display_tuple(&[show(&x, &[]), show(&h1, &result), show(&out, &result)]),
    );
    record.say(cfg.echo, pyfmt::display_tuple(&[show(w1, &leaf), show(b1, &leaf)]));
    record.say(cfg.echo, pyfmt::display_tuple(&[show(w2, &leaf), show(b2, &leaf)]));

    for (name, p) in ["W1", "b1", "W2", "b2"].iter().zip(&params) {
        record.push_param(Stage::Final, name, torch_init::values(p));
    }
    let outputs: Vec<f64> = tch::no_grad(|| {
        xor::INPUTS
            .iter()
            .map(|[x1, x2]| {
                let (_, out) = forward(&Tensor::from_slice(&[*x1 as f32, *x2 as f32]));
                out.double_value(&[0])
            })
            .collect()
    });
    record.predictions = xor::predictions(&outputs);
    Ok(record)
}
