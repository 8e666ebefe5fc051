//! The few NumPy operations notebooks 002 and 004 use, done in float64 through tch in the
//! order NumPy does them, so a hand-written backprop reads like its notebook and rounds like it.
//!
//! Elementwise arithmetic and `np.exp` round the same in both libraries (measured identical
//! on 100 000 values of `np.exp` against `torch.exp` here). Sums over a handful of elements
//! do not: libtorch vectorises its reductions, NumPy adds in index order, so `sum_rows` and
//! `mean` add one element at a time. Matrix products stay `matmul`: NumPy's go through
//! OpenBLAS `gemv`/`gemm` kernels (4-lane accumulators and FMA), libtorch's through its own
//! BLAS, and neither order can be written in tch's elementwise operations without FMA; that
//! is the last-bit difference left (SPEC §3).

use tch::{Kind, Tensor};

/// The notebooks' `X` (4×2) and `Y` (4×1) as NumPy has them: integer arrays.
pub fn xor_int() -> (Tensor, Tensor) {
    crate::xor::tensors(Kind::Int64)
}

/// `a @ w` or `np.dot(a, w)` with a float64 `w`: NumPy casts an integer `a` to float64 first
/// (libtorch's `matmul` wants equal dtypes, so the cast is written out).
pub fn dot(a: &Tensor, w: &Tensor) -> Tensor {
    a.to_kind(Kind::Double).matmul(w)
}

/// `1 / (1 + np.exp(-z))`, in that order (`1 / t` is an IEEE division, as `reciprocal` is).
pub fn sigmoid(z: &Tensor) -> Tensor {
    (z.neg().exp() + 1.0).reciprocal()
}

/// `np.sum(t, axis=0, keepdims=True)`: NumPy adds the rows in order, `((r0 + r1) + r2) + …`.
pub fn sum_rows(t: &Tensor) -> Tensor {
    let rows = t.size()[0];
    let mut acc = t.get(0);
    for i in 1..rows {
        acc = acc + t.get(i);
    }
    acc.unsqueeze(0)
}

/// `np.mean(t)` over every element: the elements added in order (NumPy's pairwise summation
/// adds fewer than 8 elements one by one), then divided by their count.
pub fn mean(t: &Tensor) -> f64 {
    let flat = t.reshape([-1]);
    let n = flat.size()[0];
    assert!(
        n < 8,
        "NumPy sums 8 or more elements pairwise, not in order"
    );
    let mut acc = flat.get(0);
    for i in 1..n {
        acc = acc + flat.get(i);
    }
    acc.double_value(&[]) / n as f64
}

/// `np.linspace(start, stop, num)`: `arange(num) * step + start` with
/// `step = (stop - start) / (num - 1)`, and the last element set to `stop` exactly.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if num > 1 {
        v[num - 1] = stop;
    }
    v
}
