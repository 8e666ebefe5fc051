//! OpenBLAS's double-precision products as NumPy 2.1.3's wheel (scipy-openblas 0.3.27) runs them
//! for the notebooks' small arrays, bit for bit, for each core OpenBLAS can pick
//! (tests/numpy_kernels.rs holds every kernel here against the real NumPy).
//!
//! OpenBLAS picks its core at load time from cpuid, or from `OPENBLAS_CORETYPE`
//! ([`Core::select`]). Each kernel adds in its own order, with fused multiply-adds in some
//! places and not others; every result is finally stored as `0 + sum`, which turns a −0 into
//! +0.
//! - `Haswell` (AVX2, FMA): also what Zen runs.

use super::cpu::CpuFeatures;
use super::{Pick, Switches};
use crate::numpy_ops::{Array, View};

/// The OpenBLAS kernel set (`gotoblas` core) in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Core {
    Haswell,
}

impl Core {
    /// The name OpenBLAS gives the core (`openblas_get_corename`, `OPENBLAS_CORETYPE`).
    pub fn name(self) -> &'static str {
        match self {
            Core::Haswell => "Haswell",
        }
    }

    /// The core OpenBLAS 0.3.27 (DYNAMIC_ARCH, as in NumPy's wheel) picks on a CPU with `cpu`
    /// under `OPENBLAS_CORETYPE`; a path of `None` is a core whose kernels are not reproduced.
    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<Core> {
        let _ = (cpu, switches);
        Pick {
            path: Some(Core::Haswell),
            name: Core::Haswell.name().to_string(),
            why: "AVX2 and FMA".to_string(),
        }
    }
}

/// `a @ b` as NumPy sends it to OpenBLAS: `ddot` for a row times a column, `gemv` when `b` is
/// a column, `gemm` otherwise.
///
/// Panics for a product the notebooks never take (a transposed left operand with an inner
/// dimension other than 4, or a transposed right operand with more than one row): its
/// kernel's order has not been measured, and a guess would be silently a bit off.
pub fn mm(core: Core, a: &View, b: &View) -> Array {
    let Core::Haswell = core;
    let (rows, inner, cols) = (a.rows(), a.cols(), b.cols());
    let mut out = Vec::with_capacity(rows * cols);
    if inner == 1 {
        // One product per element.
        for i in 0..rows {
            for j in 0..cols {
                out.push(a.at(i, 0) * b.at(0, j) + 0.0);
            }
        }
    } else if rows == 1 && cols == 1 {
        // A single row or column lies in memory in its own order, transposed or not.
        out.push(ddot(a.memory(), b.memory()));
    } else if cols == 1 && !a.is_transposed() {
        for (i, row) in a.memory().chunks_exact(inner).enumerate() {
            out.push(gemv_t(row, b.memory(), i, rows));
        }
    } else if cols == 1 && inner == 4 {
        let column = [0, 1, 2, 3].map(|k| b.at(k, 0));
        for i in 0..rows {
            let row = [0, 1, 2, 3].map(|k| a.at(i, k));
            out.push(gemv_n_inner4(&row, &column, i, rows));
        }
    } else if !a.is_transposed() && !b.is_transposed() {
        for i in 0..rows {
            for j in 0..cols {
                // gemm's micro-kernel: one fused multiply-add per term, in order, from 0.
                let sum = (0..inner).fold(0.0, |acc, k| a.at(i, k).mul_add(b.at(k, j), acc));
                out.push(sum + 0.0);
            }
        }
    } else {
        panic!(
            "no NumPy kernel reproduced for ({rows}×{inner}{}) @ ({inner}×{cols}{})",
            if a.is_transposed() {
                ", transposed"
            } else {
                ""
            },
            if b.is_transposed() {
                ", transposed"
            } else {
                ""
            },
        );
    }
    Array::new(rows, cols, out)
}

/// `a · b`: OpenBLAS's `ddot`, sixteen FMA lanes over whole blocks of sixteen, reduced
/// pairwise, then the rest added in order without FMA.
fn ddot(a: &[f64], b: &[f64]) -> f64 {
    let body_len = a.len() & !15;
    let mut dot = 0.0;
    if body_len > 0 {
        let mut lanes = [0.0f64; 16];
        for c in (0..body_len).step_by(16) {
            for (j, lane) in lanes.iter_mut().enumerate() {
                *lane = a[c + j].mul_add(b[c + j], *lane);
            }
        }
        let half = |o: usize| {
            ((lanes[o] + lanes[o + 2]) + (lanes[o + 4] + lanes[o + 6]))
                + ((lanes[o + 8] + lanes[o + 10]) + (lanes[o + 12] + lanes[o + 14]))
        };
        dot = half(0) + half(1);
    }
    for k in body_len..a.len() {
        dot += a[k] * b[k];
    }
    0.0 + dot
}

/// One element of `A @ b` for a row-major `A` (`rows` rows) and a column `b`: OpenBLAS's
/// `dgemv_t`, whose kernel depends on where row `i` falls. Whole blocks of four rows use
/// four FMA lanes over the inner index mod 4; the last two rows of `rows ≡ 2, 3 (mod 4)` two
/// plain lanes; the last row of an odd `rows` four plain partial sums. The 1–3 inner elements
/// past a multiple of four are added last.
fn gemv_t(row: &[f64], column: &[f64], i: usize, rows: usize) -> f64 {
    let inner = row.len();
    let body_len = inner & !3;
    let p = |k: usize| row[k] * column[k];
    let mut sum = 0.0;
    if body_len > 0 {
        let body = if i < rows & !3 {
            let mut lanes = [0.0f64; 4];
            for c in (0..body_len).step_by(4) {
                for (q, lane) in lanes.iter_mut().enumerate() {
                    *lane = row[c + q].mul_add(column[c + q], *lane);
                }
            }
            (lanes[0] + lanes[2]) + (lanes[1] + lanes[3])
        } else if rows & 2 != 0 && i < (rows & !3) + 2 {
            let (mut even, mut odd) = (0.0, 0.0);
            for c in (0..body_len).step_by(2) {
                even += p(c);
                odd += p(c + 1);
            }
            even + odd
        } else {
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
        sum = 0.0 + body;
    }
    let k = body_len;
    match inner & 3 {
        1 => sum = row[k].mul_add(column[k], sum),
        2 => sum += row[k].mul_add(column[k], p(k + 1)),
        3 => sum += row[k + 2].mul_add(column[k + 2], row[k].mul_add(column[k], p(k + 1))),
        _ => {}
    }
    sum + 0.0
}

/// One element of `S.T @ b` for a row-major `S` of 4 rows (so `S.T` has `rows` rows) and a
/// column `b` of 4: OpenBLAS's `dgemv_n`. Whole blocks of four output rows pair the terms in
/// two FMAs; two output rows in all add plain pairs; the rows past the last block of four
/// otherwise add in order.
fn gemv_n_inner4(row: &[f64; 4], column: &[f64; 4], i: usize, rows: usize) -> f64 {
    let p = |k: usize| row[k] * column[k];
    let sum = if i < rows & !3 {
        row[2].mul_add(column[2], p(0)) + row[3].mul_add(column[3], p(1))
    } else if rows == 2 {
        (p(0) + p(1)) + (p(2) + p(3))
    } else {
        ((p(0) + p(1)) + p(2)) + p(3)
    };
    sum + 0.0
}
