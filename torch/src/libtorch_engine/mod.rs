//! The libtorch-backed exact engine of PyTorch's three notebooks: where libtorch's kernel
//! paths on this machine are not reproduced in plain Rust (an Intel CPU's MKL paths, another
//! architecture), the notebooks train here instead, on libtorch's own kernels for every step
//! whose bits depend on the kernel. Their registry entries and plain-Rust exact engines are
//! in `xor_repro::experiments`. Each module here that defines `pub fn run` and a `TRAINING`
//! entry is found by `build.rs`; `tests/registry.rs` checks the two lists against each other.

use backprop::{floats, Hidden, TraceNames, TwoLayerNet};
use tch::Tensor;
use xor_repro::experiments::torch_net::TorchEngine;
use xor_repro::experiments::torch_sigmoid4_bce_online::TensorEngine;
use xor_repro::experiments::RunFn;

/// libtorch as the PyTorch notebooks' engine: its global generator draws the parameters,
/// its kernels compute every step whose bits depend on the kernel ([`backprop`] for 000 and
/// 001; `exp`, `log` and `h1 @ W2` on tensors of Python's shapes for 003).
pub struct Libtorch;

impl TorchEngine for Libtorch {
    type Module = TwoLayerNet;

    fn manual_seed(seed: u64) -> anyhow::Result<Libtorch> {
        tch::manual_seed(seed as i64);
        Ok(Libtorch)
    }

    fn linear(&mut self, inputs: usize, outputs: usize) -> (Vec<f32>, Vec<f32>) {
        let (weight, bias) = crate::torch_init::linear(inputs, outputs);
        (floats(&weight).to_vec(), floats(&bias).to_vec())
    }

    fn module(
        &self,
        params: [Vec<f32>; 4],
        hidden: Hidden,
        names: &'static TraceNames,
    ) -> TwoLayerNet {
        let h = params[1].len() as i64;
        let shapes: [&[i64]; 4] = [&[h, 2], &[h], &[1, h], &[1]];
        let tensors = std::array::from_fn(|i| Tensor::from_slice(&params[i]).reshape(shapes[i]));
        TwoLayerNet::new(tensors, hidden, names, 4)
    }
}

/// One experiment trained here.
pub struct Training {
    pub name: &'static str,
    pub run: RunFn,
}

/// The kernels autograd would call for 000 and 001, without autograd.
pub mod backprop;

// Every experiment trained here: `pub mod …;` for each module, and `pub const TRAINING`
// listing their entries.
include!(concat!(env!("OUT_DIR"), "/libtorch_engine.rs"));

/// The training of the libtorch experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    find(name).map(|t| t.run)
}

pub fn find(name: &str) -> Option<&'static Training> {
    TRAINING.iter().find(|t| t.name == name)
}

impl TensorEngine for Libtorch {
    fn manual_seed(seed: u64) -> anyhow::Result<Libtorch> {
        tch::manual_seed(seed as i64);
        Ok(Libtorch)
    }

    fn rand(&mut self, shape: &[usize]) -> Vec<f32> {
        let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        floats(&crate::torch_init::rand(&shape)).to_vec()
    }

    fn exp<const N: usize>(&self, x: [f32; N]) -> [f32; N] {
        let e = Tensor::from_slice(&x).exp();
        std::array::from_fn(|i| floats(&e)[i])
    }

    fn log(&self, x: f32) -> f32 {
        floats(&Tensor::from_slice(&[x]).log())[0]
    }

    fn dot(&self, h1: [f32; 4], w2: &[f32]) -> f32 {
        let h1 = Tensor::from_slice(&h1).unsqueeze(0);
        floats(&h1.mm(&Tensor::from_slice(w2).reshape([4, 1])))[0]
    }
}
