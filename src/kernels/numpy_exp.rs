//! NumPy's float64 `exp` (`np.exp`), bit for bit as NumPy 2.1.3 computes it on each x86-64
//! path it dispatches to (tests/numpy_kernels.rs holds each path against the real NumPy).
//!
//! NumPy picks the kernel at import, from the CPU's features and `NPY_DISABLE_CPU_FEATURES` /
//! `NPY_ENABLE_CPU_FEATURES` ([`ExpPath::select`]):
//! - `Svml`: Intel SVML's `__svml_exp8_ha` (NumPy's `numpy/_core/src/umath/svml`), on a CPU with
//!   AVX512_SKX. It differs from glibc's `exp` in the last bit for about 5 % of arguments. Its
//!   main path is ported here; SVML takes a separate path beyond |x| ≥ 707.70, where glibc's
//!   `exp` stands in (it agrees with NumPy there but for subnormal results).
//! - `Libm`: the C library's `exp`, one element at a time, everywhere else.

use super::cpu::CpuFeatures;
use super::{Pick, Switches};

/// Which `exp` kernel NumPy runs for float64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpPath {
    Svml,
    Libm,
}

impl ExpPath {
    pub fn name(self) -> &'static str {
        match self {
            ExpPath::Svml => "SVML exp8_ha (AVX512_SKX)",
            ExpPath::Libm => "libm exp",
        }
    }

    /// The path NumPy 2.1.3 takes on a CPU with `cpu` under `NPY_DISABLE_CPU_FEATURES` and
    /// `NPY_ENABLE_CPU_FEATURES`.
    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<ExpPath> {
        let _ = switches;
        let (path, why) = if !cpu.is_x86_64() {
            return Pick {
                path: None,
                name: format!("NumPy's {} build", cpu.arch),
                why: format!("not x86-64 ({})", cpu.arch),
            };
        } else if cpu.avx512_skx() {
            (ExpPath::Svml, "the CPU has AVX512_SKX")
        } else {
            (ExpPath::Libm, "no AVX512F")
        };
        Pick {
            path: Some(path),
            name: path.name().to_string(),
            why: why.to_string(),
        }
    }
}

/// `np.exp` of one float64 on `path` (the result does not depend on the element's place in
/// the array).
pub fn exp(path: ExpPath, x: f64) -> f64 {
    match path {
        ExpPath::Svml => svml_exp(x),
        ExpPath::Libm => x.exp(),
    }
}

/// SVML's `exp8_ha`, one lane.
fn svml_exp(x: f64) -> f64 {
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
