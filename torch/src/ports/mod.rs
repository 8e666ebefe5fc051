//! The plain tch port of every notebook: what a person would write in tch, in the style of the
//! tch-rs examples, on libtorch's own kernels (autograd, `nn::Linear`-style layers, `nn::Sgd`).
//! A port never borrows the exact engine's kernels: it shows what plain libtorch gives, and
//! `explain` shows where and why it parts from the notebook.

use anyhow::Result;
use tch::nn;
use tch::Tensor;
use xor_repro::experiments::{Config, RunFn};
use xor_repro::record::RunRecord;

// Every notebook's port: `pub mod …;` for each module here that defines `pub fn run`, and
// `pub const PORTS` listing them by experiment name (found by `build.rs`; `tests/registry.rs`
// holds them against the registry).
include!(concat!(env!("OUT_DIR"), "/ports.rs"));

/// The plain tch port of the experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    PORTS.iter().find(|(n, _)| *n == name).map(|(_, run)| *run)
}

// What the PyTorch ports share: `--init-from`, and reading tensors into the record (their
// layers' draws and traces are `xor_repro_port`'s, the API any port of one's own uses).

/// A layer's bias (every layer here has one).
fn bias(layer: &nn::Linear) -> &Tensor {
    layer.bs.as_ref().expect("nn::linear with a bias")
}

/// Records a model's `params` as the run's initial parameters; with `--init-from`, first
/// copies its values into them (rounded once to float32), after the notebook's draws as
/// Python does.
fn initial_params<const N: usize>(
    cfg: &Config,
    record: &mut RunRecord,
    params: &[(&str, &Tensor); N],
) -> Result<()> {
    use crate::tensors::Param;
    let drawn = params.map(|(name, p)| (name, Param(p.detach())));
    let given = cfg.initial_params(record, drawn)?;
    if cfg.init.is_some() {
        tch::no_grad(|| {
            for ((_, p), values) in params.iter().zip(&given) {
                p.shallow_clone().copy_(&values.0);
            }
        });
    }
    Ok(())
}

/// A tensor's values, widened exactly to f64, row-major.
fn values(t: &Tensor) -> Vec<f64> {
    crate::tensors::values(t)
}

/// `loss.item()` as Python prints it.
fn repr_item(t: &Tensor) -> String {
    xor_repro::pyfmt::float_repr(t.double_value(&[]))
}

/// `f"{loss:.4f}"` of a one-element tensor (`digits` 4), as Python formats it.
fn fixed_item(t: &Tensor, digits: usize) -> String {
    xor_repro::pyfmt::fixed(t.double_value(&[]), digits)
}

/// A port's trained tensors `W1, b1, W2, b2` and its notebook's forward pass over them, as
/// the notebook's epilogue sees them (the NumPy and TensorFlow ports).
struct Trained {
    params: [Tensor; 4],
    /// The dtype the notebook feeds its inputs in.
    kind: tch::Kind,
    forward: fn(&Tensor, [&Tensor; 4]) -> Tensor,
}

impl xor_repro::experiments::Network for Trained {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.params.iter().map(values).collect()
    }

    fn predict(&mut self, inputs: &[[f64; 2]]) -> Result<Vec<f64>> {
        let x: Vec<f64> = inputs.iter().flatten().copied().collect();
        let x = Tensor::from_slice(&x).reshape([-1, 2]).to_kind(self.kind);
        Ok(values(&tch::no_grad(|| {
            (self.forward)(&x, self.params.each_ref())
        })))
    }
}

/// Rows of `x1, x2` as the float32 `[n, 2]` tensor the PyTorch notebooks feed their models.
fn inputs(rows: &[[f64; 2]]) -> Tensor {
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_slice(&flat).reshape([-1, 2])
}
