//! `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_` as PyTorch 2.13.0 computes them on
//! the CPU (`torch/nn/utils/clip_grad.py`), for a tch port.
//!
//! tch's own `Optimizer::clip_grad_norm` takes the total norm out to an `f64`, computes the
//! coefficient `max / (norm + 1e-6)` in `f64` and multiplies only when it is below 1; PyTorch
//! keeps everything in float32 tensors: `clip_coef = max_norm / (total_norm + 1e-6)` (a
//! Python-float over a tensor: `reciprocal() * max_norm`), `torch.clamp(clip_coef, max=1.0)`,
//! and multiplies every gradient by it, clipping or not. The gradients part from the first
//! step that clips (docs/PORTING.md, `clip-grad-norm`).
//!
//! On the CPU PyTorch 2.13 takes the foreach path by default (`_has_foreach_support` accepts
//! `cpu`; measured with `torch.profiler`: `aten::_foreach_norm`, `aten::_foreach_mul_`,
//! `aten::_foreach_clamp_min_`, `aten::_foreach_clamp_max_`). ATen's CPU foreach kernels are
//! loops of the per-tensor ops (`linalg_vector_norm`, `mul_`, `clamp_min_`, `clamp_max_`),
//! which is what these functions call, one tensor at a time, through tch (whose API has no
//! `_foreach_*`).

use crate::optim::Parameters;
use tch::Tensor;

/// The total norm was NaN or infinite and `error_if_nonfinite` was asked for (Python's
/// `RuntimeError`); no gradient was changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NonFiniteNorm {
    /// The norm type asked for.
    pub norm_type: f64,
    /// The total norm computed.
    pub total_norm: f64,
}

impl std::fmt::Display for NonFiniteNorm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the total norm of order {} for gradients from `parameters` is non-finite ({}), \
             so it cannot be clipped",
            self.norm_type, self.total_norm
        )
    }
}

impl std::error::Error for NonFiniteNorm {}

/// The defined gradients of `params`, in their order (`[p.grad for p in parameters if
/// p.grad is not None]`).
fn grads(params: impl Parameters) -> Vec<Tensor> {
    params
        .parameters()
        .iter()
        .map(Tensor::grad)
        .filter(Tensor::defined)
        .collect()
}

/// `torch.linalg.vector_norm(t, ord)` over every element: tch has no `linalg_vector_norm`,
/// but `linalg_norm` with a scalar order on a 1-d tensor calls it (on 2-d it would take a
/// matrix norm, hence the flattening, a view of the same values in the same order).
fn vector_norm(t: &Tensor, ord: f64) -> Tensor {
    t.reshape([-1])
        .linalg_norm(ord, None::<&[i64]>, false, None)
}

/// `torch.nn.utils.get_total_norm(grads, norm_type)`: the norm of each gradient
/// (`torch._foreach_norm`), stacked, and the norm of that.
fn total_norm(grads: &[Tensor], norm_type: f64) -> Tensor {
    if grads.is_empty() {
        return Tensor::from(0f32);
    }
    let norms: Vec<Tensor> = grads.iter().map(|g| vector_norm(g, norm_type)).collect();
    vector_norm(&Tensor::stack(&norms, 0), norm_type)
}

/// `torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)`: scales every gradient
/// by `min(max_norm / (total_norm + 1e-6), 1)`, computed in float32 tensors as PyTorch
/// computes it, and returns the total norm (a 0-dimensional float tensor). `norm_type` is
/// any p (`2.0`, `1.0`, `f64::INFINITY` for `'inf'`, …).
///
/// The total norm depends on the order of the parameters (it sums their norms): pass them in
/// `model.parameters()` order, as a `&VarStore` (its variables in
/// [`crate::named_parameters`] order) or [`crate::named_parameters`] does.
///
/// ```ignore
/// loss.backward();
/// xor_repro_port::nn_utils::clip_grad_norm_(&vs, 1.0, 2.0); // clip_grad_norm_(model.parameters(), 1.0)
/// opt.step();
/// ```
pub fn clip_grad_norm_(params: impl Parameters, max_norm: f64, norm_type: f64) -> Tensor {
    tch::no_grad(|| {
        let mut grads = grads(params);
        let total = total_norm(&grads, norm_type);
        clip_grads_with_norm_(&mut grads, max_norm, &total);
        total
    })
}

/// `torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type,
/// error_if_nonfinite=True)`: [`clip_grad_norm_`], but a NaN or infinite total norm is an
/// error, raised before any gradient is changed.
pub fn try_clip_grad_norm_(
    params: impl Parameters,
    max_norm: f64,
    norm_type: f64,
) -> Result<Tensor, NonFiniteNorm> {
    tch::no_grad(|| {
        let mut grads = grads(params);
        let total = total_norm(&grads, norm_type);
        let value = f64::try_from(&total).expect("a 0-dimensional norm");
        if !value.is_finite() {
            return Err(NonFiniteNorm {
                norm_type,
                total_norm: value,
            });
        }
        clip_grads_with_norm_(&mut grads, max_norm, &total);
        Ok(total)
    })
}

/// `_clip_grads_with_norm_`: `clip_coef = max_norm / (total_norm + 1e-6)` (Python's
/// `float / tensor` is `tensor.reciprocal() * float`: [`crate::ops::rdiv`]),
/// `torch.clamp(clip_coef, max=1.0)`, and every gradient multiplied in place by that
/// 0-dimensional tensor (`torch._foreach_mul_`), whether it clips or not.
fn clip_grads_with_norm_(grads: &mut [Tensor], max_norm: f64, total_norm: &Tensor) {
    if grads.is_empty() {
        return;
    }
    let clip_coef = crate::ops::rdiv(max_norm, &(total_norm + 1e-6));
    let clip_coef_clamped = clip_coef.clamp_max(1.0);
    for g in grads.iter_mut() {
        let _ = g.g_mul_(&clip_coef_clamped);
    }
}

/// `torch.nn.utils.clip_grad_value_(parameters, clip_value)`: every gradient clamped into
/// `[-clip_value, clip_value]` in place, as the foreach path does it (`clamp_min_(-v)`, then
/// `clamp_max_(v)`, over all the gradients in turn).
pub fn clip_grad_value_(params: impl Parameters, clip_value: f64) {
    tch::no_grad(|| {
        let mut grads = grads(params);
        for g in grads.iter_mut() {
            let _ = g.clamp_min_(-clip_value);
        }
        for g in grads.iter_mut() {
            let _ = g.clamp_max_(clip_value);
        }
    })
}
