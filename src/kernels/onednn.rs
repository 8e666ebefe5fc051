//! oneDNN's f32 matrix products as TensorFlow 2.19.0 runs them with oneDNN on
//! (`TF_ENABLE_ONEDNN_OPTS=1`, or unset on a CPU with neural-network features), for each
//! instruction-set level oneDNN can run ([`super::tensorflow::OneDnnIsa`]), bit for bit.
//!
//! TensorFlow 2.19.0 bundles oneDNN v3.5.0 (`ONEDNN_VERBOSE=1` prints `oneDNN v3.5.0`). In eager
//! mode only `MatMul` (forward, and the two products of its gradient) runs in oneDNN, and it does
//! not go through a oneDNN primitive: TensorFlow calls `dnnl_sgemm` directly (verbose prints
//! `gemm_api`, no implementation name). BiasAdd/AddV2, Relu, Sigmoid, their gradients, Square,
//! Mean and Sum run in Eigen (no verbose line for any of them).
//!
//! `dnnl_sgemm` is row-major; oneDNN swaps the operands to run a column-major GEMM
//! (`src/common/gemm.cpp`): TensorFlow's `C(M×N) = A(M×K)·B(K×N)` becomes oneDNN's
//! `C'(m×n) = A'·B'` with `m = N`, `n = M`, `A' = B`, `B' = A` (so TensorFlow's `transpose_a` is
//! oneDNN's `transb`). `gemm_driver` (`src/cpu/x64/gemm/gemm_driver.cpp`) then picks, for f32:
//! - `m == 1` or `n == 1` (a single result column or row): the GEMV kernels
//!   (`gemv_driver.cpp`): `jit_avx_gemv_t_f32_kern` (AVX and up; FMA from AVX2) or
//!   `jit_sse41_gemv_t_f32_kern` for a dot product along memory, `jit_sse41_gemv_n_f32_kern`
//!   (every level; FMA from AVX2) for a sum of scaled columns;
//! - otherwise, for small shapes (`1/m + 1/n` above a threshold), the no-copy kernels:
//!   `jit_avx512_common_gemm_f32` (AVX-512) or `jit_avx_gemm_f32` (AVX, AVX2); on SSE4.1 the
//!   copy-based kernels (`jit_sse41_kernel_b0_sgemm_kern`).
//!
//! Quirks that decide bits: the maximum ISA (`ONEDNN_MAX_CPU_ISA`) also decides FMA (every
//! AVX2 and AVX-512 kernel fuses, AVX and SSE4.1 cannot); `jit_avx_gemm_f32` on AVX2 fuses only
//! in some blocks of 6 result rows and splits the sum into even and odd terms in others, so
//! there the order depends on a row's position; accumulators start at +0.0 (a product of
//! exactly −0 gives +0). α = 1 and β = 0 throughout (TensorFlow's `MatMul`), so scaling is exact.
//! Where a path's order would depend on the machine's thread count or on a code path not
//! measured here, [`matmul`] says so rather than guess.

use super::tensorflow::OneDnnIsa;

/// `tf.matmul(a, b, transpose_a=transpose_a)` on oneDNN at `isa`: `a` is stored row-major
/// `a_rows`×`a_cols` (so the product's left operand is its transpose when `transpose_a`), `b`
/// row-major `inner`×`b_cols`. Returns the row-major result.
///
/// A product with `transpose_b=True` and an inner dimension of 1 (the gradient `dZ2 @ W2ᵀ`) is
/// this with `b` the same memory read as `1×b_cols`: one rounded product per value on every
/// path (measured).
///
/// An error naming the shape and the reason for a product whose path or order has not been
/// reproduced at `isa` (see the module doc); the notebooks' shapes are all reproduced.
pub fn matmul(
    isa: OneDnnIsa,
    a: &[f32],
    a_rows: usize,
    a_cols: usize,
    transpose_a: bool,
    b: &[f32],
    b_cols: usize,
) -> Result<Vec<f32>, String> {
    let (rows, inner) = if transpose_a {
        (a_cols, a_rows)
    } else {
        (a_rows, a_cols)
    };
    assert_eq!(a.len(), a_rows * a_cols, "matmul: a's length");
    assert_eq!(b.len(), inner * b_cols, "matmul: inner dimensions differ");
    let product = Product {
        a,
        a_cols,
        transpose_a,
        b,
        b_cols,
        rows,
    };
    let unreproduced = |why: &str| -> String {
        format!(
            "oneDNN {} order not reproduced for ({rows}×{inner}{}) @ ({inner}×{b_cols}): {why}",
            isa.name(),
            if transpose_a { ", transposed" } else { "" }
        )
    };
    if rows == 0 || b_cols == 0 {
        return Ok(Vec::new());
    }
    let fma = isa >= OneDnnIsa::Avx2;
    // gemv_driver.cpp, jump_to_gemv: oneDNN's n == 1 first, then m == 1.
    if rows == 1 || (b_cols == 1 && transpose_a) {
        // The y-buffer split over the inner dimension starts at 2 threads × 128.
        if inner >= 256 {
            return Err(unreproduced(
                "GEMV split over the inner dimension by thread count",
            ));
        }
        return Ok(
            product.each(|i, j| gemv_n(inner, fma, |k| (product.a_at(i, k), product.b_at(k, j))))
        );
    }
    if b_cols == 1 {
        return Ok(product.each(|i, _| {
            let terms = |k: usize| (product.b_at(k, 0), product.a_at(i, k));
            if isa >= OneDnnIsa::Avx {
                gemv_t_avx(inner, fma, terms)
            } else {
                gemv_t_sse41(inner, terms)
            }
        }));
    }
    let (m, n) = (b_cols, rows);
    let copy_overhead = 1.0 / m as f64 + 1.0 / n as f64;
    Ok(match isa {
        OneDnnIsa::Avx512Core => {
            // nocopy_checker_avx512. One accumulator per value, fused, the terms in order.
            if copy_overhead < 0.00196 || b_cols.is_multiple_of(1024) {
                return Err(unreproduced(
                    "not certain to take jit_avx512_common_gemm_f32",
                ));
            }
            if inner > MEASURED_GEMM_INNER {
                return Err(unreproduced("k beyond the measured range"));
            }
            product.each(|i, j| {
                (0..inner).fold(0.0f32, |acc, k| {
                    product.a_at(i, k).mul_add(product.b_at(k, j), acc)
                })
            })
        }
        OneDnnIsa::Avx2 | OneDnnIsa::Avx => {
            // nocopy_checker_avx2 (AVX2 and AVX both).
            if copy_overhead < 0.0038 {
                return Err(unreproduced("not certain to take jit_avx_gemm_f32"));
            }
            if inner > MEASURED_GEMM_INNER {
                return Err(unreproduced("k beyond the measured range"));
            }
            if isa == OneDnnIsa::Avx2 {
                // adjust_thread_count (threadpool runtime, AVX2 only): one thread while the
                // problem fits one core's L2 (256 KiB at least on every AVX2 CPU); more threads
                // would move the row blocks.
                let footprint = (m * n + m * inner + n * inner) * 4;
                if (n > 50 && m <= 3) || footprint > 256 * 1024 || m > 4032 {
                    return Err(unreproduced(
                        "jit_avx_gemm_f32's blocks depend on the thread count",
                    ));
                }
                let blocks = AvxGemmBlocks::new(m, n);
                product.each(|i, j| {
                    let (unroll_m, unroll_n) = blocks.of(j, i);
                    avx_gemm_element(inner, unroll_m, unroll_n, true, |k| {
                        (product.a_at(i, k), product.b_at(k, j))
                    })
                })
            } else {
                // Without AVX2 every block is 8 rows of m, two accumulators, no FMA.
                product.each(|i, j| {
                    avx_gemm_element(inner, 8, 1, false, |k| {
                        (product.a_at(i, k), product.b_at(k, j))
                    })
                })
            }
        }
        OneDnnIsa::Sse41 => {
            // Copy-based jit_sse41_kernel_b0_sgemm_kern (nocopy_checker needs AVX): one
            // accumulator per value, the terms in order, unfused (measured).
            if inner > MEASURED_GEMM_INNER {
                return Err(unreproduced("k beyond the measured range"));
            }
            product.each(|i, j| {
                (0..inner).fold(0.0f32, |acc, k| {
                    acc + product.a_at(i, k) * product.b_at(k, j)
                })
            })
        }
    })
}

/// The GEMM paths' inner dimension is measured up to 47; every k-blocking (96 and up) and
/// every split of k over threads (192 and up) lies beyond.
const MEASURED_GEMM_INNER: usize = 48;

/// One product's operands, read as TensorFlow's `A(rows×inner)` and `B(inner×b_cols)`.
struct Product<'a> {
    a: &'a [f32],
    a_cols: usize,
    transpose_a: bool,
    b: &'a [f32],
    b_cols: usize,
    rows: usize,
}

impl Product<'_> {
    fn a_at(&self, i: usize, k: usize) -> f32 {
        if self.transpose_a {
            self.a[k * self.a_cols + i]
        } else {
            self.a[i * self.a_cols + k]
        }
    }

    fn b_at(&self, k: usize, j: usize) -> f32 {
        self.b[k * self.b_cols + j]
    }

    /// The row-major result, `value(i, j)` at row `i`, column `j`.
    fn each(&self, value: impl Fn(usize, usize) -> f32) -> Vec<f32> {
        (0..self.rows)
            .flat_map(|i| (0..self.b_cols).map(move |j| (i, j)))
            .map(|(i, j)| value(i, j))
            .collect()
    }
}

/// `acc + x·y`, fused or rounded twice.
fn multiply_add(acc: f32, (x, y): (f32, f32), fma: bool) -> f32 {
    if fma {
        x.mul_add(y, acc)
    } else {
        acc + x * y
    }
}

/// `jit_sse41_gemv_n_f32_kern` (used at every level): y starts at +0 (β = 0) and takes the
/// `inner` terms one after another, each column scaled by x (α·x is exact, α = 1).
fn gemv_n(inner: usize, fma: bool, term: impl Fn(usize) -> (f32, f32)) -> f32 {
    (0..inner).fold(0.0f32, |y, k| multiply_add(y, term(k), fma))
}

/// `vhaddps`, `vperm2f128`+`vaddps`, `vhaddps` on eight lanes.
fn horizontal_sum_8(l: [f32; 8]) -> f32 {
    ((l[0] + l[1]) + (l[4] + l[5])) + ((l[2] + l[3]) + (l[6] + l[7]))
}

/// `jit_avx_gemv_t_f32_kern` (AVX and up, FMA from AVX2): eight lanes; blocks of 16 terms
/// (lane l takes terms l then l+8 of each block) reduced once after the last full block, then
/// the remaining 8, 4, 2, 1 terms each in fresh lanes, reduced and added to y in that order.
fn gemv_t_avx(inner: usize, fma: bool, term: impl Fn(usize) -> (f32, f32)) -> f32 {
    let mut y = 0.0f32;
    let mut next = 0;
    if inner >= 16 {
        let mut lanes = [0.0f32; 8];
        while inner - next >= 16 {
            for half in 0..2 {
                for (l, lane) in lanes.iter_mut().enumerate() {
                    *lane = multiply_add(*lane, term(next + 8 * half + l), fma);
                }
            }
            next += 16;
        }
        y += horizontal_sum_8(lanes);
    }
    let left = inner - next;
    for width in [8, 4, 2, 1] {
        if left & width != 0 {
            let mut lanes = [0.0f32; 8];
            for (l, lane) in lanes.iter_mut().take(width).enumerate() {
                *lane = multiply_add(*lane, term(next + l), fma);
            }
            next += width;
            y += horizontal_sum_8(lanes);
        }
    }
    y
}

/// `jit_sse41_gemv_t_f32_kern`: four lanes, no FMA; blocks of 8 terms (lane l takes terms l
/// then l+4), two `haddps` after the last full block, then the remaining 4, 2, 1 terms.
fn gemv_t_sse41(inner: usize, term: impl Fn(usize) -> (f32, f32)) -> f32 {
    let horizontal_sum_4 = |l: [f32; 4]| (l[0] + l[1]) + (l[2] + l[3]);
    let mut y = 0.0f32;
    let mut next = 0;
    if inner >= 8 {
        let mut lanes = [0.0f32; 4];
        while inner - next >= 8 {
            for half in 0..2 {
                for (l, lane) in lanes.iter_mut().enumerate() {
                    *lane = multiply_add(*lane, term(next + 4 * half + l), false);
                }
            }
            next += 8;
        }
        y += horizontal_sum_4(lanes);
    }
    let left = inner - next;
    for width in [4, 2, 1] {
        if left & width != 0 {
            let mut lanes = [0.0f32; 4];
            for (l, lane) in lanes.iter_mut().take(width).enumerate() {
                *lane = multiply_add(*lane, term(next + l), false);
            }
            next += width;
            y += horizontal_sum_4(lanes);
        }
    }
    y
}

/// The register blocks of `jit_avx_gemm_f32` on AVX2 for one thread: oneDNN's m (TensorFlow's
/// columns) in blocks of 16, the tail as one 16-block if over 8, else one 8-block; oneDNN's n
/// (TensorFlow's rows) first cut by `sgemm_nocopy_driver` into chunks of 48 (the last two
/// halved when 72 < left < 96), each chunk in blocks of 6 and one smaller tail block.
struct AvxGemmBlocks {
    unroll_m_of_column: Vec<usize>,
    unroll_n_of_row: Vec<usize>,
}

impl AvxGemmBlocks {
    fn new(m: usize, n: usize) -> AvxGemmBlocks {
        let mut unroll_m_of_column = Vec::with_capacity(m);
        let full = m / 16 * 16;
        unroll_m_of_column.resize(full, 16);
        let tail = m - full;
        unroll_m_of_column.resize(m, if tail > 8 { 16 } else { 8 });

        const BN: usize = 48;
        let mut unroll_n_of_row = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let left = n - start;
            let chunk = if left >= 2 * BN {
                BN
            } else if left > BN + BN / 2 {
                left.div_ceil(2)
            } else {
                left
            };
            let full = chunk / 6 * 6;
            unroll_n_of_row.extend(std::iter::repeat_n(6, full));
            unroll_n_of_row.extend(std::iter::repeat_n(chunk - full, chunk - full));
            start += chunk;
        }
        AvxGemmBlocks {
            unroll_m_of_column,
            unroll_n_of_row,
        }
    }

    /// The block sizes (oneDNN's unroll_m, unroll_n) holding TensorFlow's element (row, col).
    fn of(&self, col: usize, row: usize) -> (usize, usize) {
        (self.unroll_m_of_column[col], self.unroll_n_of_row[row])
    }
}

/// One element of `jit_avx_gemm_f32`'s kernel in a block of `unroll_m`×`unroll_n`: the 16-row
/// kernels for 4 to 6 columns keep one accumulator and fuse; every other kernel keeps two, the
/// even terms in one and the odd in the other, adds them after the last pair, then takes a
/// last odd term; the 1- and 2-column kernels (and everything without AVX2) do not fuse.
fn avx_gemm_element(
    inner: usize,
    unroll_m: usize,
    unroll_n: usize,
    avx2: bool,
    term: impl Fn(usize) -> (f32, f32),
) -> f32 {
    let fma = avx2 && unroll_n >= 3;
    if unroll_m == 16 && unroll_n >= 4 {
        return (0..inner).fold(0.0f32, |acc, k| multiply_add(acc, term(k), fma));
    }
    let pairs = inner / 2 * 2;
    let (mut even, mut odd) = (0.0f32, 0.0f32);
    for k in 0..pairs {
        if k % 2 == 0 {
            even = multiply_add(even, term(k), fma);
        } else {
            odd = multiply_add(odd, term(k), fma);
        }
    }
    let mut acc = even + odd;
    if inner % 2 == 1 {
        acc = multiply_add(acc, term(inner - 1), fma);
    }
    acc
}
