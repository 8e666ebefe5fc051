//! MKL's `sgemm` on the products the PyTorch notebooks make (at most 4 × 4 by 4 × 4), per
//! reproduced code path: see [`super`] for what was measured.

use super::MklPath;

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
    match path {
        MklPath::Generic => {
            let from_zero = !(k == 1 || (bias.is_some() && n == 1));
            for i in 0..m {
                for j in 0..n {
                    let first = a(i, 0) * b(0, j);
                    let mut sum = if from_zero { 0.0 + first } else { first };
                    for p in 1..k {
                        sum += a(i, p) * b(p, j);
                    }
                    out[i * n + j] = match bias {
                        Some(bias) => sum + bias[j],
                        None => sum,
                    };
                }
            }
        }
    }
}
