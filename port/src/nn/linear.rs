//! `torch/nn/modules/linear.py`'s `nn.Bilinear`, which tch has no layer for:
//! `y = x₁ᵀ A x₂ + b` by `F.bilinear` (ATen's `bilinear`), its weight
//! `[out_features, in1_features, in2_features]` and bias drawn as `reset_parameters()`
//! draws them, both U(±1/√in1_features). (`nn.Linear` is `init::linear`.)

use std::borrow::Borrow;
use tch::{nn, Tensor};

/// `nn.Bilinear`, made by [`bilinear`].
#[derive(Debug)]
pub struct Bilinear {
    /// `weight`: `[out_features, in1_features, in2_features]`.
    pub ws: Tensor,
    /// `bias`: `[out_features]`, `None` for `bias=False`.
    pub bs: Option<Tensor>,
}

/// `nn.Bilinear(in1_features, in2_features, out_features, bias)` under `path`: the weight,
/// then the bias, `uniform_` between ±1/√in1_features.
///
/// # Panics
///
/// On a size that is not positive.
pub fn bilinear<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in1_features: i64,
    in2_features: i64,
    out_features: i64,
    bias: bool,
) -> Bilinear {
    assert!(
        in1_features > 0 && in2_features > 0 && out_features > 0,
        "Bilinear: sizes must be positive (got {in1_features}, {in2_features}, {out_features})"
    );
    let path = path.borrow();
    let mut ws = path.zeros("weight", &[out_features, in1_features, in2_features]);
    let mut bs = bias.then(|| path.zeros("bias", &[out_features]));
    let bound = 1.0 / (in1_features as f64).sqrt();
    crate::init::uniform_(&mut ws, -bound, bound);
    if let Some(bs) = bs.as_mut() {
        crate::init::uniform_(bs, -bound, bound);
    }
    Bilinear { ws, bs }
}

impl Bilinear {
    /// `layer(input1, input2)`: `F.bilinear(input1, input2, weight, bias)`.
    pub fn forward(&self, input1: &Tensor, input2: &Tensor) -> Tensor {
        Tensor::bilinear(input1, input2, &self.ws, self.bs.as_ref())
    }
}
