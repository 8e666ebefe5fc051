//! How MKL 2024.2 picks its code path on Intel's dispatch (an Intel CPU, or any x86 CPU whose
//! vendor check is answered "Intel", [`super::MKL_AS_INTEL`]): the widest instruction-set
//! level the CPU runs, capped by `MKL_ENABLE_INSTRUCTIONS`, then bent by `MKL_CBWR`.
//!
//! Measured on a Xeon with AMX (family 6 model 167), each setting held against the name
//! `MKL_VERBOSE` prints and against the bits of every product and `exp`/`log` the notebooks
//! call (2026-12-07):
//! - `MKL_ENABLE_INSTRUCTIONS` takes the exact upper-case names below; `AVX` gives SSE4.2
//!   (MKL 2024 has no AVX path); anything else (`avx2`, `SSE4_1`, `AVX512_MIC`, `AVX10`, …)
//!   is ignored.
//! - `MKL_CBWR=BRANCH[,STRICT]`, upper case: `COMPATIBLE` runs the path of processors that are
//!   not Intel's whatever the cap (on a CPU that is not Intel's under the vendor shim, under
//!   the SSE2 branch's name: measured on an AMD EPYC Zen 3, the same bits for every product
//!   and `exp`/`log` the notebooks call); `SSE2`/`SSE3`/`SSSE3`/`SSE4_1` its bits under the
//!   name SSE2; `SSE4_2` and `AVX` the SSE4.2 path whatever the cap; `AVX2`, `AVX512_MIC` and
//!   `AVX512_MIC_E1` cap at AVX2, `AVX512` and `AVX512_E1` at nothing, and for these the
//!   `MKL_ENABLE_INSTRUCTIONS` cap, when set, decides instead. `AUTO` changes nothing.
//!   `,STRICT` on a branch at AVX2 or above gives its own `sgemm` (every sum fused); other
//!   values (`STRICT` alone, `AVX2_E1`, `AVX512_E2` to `E4`, lower case) are ignored whole.

use crate::kernels::cpu::CpuFeatures;

/// MKL's instruction-set levels on Intel's dispatch, narrowest first
/// (`MKL_ENABLE_INSTRUCTIONS`' names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    Sse42,
    Avx2,
    Avx2E1,
    Avx512,
    Avx512E1,
    Avx512E2,
    Avx512E3,
    Avx512E4,
    Avx512E5,
}

impl Isa {
    pub const ALL: [Isa; 9] = [
        Isa::Sse42,
        Isa::Avx2,
        Isa::Avx2E1,
        Isa::Avx512,
        Isa::Avx512E1,
        Isa::Avx512E2,
        Isa::Avx512E3,
        Isa::Avx512E4,
        Isa::Avx512E5,
    ];

    /// The `MKL_ENABLE_INSTRUCTIONS` value naming this level.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Sse42 => "SSE4_2",
            Isa::Avx2 => "AVX2",
            Isa::Avx2E1 => "AVX2_E1",
            Isa::Avx512 => "AVX512",
            Isa::Avx512E1 => "AVX512_E1",
            Isa::Avx512E2 => "AVX512_E2",
            Isa::Avx512E3 => "AVX512_E3",
            Isa::Avx512E4 => "AVX512_E4",
            Isa::Avx512E5 => "AVX512_E5",
        }
    }

    /// The cap an `MKL_ENABLE_INSTRUCTIONS` value sets, if MKL takes the value.
    pub fn from_enable_instructions(value: &str) -> Option<Isa> {
        match value {
            "AVX" => Some(Isa::Sse42),
            v => Isa::ALL.into_iter().find(|isa| isa.name() == v),
        }
    }

    /// Whether the CPU has what MKL asks of this level.
    pub fn runs_on(self, cpu: &CpuFeatures) -> bool {
        let avx512 = cpu.avx512f && cpu.avx512cd && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl;
        let e1 = avx512 && cpu.avx512_vnni;
        let e3 = e1 && cpu.avx512_bf16;
        let e4 = e3 && cpu.amx_tile && cpu.amx_int8 && cpu.amx_bf16 && cpu.avx512_fp16;
        let avx2 = cpu.avx2 && cpu.fma;
        match self {
            Isa::Sse42 => cpu.sse42,
            Isa::Avx2 => avx2,
            Isa::Avx2E1 => avx2 && cpu.avx_vnni,
            Isa::Avx512 => avx512,
            Isa::Avx512E1 => e1,
            Isa::Avx512E2 => e1 && cpu.vaes && cpu.vpclmulqdq,
            Isa::Avx512E3 => e3,
            Isa::Avx512E4 => e4,
            Isa::Avx512E5 => e4 && cpu.amx_fp16,
        }
    }

    /// The widest level the CPU runs, at most `cap`.
    pub fn widest(cpu: &CpuFeatures, cap: Option<Isa>) -> Option<Isa> {
        let cap = cap.unwrap_or(Isa::Avx512E5);
        Isa::ALL
            .into_iter()
            .rev()
            .find(|isa| *isa <= cap && isa.runs_on(cpu))
    }

    /// What `MKL_VERBOSE` calls the processors of this level (AVX512_E5's text was never seen).
    pub fn verbose_name(self) -> &'static str {
        match self {
            Isa::Sse42 => "Intel(R) Streaming SIMD Extensions 4.2 (Intel(R) SSE4.2) enabled processors",
            Isa::Avx2 => "Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors",
            Isa::Avx2E1 => "Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX-2) with support of Intel(R) Deep Learning Boost (Intel(R) DL Boost)",
            Isa::Avx512 => "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) enabled processors",
            Isa::Avx512E1 => "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with support of Intel(R) Deep Learning Boost (Intel(R) DL Boost)",
            Isa::Avx512E2 => "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with support of Intel(R) Deep Learning Boost (Intel(R) DL Boost), EVEX-encoded AES and Carry-Less Multiplication Quadword instructions",
            Isa::Avx512E3 => "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with support of Intel(R) Deep Learning Boost (Intel(R) DL Boost) and bfloat16",
            Isa::Avx512E4 => "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with support for INT8, BF16, FP16 (limited) instructions, and Intel(R) Advanced Matrix Extensions (Intel(R) AMX) with INT8 and BF16",
            Isa::Avx512E5 => "Intel(R) AVX-512 (AVX512_E5)",
        }
    }
}

/// What `MKL_VERBOSE` calls the path for processors that are not Intel's (also `COMPATIBLE`).
pub const GENERIC_NAME: &str = "Intel(R) Architecture processors";
/// What it calls the SSE2 branches of `MKL_CBWR`, which run the generic path's bits.
pub const SSE2_NAME: &str =
    "Intel(R) Streaming SIMD Extensions 2 (Intel(R) SSE2) enabled processors";

/// What `MKL_VERBOSE` prints for a path xor-repro names `name` (a level's
/// `MKL_ENABLE_INSTRUCTIONS` name, `SSE2`, or the generic path's own name).
pub fn verbose_name(name: &str) -> Option<&'static str> {
    match name {
        GENERIC_NAME => Some(GENERIC_NAME),
        "SSE2" => Some(SSE2_NAME),
        _ => Isa::ALL
            .into_iter()
            .find(|isa| isa.name() == name)
            .map(Isa::verbose_name),
    }
}

/// A conditional-numerical-reproducibility branch MKL takes from `MKL_CBWR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    Auto,
    Compatible,
    /// `SSE2`, `SSE3`, `SSSE3`, `SSE4_1`.
    Sse2,
    /// An ISA branch and the level it caps at.
    Isa(Isa),
}

/// `MKL_CBWR`'s value as MKL reads it: `None` when MKL ignores it.
pub fn parse_cbwr(value: &str) -> Option<(Branch, bool)> {
    let (branch, strict) = match value.split_once(',') {
        Some((branch, "STRICT")) => (branch, true),
        Some(_) => return None,
        None => (value, false),
    };
    let branch = match branch {
        "AUTO" => Branch::Auto,
        "COMPATIBLE" => Branch::Compatible,
        "SSE2" | "SSE3" | "SSSE3" | "SSE4_1" => Branch::Sse2,
        "SSE4_2" | "AVX" => Branch::Isa(Isa::Sse42),
        "AVX2" | "AVX512_MIC" | "AVX512_MIC_E1" => Branch::Isa(Isa::Avx2),
        "AVX512" | "AVX512_E1" => Branch::Isa(Isa::Avx512E5),
        _ => return None,
    };
    Some((branch, strict))
}

/// Where Intel's dispatch lands: a level (`None` for the generic path of `COMPATIBLE` and the
/// SSE2 branches), whether strict, and its name ([`verbose_name`] gives `MKL_VERBOSE`'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub level: Option<Isa>,
    pub strict: bool,
    pub name: &'static str,
}

/// Intel's dispatch on `cpu` under the two switches' values.
pub fn land(cpu: &CpuFeatures, enable: Option<&str>, cbwr: Option<&str>) -> Landing {
    let cap = enable.and_then(Isa::from_enable_instructions);
    let generic = |name| Landing {
        level: None,
        strict: false,
        name,
    };
    let (branch, strict) = cbwr.and_then(parse_cbwr).unwrap_or((Branch::Auto, false));
    let level = match branch {
        // The same bits either way; the name differs (measured on an AMD EPYC Zen 3 under
        // the vendor shim: "SSE2 enabled processors"; on a Xeon "Architecture processors").
        Branch::Compatible if cpu.vendor != "GenuineIntel" => return generic("SSE2"),
        Branch::Compatible => return generic(GENERIC_NAME),
        Branch::Sse2 => return generic("SSE2"),
        Branch::Isa(Isa::Sse42) => Isa::widest(cpu, Some(Isa::Sse42)),
        Branch::Isa(_) if cap.is_some() => Isa::widest(cpu, cap),
        Branch::Isa(b) => Isa::widest(cpu, Some(b)),
        Branch::Auto => Isa::widest(cpu, cap),
    };
    match level {
        Some(level) => Landing {
            level: Some(level),
            strict: strict && level >= Isa::Avx2,
            name: level.name(),
        },
        None => generic("SSE2"),
    }
}
