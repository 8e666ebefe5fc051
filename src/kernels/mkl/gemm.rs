//! MKL's `sgemm` on the products the PyTorch notebooks make (at most 4 × 4 by 4 × 4), per
//! reproduced code path: the order each output's sum follows, measured per call
//! (`scripts/mkl_sgemm_orders.py`, every binary tree of products and bias tried where the
//! usual orders missed), where it starts (signed zeros), and where the bias goes.
//!
//! | call (m, k, n) | Generic | SSE4.2 | AVX2 | AVX-512 | strict |
//! |---|---|---|---|---|---|
//! | `fc1` addmm (4, 2, h) | seq, b | b, seq | seq, b | h=4 fma, b; h=2 seq, b | fma, b |
//! | `fc2` addmm (4, h, 1) | seq¹, b | seq¹, b | h=4 pairs, b; h=2 seq, b | h=4 `((fma(a₁b₁, p₀) + p₃) + p₂)`, b; h=2 fma, b | fma, b |
//! | `gᵀ·H`, 003's `h1 @ W2` (1, k, n) | seq | seq | fma | fma | fma |
//! | `gᵀ·X` (h, 4, 2) | seq | seq | h=4 even/odd fma; h=2 even/odd | fma | fma |
//! | `g·W` (4, 1, h) | p₀¹ | p₀¹ | p₀¹ | p₀¹ | fma from +0 |
//!
//! "seq" adds rounded products left to right, "fma" chains fused multiply-adds left to right,
//! "pairs" is `(p₀ + p₁) + (p₂ + p₃)`, "even/odd" `(p₀ + p₂) + (p₁ + p₃)` (fused: `fma(a₂b₂,
//! p₀) + fma(a₃b₃, p₁)`). Every sum starts from +0 (products that are all −0 sum to +0)
//! except where marked ¹ (the first product itself) and SSE4.2's `fc1`, which starts from the
//! bias.

use super::{Gemm, MklPath};

/// How one output's sum is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Rounded products, left to right.
    Seq,
    /// Fused multiply-adds, left to right.
    Fma,
    /// `(p₀ + p₁) + (p₂ + p₃)`.
    Pairs,
    /// `(p₀ + p₂) + (p₁ + p₃)`, each lane fused or not.
    EvenOdd { fused: bool },
    /// AVX-512's `fc2` at k = 4: `((fma(a₁b₁, p₀) + p₃) + p₂)`.
    Avx512Fc2,
}

/// Where the bias of `addmm` enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bias {
    First,
    Last,
}

/// The measured plan of one call: order, whether the sum starts from +0, and the bias.
fn plan(path: Gemm, (m, k, n): (usize, usize, usize), bias: bool) -> (Order, bool, Bias) {
    use Order::*;
    let fc2 = bias && n == 1;
    match path {
        Gemm::Strict => (Fma, true, Bias::Last),
        Gemm::Generic => (Seq, !(k == 1 || fc2), Bias::Last),
        Gemm::Sse42 if bias && !fc2 => (Seq, false, Bias::First),
        Gemm::Sse42 => (Seq, !(k == 1 || fc2), Bias::Last),
        _ if k == 1 => (Seq, false, Bias::Last),
        Gemm::Avx2 if bias => (if fc2 && k == 4 { Pairs } else { Seq }, true, Bias::Last),
        Gemm::Avx2 if m > 1 => (EvenOdd { fused: m == 4 }, true, Bias::Last),
        Gemm::Avx2 => (Fma, true, Bias::Last),
        Gemm::Avx512 if fc2 && k == 4 => (Avx512Fc2, true, Bias::Last),
        Gemm::Avx512 if bias && k == 2 && n == 2 => (Seq, true, Bias::Last),
        Gemm::Avx512 => (Fma, true, Bias::Last),
    }
}

/// `out = a·b (+ bias)` as MKL's `sgemm` on `path` computes it, for `m × k` by `k × n`
/// row-major views given by their element functions (so that a transpose costs nothing),
/// with `bias` (one value per column, `addmm`'s `beta = 1` over a broadcast bias) or none
/// (`mm`, `beta = 0`).
#[inline]
pub fn matmul(
    path: MklPath,
    (m, k, n): (usize, usize, usize),
    a: impl Fn(usize, usize) -> f32,
    b: impl Fn(usize, usize) -> f32,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    let (order, from_zero, bias_at) = plan(path.gemm, (m, k, n), bias.is_some());
    for i in 0..m {
        for j in 0..n {
            let product = |p: usize| a(i, p) * b(p, j);
            let fma = |p: usize, acc: f32| a(i, p).mul_add(b(p, j), acc);
            let start = match (bias, bias_at) {
                (Some(bias), Bias::First) => Some(bias[j]),
                _ if from_zero => Some(0.0),
                _ => None,
            };
            let sum = match order {
                Order::Seq => {
                    let first = match start {
                        Some(s) => s + product(0),
                        None => product(0),
                    };
                    (1..k).fold(first, |acc, p| acc + product(p))
                }
                Order::Fma => (0..k).fold(start.unwrap_or(0.0), |acc, p| fma(p, acc)),
                Order::Pairs => (0.0 + product(0) + product(1)) + (0.0 + product(2) + product(3)),
                Order::EvenOdd { fused: true } => fma(2, fma(0, 0.0)) + fma(3, fma(1, 0.0)),
                Order::EvenOdd { fused: false } => {
                    (0.0 + product(0) + product(2)) + (0.0 + product(1) + product(3))
                }
                Order::Avx512Fc2 => (fma(1, fma(0, 0.0)) + fma(3, 0.0)) + fma(2, 0.0),
            };
            out[i * n + j] = match (bias, bias_at) {
                (Some(bias), Bias::Last) => sum + bias[j],
                _ => sum,
            };
        }
    }
}
