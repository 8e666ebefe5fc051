//! OpenBLAS's double-precision products as NumPy 2.1.3's wheel (scipy-openblas 0.3.27,
//! DYNAMIC_ARCH with the cores Prescott, Nehalem, Sandybridge, Haswell, SkylakeX) runs them for
//! the notebooks' small arrays, bit for bit, for every core the wheel can load
//! (`tests/numpy_kernels.rs` holds each kernel here against the real NumPy forced to each core
//! with `OPENBLAS_CORETYPE`).
//!
//! OpenBLAS picks its core once, at load time ([`Core::select`], in [`select`]). NumPy sends
//! `a @ b` / `np.dot` to OpenBLAS as ([`mm`]): a row times a column → `ddot` (NumPy adds the
//! result to +0); a C-ordered matrix times a column → `dgemv_t`, a transposed one (`.T`)
//! → `dgemv_n`; a matrix times a matrix → `dgemm` (NumPy's `syrk` for `a.T @ a` never arises
//! in the notebooks); `@` of a column and a row takes NumPy's own loop, `np.dot` of them
//! `dgemm` with k = 1, both one product added to +0. OpenBLAS first zeroes `y`/`C` (beta = 0)
//! and then adds `alpha·sum` (alpha = 1), which stores `0 + sum` (a −0 becomes +0), except
//! SkylakeX's small-matrix `dgemm`, which stores `alpha·sum`.
//!
//! Where the cores differ ([`dot`], [`gemv`], [`gemm`]):
//! - SkylakeX compiles every C kernel with `-march=skylake-avx512`, so GCC fuses each
//!   `acc += a * b` into one FMA (`a*b + c*d` into `fma(a, b, c*d)`); its `dgemm` for
//!   M·N·K ≤ 100³ is the small-matrix kernel (`dgemm_small_kernel_nn_skylakex.c`, chosen by
//!   `interface/gemm.c`'s `GEMM_SMALL_MATRIX_PERMIT`).
//! - Haswell (also what a Zen EPYC runs) fuses only in `dgemv_t` (`kernel/Makefile.L2` adds
//!   `-mfma` there alone) and in its assembly micro-kernels.
//! - Sandybridge, Nehalem and Prescott never fuse; their `dgemv_n` (`dgemv_n.S`, Nehalem's
//!   `dgemv_n_4.c`) and `ddot` (`ddot.c` micro-kernels, Prescott's `dot_sse2.S`) differ in
//!   lanes and blocking.
//!
//! Sums longer than OpenBLAS's blocks (2048 inner terms in `gemv`, 256 in `gemm`) are outside
//! what is reproduced; the notebooks' are 2 to 10 terms.

mod dot;
mod gemm;
mod gemv;
mod select;
mod view;

use super::cpu::CpuFeatures;
pub use view::View;

/// An OpenBLAS kernel set (`gotoblas_*` table) of NumPy's wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Core {
    /// SSE3; also every pre-Nehalem Intel and pre-Bobcat AMD core name.
    Prescott,
    /// SSE4.2-era; also Atom, Barcelona, Bobcat.
    Nehalem,
    /// AVX; also AMD's Bulldozer family.
    Sandybridge,
    /// AVX2 and FMA; also Zen (AMD EPYC without AVX-512).
    Haswell,
    /// AVX-512; also Cooperlake, Sapphire Rapids, Zen 4.
    SkylakeX,
}

impl Core {
    /// Every table the wheel has (its DYNAMIC_LIST).
    pub const ALL: [Core; 5] = [
        Core::Prescott,
        Core::Nehalem,
        Core::Sandybridge,
        Core::Haswell,
        Core::SkylakeX,
    ];

    /// The core's name in DYNAMIC_LIST and as `OPENBLAS_CORETYPE` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Core::Prescott => "Prescott",
            Core::Nehalem => "Nehalem",
            Core::Sandybridge => "Sandybridge",
            Core::Haswell => "Haswell",
            Core::SkylakeX => "SkylakeX",
        }
    }

    /// What `openblas_get_corename` (and threadpoolctl's `architecture`) says for it: the
    /// Prescott table calls itself "Katmai", the first of its aliases `gotoblas_corename`
    /// compares.
    pub fn reported_name(self) -> &'static str {
        match self {
            Core::Prescott => "Katmai",
            other => other.name(),
        }
    }

    /// Whether a CPU can execute the core's kernels (the instruction sets they are built for).
    pub fn runs_on(self, cpu: &CpuFeatures) -> bool {
        cpu.is_x86_64()
            && match self {
                Core::Prescott => cpu.sse3,
                Core::Nehalem => cpu.sse3 && cpu.ssse3 && cpu.sse41,
                Core::Sandybridge => cpu.avx,
                Core::Haswell => cpu.avx2 && cpu.fma,
                Core::SkylakeX => cpu.avx512_skx() && cpu.avx2 && cpu.fma,
            }
    }

    /// The instruction sets [`Core::runs_on`] needs, for notes.
    pub fn needs(self) -> &'static str {
        match self {
            Core::Prescott => "SSE3",
            Core::Nehalem => "SSE4.1",
            Core::Sandybridge => "AVX",
            Core::Haswell => "AVX2 and FMA",
            Core::SkylakeX => "AVX-512 F/CD/BW/DQ/VL",
        }
    }

    /// Whether the core's C kernels are built with FMA contraction everywhere.
    fn fuses_c_code(self) -> bool {
        self == Core::SkylakeX
    }
}

/// `a @ b` (or `np.dot(a, b)`) as NumPy sends it to OpenBLAS's `core`.
///
/// Panics for a product the notebooks never take and whose kernel is not reproduced (a
/// matrix product with a transposed operand, SkylakeX's large-matrix `dgemm`): its order has
/// not been measured, and a guess would be silently a bit off.
pub fn mm(core: Core, a: &View, b: &View) -> Vec<f64> {
    let (rows, inner, cols) = (a.rows(), a.cols(), b.cols());
    assert_eq!(inner, b.rows(), "inner dimensions");
    let out = if inner == 1 {
        // NumPy's own loop for `@`, dgemm with k = 1 for np.dot: one product, added to +0 (or
        // fused with +0) by every core.
        let mut out = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                out.push(a.at(i, 0) * b.at(0, j) + 0.0);
            }
        }
        out
    } else if rows == 1 && cols == 1 {
        // A single row or column lies in memory in its own order, transposed or not; NumPy
        // adds ddot's result to `double sum = 0.`.
        vec![0.0 + dot::ddot(core, a.memory(), b.memory())]
    } else if cols == 1 {
        let x = b.memory();
        if a.is_transposed() {
            // `S.T @ x` for a row-major S (inner × rows): column-major rows × inner.
            gemv::gemv_n(core, a.memory(), rows, inner, x)
        } else {
            // Row-major rows × inner is column-major inner × rows, transposed.
            gemv::gemv_t(core, a.memory(), inner, rows, x)
        }
    } else if rows == 1 {
        let x = a.memory();
        if b.is_transposed() {
            gemv::gemv_t(core, b.memory(), inner, cols, x)
        } else {
            gemv::gemv_n(core, b.memory(), cols, inner, x)
        }
    } else if !a.is_transposed() && !b.is_transposed() {
        gemm::gemm_nn(core, a, b)
    } else {
        panic!(
            "no OpenBLAS kernel reproduced for ({rows}×{inner}{}) @ ({inner}×{cols}{})",
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
    };
    out
}
