//! TensorFlow 2.19.0's Eigen CPU kernels for float32, bit for bit, for the ops of notebook 002's
//! TensorFlow part whose bits depend on the kernel (tests/eigen_kernels.rs holds each against
//! the real TensorFlow). The Eigen here is the one the wheel ships (`tensorflow/include/Eigen`);
//! the wheel is built with AVX and without FMA, so Eigen's packets are eight floats and its
//! `pmadd` is a rounded multiply, then a rounded add.
//!
//! Quirks, each measured:
//! - **Denormals are zero**: TensorFlow runs its ops with the CPU's flush-to-zero and
//!   denormals-are-zero modes on (`port::ScopedFlushDenormal`), so every operation here reads a
//!   subnormal input as zero and writes a subnormal result as zero, sign kept ([`flush`] and
//!   the arithmetic beside it; the logistic of x below about −87.3 is 0, not a subnormal).
//! - **Logistic** (`tf.nn.sigmoid`, `scalar_logistic_op<float>`, `functors/UnaryFunctors.h`):
//!   two different functions. Eigen's tensor executor (`TensorExecutor.h`, `EvalRange`) runs
//!   the packet function on the first ⌊n/8⌋·8 elements and the scalar one on the rest (the
//!   thread pool splits at multiples of eight). Scalar: `e / (1 + e)`, `e = expf(min(x,
//!   16.6355324))` with the C library's `expf`. Packet: its own degree-5 polynomial after
//!   halving x, squared back (see [`logistic_packet_lane`]); it differs from the scalar in a
//!   third of the values. A 4-row batch is all scalar; the 2500-point surface all packet but its
//!   last four points.
//! - **SigmoidGrad** (`cwise_ops_gradients.h`): scalar `(dy·y)·(1−y)`, packet `dy·(y·(1−y))`,
//!   split the same way.
//! - **MatMul** (`matmul_op_impl.h`, `LaunchBatchMatMul`): when the smallest of (stored left
//!   rows, stored left columns, result columns) is 1 — every product with a column vector —
//!   TensorFlow calls Eigen's *matrix* product (`SequentialMatMulKernel`, or when
//!   `m·k·n > 128²` `SingleBatchParallelMatMulKernel`, which splits the result into row blocks).
//!   Eigen then takes, per block, a coefficient-wise product when `k + rows + cols < 20`
//!   (`EIGEN_GEMM_TO_COEFFBASED_THRESHOLD`): each value the products summed left to right from
//!   the first; otherwise, for one result column, its row-major `gemv`
//!   (`GeneralMatrixVector.h`): eight-float packet lanes summing products `j, j+8, …`, reduced
//!   `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`, then the remaining products one by one, stored as
//!   `0 + sum`. So `A1(4×10)·W2` sums left to right, `A1g(2500×10)·W2` in lanes.
//! - Otherwise (`ParallelMatMulKernel`) it is a tensor contraction, and TensorFlow's
//!   contraction kernel hands the blocks to **oneDNN's `sgemm`** — also with
//!   `TF_ENABLE_ONEDNN_OPTS=0` (`ONEDNN_VERBOSE` shows its `gemm_api` calls), at the ISA oneDNN
//!   picks, which `ONEDNN_MAX_CPU_ISA` caps. At AVX2 and AVX-512 it accumulates with fused
//!   multiply-adds in k order; at AVX and SSE4.1 it rounds each product. Products whose left
//!   operand is the 0/1 input X are exact in any order.
//! - **Reductions** (`reduce_mean`, the bias gradients' `reduce_sum`; `TensorReduction.h`):
//!   sums start from 0 and add in index order (packets of eight, four packet accumulators and
//!   a pairwise split above 1024 packets only for longer inputs than these); the mean then
//!   divides by the count as a float.

use super::tensorflow::OneDnnIsa;

/// Floats per Eigen packet in TensorFlow's AVX build (the wheel).
pub const PACKET: usize = 8;

/// How a TensorFlow build compiled Eigen: its packets are eight floats (AVX: the PyPI wheel) or
/// four (SSE: a build for baseline x86-64). Neither build contracts to FMA, and each lane
/// computes what [`logistic_packet_lane`] computes; what the width changes is which elements of
/// a short tensor go through the packet function and the order of a sum's additions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packets {
    /// `Packet4f`: SSE, the x86-64 baseline.
    Sse4,
    /// `Packet8f`: AVX, TensorFlow's Linux wheel.
    Avx8,
}

impl Packets {
    /// Floats per packet.
    pub fn lanes(self) -> usize {
        match self {
            Packets::Sse4 => 4,
            Packets::Avx8 => PACKET,
        }
    }

    /// How many of `n` elements an Eigen element-wise op computes in packets (the rest are
    /// scalar).
    pub fn packet_elements(self, n: usize) -> usize {
        n / self.lanes() * self.lanes()
    }

    /// `tf.nn.sigmoid` of a tensor of `x.len()` floats.
    pub fn sigmoid(self, x: &[f32]) -> Vec<f32> {
        let split = self.packet_elements(x.len());
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                if i < split {
                    logistic_packet_lane(v)
                } else {
                    logistic_scalar(v)
                }
            })
            .collect()
    }

    /// `SigmoidGrad(y, dy)`, the gradient `tf.nn.sigmoid`'s tape records.
    pub fn sigmoid_grad(self, y: &[f32], dy: &[f32]) -> Vec<f32> {
        assert_eq!(y.len(), dy.len(), "sigmoid_grad: lengths differ");
        let split = self.packet_elements(y.len());
        y.iter()
            .zip(dy)
            .enumerate()
            .map(|(i, (&y, &dy))| {
                if i < split {
                    mul(dy, mul(y, sub(1.0, y)))
                } else {
                    mul(mul(dy, y), sub(1.0, y))
                }
            })
            .collect()
    }

    /// Sum of `x` as Eigen's `InnerMostDimReducer` (vectorised, no tree) adds it: four packet
    /// accumulators over blocks of four packets, then one over the remaining packets, then the
    /// scalar tail from 0, then the packet accumulator reduced and added. Panics above 1024
    /// packets, where Eigen splits the sum in halves and TensorFlow's thread pool in blocks
    /// (not reproduced). One element is copied as it is: TensorFlow reduces nothing then
    /// (`ReductionHelper`), so a −0 stays −0 (measured: a test draw of −0 found it).
    pub fn sum(self, x: &[f32]) -> f32 {
        let n = x.len();
        if n == 1 {
            return x[0];
        }
        let p = self.lanes();
        assert!(n <= p * 1024, "sum: {n} elements, longer than reproduced");
        let mut acc = [[0.0f32; PACKET]; 4];
        let accumulate = |acc: &mut [f32; PACKET], at: usize| {
            for (l, a) in acc[..p].iter_mut().enumerate() {
                *a = add(*a, x[at + l]);
            }
        };
        let mut start = 0;
        if n >= 4 * p {
            let end = n / (4 * p) * (4 * p);
            while start < end {
                for (q, a) in acc.iter_mut().enumerate() {
                    accumulate(a, start + q * p);
                }
                start += 4 * p;
            }
            let [mut a0, a1, a2, a3] = acc;
            for other in [a1, a2, a3] {
                for l in 0..p {
                    a0[l] = add(a0[l], other[l]);
                }
            }
            acc[0] = a0;
        }
        while start + p <= n {
            accumulate(&mut acc[0], start);
            start += p;
        }
        let mut scalar = 0.0f32;
        for &v in &x[start..] {
            scalar = add(scalar, v);
        }
        add(scalar, self.predux(&acc[0]))
    }

    /// `reduce_mean` of all of `x`: the sum divided by the count as a float (one element is
    /// copied, as [`Packets::sum`] says).
    pub fn mean(self, x: &[f32]) -> f32 {
        if x.len() == 1 {
            return x[0];
        }
        div(self.sum(x), x.len() as f32)
    }

    /// Eigen's `predux` of a packet: AVX adds its two halves, then SSE's `(a0+a2)+(a1+a3)`
    /// (`_mm_movehl_ps`, then `_mm_add_ss` of lane 1: SSE3's `hadd` is commented out).
    fn predux(self, l: &[f32; PACKET]) -> f32 {
        let h = match self {
            Packets::Avx8 => [
                add(l[0], l[4]),
                add(l[1], l[5]),
                add(l[2], l[6]),
                add(l[3], l[7]),
            ],
            Packets::Sse4 => [l[0], l[1], l[2], l[3]],
        };
        add(add(h[0], h[2]), add(h[1], h[3]))
    }
}

/// A subnormal as TensorFlow's threads see it (flush-to-zero, denormals-are-zero): zero of its
/// sign.
pub fn flush(x: f32) -> f32 {
    if x.is_subnormal() {
        0.0f32.copysign(x)
    } else {
        x
    }
}

/// `a + b` in TensorFlow's floating-point mode.
pub fn add(a: f32, b: f32) -> f32 {
    flush(flush(a) + flush(b))
}

/// `a - b` in TensorFlow's floating-point mode.
pub fn sub(a: f32, b: f32) -> f32 {
    flush(flush(a) - flush(b))
}

/// `a * b` in TensorFlow's floating-point mode.
pub fn mul(a: f32, b: f32) -> f32 {
    flush(flush(a) * flush(b))
}

/// `a / b` in TensorFlow's floating-point mode.
pub fn div(a: f32, b: f32) -> f32 {
    flush(flush(a) / flush(b))
}

/// `a * b + c` with one rounding, in TensorFlow's floating-point mode.
pub fn fused(a: f32, b: f32, c: f32) -> f32 {
    flush(flush(a).mul_add(flush(b), flush(c)))
}

/// `scalar_logistic_op<float>::operator()`: the scalar path.
#[allow(clippy::excessive_precision)]
pub fn logistic_scalar(x: f32) -> f32 {
    // Eigen truncates where the interpolant first rounds to one; `numext::mini` is `std::min`.
    let x = flush(x);
    let hi = 16.635_532_4_f32;
    // The C library's `expf`, whose subnormal results the CPU flushes on the way out.
    let e = flush((if hi < x { hi } else { x }).exp());
    div(e, add(1.0, e))
}

/// `scalar_logistic_op<float>::packetOp` on one lane (lanes are independent). The constants
/// are Eigen's, digit for digit.
#[allow(clippy::excessive_precision)]
pub fn logistic_packet_lane(x_in: f32) -> f32 {
    // `pmadd` without FMA: a rounded product, then a rounded sum.
    let madd = |a: f32, b: f32, c: f32| add(mul(a, b), c);
    let x_in = flush(x_in);
    let zero_mask = x_in < -104.0;
    // `_mm256_min_ps(hi, x)` as Eigen calls it: x unless hi is smaller (NaN gives x).
    let hi = 16.635_532_4_f32;
    let mut x = if hi < x_in { hi } else { x_in };
    x = mul(x, 0.5);
    // Eigen's cst_cephes_LOG2EF, which rounds to LOG2_E in float32.
    let m = madd(x, std::f32::consts::LOG2_E, 0.5).floor();
    let mut r = madd(m, -0.693_359_375_f32, x);
    r = madd(m, 2.121_944_40e-4_f32, r);
    let r2 = mul(r, r);
    let p_even = madd(
        r2,
        4.189_866_781_234_741_210_937_5e-2_f32,
        0.499_991_416_931_152_343_75_f32,
    );
    let p_odd = madd(
        r2,
        8.334_713_056_683_540_344_238_281_25e-3_f32,
        0.166_668_772_697_448_730_468_75_f32,
    );
    let p_low = add(r, 1.0);
    let mut p = madd(r, p_odd, p_even);
    p = madd(r2, p, p_low);
    // `pldexp_fast_impl`: 2^m built from the clamped biased exponent (m + 127 in [0, 255]).
    let biased = add(m, 127.0).clamp(0.0, 255.0) as u32;
    let mut e = mul(p, f32::from_bits(biased << 23));
    e = mul(e, e);
    if zero_mask {
        0.0
    } else {
        div(e, add(1.0, e))
    }
}

/// [`Packets::packet_elements`] in the wheel's AVX build.
pub fn packet_elements(n: usize) -> usize {
    Packets::Avx8.packet_elements(n)
}

/// [`Packets::sigmoid`] in the wheel's AVX build.
pub fn sigmoid(x: &[f32]) -> Vec<f32> {
    Packets::Avx8.sigmoid(x)
}

/// [`Packets::sigmoid_grad`] in the wheel's AVX build.
pub fn sigmoid_grad(y: &[f32], dy: &[f32]) -> Vec<f32> {
    Packets::Avx8.sigmoid_grad(y, dy)
}

/// [`Packets::sum`] in the wheel's AVX build.
pub fn sum(x: &[f32]) -> f32 {
    Packets::Avx8.sum(x)
}

/// [`Packets::mean`] in the wheel's AVX build.
pub fn mean(x: &[f32]) -> f32 {
    Packets::Avx8.mean(x)
}

/// `reduce_sum(x, axis=0)` of a row-major `rows`×`cols` tensor: each column summed from 0 down
/// the rows (Eigen's `InnerMostDimPreserver`, the same order in packets and scalars). One row
/// is copied as it is: TensorFlow drops reduced axes of size 1 (`ReductionHelper`), so a −0
/// stays −0.
pub fn sum_rows(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    assert_eq!(x.len(), rows * cols, "sum_rows: shape");
    if rows == 1 {
        return x.to_vec();
    }
    (0..cols)
        .map(|j| (0..rows).fold(0.0f32, |s, i| add(s, x[i * cols + j])))
        .collect()
}

fn predux(l: &[f32; PACKET]) -> f32 {
    Packets::Avx8.predux(l)
}

/// A product's operands as TensorFlow's MatMul gets them: `a` stored row-major
/// `a_rows`×`a_cols` (the left factor is its transpose when `transpose_a`), `b` row-major
/// `inner`×`b_cols`.
#[derive(Clone, Copy)]
pub struct Operands<'a> {
    pub a: &'a [f32],
    pub a_rows: usize,
    pub a_cols: usize,
    pub transpose_a: bool,
    pub b: &'a [f32],
    pub b_cols: usize,
}

impl Operands<'_> {
    /// (rows, inner, cols) of the product.
    pub fn shape(&self) -> (usize, usize, usize) {
        if self.transpose_a {
            (self.a_cols, self.a_rows, self.b_cols)
        } else {
            (self.a_rows, self.a_cols, self.b_cols)
        }
    }

    fn left(&self, i: usize, k: usize) -> f32 {
        if self.transpose_a {
            self.a[k * self.a_cols + i]
        } else {
            self.a[i * self.a_cols + k]
        }
    }

    fn right(&self, k: usize, j: usize) -> f32 {
        self.b[k * self.b_cols + j]
    }

    fn check(&self) {
        let (_, inner, cols) = self.shape();
        assert_eq!(
            self.a.len(),
            self.a_rows * self.a_cols,
            "matmul: left shape"
        );
        assert_eq!(
            self.b.len(),
            inner * cols,
            "matmul: inner dimensions differ"
        );
    }

    /// Whether TensorFlow sends the product to Eigen's matrix product rather than to a tensor
    /// contraction (`small_dim` in `LaunchBatchMatMul`).
    pub fn is_matrix_product(&self) -> bool {
        self.a_rows.min(self.a_cols).min(self.b_cols) <= 1
    }
}

/// `tf.matmul(a, b, transpose_a=…)` on TensorFlow's Eigen back-end (`TF_ENABLE_ONEDNN_OPTS=0`),
/// where `sgemm` is the ISA oneDNN's `sgemm` runs at for the contractions and `threads` the
/// size of TensorFlow's intra-op pool (it decides the row blocks of a large product).
/// `None` for a product whose order is not reproduced here: a contraction other than those
/// [`contraction`] knows, or a matrix product with more than one result column (a
/// vector-times-matrix `gemv`, or a coefficient-wise product partly in packets).
pub fn matmul(ops: Operands, sgemm: OneDnnIsa, threads: usize) -> Option<Vec<f32>> {
    ops.check();
    if !ops.is_matrix_product() {
        return contraction(ops, sgemm);
    }
    let (m, k, n) = ops.shape();
    let mut out = vec![0.0f32; m * n];
    const OUTER_PARALLELISM: usize = 128 * 128;
    let blocks = if m * k * n > OUTER_PARALLELISM {
        let work_limit = (m * k * n / threads.max(1)).max(OUTER_PARALLELISM);
        let mut blocks = Vec::new();
        split_blocks(k, work_limit, (0, 0, m, n), &mut blocks);
        blocks
    } else {
        vec![(0, 0, m, n)]
    };
    for (row, col, rows, cols) in blocks {
        matrix_product_block(&ops, (row, col, rows, cols), &mut out, n)?;
    }
    Some(out)
}

/// `SingleBatchParallelMatMulKernel`'s recursive halving of the result into blocks of at most
/// `work_limit` multiply-adds (halves rounded up to a multiple of 8 packets).
fn split_blocks(
    k: usize,
    work_limit: usize,
    (row, col, mut rows, mut cols): (usize, usize, usize, usize),
    blocks: &mut Vec<(usize, usize, usize, usize)>,
) {
    const BLOCK_MIN: usize = 8 * PACKET;
    while rows * k * cols > work_limit && (rows > BLOCK_MIN || cols > BLOCK_MIN) {
        if rows > cols {
            let half = (rows / 2).div_ceil(BLOCK_MIN) * BLOCK_MIN;
            split_blocks(k, work_limit, (row + half, col, rows - half, cols), blocks);
            rows = half;
        } else {
            let half = (cols / 2).div_ceil(BLOCK_MIN) * BLOCK_MIN;
            split_blocks(k, work_limit, (row, col + half, rows, cols - half), blocks);
            cols = half;
        }
    }
    if rows > 0 && cols > 0 {
        blocks.push((row, col, rows, cols));
    }
}

/// One block of Eigen's dense matrix product (`GeneralMatrixMatrix.h` `evalTo`).
fn matrix_product_block(
    ops: &Operands,
    (row, col, rows, cols): (usize, usize, usize, usize),
    out: &mut [f32],
    out_cols: usize,
) -> Option<()> {
    let (_, k, _) = ops.shape();
    const COEFF_BASED_THRESHOLD: usize = 20;
    if k + rows + cols < COEFF_BASED_THRESHOLD && k > 0 {
        // With more than one result column and a row-major right factor Eigen evaluates some
        // columns in packets from 0 and others from the first product, depending on the
        // result's alignment: their zeros' signs differ. Not reproduced.
        if cols != 1 {
            return None;
        }
        // The lazy product: each coefficient a `redux` of the products, from the first.
        for i in row..row + rows {
            for j in col..col + cols {
                let mut s = mul(ops.left(i, 0), ops.right(0, j));
                for kk in 1..k {
                    s = add(s, mul(ops.left(i, kk), ops.right(kk, j)));
                }
                out[i * out_cols + j] = s;
            }
        }
        return Some(());
    }
    if cols != 1 || ops.transpose_a {
        return None;
    }
    // Row-major gemv into a zeroed result: rows in groups of 8, 4, 2, then single rows; a group
    // adds full packets then the remaining products one by one, a single row also a half
    // packet (four floats) first.
    let x = |i: usize, kk: usize| mul(ops.left(i, kk), ops.right(kk, col));
    let full_end = k / PACKET * PACKET;
    let half_end = k / 4 * 4;
    let packets = |i: usize| {
        let mut lanes = [0.0f32; PACKET];
        for j in (0..full_end).step_by(PACKET) {
            for (l, lane) in lanes.iter_mut().enumerate() {
                *lane = add(*lane, x(i, j + l));
            }
        }
        predux(&lanes)
    };
    // The rows done one at a time: those left after the groups of 8, 4 and 2 (no groups of 8
    // when a row is longer than 32000 bytes).
    let grouped = |count: usize| -> usize {
        let mut i = 0usize;
        let n8 = if k * 4 > 32000 {
            0
        } else {
            count.saturating_sub(7)
        };
        while i < n8 {
            i += 8;
        }
        while i + 3 < count {
            i += 4;
        }
        while i + 1 < count {
            i += 2;
        }
        i
    };
    let singles_from = row + grouped(rows);
    for i in row..row + rows {
        let mut s = packets(i);
        if i >= singles_from {
            let mut half = [0.0f32; 4];
            for j in (full_end..half_end).step_by(4) {
                for (l, lane) in half.iter_mut().enumerate() {
                    *lane = add(*lane, x(i, j + l));
                }
            }
            s = add(s, add(add(half[0], half[2]), add(half[1], half[3])));
            for j in half_end..k {
                s = add(s, x(i, j));
            }
        } else {
            for j in full_end..k {
                s = add(s, x(i, j));
            }
        }
        out[i * out_cols] = add(0.0, mul(1.0, s));
    }
    Some(())
}

/// The tensor contraction, as oneDNN's `sgemm` computes it for TensorFlow at `isa`: each value
/// accumulated from 0 in k order, with fused multiply-adds at AVX2 and AVX-512, each product
/// rounded at AVX and SSE4.1. `None` outside the measured cases: k ≤ 2 at every ISA, and k ≤ 40
/// at AVX-512 (where AVX2's kernels were seen to reorder).
pub fn contraction(ops: Operands, isa: OneDnnIsa) -> Option<Vec<f32>> {
    ops.check();
    let (m, k, n) = ops.shape();
    let fused_ops = matches!(isa, OneDnnIsa::Avx2 | OneDnnIsa::Avx512Core);
    let measured = k <= 2 || (isa == OneDnnIsa::Avx512Core && k <= 40);
    if !measured {
        return None;
    }
    let mut out = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for kk in 0..k {
                let (a, b) = (ops.left(i, kk), ops.right(kk, j));
                acc = if fused_ops {
                    fused(a, b, acc)
                } else {
                    add(acc, mul(a, b))
                };
            }
            out.push(acc);
        }
    }
    Some(out)
}
