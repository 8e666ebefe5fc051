//! Notebook 003 (`003_91141446f149ca94.txt`, "The first neural network"),
//! `torch-sigmoid4-bce-online` in the registry: raw PyTorch
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
//! Without autograd: per sample, autograd builds and walks a graph of ~40 tiny operations.
//! Here the forward pass keeps what its backward needs and `backward` applies the formulas
//! autograd applies (tools/autograd/derivatives.yaml), node by node in its order. Every step
//! whose bits depend on the kernel goes through a port of the one libtorch runs: `torch.exp`
//! and `torch.log` are MKL's `vsExp` and `vsLn`, `h1 @ W2` MKL's `sgemm`
//! (`crate::kernels::mkl`); the rest are single IEEE operations (add, negate, multiply,
//! divide, and products with a 0/1 input or a one-term sum). Where MKL's path here is not
//! reproduced, the run goes to the libtorch-backed engine,
//! `torch/src/libtorch_engine/torch_sigmoid4_bce_online.rs`; the plain tch port is
//! `torch/src/ports/`.

use super::network::{record_trained, Network};
use super::run_files::{Notes, RunFiles};
use super::{float32, Config, Experiment, Framework, TracedOp};
use crate::experiments::torch_net::widen;
use crate::kernels::mkl::{self, MklPath};
use crate::pyfmt;
use crate::record::trace::Tap;
use crate::record::RunRecord;
use crate::rng::cpython::CpythonRandom;
use crate::rng::torch::TorchGenerator;
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// Where this notebook's engines differ: who draws `torch.rand` from the seeded generator,
/// and whose kernels compute the three steps whose bits depend on the kernel. The rest are
/// single IEEE operations, computed in Rust on either engine.
pub trait TensorEngine: Sized {
    /// `torch.manual_seed(seed)`, on this engine.
    fn manual_seed(seed: u64) -> Result<Self>;
    /// `torch.rand(shape)`, row-major.
    fn rand(&mut self, shape: &[usize]) -> Vec<f32>;
    /// `torch.exp` of a tensor of `N` elements.
    fn exp<const N: usize>(&self, x: [f32; N]) -> [f32; N];
    /// `torch.log` of a 1-element tensor.
    fn log(&self, x: f32) -> f32;
    /// `h1 @ W2` for `h1` of 4 elements and `W2` of 4×1: `at::matmul` runs
    /// `h1.unsqueeze(0).mm(W2)`.
    fn dot(&self, h1: [f32; 4], w2: &[f32]) -> f32;
}

/// The exact engine in plain Rust: libtorch's generator and MKL's kernels, ported, on the
/// path MKL takes here.
pub struct PlainRust {
    generator: TorchGenerator,
    mkl: MklPath,
}

impl TensorEngine for PlainRust {
    fn manual_seed(seed: u64) -> Result<PlainRust> {
        let mkl = crate::kernels::this_machine().mkl.path.context(
            "MKL's path here is not reproduced: this is the libtorch-backed engine's run",
        )?;
        Ok(PlainRust {
            generator: TorchGenerator::manual_seed(seed),
            mkl,
        })
    }

    fn rand(&mut self, shape: &[usize]) -> Vec<f32> {
        self.generator.rand(shape.iter().product())
    }

    fn exp<const N: usize>(&self, x: [f32; N]) -> [f32; N] {
        x.map(|v| mkl::vml::exp(self.mkl, v))
    }

    fn log(&self, x: f32) -> f32 {
        mkl::vml::ln(self.mkl, x)
    }

    fn dot(&self, h1: [f32; 4], w2: &[f32]) -> f32 {
        let mut out = [0.0];
        mkl::matmul(
            self.mkl,
            (1, 4, 1),
            |_, p| h1[p],
            |p, _| w2[p],
            None,
            &mut out,
        );
        out[0]
    }
}

/// What the notebook's forward pass keeps for its backward.
struct Forward {
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
/// Traces `x @ W1 + b1`, `h1`, `h1 @ W2 + b2` and `out`.
fn forward(t: &Tap, k: &impl TensorEngine, params: &[Vec<f32>], x: [f32; 2]) -> Forward {
    let (w1, b1, b2) = (&params[0], &params[1], &params[3]);
    // x @ W1: each entry a sum of two products with a 0/1 input, so one rounding.
    let z1: [f32; 4] = std::array::from_fn(|j| (x[0] * w1[j] + x[1] * w1[4 + j]) + b1[j]);
    t.tap("x @ W1 + b1", &z1);
    let e1 = k.exp(z1.map(|z| -z));
    let r1 = t.tap("h1", e1.map(|e| 1.0 / (e + 1.0)));
    let z2 = t.tap("h1 @ W2 + b2", k.dot(r1, &params[2]) + b2[0]);
    let [e2] = k.exp([-z2]);
    let r2 = t.tap("out", 1.0 / (e2 + 1.0));
    Forward { e1, r1, e2, r2 }
}

/// `loss = -(y * torch.log(out) + (1 - y) * torch.log((1 - out)))`, with the logs it took.
fn bce(k: &impl TensorEngine, out: f32, y: f32) -> (f32, f32) {
    let one_minus_out = 1.0 - out;
    let loss = -(y * k.log(out) + (1.0 - y) * k.log(one_minus_out));
    (loss, one_minus_out)
}

/// `loss.backward()`: autograd's formulas, node by node from the loss back, for a loss seeded
/// with 1; traces `out.grad`, `h1.grad` and each parameter's `.grad` in autograd's order, a
/// parameter's as Python holds it: from the second sample on, autograd adds the new gradient
/// to the zeroed one (`0 + g`, which turns a `-0` into `+0`).
fn backward(
    t: &Tap,
    f: &Forward,
    params: &[Vec<f32>],
    x: [f32; 2],
    y: f32,
    one_minus_out: f32,
) -> [Vec<f32>; 4] {
    let w2 = &params[2];
    let out = f.out();
    // NegBackward0, AddBackward0, then each MulBackward0 (grad * y, grad * (1 - y)) and
    // LogBackward0 (grad / self); RsubBackward1 negates; the two paths meet at `out`.
    let grad_sum = -1.0f32;
    let grad_out = t.tap(
        "out.grad",
        (grad_sum * y) / out + -((grad_sum * (1.0 - y)) / one_minus_out),
    );
    let held = |name: &str, g: &[f32]| {
        let accumulated = |g: &f32| if t.step() == 0 { *g } else { 0.0 + g };
        t.tap_with(name, || g.iter().map(accumulated).collect::<Vec<f32>>());
    };
    // `out = reciprocal(e2 + 1) * 1`: MulBackward0 (* 1), ReciprocalBackward0
    // (-grad * (result * result)), AddBackward1, ExpBackward0 (grad * result), NegBackward0.
    let grad_z2 = -((-grad_out * (f.r2 * f.r2)) * f.e2);
    // AddBackward0 gives b2 and `h1 @ W2` the same gradient; MmBackward0 makes one-term
    // products: W2's is h1ᵀ·grad, h1's is grad·W2ᵀ.
    let h1 = f.h1();
    let grad_w2: Vec<f32> = h1.iter().map(|h| h * grad_z2).collect();
    held("W2.grad", &grad_w2);
    held("b2.grad", &[grad_z2]);
    let grad_h1: [f32; 4] = t.tap("h1.grad", std::array::from_fn(|j| grad_z2 * w2[j]));
    // The same chain for the hidden layer.
    let grad_z1: [f32; 4] =
        std::array::from_fn(|j| -((-grad_h1[j] * (f.r1[j] * f.r1[j])) * f.e1[j]));
    let grad_w1: Vec<f32> = x.iter().flat_map(|xi| grad_z1.map(|g| xi * g)).collect();
    held("W1.grad", &grad_w1);
    held("b1.grad", &grad_z1);
    [grad_w1, grad_z1.to_vec(), grad_w2, vec![grad_z2]]
}

/// `W.data -= lr * W.grad.data`: multiply, then subtract. The gradients were zeroed in place
/// after the previous sample, so autograd added this one to zero first (which changes only
/// the sign of a zero gradient, and a zero step leaves W as it is either way).
fn update(params: &mut [Vec<f32>], grads: &[Vec<f32>], lr: f64) {
    let lr = lr as f32;
    for (p, g) in params.iter_mut().zip(grads) {
        for (w, g) in p.iter_mut().zip(g) {
            *w -= g * lr;
        }
    }
}

/// `W1, b1` and `W2, b2`, as the notebook displays the pairs.
pub fn show_params(params: &[Vec<f64>]) -> [String; 2] {
    let leaf = ["requires_grad=True"];
    let s = |i: usize| pyfmt::tensor(&params[i], SHAPES[i], &leaf);
    [
        pyfmt::display_tuple(&[s(0), s(1)]),
        pyfmt::display_tuple(&[s(2), s(3)]),
    ]
}

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];
const SHAPES: [&[usize]; 4] = [&[2, 4], &[4], &[4, 1], &[1]];

/// The exact engine: the notebook on ports of libtorch's generator and MKL's kernels.
pub fn run(cfg: &Config) -> Result<RunRecord> {
    run_on::<PlainRust>(cfg)
}

/// The notebook, top to bottom, on engine `E`: [`PlainRust`], or the libtorch-backed engine
/// (`torch/src/libtorch_engine/`) where MKL's path here is not reproduced.
pub fn run_on<E: TensorEngine>(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    let mut k = E::manual_seed(cfg.seed)?;

    // In [3], [4]: W1 = torch.rand(2, 4, requires_grad=True) … b2 = torch.rand(1, …)
    let mut params = cfg
        .initial_params(
            &mut record,
            [
                (PARAMS[0], float32(SHAPES[0], k.rand(SHAPES[0]))),
                (PARAMS[1], float32(SHAPES[1], k.rand(SHAPES[1]))),
                (PARAMS[2], float32(SHAPES[2], k.rand(SHAPES[2]))),
                (PARAMS[3], float32(SHAPES[3], k.rand(SHAPES[3]))),
            ],
        )?
        .map(|p| p.values);
    for line in show_params(&params.each_ref().map(|p| widen(p))) {
        record.print(line);
    }

    // In [5]: sigmoid(torch.Tensor([1, 2, 3, -3]))
    let probe = k.exp([-1.0, -2.0, -3.0, 3.0]).map(|e| 1.0 / (e + 1.0));
    record.print(pyfmt::tensor(&widen(&probe), &[4], &[]));

    // In [6]: dataset(n) draws x1, then x2, with random.choice([0, 1])
    let mut random = CpythonRandom::new(cfg.seed as i128);

    // In [7]: train
    let mut running_loss = 0f32;
    for i in 0..cfg.steps {
        let t = record.trace.step(i);
        t.tap_each("", &PARAMS, &params);
        let (x, y) = sample(&mut random);
        t.tap("x", &x);
        t.tap("y", y);
        let f = forward(&t, &k, &params, x);
        let (loss, one_minus_out) = bce(&k, f.out(), y);
        let loss = t.tap("loss", loss);
        if i % 1000 == 999 {
            record.print(pyfmt::fixed((running_loss / 1000.0) as f64, 3));
            running_loss = 0.0;
        }
        running_loss += loss;
        let grads = backward(&t, &f, &params, x, y, one_minus_out); // loss.backward()
        update(&mut params, &grads, cfg.lr); // W.data -= 0.05 * W.grad.data; zero_()
        t.tap_each(".updated", &PARAMS, &params);
        record.end_sample(i, loss as f64);
    }
    epilogue(&mut record, &mut Net { k, params })?;
    Ok(record)
}

/// In [6]: one draw of `dataset(n)`: `x1`, then `x2`, with `random.choice([0, 1])`, and their
/// XOR.
fn sample(random: &mut CpythonRandom) -> ([f32; 2], f32) {
    let x1 = random.choice(&[0f32, 1.0]);
    let x2 = random.choice(&[0f32, 1.0]);
    ([x1, x2], ((x1 != 0.0) ^ (x2 != 0.0)) as i32 as f32)
}

/// The trained network and the engine it runs on.
struct Net<E> {
    k: E,
    params: [Vec<f32>; 4],
}

impl<E: TensorEngine> Network for Net<E> {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.params.iter().map(|p| widen(p)).collect()
    }

    /// One forward pass per input, as the notebook feeds its samples one at a time.
    fn predict(&mut self, inputs: &[[f64; 2]]) -> Result<Vec<f64>> {
        Ok(self
            .hidden_and_out(inputs)
            .into_iter()
            .map(|(_, out)| out)
            .collect())
    }
}

impl<E: TensorEngine> HiddenLayer for Net<E> {
    fn hidden_and_out(&mut self, inputs: &[[f64; 2]]) -> Vec<(Vec<f64>, f64)> {
        let untraced = Tap::default();
        inputs
            .iter()
            .map(|x| forward(&untraced, &self.k, &self.params, x.map(|v| v as f32)))
            .map(|f| (widen(&f.h1()), f.out() as f64))
            .collect()
    }
}

/// What this notebook's epilogue needs beyond [`Network`]: `h1` with `out`, per input.
pub trait HiddenLayer: Network {
    fn hidden_and_out(&mut self, inputs: &[[f64; 2]]) -> Vec<(Vec<f64>, f64)>;
}

/// In [8]–[12], after training, shared by the notebook's engines: the trained network on
/// `[1, 1]` (`x, h1, out` as Jupyter shows the tuple), then its weights; and the trained
/// parameters and outputs.
pub fn epilogue<N: HiddenLayer>(record: &mut RunRecord, net: &mut N) -> Result<()> {
    let (h1, out) = net.hidden_and_out(&[[1.0, 1.0]]).remove(0);
    let result = ["grad_fn=<MulBackward0>"];
    let shown = [
        pyfmt::tensor(&[1.0, 1.0], &[2], &[]),
        pyfmt::tensor(&h1, &[4], &result),
        pyfmt::tensor(&[out], &[1], &result),
    ];
    record.print(pyfmt::display_tuple(&shown));
    for line in show_params(&net.parameters()) {
        record.print(line);
    }
    record_trained(record, &PARAMS, net)?;
    Ok(())
}

/// The registry entry (`list` shows it).
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
    run: Some(run),
    notes,
    // It prints the running loss as a bare number.
    prints_loss: |line| line.trim().parse::<f64>().is_ok(),
    traced_ops: &[
        TracedOp {
            name: "h1",
            code: "sigmoid(x @ W1 + b1): torch.exp",
            library: "mkl",
        },
        TracedOp {
            name: "h1 @ W2 + b2",
            code: "h1 @ W2: h1.unsqueeze(0).mm(W2)",
            library: "mkl",
        },
        TracedOp {
            name: "out",
            code: "sigmoid(h1 @ W2 + b2): torch.exp",
            library: "mkl",
        },
        TracedOp {
            name: "loss",
            code: "-(y * torch.log(out) + (1 - y) * torch.log(1 - out))",
            library: "mkl",
        },
    ],
    recorded_settings: None,
};

/// The notes in `REPORT.md`.
fn notes(run: &RunFiles) -> Notes {
    let mut s = String::from(
        "Online training on 10 000 samples drawn with CPython's `random.choice`, the \
         notebook's own `sigmoid` (`1 / (1 + exp(-x))`, not `torch.sigmoid`), and \
         `W.data -= 0.05 * W.grad.data` (two roundings). It prints `running_loss/1000` \
         when `i % 1000 == 999`, before adding sample i's loss: the first figure \
         averages samples 0..998 — 999 of them — over 1000, every later one samples \
         i−1000..i−1.",
    );
    if let Some(l) = run.column("loss.csv").filter(|l| l.len() >= 1000) {
        let printed: f64 = l[..999].iter().sum::<f64>() / 1000.0;
        let mean: f64 = l[..1000].iter().sum::<f64>() / 1000.0;
        let _ = write!(
            s,
            " In this run the first printed figure is {printed:.3} (sum of samples \
             0..998 / 1000 = {printed:.5}); the mean of samples 0..999 is {mean:.5}."
        );
    }
    Notes::text(s)
}
