//! NumPy's `exp` and matrix products for the notebooks' small float64 arrays, bit for bit as
//! NumPy 2.1.3 computes them on x86-64 (tests/numpy_kernels.rs holds every function here
//! against the real NumPy, on hundreds of thousands of values).
//!
//! Neither is IEEE-exact, so each is a port of the code NumPy runs, found by measurement:
//! - `np.exp` is Intel SVML's `__svml_exp8_ha` on a CPU with AVX-512 (NumPy's own
//!   `numpy/_core/src/umath/svml`), which differs from glibc's `exp` in the last bit for about
//!   5 % of arguments. Its main path is ported here; SVML takes a separate path beyond
//!   |x| ≥ 707.70, where glibc's `exp` stands in (it agrees with NumPy there but for
//!   subnormal results).
//! - Matrix products go to OpenBLAS 0.3.27, which runs its Haswell (AVX2, FMA) kernels on
//!   this kind of CPU. Each kernel adds in its own order, with fused multiply-adds in some
//!   places and not others; every result is finally stored as `0 + sum`, which turns a −0
//!   into +0.
//!
//! On a CPU where NumPy picks other kernels (no AVX-512, another OpenBLAS core) the last bit
//! can differ; the test says which kernels the NumPy it compares against uses.

use crate::numpy_ops::{Array, View};

/// `np.exp` of one float64 (SVML's result does not depend on the element's place in the array).
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.abs() >= SVML_MAIN_PATH_LIMIT {
        return x.exp();
    }
    // x = (m + j/16)·ln 2 + r with t = m + j/16 the multiple of 1/16 at or below x·log2(e),
    // taken from the exact product (SVML rounds an FMA toward zero here).
    let log2e = f64::from_bits(LOG2E);
    let product = x * log2e;
    let product_error = x.mul_add(log2e, -product);
    let mut sixteenths = (product * 16.0).floor();
    if product * 16.0 == sixteenths && product_error < 0.0 {
        sixteenths -= 1.0;
    }
    let t = sixteenths / 16.0;
    let j = (sixteenths as i64 & 15) as usize;
    let m = t.floor() as i64;
    let r = (-t).mul_add(f64::from_bits(LN2_HIGH), x);
    let r = (-t).mul_add(f64::from_bits(LN2_LOW), r);
    let c = POLYNOMIAL.map(f64::from_bits);
    let r2 = r * r;
    let c56 = r.mul_add(c[5], c[4]);
    let c34 = r.mul_add(c[3], c[2]);
    let c12 = r.mul_add(c[1], c[0]);
    let poly = c56.mul_add(r2, c34).mul_add(r2, c12);
    let two_j16 = f64::from_bits(TWO_J16_HIGH[j]);
    let scaled = poly
        .mul_add(r, f64::from_bits(TWO_J16_LOW_RELATIVE[j]))
        .mul_add(two_j16, two_j16);
    // 2^m exactly: the result stays a normal number on the main path.
    scaled * f64::from_bits(((m + 1023) as u64) << 52)
}

/// |x| from which SVML leaves its main path (bits 0x40861da04cbafe44).
const SVML_MAIN_PATH_LIMIT: f64 = 707.7032713517042;
const LOG2E: u64 = 0x3ff71547652b82fe;
/// ln 2 / 1, split in two so that t·ln 2 is subtracted almost exactly.
const LN2_HIGH: u64 = 0x3fe62e42fefa39ef;
const LN2_LOW: u64 = 0x3c7abc9e3b39803f;
/// c1..c6 of SVML's polynomial for (e^r − 1)/r.
const POLYNOMIAL: [u64; 6] = [
    0x3fefffffffffff70,
    0x3fe000000000d008,
    0x3fc5555553939732,
    0x3fa55557242d68fe,
    0x3f81101cbbc265c0,
    0x3f57411836940c04,
];
/// 2^(j/16) rounded, and the rest of it relative to that: TH·(1 + TLR) = 2^(j/16) to 1e-32.
const TWO_J16_HIGH: [u64; 16] = [
    0x3ff0000000000000,
    0x3ff0b5586cf9890f,
    0x3ff172b83c7d517b,
    0x3ff2387a6e756238,
    0x3ff306fe0a31b715,
    0x3ff3dea64c123422,
    0x3ff4bfdad5362a27,
    0x3ff5ab07dd485429,
    0x3ff6a09e667f3bcd,
    0x3ff7a11473eb0187,
    0x3ff8ace5422aa0db,
    0x3ff9c49182a3f090,
    0x3ffae89f995ad3ad,
    0x3ffc199bdd85529c,
    0x3ffd5818dcfba487,
    0x3ffea4afa2a490da,
];
const TWO_J16_LOW_RELATIVE: [u64; 16] = [
    0x0,
    0x3c979aa65d837b6d,
    0xbc801b15eaa59348,
    0x3c968efde3a8a894,
    0x3c834d754db0abb6,
    0x3c859f48a72a4c6d,
    0x3c7690cebb7aafb0,
    0x3c9063e1e21c5409,
    0xbc93b3efbf5e2228,
    0xbc7b32dcb94da51d,
    0x3c8db72fc1f0eab4,
    0x3c71affc2b91ce27,
    0x3c8c1a7792cb3387,
    0x3c736eae30af0cb3,
    0x3c74a385a63d07a7,
    0xbc8ff7128fd391f0,
];

/// `a @ b` as NumPy sends it to OpenBLAS: `ddot` for a row times a column, `gemv` when `b` is
/// a column, `gemm` otherwise.
///
/// Panics for a product the notebooks never take (a transposed left operand with an inner
/// dimension other than 4, or a transposed right operand with more than one row): its
/// kernel's order has not been measured, and a guess would be silently a bit off.
pub fn mm(a: &View, b: &View) -> Array {
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
