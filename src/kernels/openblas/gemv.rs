//! OpenBLAS's `dgemv` per core, for alpha = 1 and beta = 0 with unit strides: `y` is first
//! zeroed (`interface/gemv.c` scales it by beta), then each kernel adds its sums onto it.
//!
//! - `dgemv_t` (`y = Aᵀx`, A column-major `m × n`: output `j` is column `j` times `x`) is
//!   `kernel/x86_64/dgemv_t_4.c` on every core: blocks of four outputs go to `dgemv_kernel_4x4`
//!   over the inner terms in whole fours (Haswell's and SkylakeX's `dgemv_t_microk_haswell-4.c`:
//!   four FMA lanes; the others' C loop: each four added in order, then onto the total), two
//!   and one left-over outputs to SSE2 kernels (two plain lanes; four plain partial sums), then
//!   the 1–3 left-over inner terms in C, fused on Haswell and SkylakeX (`-mfma` /
//!   `-march=skylake-avx512`).
//! - `dgemv_n` (`y = A x`, A column-major `m × n`: output `i` is row `i` times `x`): Sandybridge
//!   and Prescott run `dgemv_n.S`, which adds each column's product onto `y` in order;
//!   Nehalem, Haswell and SkylakeX run `dgemv_n_4.c`, whose micro-kernels sum four columns at
//!   a time for whole blocks of four rows and add that sum onto `y`, and whose C code sums the
//!   1–3 left-over rows over all columns first.

use super::Core;

/// `Aᵀx` for column-major `a` (`m × n`, leading dimension `m`): `n` values.
pub fn gemv_t(core: Core, a: &[f64], m: usize, n: usize, x: &[f64]) -> Vec<f64> {
    assert!(a.len() == m * n && x.len() == m);
    assert!(
        m < 2048,
        "dgemv_t's blocks of 2048 inner terms are not reproduced"
    );
    let fused = matches!(core, Core::Haswell | Core::SkylakeX);
    (0..n)
        .map(|j| gemv_t_one(fused, &a[j * m..(j + 1) * m], x, j, n))
        .collect()
}

/// Output `j` (of `n`) of `dgemv_t_4.c`: `column · x`.
fn gemv_t_one(fused: bool, column: &[f64], x: &[f64], j: usize, n: usize) -> f64 {
    let m = column.len();
    let body_len = m & !3;
    let p = |k: usize| column[k] * x[k];
    let mut y = 0.0;
    if body_len > 0 {
        let body = if j < n & !3 {
            if fused {
                let mut lanes = [0.0f64; 4];
                for c in (0..body_len).step_by(4) {
                    for (q, lane) in lanes.iter_mut().enumerate() {
                        *lane = column[c + q].mul_add(x[c + q], *lane);
                    }
                }
                (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
            } else {
                (0..body_len)
                    .step_by(4)
                    .fold(0.0, |t, c| t + (((p(c) + p(c + 1)) + p(c + 2)) + p(c + 3)))
            }
        } else if n & 2 != 0 && j < (n & !3) + 2 {
            // dgemv_kernel_4x2: two lanes (even and odd terms), then haddpd.
            let (mut even, mut odd) = (0.0, 0.0);
            for c in (0..body_len).step_by(2) {
                even += p(c);
                odd += p(c + 1);
            }
            even + odd
        } else {
            // dgemv_kernel_4x1: a first pair if the length has a 2, then fours, into two
            // registers of two lanes.
            let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
            let mut c = 0;
            if body_len & 2 != 0 {
                s0 += p(0);
                s1 += p(1);
                c = 2;
            }
            while c < body_len {
                s0 += p(c);
                s1 += p(c + 1);
                s2 += p(c + 2);
                s3 += p(c + 3);
                c += 4;
            }
            (s2 + s0) + (s3 + s1)
        };
        y = 0.0 + body;
    }
    let k = body_len;
    match (m & 3, fused) {
        (1, true) => y = column[k].mul_add(x[k], y),
        (2, true) => y += column[k].mul_add(x[k], p(k + 1)),
        (3, true) => y += column[k + 2].mul_add(x[k + 2], column[k].mul_add(x[k], p(k + 1))),
        (1, false) => y += p(k),
        (2, false) => y += p(k) + p(k + 1),
        (3, false) => y += (p(k) + p(k + 1)) + p(k + 2),
        _ => {}
    }
    y + 0.0
}

/// `A x` for column-major `a` (`m × n`, leading dimension `m`): `m` values.
pub fn gemv_n(core: Core, a: &[f64], m: usize, n: usize, x: &[f64]) -> Vec<f64> {
    assert!(a.len() == m * n && x.len() == n);
    assert!(m < 2048, "dgemv_n's blocks of 2048 rows are not reproduced");
    let at = |i: usize, k: usize| a[k * m + i];
    let p = |i: usize, k: usize| at(i, k) * x[k];
    if matches!(core, Core::Sandybridge | Core::Prescott) {
        // dgemv_n.S: every row adds the columns' products onto y in order.
        return (0..m)
            .map(|i| (0..n).fold(0.0, |y, k| y + p(i, k)))
            .collect();
    }
    let fused = core.fuses_c_code();
    let fma_or_add = |acc: f64, i: usize, k: usize| {
        if fused {
            at(i, k).mul_add(x[k], acc)
        } else {
            acc + p(i, k)
        }
    };
    let block_rows = m & !3;
    let mut y = vec![0.0; m];
    for (i, yi) in y.iter_mut().enumerate().take(block_rows) {
        let mut c = 0;
        while c + 4 <= n {
            let s = match core {
                // dgemv_n_microk_nehalem-4.c: the four in order from +0.
                Core::Nehalem => (((0.0 + p(i, c)) + p(i, c + 1)) + p(i, c + 2)) + p(i, c + 3),
                // dgemv_n_microk_haswell-4.c: columns 0+2 and 1+3 fused, then added.
                Core::Haswell => {
                    at(i, c + 2).mul_add(x[c + 2], p(i, c))
                        + at(i, c + 3).mul_add(x[c + 3], p(i, c + 1))
                }
                // dgemv_n_microk_skylakex-4.c: `a0*x0 + a1*x1 + a2*x2 + a3*x3`, contracted.
                _ => at(i, c + 3).mul_add(
                    x[c + 3],
                    at(i, c + 2).mul_add(x[c + 2], at(i, c).mul_add(x[c], p(i, c + 1))),
                ),
            };
            *yi += s;
            c += 4;
        }
        if n & 2 != 0 {
            *yi = match core {
                // The generic SSE2 dgemv_kernel_4x2: each column onto y.
                Core::Nehalem => (*yi + p(i, c)) + p(i, c + 1),
                Core::Haswell => *yi + (p(i, c) + p(i, c + 1)),
                _ => *yi + at(i, c).mul_add(x[c], p(i, c + 1)),
            };
            c += 2;
        }
        if n & 1 != 0 {
            *yi += p(i, c);
        }
    }
    // The 1–3 rows past the blocks: each summed over all columns in C, then added onto y.
    let tail = m - block_rows;
    for (i, yi) in y.iter_mut().enumerate().skip(block_rows) {
        let mut temp = 0.0;
        let mut c = 0;
        if m == tail {
            // `lda == m3`: the columns in fours, as pairs (rows of 2 and 3) or one sum of
            // four (a row of 1), each onto temp.
            while c + 4 <= n {
                let pair = |k: usize| {
                    if fused {
                        at(i, k).mul_add(x[k], p(i, k + 1))
                    } else {
                        p(i, k) + p(i, k + 1)
                    }
                };
                if tail == 1 {
                    let four = if fused {
                        at(i, c + 3).mul_add(
                            x[c + 3],
                            at(i, c + 2).mul_add(x[c + 2], at(i, c).mul_add(x[c], p(i, c + 1))),
                        )
                    } else {
                        ((p(i, c) + p(i, c + 1)) + p(i, c + 2)) + p(i, c + 3)
                    };
                    temp += four;
                } else {
                    temp += pair(c);
                    temp += pair(c + 2);
                }
                c += 4;
            }
        }
        while c < n {
            temp = fma_or_add(temp, i, c);
            c += 1;
        }
        *yi += temp;
    }
    y.iter().map(|v| v + 0.0).collect()
}
