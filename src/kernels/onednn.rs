//! oneDNN's f32 matrix products as TensorFlow 2.19.0 runs them with oneDNN on
//! (`TF_ENABLE_ONEDNN_OPTS=1`, or unset on a CPU with neural-network features), for each
//! instruction-set level oneDNN can run ([`super::tensorflow::OneDnnIsa`]): each level's
//! kernels add the products in their own order.

use super::tensorflow::OneDnnIsa;

/// `tf.matmul(a, b, transpose_a=transpose_a)` on oneDNN at `isa`: `a` is stored row-major
/// `a_rows`×`a_cols` (so the product's left operand is its transpose when `transpose_a`), `b`
/// row-major `inner`×`b_cols`. Returns the row-major result.
///
/// Panics for a shape whose order has not been measured at `isa`.
pub fn matmul(
    isa: OneDnnIsa,
    a: &[f32],
    a_rows: usize,
    a_cols: usize,
    transpose_a: bool,
    b: &[f32],
    b_cols: usize,
) -> Vec<f32> {
    let (rows, inner) = if transpose_a {
        (a_cols, a_rows)
    } else {
        (a_rows, a_cols)
    };
    assert_eq!(b.len(), inner * b_cols, "matmul: inner dimensions differ");
    let at = |i: usize, k: usize| {
        if transpose_a {
            a[k * a_cols + i]
        } else {
            a[i * a_cols + k]
        }
    };
    match (isa, transpose_a, inner, b_cols) {
        // Measured on an AVX-512 Xeon: eight lanes reduced pairwise, the last two products
        // added last.
        (OneDnnIsa::Avx512Core, false, 10, 1) => (0..rows)
            .map(|i| {
                let p = |k: usize| at(i, k) * b[k];
                (((p(0) + p(1)) + (p(4) + p(5))) + ((p(2) + p(3)) + (p(6) + p(7)))) + (p(8) + p(9))
            })
            .collect(),
        _ => panic!(
            "oneDNN {} order not reproduced for ({rows}×{inner}{}) @ ({inner}×{b_cols})",
            isa.name(),
            if transpose_a { ", transposed" } else { "" }
        ),
    }
}
