//! PyTorch-compatible parameters and optimiser: `nn.Linear`'s default init and `torch.rand`,
//! drawn from libtorch's global CPU generator in the order Python draws them, and
//! `optim.SGD`'s update.
//!
//! tch's own `nn::linear` initialises differently, so it is not used.

use tch::{COptimizer, Device, Kind, Tensor};
use xor_repro::rng::torch::linear_bounds;

/// The weight (out×in) and bias (out) of `nn.Linear(in, out)`, drawn as its
/// `reset_parameters` draws them: weight first, then bias U(−1/√in, 1/√in).
pub fn linear(inputs: usize, outputs: usize) -> (Tensor, Tensor) {
    let (weight_bound, bias_bound) = linear_bounds(inputs);
    let weight = Tensor::empty([outputs as i64, inputs as i64], (Kind::Float, Device::Cpu))
        .uniform_(-weight_bound, weight_bound);
    let bias = Tensor::empty([outputs as i64], (Kind::Float, Device::Cpu))
        .uniform_(-bias_bound, bias_bound);
    (weight, bias)
}

/// `torch.rand(shape)`: U[0, 1) float32.
pub fn rand(shape: &[i64]) -> Tensor {
    Tensor::rand(shape, (Kind::Float, Device::Cpu))
}

/// `optim.SGD(params, lr)`: libtorch's C++ SGD, whose step is `p.add_(grad, -lr)` like
/// Python's, through the same add kernel (one fused rounding in the `avx2` and `avx512`
/// kernel sets, two in `default`). The experiments update in Rust (`backprop::sgd_update`);
/// this is the libtorch reference torch/tests/backprop_kernels.rs holds that update against,
/// and what the update falls back to where no kernel set is reproduced.
pub fn sgd(params: &[Tensor], lr: f64) -> anyhow::Result<COptimizer> {
    let mut optimizer = COptimizer::sgd(lr, 0.0, 0.0, 0.0, false)?;
    for p in params {
        optimizer.add_parameters(p, 0)?;
    }
    Ok(optimizer)
}
