//! MKL's vector math for float32 `exp` and `log` (`vsExp`, `vsLn`), which libtorch calls for
//! `torch.exp` and `torch.log` (`at::vml`, mode `VML_HA | VML_FTZDAZ_OFF |
//! VML_ERRMODE_IGNORE`), ported from the `EX` kernels MKL runs on a CPU that is not Intel's
//! ([`MklPath::GENERIC`]) and on Intel's SSE4.2 path (Intel's AVX2 and AVX-512 kernels are in
//! `vml_intel`). Neither is the C library's nor correctly rounded: measured here, `vsExp`
//! differs from the correctly rounded result on 0.13 % of its arguments, `vsLn` on 0.8 %.
//! Each lane is SSE float arithmetic, one rounding per step, no fused multiply-add:
//!
//! - `exp` (`mkl_vml_kernel_sExp_EXHAynn`): `m = round(x · 128/ln 2)` by the 1.5·2²³ shifter,
//!   `r = x − m·(ln 2/128)` in two parts, `p = r + r²/2`, then `(p·T + t) + T` with
//!   `T + t = 2^((m mod 128)/128)` from a 128-entry table of float pairs (recomputed here:
//!   `T` is the nearest float to the power, `t` to what is left), scaled by `2^⌊m/128⌋`. Where
//!   `|x| > 87.3365` (or `x` is not finite) the kernel's rare path gives the correctly rounded
//!   result (measured on every float there): `+∞` past 88.72, `+0` below −103.97, NaN for NaN.
//! - `log` (`mkl_vml_kernel_sLn_EXHAynn`): `x = 2ᵉ·(1 + f)` with `1 + f` in [2/3, 4/3) (the
//!   exponent taken after subtracting the bits of 2/3), then `f + f²·P(f)` with a degree-8
//!   polynomial in Horner form, plus `e·ln 2` in two parts. Zero, subnormal, negative and
//!   non-finite arguments take the rare path: correctly rounded for subnormals (measured on
//!   all 2²³ − 1 of them), −∞ for ±0, NaN below zero, +∞ for +∞.
//!
//! The constants are the kernels' own (hexadecimal float bits, as the kernel loads them).

use super::{vml_intel as intel, MklPath, Vml};
use std::sync::OnceLock;

/// `torch.exp` of one float32 on `path`.
pub fn exp(path: MklPath, x: f32) -> f32 {
    match path.vml {
        Vml::Sse => generic_exp(x),
        Vml::Avx2 => intel::avx2_exp(x),
        Vml::Avx512 => intel::avx512_exp(x),
    }
}

/// `torch.log` of one float32 on `path`.
pub fn ln(path: MklPath, x: f32) -> f32 {
    match path.vml {
        Vml::Sse => generic_ln(x),
        Vml::Avx2 => intel::avx2_ln(x),
        Vml::Avx512 => intel::avx512_ln(x),
    }
}

pub(super) fn bits(b: u32) -> f32 {
    f32::from_bits(b)
}

/// `vsexp_cout_rare`, the scalar routine every `vsExp` kernel calls for its rare lanes: a
/// double-precision exp rounded to float (measured equal to the correctly rounded result over
/// each kernel's whole rare domain).
pub(super) fn rare_exp(x: f32) -> f32 {
    (x as f64).exp() as f32
}

/// What every `vsLn` kernel's rare path gives: NaN for NaN and below zero, −∞ for ±0, the
/// correctly rounded logarithm for the rest (subnormals, +∞; measured on all subnormals).
pub(super) fn rare_ln(x: f32) -> f32 {
    match x {
        x if x.is_nan() || x < 0.0 => f32::NAN,
        x if x == 0.0 => f32::NEG_INFINITY,
        x => (x as f64).ln() as f32,
    }
}

/// The split of the `EX` and `L9` `vsLn` kernels: `x = 2ᵉ·(1 + f)` with `1 + f` in
/// [2/3, 4/3) (the exponent taken after subtracting the bits of 2/3), as `(e, f)`; `None` for
/// the arguments they send to [`rare_ln`] (zero, subnormal, negative, not finite).
pub(super) fn ln_split(x: f32) -> Option<(f32, f32)> {
    let xi = x.to_bits() as i32;
    if xi.wrapping_add(0x0080_0000) <= 0x00ff_ffff {
        return None;
    }
    let a = xi.wrapping_sub(0x3f2a_aaab);
    let f = bits(((a & 0x007f_ffff) + 0x3f2a_aaab) as u32) + bits(0xbf80_0000);
    Some(((a >> 23) as f32, f))
}

/// `2^(j/128)` as the nearest float and the nearest float to the rest, for j in 0..128.
fn exp_table() -> &'static [(f32, f32); 128] {
    static TABLE: OnceLock<[(f32, f32); 128]> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|j| {
            let power = (j as f64 / 128.0).exp2();
            let high = power as f32;
            (high, (power - high as f64) as f32)
        })
    })
}

fn generic_exp(x: f32) -> f32 {
    // The kernel compares the magnitude's bits, the lowest four cleared, as an integer.
    if (x.to_bits() & 0x7fff_fff0) as i32 > 0x42ae_ac4f {
        return rare_exp(x);
    }
    let shifted = x * bits(0x4338_aa3b) + bits(0x4b40_0000); // x·128/ln 2 + 1.5·2²³
    let m = shifted + bits(0xcb40_0000);
    let r = m * bits(0xbbb1_8000) + x;
    let r = m * bits(0x35de_8083) + r;
    let p = r * r * 0.5 + r;
    let (high, low) = exp_table()[(shifted.to_bits() & 0x7f) as usize];
    let mantissa = p * high + low + high;
    let scale = bits((shifted.to_bits() << 16).wrapping_add(0x3f80_0000) & 0x7f80_0000);
    mantissa * scale
}

/// The polynomial of the `EX` and `L9` kernels, highest degree first.
pub(super) const LN_POLY: [u32; 9] = [
    0xbe04_02c8,
    0x3e0f_335d,
    0xbdf9_889e,
    0x3e0f_6b8c,
    0xbe2a_cee6,
    0x3e4c_e814,
    0xbe7f_ff78,
    0x3eaa_aa83,
    0xbf00_0000,
];

/// `ln 2` in two parts, as every `vsLn` kernel loads it.
pub(super) const LN2_HI: u32 = 0x3f31_7200;
pub(super) const LN2_LO: u32 = 0x35bf_be8e;

fn generic_ln(x: f32) -> f32 {
    let Some((e, f)) = ln_split(x) else {
        return rare_ln(x);
    };
    let mut p = f * bits(LN_POLY[0]) + bits(LN_POLY[1]);
    for c in &LN_POLY[2..] {
        p = p * f + bits(*c);
    }
    let p = p * f * f + f;
    let r = e * bits(LN2_LO) + p;
    e * bits(LN2_HI) + r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values any exp and log must give, and the special arguments the rare paths take.
    #[test]
    fn exact_points_and_special_arguments() {
        let g = MklPath::GENERIC;
        assert_eq!(exp(g, 0.0), 1.0);
        assert_eq!(exp(g, -0.0), 1.0);
        assert_eq!(exp(g, f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(g, f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(g, 100.0), f32::INFINITY);
        assert_eq!(exp(g, -200.0), 0.0);
        assert!(exp(g, f32::NAN).is_nan());
        assert_eq!(ln(g, 1.0), 0.0);
        assert_eq!(ln(g, 0.0), f32::NEG_INFINITY);
        assert_eq!(ln(g, -0.0), f32::NEG_INFINITY);
        assert!(ln(g, -1.0).is_nan());
        assert_eq!(ln(g, f32::INFINITY), f32::INFINITY);
        assert_eq!(ln(g, 2.0), std::f32::consts::LN_2);
    }
}
