//! Between the shared, libtorch-free pieces of `xor-repro` and libtorch tensors: the XOR data
//! as tensors, a tensor's values and shape, and drawn tensors as parameters for
//! `--init-from`.

use tch::{Kind, Tensor};
use xor_repro::diff::Precision;
use xor_repro::experiments::Parameter;
use xor_repro::xor::{INPUTS, TARGETS};

/// `X` (4×2) and `y` (4×1) as tensors of `kind` (float32 for PyTorch and TensorFlow).
pub fn xor(kind: Kind) -> (Tensor, Tensor) {
    let x: Vec<f64> = INPUTS.iter().flatten().copied().collect();
    let x = Tensor::from_slice(&x).reshape([4, 2]).to_kind(kind);
    let y = Tensor::from_slice(&TARGETS).reshape([4, 1]).to_kind(kind);
    (x, y)
}

/// A tensor's values, widened exactly to f64, row-major.
pub fn values(t: &Tensor) -> Vec<f64> {
    xor_repro_port::values(t)
}

/// A tensor's shape as `usize`s.
pub fn shape(t: &Tensor) -> Vec<usize> {
    t.size().iter().map(|&d| d as usize).collect()
}

/// A drawn tensor as a parameter for `Config::initial_params`, the one way every engine
/// sets its parameters up (a newtype: libtorch's `Tensor` is not this crate's to extend).
pub struct Param(pub Tensor);

impl Parameter for Param {
    fn shape(&self) -> Vec<usize> {
        shape(&self.0)
    }
    fn values(&self) -> Vec<f64> {
        values(&self.0)
    }
    fn precision(&self) -> Precision {
        match self.0.kind() {
            Kind::Float => Precision::Float32,
            _ => Precision::Float64,
        }
    }
    fn with_values(self, given: &[f64]) -> Param {
        let t = &self.0;
        Param(
            Tensor::from_slice(given)
                .reshape(t.size())
                .to_kind(t.kind())
                .set_requires_grad(t.requires_grad()),
        )
    }
}
