//! The plain tch port of notebook 003 (`003_91141446f149ca94.txt`, "The first neural
//! network"): raw tensors with `requires_grad`, 2→4 sigmoid→1 sigmoid, per-sample binary
//! cross-entropy, autograd (`backward()`) and the notebook's manual SGD, lr 0.05, over 10 000
//! samples drawn with CPython's `random.choice([0, 1])`.
//!
//! Quirks kept:
//! - `torch.rand` in the order W1 (2×4), b1 (4), W2 (4×1), b2 (1).
//! - Its own `sigmoid(x) = 1 / (1 + torch.exp(-x))`. Python runs `1 / t` as
//!   `t.reciprocal() * 1` (`Tensor.__rtruediv__`), and so does [`sigmoid`]: tch's `1.0 / t`
//!   is `(t / 1).pow(-1)`, whose backward (`PowBackward0`: `grad * -1 * t.pow(-2)`) rounds
//!   differently from `ReciprocalBackward0` (`-grad * (r * r)`).
//! - `W.data -= 0.05 * W.grad.data` in `no_grad`: multiply, then subtract (two roundings),
//!   then each gradient is zeroed in place (`zero_`), so from the second sample on autograd
//!   adds the new gradient to zeros.
//! - `running_loss` is printed as `running_loss/1000` with 3 decimals when `i % 1000 == 999`,
//!   *before* sample i's loss is added, then reset: the first figure averages samples
//!   0..998 (999 of them) over 1000.
//! - The notebook seeds neither torch nor `random`; `--seed S` seeds both (default 0).
//! - Cell results (`W1, b1` …) are shown as Jupyter displays tuples.

use super::{intermediate_grads, trace_tensor, values};
use crate::tensors::InitialTensors;
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::rng::cpython::CpythonRandom;
use xor_repro::{pyfmt, xor};

/// In [5]: `sigmoid(x) = 1 / (1 + torch.exp(-x))`, as Python runs it: `1 + t` is `t + 1`
/// (`__radd__`) and `1 / t` is `t.reciprocal() * 1` (`__rtruediv__`).
fn sigmoid(x: &Tensor) -> Tensor {
    ((-x).exp() + 1).reciprocal() * 1
}

/// `str(t)` of a tensor, as the notebook shows it.
fn show(t: &Tensor, suffix: &[&str]) -> String {
    pyfmt::tensor(&values(t), &super::shape(t), suffix)
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);
    let float = (Kind::Float, Device::Cpu);

    // In [3], [4]: W1 = torch.rand(2, 4, requires_grad=True) … b2 = torch.rand(1, …)
    let drawn = vec![
        ("W1", Tensor::rand([2, 4], float)),
        ("b1", Tensor::rand([4], float)),
        ("W2", Tensor::rand([4, 1], float)),
        ("b2", Tensor::rand([1], float)),
    ];
    let names: Vec<&str> = drawn.iter().map(|(name, _)| *name).collect();
    let [mut w1, mut b1, mut w2, mut b2]: [Tensor; 4] = cfg
        .initial_params(&mut record, drawn)?
        .into_iter()
        .map(|p| p.set_requires_grad(true))
        .collect::<Vec<_>>()
        .try_into()
        .expect("four parameters");
    let leaf = ["requires_grad=True"];
    let pair = |a: &Tensor, b: &Tensor| pyfmt::display_tuple(&[show(a, &leaf), show(b, &leaf)]);
    record.print(pair(&w1, &b1));
    record.print(pair(&w2, &b2));

    // In [5]
    let probe = sigmoid(&Tensor::from_slice(&[1f32, 2., 3., -3.]));
    record.print(show(&probe, &[]));

    // In [6]: dataset(n) draws x1, then x2, with random.choice([0, 1])
    let mut random = CpythonRandom::new(cfg.seed as i128);

    // In [7]: train. `running_loss` becomes a float32 tensor at its first `+=`; each `+=` and
    // the `/1000` are one float32 rounding, as they are here.
    let mut running_loss = 0f32;
    for i in 0..cfg.steps {
        let x1 = random.choice(&[0, 1]);
        let x2 = random.choice(&[0, 1]);
        let y = ((x1 != 0) ^ (x2 != 0)) as i32;
        let x = Tensor::from_slice(&[x1 as f32, x2 as f32]);
        let y = Tensor::from_slice(&[y as f32]);

        let traced = record.trace.on(i);
        let trace = &mut record.trace;
        for (name, p) in names.iter().zip([&w1, &b1, &w2, &b2]) {
            trace_tensor(trace, i, name, p);
        }
        let z1 = x.matmul(&w1) + &b1;
        let h1 = sigmoid(&z1);
        let z2 = h1.matmul(&w2) + &b2;
        let out = sigmoid(&z2);
        for (name, t) in [
            ("x", &x),
            ("y", &y),
            ("x @ W1 + b1", &z1),
            ("h1", &h1),
            ("h1 @ W2 + b2", &z2),
            ("out", &out),
        ] {
            trace_tensor(trace, i, name, t);
        }

        let loss = -(&y * out.log() + (1f64 - &y) * (1f64 - &out).log());
        trace_tensor(trace, i, "loss", &loss);

        if i % 1000 == 999 {
            record.print(pyfmt::fixed((running_loss / 1000.0) as f64, 3));
            running_loss = 0.0;
        }
        let loss_value = f32::try_from(&loss)?; // loss.data[0]
        running_loss += loss_value;
        record.losses.push(loss_value as f64);

        let retained = if traced {
            intermediate_grads(&loss, &[&out, &h1])
        } else {
            Vec::new()
        };
        loss.backward();
        if traced {
            let trace = &mut record.trace;
            for (name, g) in [
                ("out.grad", &retained[0]),
                ("W2.grad", &w2.grad()),
                ("b2.grad", &b2.grad()),
                ("h1.grad", &retained[1]),
                ("W1.grad", &w1.grad()),
                ("b1.grad", &b1.grad()),
            ] {
                trace_tensor(trace, i, name, g);
            }
        }

        tch::no_grad(|| {
            for w in [&mut w1, &mut b1, &mut w2, &mut b2] {
                let step = w.grad() * cfg.lr; // W.data -= 0.05 * W.grad.data
                *w -= step;
            }
            for w in [&w1, &b1, &w2, &b2] {
                let _ = w.grad().zero_(); // W.grad.data.zero_()
            }
        });
        if traced {
            for (name, p) in names.iter().zip([&w1, &b1, &w2, &b2]) {
                trace_tensor(&mut record.trace, i, &format!("{name}.updated"), p);
            }
        }
        cfg.tick(i);
    }

    // In [8]–[12]: the trained network on [1, 1], then its weights.
    let x = Tensor::from_slice(&[1f32, 1.]);
    let h1 = sigmoid(&(x.matmul(&w1) + &b1));
    let out = sigmoid(&(h1.matmul(&w2) + &b2));
    let result = ["grad_fn=<MulBackward0>"];
    let shown = [show(&x, &[]), show(&h1, &result), show(&out, &result)];
    record.print(pyfmt::display_tuple(&shown));
    record.print(pair(&w1, &b1));
    record.print(pair(&w2, &b2));

    for (name, p) in names.iter().zip([&w1, &b1, &w2, &b2]) {
        record.push_param(Stage::Final, name, values(p));
    }
    let outputs: Vec<f64> = tch::no_grad(|| {
        xor::INPUTS
            .iter()
            .map(|[x1, x2]| {
                let x = Tensor::from_slice(&[*x1 as f32, *x2 as f32]);
                let out = sigmoid(&(sigmoid(&(x.matmul(&w1) + &b1)).matmul(&w2) + &b2));
                values(&out)[0]
            })
            .collect()
    });
    record.predictions = xor::predictions(&outputs);
    Ok(record)
}
