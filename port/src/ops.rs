//! Exact spellings of the tensor expressions whose idiomatic tch form rounds differently from
//! PyTorch's, and of the PyTorch arguments tch's generated API leaves out (`alpha`, `value`).
//! Each is the same ATen kernel PyTorch runs, called with the same operands; docs/PORTING.md
//! measures where the idiomatic form parts, and port/tests/porting.rs holds every function
//! here against live PyTorch.
//!
//! - tch's `s / &t` is `(t / s).pow(-1)`, Python's `s / t` is `t.reciprocal() * s`: [`rdiv`].
//! - tch's `s - &t` is `-(t - s)`, which gives −0 where Python's `torch.rsub` gives +0:
//!   [`rsub`].
//! - `torch.add(t, other, alpha=a)` is one fused multiply-add in ATen's AVX2 and AVX-512
//!   kernels, which `t + other * a` is not: [`add`], [`add_`].
//! - `addcmul(t, t1, t2, value=v)` and `addcdiv(t, t1, t2, value=v)` multiply `v` into `t1`
//!   before the product or quotient: [`addcmul`], [`addcdiv`] and their in-place forms.

use tch::{Scalar, Tensor};

/// Python's `scalar / t`: `t.reciprocal() * scalar` (`Tensor.__rtruediv__`). tch's
/// `scalar / &t` computes `(t / scalar).pow(-1)` instead, whose gradient is `pow`'s
/// (`-g · t⁻²`, not `-g · (1/t)²`), and whose value differs for any scalar but 1.
pub fn rdiv<S: Into<Scalar>>(scalar: S, t: &Tensor) -> Tensor {
    t.reciprocal() * scalar.into()
}

/// Python's `scalar - t`: `torch.rsub(t, scalar)`. tch's `scalar - &t` computes
/// `-(t - scalar)`, which is −0 where `t == scalar` (Python's is +0).
pub fn rsub<S: Into<Scalar>>(scalar: S, t: &Tensor) -> Tensor {
    t.rsub_scalar(scalar)
}

/// `alpha` as the 0-dimensional tensor `addcmul` multiplies by, in `like`'s kind (rounded
/// once, as ATen rounds a `Scalar` argument to the tensor's type).
fn scalar_like(alpha: f64, like: &Tensor) -> Tensor {
    Tensor::scalar_tensor(alpha, (like.kind(), like.device()))
}

/// `torch.add(t, other, alpha=alpha)`: `t + alpha · other` as ATen's `add` kernel computes
/// it, one fused multiply-add in its AVX2 and AVX-512 builds (`t + other * alpha` rounds the
/// product first). Computed as `addcmul(t, other, alpha)` with `alpha` a 0-dimensional
/// tensor: the same `fma(other, alpha, t)` in every kernel set (measured, docs/PORTING.md).
pub fn add(t: &Tensor, other: &Tensor, alpha: f64) -> Tensor {
    t.addcmul(other, &scalar_like(alpha, t))
}

/// `t.add_(other, alpha=alpha)`, in place: [`add`].
pub fn add_(t: &mut Tensor, other: &Tensor, alpha: f64) {
    let alpha = scalar_like(alpha, t);
    let _ = t.addcmul_(other, &alpha);
}

/// `torch.addcmul(t, t1, t2, value=value)`: `t + (value · t1) · t2`, `value · t1` rounded
/// first as the kernel does, so `t1 * value` passed as `t1` gives the same bits.
pub fn addcmul(t: &Tensor, t1: &Tensor, t2: &Tensor, value: f64) -> Tensor {
    t.addcmul(&(t1 * value), t2)
}

/// `t.addcmul_(t1, t2, value=value)`, in place: [`addcmul`].
pub fn addcmul_(t: &mut Tensor, t1: &Tensor, t2: &Tensor, value: f64) {
    let _ = t.addcmul_(&(t1 * value), t2);
}

/// `torch.addcdiv(t, t1, t2, value=value)`: `t + (value · t1) / t2`, `value · t1` rounded
/// first as the kernel does.
pub fn addcdiv(t: &Tensor, t1: &Tensor, t2: &Tensor, value: f64) -> Tensor {
    t.addcdiv(&(t1 * value), t2)
}

/// `t.addcdiv_(t1, t2, value=value)`, in place: [`addcdiv`].
pub fn addcdiv_(t: &mut Tensor, t1: &Tensor, t2: &Tensor, value: f64) {
    let _ = t.addcdiv_(&(t1 * value), t2);
}
