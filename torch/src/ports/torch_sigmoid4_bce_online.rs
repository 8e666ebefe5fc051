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

use xor_repro_port::Autograd;
use super::values;
use crate::tensors::Param;
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::torch_sigmoid4_bce_online::{epilogue, show_params, HiddenLayer};
use xor_repro::experiments::{Config, Network};
use xor_repro::pyfmt;
use xor_repro::record::RunRecord;
use xor_repro::rng::cpython::CpythonRandom;

/// In [5]: `sigmoid(x) = 1 / (1 + torch.exp(-x))`, as Python runs it: `1 + t` is `t + 1`
/// (`__radd__`) and `1 / t` is `t.reciprocal() * 1` (`__rtruediv__`).
fn sigmoid(x: &Tensor) -> Tensor {
    ((-x).exp() + 1).reciprocal() * 1
}

/// `W1, b1, W2, b2` by name.
fn named(params: &[Tensor; 4]) -> [(&'static str, &Tensor); 4] {
    let [w1, b1, w2, b2] = params;
    [("W1", w1), ("b1", b1), ("W2", w2), ("b2", b2)]
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);
    let float = (Kind::Float, Device::Cpu);

    // In [3], [4]: W1 = torch.rand(2, 4, requires_grad=True) … b2 = torch.rand(1, …)
    let drawn = [
        ("W1", Param(Tensor::rand([2, 4], float))),
        ("b1", Param(Tensor::rand([4], float))),
        ("W2", Param(Tensor::rand([4, 1], float))),
        ("b2", Param(Tensor::rand([1], float))),
    ];
    let params: [Tensor; 4] = cfg
        .initial_params(&mut record, drawn)?
        .map(|p| p.0.set_requires_grad(true));
    for line in show_params(&params.each_ref().map(values)) {
        record.print(line);
    }

    // In [5]
    let probe = sigmoid(&Tensor::from_slice(&[1f32, 2., 3., -3.]));
    record.print(pyfmt::tensor(&values(&probe), &[4], &[]));

    // In [6]: dataset(n) draws x1, then x2, with random.choice([0, 1])
    let mut random = CpythonRandom::new(cfg.seed as i128);

    // In [7]: train. `running_loss` becomes a float32 tensor at its first `+=`; each `+=` and
    // the `/1000` are one float32 rounding, as they are here.
    let mut running_loss = 0f32;
    let [w1, b1, w2, b2] = &params;
    for i in 0..cfg.steps {
        let g = Autograd::step(record.trace.step(i), &named(&params));
        let (x, y) = sample(&mut random);
        let (x, y) = (g.value("x", x), g.value("y", y));
        g.params(&named(&params)[..2]);
        let h1 = g.keep("h1", sigmoid(&g.value("x @ W1 + b1", x.matmul(w1) + b1)));
        g.params(&named(&params)[2..]);
        let out = g.keep("out", sigmoid(&g.value("h1 @ W2 + b2", h1.matmul(w2) + b2)));
        let loss = -(&y * out.log() + (1f64 - &y) * (1f64 - &out).log());
        let loss = g.value("loss", loss);
        if i % 1000 == 999 {
            record.print(pyfmt::fixed((running_loss / 1000.0) as f64, 3));
            running_loss = 0.0;
        }
        running_loss += f32::try_from(&loss)?; // loss.data[0]
        g.backward(&loss);
        tch::no_grad(|| update(&params, cfg.lr));
        record.end_sample(i, loss.double_value(&[]));
    }
    epilogue(&mut record, &mut Net(params))?;
    Ok(record)
}

/// One draw of `dataset(n)`: `x1`, then `x2`, with `random.choice([0, 1])`, as the float32
/// tensors `torch.FloatTensor([x1, x2])` and `torch.FloatTensor([y])`.
fn sample(random: &mut CpythonRandom) -> (Tensor, Tensor) {
    let x1 = random.choice(&[0, 1]);
    let x2 = random.choice(&[0, 1]);
    let y = ((x1 != 0) ^ (x2 != 0)) as i32;
    let x = Tensor::from_slice(&[x1 as f32, x2 as f32]);
    (x, Tensor::from_slice(&[y as f32]))
}

/// `W.data -= 0.05 * W.grad.data` for each parameter, then `W.grad.data.zero_()` for each.
fn update(params: &[Tensor; 4], lr: f64) {
    for w in params {
        let mut w = w.shallow_clone();
        w -= w.grad() * lr;
    }
    for w in params {
        let _ = w.grad().zero_();
    }
}

/// The trained tensors `W1, b1, W2, b2`.
struct Net([Tensor; 4]);

impl Network for Net {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.0.iter().map(values).collect()
    }

    fn predict(&mut self, inputs: &[[f64; 2]]) -> Result<Vec<f64>> {
        Ok(self
            .hidden_and_out(inputs)
            .into_iter()
            .map(|(_, out)| out)
            .collect())
    }
}

impl HiddenLayer for Net {
    /// `h1` and `out` for each input alone, as the notebook feeds its samples.
    fn hidden_and_out(&mut self, inputs: &[[f64; 2]]) -> Vec<(Vec<f64>, f64)> {
        let [w1, b1, w2, b2] = &self.0;
        inputs
            .iter()
            .map(|[x1, x2]| {
                let x = Tensor::from_slice(&[*x1 as f32, *x2 as f32]);
                let h1 = sigmoid(&(x.matmul(w1) + b1));
                let out = sigmoid(&(h1.matmul(w2) + b2));
                (values(&h1), values(&out)[0])
            })
            .collect()
    }
}
