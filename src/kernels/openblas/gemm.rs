//! OpenBLAS's `dgemm` per core for `C = A·B` (alpha = 1, beta = 0, neither operand
//! transposed) with an inner dimension of at most 2 (the notebooks' surface `pts @ W1`), each
//! element a sum over the inner index in order. Longer sums are not reproduced: measured with
//! inner sizes 3 to 33, the packed kernels of Prescott, Nehalem and Haswell and SkylakeX's
//! small-matrix kernel split or reorder them in some blocks.
//! - SkylakeX, when M·N·K ≤ 100³ (`dgemm_small_kernel_permit_skylakex.c`): the small-matrix
//!   kernel `dgemm_small_kernel_nn_skylakex.c` (B0 variant) fuses each term onto a zeroed
//!   accumulator and stores `alpha·acc`.
//! - Haswell: C is zeroed (`dgemm_beta`), the packed `dgemm_kernel_4x8_haswell.S` fuses each
//!   term and adds `alpha·acc` onto C.
//! - Sandybridge, Nehalem, Prescott: the same without FMA (`dgemm_kernel_4x8_sandy.S`,
//!   `gemm_kernel_2x8_nehalem.S`, `gemm_kernel_4x4_sse3.S`): each product rounded, then added.

use super::Core;
use super::View;

/// `a @ b` for row-major `a` and `b`, row-major result.
pub fn gemm_nn(core: Core, a: &View, b: &View) -> Vec<f64> {
    let (rows, inner, cols) = (a.rows(), a.cols(), b.cols());
    assert!(!a.is_transposed() && !b.is_transposed());
    assert!(
        inner <= 2,
        "dgemm's order over more than 2 inner terms is not reproduced"
    );
    let small = (rows * inner * cols) as f64 <= 100.0 * 100.0 * 100.0;
    assert!(
        core != Core::SkylakeX || small,
        "SkylakeX's large-matrix dgemm kernel is not reproduced"
    );
    let mut out = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        for j in 0..cols {
            let terms = (0..inner).map(|k| (a.at(i, k), b.at(k, j)));
            out.push(match core {
                Core::SkylakeX => terms.fold(0.0, |acc, (x, y)| x.mul_add(y, acc)),
                Core::Haswell => terms.fold(0.0, |acc, (x, y)| x.mul_add(y, acc)) + 0.0,
                _ => terms.fold(0.0, |acc, (x, y)| acc + x * y) + 0.0,
            });
        }
    }
    out
}
