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
//!
//! Speed without autograd: per sample, autograd builds and walks a graph of ~40 tiny
//! operations. Here the forward pass keeps what its backward needs and `backward` applies
//! the formulas autograd applies (tools/autograd/derivatives.yaml), node by node in its
//! order. Every step whose bits depend on the kernel (`exp`, `log`, the 4-term dot product
//! `h1 @ W2`) calls libtorch's kernel on a tensor of the shape Python uses; the rest are
//! single IEEE operations (add, negate, multiply, divide, and products with a 0/1 input or
//! a one-term sum) that Rust computes to the same bits. The tests hold every loss and
//! parameter bit-identical to Python.

use super::backprop::{floats, floats_mut, widen};
use crate::tensors::{self, InitialTensors};
use crate::torch_init;
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::trace::Trace;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::rng::cpython::CpythonRandom;
use xor_repro::{pyfmt, xor};

/// libtorch's kernels for the steps whose bits depend on the kernel, on buffers of the
/// shapes Python's tensors have there.
struct Kernels {
    exp4: (Tensor, Tensor),
    exp1: (Tensor, Tensor),
    log1: (Tensor, Tensor),
    /// `h1` as the `[1, 4]` matrix `matmul` hands to `mm`, and the `[1, 1]` product.
    h1_row: Tensor,
    dot: Tensor,
}

fn buffer(shape: &[i64]) -> Tensor {
    Tensor::zeros(shape, (Kind::Float, Device::Cpu))
}

impl Kernels {
    fn new() -> Kernels {
        Kernels {
            exp4: (buffer(&[4]), buffer(&[4])),
            exp1: (buffer(&[1]), buffer(&[1])),
            log1: (buffer(&[1]), buffer(&[1])),
            h1_row: buffer(&[1, 4]),
            dot: buffer(&[1, 1]),
        }
    }

    /// `torch.exp` of a 4-element tensor.
    fn exp4(&self, x: [f32; 4]) -> [f32; 4] {
        floats_mut(&self.exp4.0).copy_from_slice(&x);
        let _ = self.exp4.0.exp_out(&self.exp4.1);
        floats(&self.exp4.1).try_into().unwrap()
    }

    /// `torch.exp` of a 1-element tensor.
    fn exp1(&self, x: f32) -> f32 {
        floats_mut(&self.exp1.0)[0] = x;
        let _ = self.exp1.0.exp_out(&self.exp1.1);
        floats(&self.exp1.1)[0]
    }

    /// `torch.log` of a 1-element tensor.
    fn log1(&self, x: f32) -> f32 {
        floats_mut(&self.log1.0)[0] = x;
        let _ = self.log1.0.log_out(&self.log1.1);
        floats(&self.log1.1)[0]
    }

    /// `h1 @ W2` for `h1` of 4 elements: `at::matmul` runs `h1.unsqueeze(0).mm(W2)`.
    fn dot(&self, h1: [f32; 4], w2: &Tensor) -> f32 {
        floats_mut(&self.h1_row).copy_from_slice(&h1);
        let _ = self.h1_row.mm_out(&self.dot, w2);
        floats(&self.dot)[0]
    }
}

/// What the notebook's forward pass keeps for its backward (and for traces).
struct Forward {
    /// `x @ W1 + b1` and `h1 @ W2 + b2`.
    z1: [f32; 4],
    z2: f32,
    e1: [f32; 4],
    r1: [f32; 4],
    e2: f32,
    r2: f32,
}

impl Forward {
    /// `h1 = sigmoid(x @ W1 + b1)` (`* 1` leaves every value as it is).
    fn h1(&self) -> [f32; 4] {
        self.r1
    }
    /// `out = sigmoid(h1 @ W2 + b2)`.
    fn out(&self) -> f32 {
        self.r2
    }
}

/// `h1 = sigmoid(x @ W1 + b1); out = sigmoid(h1 @ W2 + b2)` with the notebook's
/// `sigmoid(x) = 1 / (1 + torch.exp(-x))`.
fn forward(k: &Kernels, params: &[Tensor], x: [f32; 2]) -> Forward {
    let (w1, b1, b2) = (floats(&params[0]), floats(&params[1]), floats(&params[3]));
    // x @ W1: each entry a sum of two products with a 0/1 input, so one rounding.
    let z1: [f32; 4] = std::array::from_fn(|j| (x[0] * w1[j] + x[1] * w1[4 + j]) + b1[j]);
    let e1 = k.exp4(z1.map(|z| -z));
    let r1 = e1.map(|e| 1.0 / (e + 1.0));
    let z2 = k.dot(r1, &params[2]) + b2[0];
    let e2 = k.exp1(-z2);
    let r2 = 1.0 / (e2 + 1.0);
    Forward {
        z1,
        z2,
        e1,
        r1,
        e2,
        r2,
    }
}

/// `loss = -(y * torch.log(out) + (1 - y) * torch.log((1 - out)))`, with the logs it took.
fn bce(k: &Kernels, out: f32, y: f32) -> (f32, f32) {
    let one_minus_out = 1.0 - out;
    let loss = -(y * k.log1(out) + (1.0 - y) * k.log1(one_minus_out));
    (loss, one_minus_out)
}

/// The gradients `loss.backward()` computes.
struct Gradients {
    /// `out.grad` and `h1.grad` (what `retain_grad` would keep).
    out: f32,
    h1: [f32; 4],
    /// W1, b1, W2, b2 (row-major).
    params: [Vec<f32>; 4],
}

/// `loss.backward()`: autograd's formulas, node by node from the loss back, for a loss seeded
/// with 1.
fn backward(f: &Forward, params: &[Tensor], x: [f32; 2], y: f32, one_minus_out: f32) -> Gradients {
    let w2 = floats(&params[2]);
    let out = f.out();
    // NegBackward0, AddBackward0, then each MulBackward0 (grad * y, grad * (1 - y)) and
    // LogBackward0 (grad / self); RsubBackward1 negates; the two paths meet at `out`.
    let grad_sum = -1.0f32;
    let grad_out = (grad_sum * y) / out + -((grad_sum * (1.0 - y)) / one_minus_out);
    // `out = reciprocal(e2 + 1) * 1`: MulBackward0 (* 1), ReciprocalBackward0
    // (-grad * (result * result)), AddBackward1, ExpBackward0 (grad * result), NegBackward0.
    let grad_z2 = -((-grad_out * (f.r2 * f.r2)) * f.e2);
    // AddBackward0 gives b2 and `h1 @ W2` the same gradient; MmBackward0 makes one-term
    // products: W2's is h1ᵀ·grad, h1's is grad·W2ᵀ.
    let h1 = f.h1();
    let grad_w2: Vec<f32> = h1.iter().map(|h| h * grad_z2).collect();
    let grad_h1: [f32; 4] = std::array::from_fn(|j| grad_z2 * w2[j]);
    // The same chain for the hidden layer.
    let grad_z1: [f32; 4] =
        std::array::from_fn(|j| -((-grad_h1[j] * (f.r1[j] * f.r1[j])) * f.e1[j]));
    let grad_w1: Vec<f32> = x.iter().flat_map(|xi| grad_z1.map(|g| xi * g)).collect();
    Gradients {
        out: grad_out,
        h1: grad_h1,
        params: [grad_w1, grad_z1.to_vec(), grad_w2, vec![grad_z2]],
    }
}

/// `W.data -= lr * W.grad.data`: multiply, then subtract. The gradients were zeroed in place
/// after the previous sample, so autograd added this one to zero first (which changes only
/// the sign of a zero gradient, and a zero step leaves W as it is either way).
fn update(params: &[Tensor], grads: &[Vec<f32>], lr: f64) {
    let lr = lr as f32;
    for (p, g) in params.iter().zip(grads) {
        for (w, g) in floats_mut(p).iter_mut().zip(g) {
            *w -= g * lr;
        }
    }
}

/// `str(t)` of a parameter or result, as the notebook displays it.
fn show(values: &[f32], shape: &[usize], suffix: &[&str]) -> String {
    let values: Vec<f64> = values.iter().map(|&v| v as f64).collect();
    pyfmt::tensor(&values, shape, suffix)
}

/// `W1, b1` and `W2, b2`, as the notebook displays the pairs.
fn show_params(params: &[Tensor]) -> [String; 2] {
    let leaf = ["requires_grad=True"];
    let s = |i: usize| show(floats(&params[i]), &tensors::shape(&params[i]), &leaf);
    [
        pyfmt::display_tuple(&[s(0), s(1)]),
        pyfmt::display_tuple(&[s(2), s(3)]),
    ]
}

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];

/// Traces sample `step` up to its gradients, under the Python reference's names: the
/// parameters as they enter, the sample, the forward values, the loss, and the gradients in
/// the order autograd computes them. A parameter's `.grad` is traced as Python holds it: from
/// the second sample on, autograd adds the new gradient to the zeroed one (`0 + g`, which
/// turns a `-0` into `+0`).
fn trace_step(
    trace: &mut Trace,
    step: usize,
    params: &[Tensor],
    [x1, x2, y]: [f32; 3],
    f: &Forward,
    loss: f32,
    grads: &Gradients,
) {
    if !trace.on(step) {
        return;
    }
    for (name, p) in PARAMS.iter().zip(params) {
        trace.value(step, name, || tensors::values(p));
    }
    trace.value(step, "x", || widen(&[x1, x2]));
    trace.value(step, "y", || widen(&[y]));
    trace.value(step, "x @ W1 + b1", || widen(&f.z1));
    trace.value(step, "h1", || widen(&f.h1()));
    trace.value(step, "h1 @ W2 + b2", || widen(&[f.z2]));
    trace.value(step, "out", || widen(&[f.out()]));
    trace.value(step, "loss", || widen(&[loss]));
    let as_held = |g: &[f32]| -> Vec<f64> {
        g.iter()
            .map(|&g| {
                let held = if step == 0 { g } else { 0.0 + g };
                held as f64
            })
            .collect()
    };
    let [w1, b1, w2, b2] = &grads.params;
    trace.value(step, "out.grad", || widen(&[grads.out]));
    trace.value(step, "W2.grad", || as_held(w2));
    trace.value(step, "b2.grad", || as_held(b2));
    trace.value(step, "h1.grad", || widen(&grads.h1));
    trace.value(step, "W1.grad", || as_held(w1));
    trace.value(step, "b1.grad", || as_held(b1));
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
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
        .map(|p| p.contiguous())
        .collect();
    for line in show_params(&params) {
        record.print(line);
    }

    // In [5]: sigmoid(torch.Tensor([1, 2, 3, -3]))
    let k = Kernels::new();
    let probe = k.exp4([-1.0, -2.0, -3.0, 3.0]).map(|e| 1.0 / (e + 1.0));
    record.print(show(&probe, &[4], &[]));

    // In [6]: dataset(n) draws x1, then x2, with random.choice([0, 1])
    let mut random = CpythonRandom::new(cfg.seed as i128);

    // In [7]: train
    let mut running_loss = 0f32;
    for i in 0..cfg.steps {
        let x1 = random.choice(&[0f32, 1.0]);
        let x2 = random.choice(&[0f32, 1.0]);
        let y = ((x1 != 0.0) ^ (x2 != 0.0)) as i32 as f32;

        let f = forward(&k, &params, [x1, x2]);
        let (loss, one_minus_out) = bce(&k, f.out(), y);

        if i % 1000 == 999 {
            record.print(pyfmt::fixed((running_loss / 1000.0) as f64, 3));
            running_loss = 0.0;
        }
        running_loss += loss;
        record.losses.push(loss as f64);

        let grads = backward(&f, &params, [x1, x2], y, one_minus_out);
        trace_step(&mut record.trace, i, &params, [x1, x2, y], &f, loss, &grads);
        update(&params, &grads.params, cfg.lr);
        if record.trace.on(i) {
            for (name, p) in PARAMS.iter().zip(&params) {
                record
                    .trace
                    .value(i, &format!("{name}.updated"), || tensors::values(p));
            }
        }
        cfg.tick(i);
    }

    // In [8]–[12]: the trained network on [1, 1], then its weights.
    let f = forward(&k, &params, [1.0, 1.0]);
    let result = ["grad_fn=<MulBackward0>"];
    let shown = [
        show(&[1.0, 1.0], &[2], &[]),
        show(&f.h1(), &[4], &result),
        show(&[f.out()], &[1], &result),
    ];
    record.print(pyfmt::display_tuple(&shown));
    for line in show_params(&params) {
        record.print(line);
    }

    for (name, p) in PARAMS.iter().zip(&params) {
        record.push_param(Stage::Final, name, tensors::values(p));
    }
    let outputs: Vec<f64> = xor::INPUTS
        .iter()
        .map(|[x1, x2]| forward(&k, &params, [*x1 as f32, *x2 as f32]).out() as f64)
        .collect();
    record.predictions = xor::predictions(&outputs);
    Ok(record)
}

// The libtorch registry's entry (`super::TRAINING`).
use super::Training;

pub const TRAINING: Training = Training {
    name: "torch-sigmoid4-bce-online",
    run,
};
