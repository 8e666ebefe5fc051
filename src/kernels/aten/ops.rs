//! libtorch's element-wise kernels and reductions as they run on the PyTorch notebooks'
//! tensors (1 to 16 float32 elements), for the plain-Rust exact engines
//! (`crate::experiments::torch_net`).
//!
//! Each element-wise kernel is a `cpu_kernel_vec` pair: the vector lambda runs on blocks of
//! 2·(register width) elements (16 floats for `default` and `avx2`, 32 for `avx512`), the
//! scalar one on the rest, so tensors of fewer than 16 elements run only the scalar lambda,
//! in every set. Sources in `aten/src/ATen/native/cpu/`; measured against libtorch under every
//! set this CPU runs (`torch/tests/torch_kernels.rs`).
//! - `sigmoid` (`UnaryOpsKernel.cpp`): `1 / (1 + std::exp(-a))`; `std::exp` of a float is the
//!   C library's `expf`, which Rust's `f32::exp` calls too (the same function in the same
//!   process image, so the same bits).
//! - `sigmoid_backward`: `a * (1 - b) * b`, left to right; `mse_loss_backward`:
//!   `norm * (input - target) * grad_output`; `relu` (`clamp_min(x, 0)`, keeping −0 and NaN)
//!   and `threshold_backward` (`x <= 0 ? 0 : grad`) do no arithmetic. None has a multiply
//!   and an add to contract, so every set gives the same bits.
//! - `sum` over a dimension of at most 4 elements (`SumKernel.cpp`, `cascade_sum`): one
//!   accumulator started at +0, adding the elements in order. `mse_loss`'s mean is that sum
//!   of `(input - target)²` divided by the count.
//! - `add(self, other, alpha)` (SGD's update): [`super::add_scaled`], the one kernel whose
//!   rounding depends on the set.
//!
//! `torch.exp` and `torch.log` of float32 are not ATen's own: they go to MKL's vector math
//! (`crate::kernels::mkl::vml`).

/// `torch.sigmoid` of one float32 (the scalar lambda).
#[inline]
pub fn sigmoid(a: f32) -> f32 {
    1.0 / (1.0 + (-a).exp())
}

/// `torch.sigmoid` in place, for fewer than 16 elements (from 16 on libtorch runs its vector
/// lambda, Sleef's `exp`, which is not ported).
pub fn sigmoid_(x: &mut [f32]) {
    assert!(
        x.len() < 16,
        "libtorch's vector sigmoid (16 floats or more) is not ported"
    );
    for v in x {
        *v = sigmoid(*v);
    }
}

/// `torch.relu` in place (`clamp_min(x, 0)`: −0 and NaN stay as they are).
pub fn relu_(x: &mut [f32]) {
    for v in x {
        if *v < 0.0 {
            *v = 0.0;
        }
    }
}

/// `threshold_backward(grad, result, 0)` in place on `grad`: zero where the ReLU output is.
pub fn relu_backward_(grad: &mut [f32], result: &[f32]) {
    for (g, &r) in grad.iter_mut().zip(result) {
        if r <= 0.0 {
            *g = 0.0;
        }
    }
}

/// `sigmoid_backward(grad, result)` in place on `grad`: `grad * (1 - result) * result`.
pub fn sigmoid_backward_(grad: &mut [f32], result: &[f32]) {
    for (g, &r) in grad.iter_mut().zip(result) {
        *g = *g * (1.0 - r) * r;
    }
}

/// `sum(t, dim)` for a dimension of a few elements: `+0`, then each element in order.
#[inline]
pub fn sum(values: impl Iterator<Item = f32>) -> f32 {
    values.fold(0.0, |acc, v| acc + v)
}

/// `t.sum(0)` of a row-major `rows × cols` matrix, into `out` (`cols` values).
#[inline]
pub fn sum_rows(t: &[f32], cols: usize, out: &mut [f32]) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = sum(t.iter().skip(j).step_by(cols).copied());
    }
}

/// `F.mse_loss(input, target)` (mean): the sum of squared differences over the count.
pub fn mse_loss(input: &[f32], target: &[f32]) -> f32 {
    let squares = input.iter().zip(target).map(|(&i, &t)| {
        let d = i - t;
        d * d
    });
    sum(squares) / input.len() as f32
}

/// `mse_loss_backward(1, input, target, Mean)`: `(2 / numel) * (input - target) * 1`.
pub fn mse_loss_backward(input: &[f32], target: &[f32], grad: &mut [f32]) {
    let norm = (2.0 / input.len() as f64) as f32;
    for ((g, &i), &t) in grad.iter_mut().zip(input).zip(target) {
        *g = norm * (i - t) * 1.0;
    }
}
