//! NumPy's float64 `exp` (`np.exp`), bit for bit as NumPy 2.1.3 computes it on each x86-64
//! path it dispatches to (tests/numpy_exp.rs holds each path against the real NumPy).
//!
//! NumPy builds `exp(dd)` (`numpy/_core/src/umath/loops_exponent_log.dispatch.c.src`) for the
//! targets AVX512_SKX, AVX512F, AVX2 and the baseline, and at import runs the highest whose
//! features are all on, after `NPY_DISABLE_CPU_FEATURES` / `NPY_ENABLE_CPU_FEATURES`
//! ([`ExpPath::select`], [`dispatch`]). The targets compute:
//! - AVX512_SKX, `Svml`: Intel SVML's `__svml_exp8_ha` (`numpy/_core/src/umath/svml`): its
//!   vector main path, and for |x| ≥ 707.70 and ±inf its scalar rare path. It differs from
//!   glibc's `exp` in the last bit for about 5 % of arguments in −50..50.
//! - AVX512F, `Avx512f`: NumPy's own `AVX512F_exp_DOUBLE` (Tang's method, 32-entry table); it
//!   returns NumPy's NaN for every NaN.
//! - AVX2 and the baseline, `Libm`: the C library's `exp` (glibc's on Linux) element by
//!   element; the AVX2 target has no `exp(dd)` kernel of its own.
//!
//! Quirks: disabling AVX512_SKX changes nothing (its target's check reads AVX512F, AVX512CD and
//! the non-dispatched AVX512VL/BW/DQ, never the AVX512_SKX flag); `NPY_DISABLE_CPU_FEATURES=
//! AVX512CD` or `NPY_ENABLE_CPU_FEATURES=AVX512F` reach the AVX512F kernel on an AVX-512 CPU.
//! Every kernel is lane by lane: no result depends on its neighbours or the array's length.
//! A vector kernel runs only where the ufunc loop allows it (contiguous output for AVX512F,
//! loadable strides and no partial overlap for SVML; the notebooks' arrays always qualify);
//! elsewhere NumPy falls back to libm.

use super::cpu::CpuFeatures;
use super::{Pick, Switches};

/// Which `exp` kernel NumPy runs for float64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpPath {
    Svml,
    Avx512f,
    Libm,
}

impl ExpPath {
    pub fn name(self) -> &'static str {
        match self {
            ExpPath::Svml => "SVML exp8_ha",
            ExpPath::Avx512f => "NumPy's AVX512F_exp_DOUBLE",
            ExpPath::Libm => "libm exp",
        }
    }

    /// The path NumPy 2.1.3 takes on a CPU with `cpu` under `NPY_DISABLE_CPU_FEATURES` and
    /// `NPY_ENABLE_CPU_FEATURES`; `name` says NumPy's target too (as `opt_func_info` names
    /// it). Where NumPy refuses the switches (it raises at import, so no NumPy run exists to
    /// match), the path is `None` and `why` quotes the reason.
    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<ExpPath> {
        if !cpu.is_x86_64() {
            return Pick::not_x86_64(cpu, "NumPy");
        }
        match dispatch(cpu, switches) {
            Ok(d) => Pick {
                path: Some(d.path),
                name: format!("{} (NumPy's {} target)", d.path.name(), d.target),
                why: d.why,
            },
            Err(refusal) => Pick {
                path: None,
                name: "none: NumPy does not import".to_string(),
                why: refusal,
            },
        }
    }
}

/// NumPy's choice for `exp(dd)`: its target (`AVX512_SKX`, `AVX512F`, `AVX2` or `baseline`),
/// the kernel that target runs, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    pub target: &'static str,
    pub path: ExpPath,
    pub why: String,
}

/// The build's baseline (`__cpu_baseline__` of the x86-64 wheel).
const BASELINE: [&str; 3] = ["SSE", "SSE2", "SSE3"];
/// The build's dispatched features (`__cpu_dispatch__`): the only names the two switches act on.
const DISPATCHED: [&str; 16] = [
    "SSSE3",
    "SSE41",
    "POPCNT",
    "SSE42",
    "AVX",
    "F16C",
    "FMA3",
    "AVX2",
    "AVX512F",
    "AVX512CD",
    "AVX512_KNL",
    "AVX512_KNM",
    "AVX512_SKX",
    "AVX512_CLX",
    "AVX512_CNL",
    "AVX512_ICL",
];
/// Dispatched features `CpuFeatures` does not read; taken as present where a switch names them
/// (they decide no `exp` target).
const NOT_READ: [&str; 2] = ["AVX512_CNL", "AVX512_ICL"];

/// The targets `loops_exponent_log.dispatch.c.src` is built for, highest first, each with the
/// features its run-time check reads. The check is the conjunction of the `detect` names the
/// meson `features` module accumulates over the target and all it implies, where AVX's detect
/// replaces the SSE names and AVX512F's replaces all before it (`meson_cpu/x86/meson.build`);
/// AVX512_SKX's detect is its group. So the check of AVX512_SKX never reads the AVX512_SKX
/// flag: `NPY_DISABLE_CPU_FEATURES=AVX512_SKX` changes nothing, disabling AVX512CD reaches the
/// AVX512F target.
const TARGETS: [(&str, &[&str], ExpPath); 4] = [
    (
        "AVX512_SKX",
        &["AVX512F", "AVX512CD", "AVX512VL", "AVX512BW", "AVX512DQ"],
        ExpPath::Svml,
    ),
    ("AVX512F", &["AVX512F"], ExpPath::Avx512f),
    (
        "AVX2",
        &["POPCNT", "AVX", "F16C", "FMA3", "AVX2"],
        ExpPath::Libm,
    ),
    ("baseline", &[], ExpPath::Libm),
];

/// NumPy's feature flags (`npy__cpu_have`), by NumPy's names: 0 off, 1 on (2 only while
/// `NPY_ENABLE_CPU_FEATURES` is applied).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NumpyFeatures(Vec<(&'static str, u8)>);

impl NumpyFeatures {
    /// As `npy__cpu_init_features` (`numpy/_core/src/common/npy_cpu_features.c`) reads them:
    /// AVX-512 only with AVX2 and FMA3 (and AVX2 only with FMA3), AVX512VL/BW/DQ only with
    /// AVX512F and AVX512CD. POPCNT is taken from SSE4.2 (which every CPU with it pairs with it),
    /// Xeon Phi's KNL/KNM as absent.
    fn detect(cpu: &CpuFeatures) -> NumpyFeatures {
        let avx = cpu.avx;
        let avx2 = avx && cpu.avx2 && cpu.fma;
        let f = avx2 && cpu.avx512f;
        let f_cd = f && cpu.avx512cd;
        let skx = f_cd && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl;
        let flags = [
            ("SSE", true),
            ("SSE2", true),
            ("SSE3", cpu.sse3),
            ("SSSE3", cpu.ssse3),
            ("SSE41", cpu.sse41),
            ("POPCNT", cpu.sse42),
            ("SSE42", cpu.sse42),
            ("F16C", cpu.f16c),
            ("AVX", avx),
            ("FMA3", avx && cpu.fma),
            ("AVX2", avx2),
            ("AVX512F", f),
            ("AVX512CD", f && cpu.avx512cd),
            ("AVX512VL", f_cd && cpu.avx512vl),
            ("AVX512BW", f_cd && cpu.avx512bw),
            ("AVX512DQ", f_cd && cpu.avx512dq),
            ("AVX512_KNL", false),
            ("AVX512_KNM", false),
            ("AVX512_SKX", skx),
            ("AVX512_CLX", skx && cpu.avx512_vnni),
            ("AVX512_CNL", false),
            ("AVX512_ICL", false),
        ];
        NumpyFeatures(flags.into_iter().map(|(n, on)| (n, on as u8)).collect())
    }

    fn get(&self, name: &str) -> u8 {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, v)| *v)
    }

    fn set(&mut self, name: &str, value: u8) {
        if let Some(entry) = self.0.iter_mut().find(|(n, _)| *n == name) {
            entry.1 = value;
        }
    }
}

/// NumPy's target for `exp(dd)` on `cpu` under `switches`, or why NumPy refuses to import.
pub fn dispatch(cpu: &CpuFeatures, switches: &Switches) -> Result<Dispatch, String> {
    let detected = NumpyFeatures::detect(cpu);
    let missing_baseline: Vec<&str> = BASELINE
        .into_iter()
        .filter(|b| detected.get(b) == 0)
        .collect();
    if !missing_baseline.is_empty() {
        return Err(format!(
            "this CPU lacks {}, part of NumPy's baseline (SSE SSE2 SSE3): NumPy raises \
             RuntimeError at import",
            missing_baseline.join(" ")
        ));
    }
    let mut have = detected.clone();
    let mut notes = Vec::new();
    let switch = match (
        &switches.npy_disable_cpu_features,
        &switches.npy_enable_cpu_features,
    ) {
        (Some(_), Some(_)) => {
            return Err(
                "NPY_DISABLE_CPU_FEATURES and NPY_ENABLE_CPU_FEATURES are both set: \
                        NumPy raises ImportError at import"
                    .to_string(),
            )
        }
        (Some(v), None) => Some(("NPY_DISABLE_CPU_FEATURES", true, v.as_str())),
        (None, Some(v)) => Some(("NPY_ENABLE_CPU_FEATURES", false, v.as_str())),
        (None, None) => None,
    };
    if let Some((variable, disable, value)) = switch {
        apply_switch(&mut have, variable, disable, value, &mut notes)?;
    }

    let switch_name = switch.map_or("", |(variable, _, _)| variable);
    let mut skipped = Vec::new();
    for (target, checks, path) in TARGETS {
        let Some(off) = checks.iter().find(|c| have.get(c) == 0) else {
            let mut why = format!("{target} target of exp(dd)");
            if checks.is_empty() {
                why.push_str(": no dispatched target's features are all on");
            } else {
                why.push_str(&format!(": {} on", checks.join(" ")));
            }
            if !skipped.is_empty() {
                why.push_str(&format!(" ({})", skipped.join("; ")));
            }
            for note in notes {
                why.push_str(&format!("; {note}"));
            }
            return Ok(Dispatch { target, path, why });
        };
        let cause = if detected.get(off) == 0 {
            "the CPU lacks it".to_string()
        } else {
            format!("{switch_name} turns it off")
        };
        skipped.push(format!("{target} needs {off}: {cause}"));
    }
    unreachable!("the baseline target has no checks")
}

/// `npy__cpu_check_env`: names separated by any of ", \t\v\r\n\f", matched case-sensitively
/// against the build's own lists. A baseline name is an error to disable and ignored when
/// enabled; a name that is not dispatched (unknown, or not of this build) only warns
/// (ImportWarning); a dispatched feature the CPU lacks is an error to enable and ignored when
/// disabled. Enabling keeps the named features and turns every other dispatched one off (the
/// baseline and the non-dispatched AVX512VL/BW/DQ stay as detected).
fn apply_switch(
    have: &mut NumpyFeatures,
    variable: &str,
    disable: bool,
    value: &str,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    const MAX_LEN: usize = 1024;
    if value.len() + 1 > MAX_LEN {
        return Err(format!(
            "{variable} is {} characters long, NumPy accepts {}: it raises RuntimeError at import",
            value.len() + 1,
            MAX_LEN
        ));
    }
    let (mut not_dispatched, mut not_supported, mut assumed) = (Vec::new(), Vec::new(), Vec::new());
    let separators = [',', ' ', '\t', '\x0b', '\r', '\n', '\x0c'];
    for name in value.split(separators).filter(|n| !n.is_empty()) {
        if BASELINE.contains(&name) {
            if disable {
                return Err(format!(
                    "{variable}={value}: {name} is part of NumPy's baseline (SSE SSE2 SSE3) \
                     and cannot be disabled: NumPy raises RuntimeError at import"
                ));
            }
            continue;
        }
        let Some(&name) = DISPATCHED.iter().find(|d| **d == name) else {
            not_dispatched.push(name.to_string());
            continue;
        };
        if NOT_READ.contains(&name) {
            assumed.push(name);
        } else if have.get(name) == 0 {
            not_supported.push(name);
            continue;
        }
        have.set(name, if disable { 0 } else { 2 });
    }
    if !disable {
        for name in DISPATCHED {
            let v = have.get(name);
            if v != 0 {
                have.set(name, v - 1);
            }
        }
    }
    if !not_supported.is_empty() {
        if !disable {
            return Err(format!(
                "{variable}={value}: this CPU lacks {}: NumPy raises RuntimeError at import",
                not_supported.join(" ")
            ));
        }
        notes.push(format!(
            "{variable} names {}, which the CPU lacks anyway",
            not_supported.join(" ")
        ));
    }
    if !not_dispatched.is_empty() {
        notes.push(format!(
            "{variable} names {}, not dispatched features of NumPy's build: NumPy ignores \
             them with an ImportWarning",
            not_dispatched.join(" ")
        ));
    }
    if !assumed.is_empty() {
        notes.push(format!(
            "{variable} names {}, taken as present (not read from cpuid here; NumPy raises at \
             import if the CPU lacks it)",
            assumed.join(" ")
        ));
    }
    Ok(())
}

/// `np.exp` of one float64 on `path`. On every path a lane's result depends on that lane alone
/// (the AVX-512 kernels share only the floating-point status flags between lanes, and SVML calls
/// its scalar routine lane by lane), so neither the array's length nor an element's neighbours
/// change its bits.
pub fn exp(path: ExpPath, x: f64) -> f64 {
    match path {
        ExpPath::Svml => svml_exp(x),
        ExpPath::Avx512f => avx512f_exp(x),
        ExpPath::Libm => x.exp(),
    }
}

/// NumPy's own `AVX512F_exp_DOUBLE` (`numpy/_core/src/umath/loops_exponent_log.dispatch.c.src`,
/// constants in `npy_simd_data.h`), one lane: Tang's table method with 32 table entries.
///
/// Its special cases, in the order it applies them: NaN gives NumPy's own NaN
/// (`0x7ff8000000000000`: sign and payload of the argument are dropped); x > 709.78 (and +inf)
/// gives +inf; x < −745.13 (and −inf) gives +0; |x| < 2^-54 (±0 included) gives exactly 1.
/// Results between the smallest normal and 0 come out of `vscalefpd`, rounded once.
fn avx512f_exp(x: f64) -> f64 {
    if x.is_nan() {
        return f64::from_bits(NPY_NAN);
    }
    if x > f64::from_bits(AVX512F_MAX) {
        return f64::INFINITY;
    }
    if x < f64::from_bits(AVX512F_MIN) {
        return 0.0;
    }
    if x.abs() < f64::from_bits(AVX512F_NEAR_ZERO) {
        // The kernel zeroes these lanes and returns the lane plus 1.
        return 1.0;
    }
    let shift = f64::from_bits(RINT_CVT_MAGIC);
    let z = x * f64::from_bits(INV_LN2_MUL_32);
    let shifted = z + shift;
    // The low bits of the shifted sum are the rounded integer itself (2^51 is a multiple of 32).
    let j = (shifted.to_bits() & 0x1f) as usize;
    let kd = shifted - shift;
    let r1 = kd.mul_add(f64::from_bits(TANG_NEG_L1), x);
    let r2 = kd * f64::from_bits(TANG_NEG_L2);
    let r = r1 + r2;
    let [a1, a2, a3, a4, a5] = TANG_A.map(f64::from_bits);
    let q = a5
        .mul_add(r, a4)
        .mul_add(r, a3)
        .mul_add(r, a2)
        .mul_add(r, a1)
        * r;
    let p = r1 + r.mul_add(q, r2);
    let top = f64::from_bits(EXP_TABLE_TOP[j]);
    let tail = f64::from_bits(EXP_TABLE_TAIL[j]);
    let s = top + tail;
    let res = s.mul_add(p, tail) + top;
    // vscalefpd by kd/32 scales by 2^floor(kd/32); kd − j is a multiple of 32.
    scalef(res, (kd as i64 - j as i64) / 32)
}

/// `vscalefpd` of a positive normal `a` by 2^`m`: a·2^m rounded once to nearest (to a subnormal
/// if it is that small, to infinity if it overflows).
fn scalef(a: f64, m: i64) -> f64 {
    let two_to = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    if m > 1023 {
        // a·2^1023 is exact; the second product rounds (to inf or not) once.
        a * two_to(1023) * two_to(m - 1023)
    } else if m >= -1022 {
        a * two_to(m)
    } else {
        // a·2^(m+1074) is exact; rounding it to an integer is rounding a·2^m to a multiple of
        // the smallest subnormal, and that integer times 2^-1074 is exact.
        (a * two_to(m + 1074)).round_ties_even() * f64::from_bits(1)
    }
}

/// SVML's `exp8_ha`, one lane.
fn svml_exp(x: f64) -> f64 {
    if x.is_nan() {
        // The FMAs of the main path pass the argument's NaN on, quieted (set here by hand: the
        // compiler may drop an arithmetic no-op on a NaN).
        return f64::from_bits(x.to_bits() | QUIET_NAN_BIT);
    }
    if x.abs() >= SVML_MAIN_PATH_LIMIT {
        return svml_exp_rare(x);
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

/// SVML's scalar `__svml_dexp_ha_cout_rare_internal`, which `exp8_ha` calls for each lane
/// with |x| ≥ 707.70 (±inf included; NaN stays on the main path). Plain SSE2 products and sums,
/// no FMA, with its own 64-entry table (`_imldExpHATab`); results below 2^-1022 are formed at
/// 2^60 times their size and brought down in two halves, so that they round once.
fn svml_exp_rare(x: f64) -> f64 {
    let bits = x.to_bits();
    let biased_exponent = (bits >> 52) & 0x7ff;
    if biased_exponent == 0x7ff {
        if x == f64::NEG_INFINITY {
            return 0.0;
        }
        return x * x;
    }
    if biased_exponent <= 970 {
        return 1.0 + x;
    }
    if x > f64::from_bits(RARE_OVERFLOW) {
        return f64::MAX * f64::MAX;
    }
    if x < f64::from_bits(RARE_UNDERFLOW) {
        let tiny = f64::from_bits(0x0010000000000001);
        return tiny * tiny;
    }
    let shift = f64::from_bits(RINT_CVT_MAGIC);
    let shifted = x * f64::from_bits(RARE_INV_LN2_MUL_64) + shift;
    let n = shifted.to_bits() as u32 as i32;
    let kd = shifted - shift;
    let r = x - kd * f64::from_bits(RARE_LN2_HIGH_64);
    let r = r - kd * f64::from_bits(RARE_LN2_LOW_64);
    let [c1, c2, c3, c4, c5] = RARE_POLYNOMIAL.map(f64::from_bits);
    let p = ((((c5 * r + c4) * r + c3) * r + c2) * r + c1) * r * r + r;
    let [high, low_relative] = RARE_TWO_J64[(n & 63) as usize].map(f64::from_bits);
    let p_high = (p + low_relative) * high;
    let m = n >> 6;
    let two_to = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    if x >= f64::from_bits(RARE_SUBNORMAL) {
        let sum = p_high + high;
        return if m + 1023 > 2046 {
            sum * two_to(m - 1) * 2.0
        } else {
            sum * two_to(m)
        };
    }
    let scale = two_to(m + 60);
    let tail = p_high * scale;
    let head = high * scale;
    let sum = head + tail;
    let two_to_minus_60 = two_to(-60);
    if m + 1083 <= 50 {
        return sum * two_to_minus_60;
    }
    // Split the sum so that each half is exact after the scaling and only the last sum rounds.
    let error = (head - sum) + tail;
    let big = sum * f64::from_bits(RARE_SPLITTER);
    let sum_high = (sum + big) - big;
    let sum_low = (sum - sum_high) + error;
    sum_high * two_to_minus_60 + sum_low * two_to_minus_60
}

const QUIET_NAN_BIT: u64 = 1 << 51;
/// NumPy's `NPY_NAN`.
const NPY_NAN: u64 = 0x7ff8000000000000;
/// 1.5·2^52: adding it rounds to an integer (`NPY_RINT_CVT_MAGIC`; SVML's rare path uses the
/// same shifter).
const RINT_CVT_MAGIC: u64 = 0x4338000000000000;
/// NumPy's AVX512F kernel: 32/ln 2, −ln 2/32 in two parts, the polynomial, the thresholds.
const INV_LN2_MUL_32: u64 = 0x40471547652b82fe;
const TANG_NEG_L1: u64 = 0xbf962e42fef00000;
const TANG_NEG_L2: u64 = 0xbd8473de6af278ed;
const TANG_A: [u64; 5] = [
    0x3fe0000000000000,
    0x3fc5555555548f7c,
    0x3fa5555555545d4e,
    0x3f811115b7aa905e,
    0x3f56c1728d739765,
];
const AVX512F_MAX: u64 = 0x40862e42fefa39ef;
const AVX512F_MIN: u64 = 0xc0874910d52d3053;
const AVX512F_NEAR_ZERO: u64 = 0x3c90000000000000;
/// 2^(j/32): `EXP_Table_top` (27 bits, so that products by it are exact) and `EXP_Table_tail`.
const EXP_TABLE_TOP: [u64; 32] = [
    0x3FF0000000000000,
    0x3FF059B0D3158540,
    0x3FF0B5586CF98900,
    0x3FF11301D0125B40,
    0x3FF172B83C7D5140,
    0x3FF1D4873168B980,
    0x3FF2387A6E756200,
    0x3FF29E9DF51FDEC0,
    0x3FF306FE0A31B700,
    0x3FF371A7373AA9C0,
    0x3FF3DEA64C123400,
    0x3FF44E0860618900,
    0x3FF4BFDAD5362A00,
    0x3FF5342B569D4F80,
    0x3FF5AB07DD485400,
    0x3FF6247EB03A5580,
    0x3FF6A09E667F3BC0,
    0x3FF71F75E8EC5F40,
    0x3FF7A11473EB0180,
    0x3FF82589994CCE00,
    0x3FF8ACE5422AA0C0,
    0x3FF93737B0CDC5C0,
    0x3FF9C49182A3F080,
    0x3FFA5503B23E2540,
    0x3FFAE89F995AD380,
    0x3FFB7F76F2FB5E40,
    0x3FFC199BDD855280,
    0x3FFCB720DCEF9040,
    0x3FFD5818DCFBA480,
    0x3FFDFC97337B9B40,
    0x3FFEA4AFA2A490C0,
    0x3FFF50765B6E4540,
];
const EXP_TABLE_TAIL: [u64; 32] = [
    0x0000000000000000,
    0x3D0A1D73E2A475B4,
    0x3CEEC5317256E308,
    0x3CF0A4EBBF1AED93,
    0x3D0D6E6FBE462876,
    0x3D053C02DC0144C8,
    0x3D0C3360FD6D8E0B,
    0x3D009612E8AFAD12,
    0x3CF52DE8D5A46306,
    0x3CE54E28AA05E8A9,
    0x3D011ADA0911F09F,
    0x3D068189B7A04EF8,
    0x3D038EA1CBD7F621,
    0x3CBDF0A83C49D86A,
    0x3D04AC64980A8C8F,
    0x3CD2C7C3E81BF4B7,
    0x3CE921165F626CDD,
    0x3D09EE91B8797785,
    0x3CDB5F54408FDB37,
    0x3CF28ACF88AFAB35,
    0x3CFB5BA7C55A192D,
    0x3D027A280E1F92A0,
    0x3CF01C7C46B071F3,
    0x3CFC8B424491CAF8,
    0x3D06AF439A68BB99,
    0x3CDBAA9EC206AD4F,
    0x3CFC2220CB12A092,
    0x3D048A81E5E8F4A5,
    0x3CDC976816BAD9B8,
    0x3CFEB968CAC39ED3,
    0x3CF9858F73A18F5E,
    0x3C99D3E12DD8A18B,
];

/// SVML's rare path (`_imldExpHATab` at byte 1024 on): 64/ln 2, ln 2/64 in two parts, the
/// polynomial c1..c5, and its thresholds.
const RARE_INV_LN2_MUL_64: u64 = 0x40571547652b82fe;
const RARE_LN2_HIGH_64: u64 = 0x3f862e42fefa0000;
const RARE_LN2_LOW_64: u64 = 0x3d1cf79abc9e3b3a;
const RARE_POLYNOMIAL: [u64; 5] = [
    0x3fe0000000000000,
    0x3fc55555555548f8,
    0x3fa5555555558fcc,
    0x3f8111123aaf20d3,
    0x3f56c16a1c2a3ffd,
];
const RARE_OVERFLOW: u64 = 0x40862e42fefa39ef;
const RARE_SUBNORMAL: u64 = 0xc086232bdd7abcd2;
const RARE_UNDERFLOW: u64 = 0xc0874910d52d3051;
/// 1.5·2^32, to cut a sum to its upper half.
const RARE_SPLITTER: u64 = 0x41f8000000000000;
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
/// 2^(j/64) rounded, and the rest relative to it (`_imldExpHATab`'s first 1024 bytes).
const RARE_TWO_J64: [[u64; 2]; 64] = [
    [0x3ff0000000000000, 0x0000000000000000],
    [0x3ff02c9a3e778061, 0xbc7160139cd8dc5d],
    [0x3ff059b0d3158574, 0x3c8cd2523567f613],
    [0x3ff0874518759bc8, 0x3c60f74e61e6c861],
    [0x3ff0b5586cf9890f, 0x3c979aa65d837b6d],
    [0x3ff0e3ec32d3d1a2, 0x3c3ebe3d702f9cd1],
    [0x3ff11301d0125b51, 0xbc9556522a2fbd0e],
    [0x3ff1429aaea92de0, 0xbc91c923b9d5f416],
    [0x3ff172b83c7d517b, 0xbc801b15eaa59348],
    [0x3ff1a35beb6fcb75, 0x3c8b898c3f1353bf],
    [0x3ff1d4873168b9aa, 0x3c9aecf73e3a2f60],
    [0x3ff2063b88628cd6, 0x3c8a6f4144a6c38d],
    [0x3ff2387a6e756238, 0x3c968efde3a8a894],
    [0x3ff26b4565e27cdd, 0x3c80472b981fe7f2],
    [0x3ff29e9df51fdee1, 0x3c82f7e16d09ab31],
    [0x3ff2d285a6e4030b, 0x3c8b3782720c0ab4],
    [0x3ff306fe0a31b715, 0x3c834d754db0abb6],
    [0x3ff33c08b26416ff, 0x3c8fdd395dd3f84a],
    [0x3ff371a7373aa9cb, 0xbc924aedcc4b5068],
    [0x3ff3a7db34e59ff7, 0xbc71d1e83e9436d2],
    [0x3ff3dea64c123422, 0x3c859f48a72a4c6d],
    [0x3ff4160a21f72e2a, 0xbc58a78f4817895b],
    [0x3ff44e086061892d, 0x3c4363ed60c2ac11],
    [0x3ff486a2b5c13cd0, 0x3c6ecce1daa10379],
    [0x3ff4bfdad5362a27, 0x3c7690cebb7aafb0],
    [0x3ff4f9b2769d2ca7, 0xbc8f94340071a38e],
    [0x3ff5342b569d4f82, 0xbc78dec6bd0f385f],
    [0x3ff56f4736b527da, 0x3c93350518fdd78e],
    [0x3ff5ab07dd485429, 0x3c9063e1e21c5409],
    [0x3ff5e76f15ad2148, 0x3c9432e62b64c035],
    [0x3ff6247eb03a5585, 0xbc8c33c53bef4da8],
    [0x3ff6623882552225, 0xbc93cedd78565858],
    [0x3ff6a09e667f3bcd, 0xbc93b3efbf5e2228],
    [0x3ff6dfb23c651a2f, 0xbc6367efb86da9ee],
    [0x3ff71f75e8ec5f74, 0xbc781f647e5a3ecf],
    [0x3ff75feb564267c9, 0xbc8619321e55e68a],
    [0x3ff7a11473eb0187, 0xbc7b32dcb94da51d],
    [0x3ff7e2f336cf4e62, 0x3c65ebe1abd66c55],
    [0x3ff82589994cce13, 0xbc9369b6f13b3734],
    [0x3ff868d99b4492ed, 0xbc94d450d872576e],
    [0x3ff8ace5422aa0db, 0x3c8db72fc1f0eab4],
    [0x3ff8f1ae99157736, 0x3c7bf68359f35f44],
    [0x3ff93737b0cdc5e5, 0xbc5da9b88b6c1e29],
    [0x3ff97d829fde4e50, 0xbc92434322f4f9aa],
    [0x3ff9c49182a3f090, 0x3c71affc2b91ce27],
    [0x3ffa0c667b5de565, 0xbc87c50422622263],
    [0x3ffa5503b23e255d, 0xbc91bbd1d3bcbb15],
    [0x3ffa9e6b5579fdbf, 0x3c8469846e735ab3],
    [0x3ffae89f995ad3ad, 0x3c8c1a7792cb3387],
    [0x3ffb33a2b84f15fb, 0xbc55c3d956dcaeba],
    [0x3ffb7f76f2fb5e47, 0xbc68d6f438ad9334],
    [0x3ffbcc1e904bc1d2, 0x3c74ffd70a5fddcd],
    [0x3ffc199bdd85529c, 0x3c736eae30af0cb3],
    [0x3ffc67f12e57d14b, 0x3c84e08fd10959ac],
    [0x3ffcb720dcef9069, 0x3c676b2c6c921968],
    [0x3ffd072d4a07897c, 0xbc8fad5d3ffffa6f],
    [0x3ffd5818dcfba487, 0x3c74a385a63d07a7],
    [0x3ffda9e603db3285, 0x3c8e5a50d5c192ac],
    [0x3ffdfc97337b9b5f, 0xbc82d52107b43e1f],
    [0x3ffe502ee78b3ff6, 0x3c74b604603a88d3],
    [0x3ffea4afa2a490da, 0xbc8ff7128fd391f0],
    [0x3ffefa1bee615a27, 0x3c8ec3bc41aa2008],
    [0x3fff50765b6e4540, 0x3c8a64a931d185ee],
    [0x3fffa7c1819e90d8, 0x3c77893b4d91cd9d],
];

#[cfg(test)]
mod tests {
    //! `select` on synthetic CPUs, each rule from `npy_cpu_features.c` (`npy__cpu_init_features`,
    //! `npy__cpu_check_env`) and the dispatch checks of `meson_cpu/x86/meson.build`; the same
    //! rules are measured against NumPy on this machine in tests/numpy_exp.rs.
    use super::*;

    fn x86(f: impl FnOnce(&mut CpuFeatures)) -> CpuFeatures {
        let mut cpu = CpuFeatures {
            arch: "x86_64".to_string(),
            sse3: true,
            ssse3: true,
            sse41: true,
            sse42: true,
            ..CpuFeatures::default()
        };
        f(&mut cpu);
        cpu
    }

    /// An AVX2 EPYC (Zen 2/3): AVX, F16C, FMA, AVX2, no AVX-512.
    fn epyc_avx2() -> CpuFeatures {
        x86(|c| {
            c.avx = true;
            c.f16c = true;
            c.fma = true;
            c.avx2 = true;
        })
    }

    /// AVX512F without the rest of AVX-512 (no AVX512CD).
    fn avx512f_only() -> CpuFeatures {
        let mut cpu = epyc_avx2();
        cpu.avx512f = true;
        cpu
    }

    /// Skylake-X: AVX512F, CD, BW, DQ, VL.
    fn skylake_x() -> CpuFeatures {
        let mut cpu = avx512f_only();
        cpu.avx512cd = true;
        cpu.avx512bw = true;
        cpu.avx512dq = true;
        cpu.avx512vl = true;
        cpu
    }

    fn with(disable: Option<&str>, enable: Option<&str>) -> Switches {
        Switches {
            npy_disable_cpu_features: disable.map(str::to_string),
            npy_enable_cpu_features: enable.map(str::to_string),
            ..Switches::default()
        }
    }

    fn target(cpu: &CpuFeatures, disable: Option<&str>, enable: Option<&str>) -> &'static str {
        dispatch(cpu, &with(disable, enable))
            .unwrap_or_else(|e| panic!("refused: {e}"))
            .target
    }

    fn refusal(cpu: &CpuFeatures, disable: Option<&str>, enable: Option<&str>) -> String {
        let pick = ExpPath::select(cpu, &with(disable, enable));
        assert_eq!(pick.path, None, "{pick:?}");
        pick.why
    }

    #[test]
    fn without_switches_the_highest_target_the_cpu_has() {
        let pick = ExpPath::select(&skylake_x(), &Switches::default());
        assert_eq!(pick.path, Some(ExpPath::Svml));
        assert!(pick.name.contains("AVX512_SKX"), "{}", pick.name);
        let pick = ExpPath::select(&avx512f_only(), &Switches::default());
        assert_eq!(pick.path, Some(ExpPath::Avx512f));
        assert!(
            pick.why
                .contains("AVX512_SKX needs AVX512CD: the CPU lacks it"),
            "{}",
            pick.why
        );
        let pick = ExpPath::select(&epyc_avx2(), &Switches::default());
        assert_eq!(pick.path, Some(ExpPath::Libm));
        assert!(pick.name.contains("AVX2 target"), "{}", pick.name);
        assert!(
            pick.why.contains("AVX512F: the CPU lacks it"),
            "{}",
            pick.why
        );
        assert_eq!(target(&x86(|_| {}), None, None), "baseline");
    }

    #[test]
    fn numpy_detection_quirks() {
        // AVX-512 counts only with AVX2 and FMA3; AVX2 only with FMA3.
        let mut no_fma = skylake_x();
        no_fma.fma = false;
        assert_eq!(target(&no_fma, None, None), "baseline");
        // AVX512BW/DQ/VL count only with AVX512F and AVX512CD.
        let mut no_cd = skylake_x();
        no_cd.avx512cd = false;
        assert_eq!(target(&no_cd, None, None), "AVX512F");
    }

    #[test]
    fn disabling_avx512_skx_alone_changes_nothing() {
        // The AVX512_SKX target checks AVX512F AVX512CD AVX512VL AVX512BW AVX512DQ, not the
        // AVX512_SKX flag (nor CLX/CNL/ICL).
        let cpu = skylake_x();
        assert_eq!(target(&cpu, Some("AVX512_SKX"), None), "AVX512_SKX");
        assert_eq!(
            target(
                &cpu,
                Some("AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"),
                None
            ),
            "AVX512_SKX"
        );
        let pick = ExpPath::select(&cpu, &with(Some("AVX512CD"), None));
        assert_eq!(pick.path, Some(ExpPath::Avx512f));
        assert!(
            pick.why
                .contains("AVX512CD: NPY_DISABLE_CPU_FEATURES turns it off"),
            "{}",
            pick.why
        );
        assert_eq!(target(&cpu, Some("AVX512F"), None), "AVX2");
        assert_eq!(target(&cpu, Some("AVX512_SKX AVX512F"), None), "AVX2");
        assert_eq!(target(&cpu, Some("AVX512F AVX2"), None), "baseline");
        // The AVX2 target checks POPCNT AVX F16C FMA3 AVX2.
        assert_eq!(target(&cpu, Some("AVX512F POPCNT"), None), "baseline");
        assert_eq!(target(&cpu, Some("AVX512F\tF16C"), None), "baseline");
    }

    #[test]
    fn disable_parsing() {
        let cpu = skylake_x();
        // Separators: comma, space, tabs, line ends, form feed; empty names are skipped.
        assert_eq!(
            target(&cpu, Some(",AVX512_SKX,,AVX512CD\n"), None),
            "AVX512F"
        );
        // Names are case-sensitive: an unknown name only warns.
        let pick = ExpPath::select(&cpu, &with(Some("avx512f"), None));
        assert_eq!(pick.path, Some(ExpPath::Svml));
        assert!(pick.why.contains("ImportWarning"), "{}", pick.why);
        // Not dispatched in this build (AVX512_SPR, AVX512VL): ignored with a warning.
        assert_eq!(
            target(&cpu, Some("AVX512_SPR AVX512VL"), None),
            "AVX512_SKX"
        );
        // A dispatched feature the CPU lacks: disabling it is silently a no-op.
        assert_eq!(target(&epyc_avx2(), Some("AVX512F"), None), "AVX2");
        // A baseline feature: NumPy raises at import.
        assert!(refusal(&cpu, Some("SSE3"), None).contains("SSE3 is part of NumPy's baseline"));
        assert!(refusal(&cpu, Some("AVX512F SSE2"), None).contains("RuntimeError"));
    }

    #[test]
    fn enable_keeps_only_the_named_dispatched_features() {
        let cpu = skylake_x();
        // AVX512F's own check reads only AVX512F; SKX's also AVX512CD (VL/BW/DQ are not
        // dispatched, so enabling leaves them on).
        assert_eq!(target(&cpu, None, Some("AVX512F")), "AVX512F");
        assert_eq!(target(&cpu, None, Some("AVX512F AVX512CD")), "AVX512_SKX");
        assert_eq!(target(&cpu, None, Some("AVX512_SKX")), "baseline");
        assert_eq!(target(&cpu, None, Some("AVX2")), "baseline");
        assert_eq!(
            target(&cpu, None, Some("POPCNT AVX F16C FMA3 AVX2")),
            "AVX2"
        );
        // Baseline names are accepted and change nothing else.
        assert_eq!(target(&cpu, None, Some("SSE3")), "baseline");
        // Unknown names warn; a value of only separators still counts as set.
        assert_eq!(target(&cpu, None, Some("FOO")), "baseline");
        assert_eq!(target(&cpu, None, Some(" ")), "baseline");
        // A dispatched feature the CPU lacks: NumPy raises at import.
        assert!(refusal(&epyc_avx2(), None, Some("AVX512F")).contains("lacks AVX512F"));
        assert!(refusal(&cpu, None, Some("AVX512_KNL")).contains("RuntimeError"));
    }

    #[test]
    fn both_switches_or_a_missing_baseline_refuse() {
        let cpu = skylake_x();
        assert!(refusal(&cpu, Some("AVX2"), Some("AVX2")).contains("ImportError"));
        let no_sse3 = x86(|c| c.sse3 = false);
        assert!(refusal(&no_sse3, None, None).contains("lacks SSE3"));
        let long = "AVX2 ".repeat(205);
        assert!(refusal(&cpu, Some(&long), None).contains("accepts 1024"));
    }

    #[test]
    fn other_architectures_are_not_reproduced() {
        let cpu = CpuFeatures {
            arch: "aarch64".to_string(),
            ..CpuFeatures::default()
        };
        assert_eq!(ExpPath::select(&cpu, &Switches::default()).path, None);
    }

    #[test]
    fn scalef_rounds_once() {
        // 1.5·2^-1074 is halfway between 2^-1074 and 2^-1073: ties to even.
        assert_eq!(scalef(1.5, -1074).to_bits(), 2);
        assert_eq!(scalef(1.25, -1074).to_bits(), 1);
        assert_eq!(scalef(1.5, -1075).to_bits(), 1);
        assert_eq!(scalef(1.0, -1022), f64::MIN_POSITIVE);
        assert_eq!(scalef(1.5, 1024), f64::INFINITY);
        assert_eq!(scalef(0.75, 1024), 0.75 * 2f64.powi(1023) * 2.0);
    }
}
