//! MKL's AVX2 (`L9`) and AVX-512 (`Z0`) kernels of `vsExp` and `vsLn` in HA mode, which
//! Intel's dispatch runs at those levels (measured with gdb: AVX512 to AVX512_E4 run `Z0`,
//! AVX2 and AVX2_E1 `L9`), ported instruction by instruction from libtorch 2.13.0's MKL and
//! held against `torch.exp`/`torch.log` on every float of the rare ranges and every 97th
//! float elsewhere (`torch/tests/torch_kernels.rs`). Each step is one float operation, fused
//! where the kernel fuses (`mul_add`). The AVX-512 `log` starts from the CPU's own
//! approximate reciprocal (`vrcp14ps`), whose bits `rcp14` reproduces from 64 linear pieces
//! measured on a Xeon with AMX (every one of the 2²³ mantissas); another CPU's `vrcp14ps` is
//! held by the same test.

use super::vml::{bits, ln_split, rare_exp, rare_ln, LN2_HI, LN2_LO, LN_POLY};

/// 2^(j/32) as a float (HI) plus the relative error of that float (LO), from
/// `vsexp_data_avx512`. The AVX2 kernel's 4-entry tables are entries 0, 8, 16, 24 of these.
const HI: [u32; 32] = [
    0x3f80_0000,
    0x3f82_cd87,
    0x3f85_aac3,
    0x3f88_980f,
    0x3f8b_95c2,
    0x3f8e_a43a,
    0x3f91_c3d3,
    0x3f94_f4f0,
    0x3f98_37f0,
    0x3f9b_8d3a,
    0x3f9e_f532,
    0x3fa2_7043,
    0x3fa5_fed7,
    0x3fa9_a15b,
    0x3fad_583f,
    0x3fb1_23f6,
    0x3fb5_04f3,
    0x3fb8_fbaf,
    0x3fbd_08a4,
    0x3fc1_2c4d,
    0x3fc5_672a,
    0x3fc9_b9be,
    0x3fce_248c,
    0x3fd2_a81e,
    0x3fd7_44fd,
    0x3fdb_fbb8,
    0x3fe0_ccdf,
    0x3fe5_b907,
    0x3fea_c0c7,
    0x3fef_e4ba,
    0x3ff5_257d,
    0x3ffa_83b3,
];
const LO: [u32; 32] = [
    0x0000_0000,
    0xb34a_3a0a,
    0x3346_cb6a,
    0xb36e_d17e,
    0xb24e_0611,
    0xb351_7dd9,
    0x334b_2482,
    0xb315_86de,
    0x3309_2801,
    0xb2e6_f467,
    0x331b_85f2,
    0x3099_b6f1,
    0xb305_1aa8,
    0xb2e2_a0da,
    0xb200_6c56,
    0xb336_5942,
    0x3293_02ae,
    0x32c5_95dc,
    0xb302_e5a2,
    0xb28e_10a1,
    0x31b3_d0e5,
    0xb31a_472b,
    0x31d1_daf2,
    0xb305_bf64,
    0xb27c_e182,
    0xb2f2_6443,
    0xb1b4_b0da,
    0xb1da_8a8f,
    0xb1d2_90be,
    0xb2d5_b899,
    0x31b0_a147,
    0xb215_6afc,
];

/// MKL's `mkl_vml_kernel_sExp_Z0HAynn` (AVX-512): n = ⌊x·32/ln 2⌋ (the shift FMA rounds toward
/// zero), r = x − n·ln2/32 in two FMAs, exp x = 2^⌊n/32⌋·H[n mod 32]·(1 + L + r + r²·(c1 + c0·r)),
/// the power of two applied with vscalefps before the final FMA.
/// |x| ≥ 0x42ae_ac4f (and ±inf) goes to `rare_exp` (+inf above 0x42b1_7217, 0 below
/// 0xc2cf_f1b4); NaN stays NaN on the fast path.
pub fn avx512_exp(x: f32) -> f32 {
    if x.is_nan() {
        return x + x;
    }
    if x.abs() >= bits(0x42ae_ac4f) {
        return rare_exp(x);
    }
    // s = RZ(x·1/ln2 + 1.5·2^18): s lies in [2^18, 2^19), whose ulp is 1/32, so RZ is a floor of the
    // exact x·(1/ln2) (a 48-bit product, exact in f64) on the 1/32 grid; m = s − 1.5·2^18 is exact.
    let n = (x as f64 * bits(0x3fb8_aa3b) as f64 * 32.0).floor();
    let m = (n / 32.0) as f32;
    let j = (n as i32 & 31) as usize; // vpermt2ps index: low five bits of s
    let r = m.mul_add(-bits(0x3f31_7218), x);
    let r = m.mul_add(bits(0x3102_e308), r);
    let r = bits(r.to_bits() & 0xbfff_ffff); // the kernel clears bit 30 (a no-op for |r| < 2)
    let q = r.mul_add(bits(0x3e2a_abf3), bits(0x3f00_00f6));
    let poly = q.mul_add(r * r, bits(LO[j]) + r);
    // vscalefps: one rounding, which matters only when the scaled value is subnormal.
    let t = (bits(HI[j]) as f64 * 2f64.powi(m.floor() as i32)) as f32;
    t.mul_add(poly, t)
}

/// MKL's `mkl_vml_kernel_sExp_L9HAynn` (AVX2): n = round(x·4/ln 2) via the 1.5·2^23 shifter (whose
/// low bits also carry the exponent bias), r = x − n·ln2/4 in two FMAs, exp x = 2^⌊n/4⌋·H·(1 + (r +
/// (L + r²·(c2 + c1·r + c0·r²)))) with H, L = 2^((n mod 4)/4) hi/lo and 2^⌊n/4⌋ built from the bits.
/// |x| > 0x42ae_ac4f, ±inf and NaN go to `rare_exp` (note: > here, ≥ in the AVX-512 kernel).
pub fn avx2_exp(x: f32) -> f32 {
    if !(x.abs() <= bits(0x42ae_ac4f)) {
        return rare_exp(x);
    }
    let shifted = x.mul_add(bits(0x40b8_aa3b), bits(0x4b40_01fc)); // x·4/ln2 + 1.5·2²³ + 4·127
    let n = shifted + bits(0xcb40_01fc);
    let r = (-n).mul_add(bits(0x3e31_7000), x);
    let r = (-n).mul_add(bits(0x3705_fdf4), r);
    let j = 8 * (shifted.to_bits() & 3) as usize; // vpermilps index: low two bits
    let q = r.mul_add(bits(0x3d2a_bb12), bits(0x3e2a_bb12));
    let q = q.mul_add(r, bits(0x3eff_ffff));
    let q = q.mul_add(r * r, bits(LO[j]));
    let scale = bits((shifted.to_bits() << 21) & 0x7f80_0000); // (n + 508) >> 2 as the exponent field
    let t = bits(HI[j]) * scale;
    (r + q).mul_add(t, t)
}

/// VRCP14PS on [1, 2), as measured on this CPU for all 2^23 mantissas: piecewise linear in
/// the top 16 mantissa bits, 64 segments of 1024 steps; entry = alpha << 10 | beta, and the
/// 17-bit result significand is (256 * alpha - beta * t) >> 9. Exact powers of two are exact.
/// (No public table-free definition exists; these coefficients were fitted to the hardware and
/// are unique: every alpha/beta is the only value that reproduces its segment.)
const RCP14_SEG: [u32; 64] = [
    0xfffe7f1, 0xfc0dbd1, 0xf83cbb5, 0xf488399, 0xf0eef7d, 0xed71f65, 0xea0cf4b, 0xe6c1b35,
    0xe38cb1d, 0xe06f309, 0xdd662f3, 0xda72adf, 0xd7932cd, 0xd4c6ebb, 0xd20c6a9, 0xcf63297,
    0xcccbe87, 0xca44677, 0xc7cda69, 0xc564e59, 0xc30b64b, 0xc0bfe3d, 0xbe82a31, 0xbc51623,
    0xba2da17, 0xb81620b, 0xb60b601, 0xb40a9f5, 0xb215deb, 0xb02b5df, 0xae4b9d5, 0xac75dcb,
    0xaaaa9c3, 0xa8e7db9, 0xa72f1b1, 0xa57e1a7, 0xa3d699f, 0xa237597, 0xa0a018f, 0x9f10d87,
    0x9d8a181, 0x9c09579, 0x9a90571, 0x991ed6b, 0x97b4565, 0x964f55d, 0x94f1957, 0x939a151,
    0x9248d4b, 0x90fd545, 0x8fb793f, 0x8e7893b, 0x8d3d935, 0x8c0852f, 0x8ad912b, 0x89add25,
    0x8888921, 0x8767d1d, 0x864b517, 0x8534d13, 0x842250f, 0x8313d0b, 0x8209507, 0x8102d03,
];

/// (floor(log2 x), 23-bit mantissa after normalising) for positive finite nonzero bits `b`.
fn split(b: u32) -> (i32, u32) {
    if b < 0x0080_0000 {
        let s = b.leading_zeros() as i32 - 8; // move the leading 1 to bit 23
        (-126 - s, (b << s) & 0x007f_ffff)
    } else {
        ((b >> 23) as i32 - 127, b & 0x007f_ffff)
    }
}

/// VRCP14PS with MXCSR DAZ/FTZ off, for a positive finite nonzero `x` (subnormals are
/// normalised; a result below 2^-126 is subnormal, one from 2^128 on is +inf).
fn rcp14(x: f32) -> f32 {
    let (e, m) = split(x.to_bits());
    // significand of 1/(1.m) scaled by 2^17, in (2^16, 2^17]
    let sig = if m == 0 {
        1 << 17
    } else {
        let (i, c) = (m >> 7, RCP14_SEG[(m >> 17) as usize]);
        ((c >> 10) * 256 - (c & 0x3ff) * (i & 0x3ff)) >> 9
    };
    // 17 significant bits fit even a subnormal >= 2^-128, so this conversion is exact
    let scale = f64::from_bits(((1023 - 17 - e) as u64) << 52);
    (sig as f64 * scale) as f32
}

/// -ln(1 + k/32) as hi + lo (fast path, `vsln_data_avx512+0x80`/`+0x100`).
const Z0_T1_HI: [u32; 32] = [
    0x0000_0000,
    0xbcfc_0000,
    0xbd78_6000,
    0xbdb7_8000,
    0xbdf1_4000,
    0xbe14_a800,
    0xbe2f_f800,
    0xbe4a_9000,
    0xbe64_8000,
    0xbe7d_c800,
    0xbe8b_3c00,
    0xbe97_4800,
    0xbea3_0c00,
    0xbeae_8c00,
    0xbeb9_d000,
    0xbec4_d000,
    0xbecf_9800,
    0xbeda_2800,
    0xbee4_8000,
    0xbeee_a400,
    0xbef8_9400,
    0xbf01_2a00,
    0xbf05_f400,
    0xbf0a_a600,
    0xbf0f_4200,
    0xbf13_ca00,
    0xbf18_3e00,
    0xbf1c_a000,
    0xbf20_ec00,
    0xbf25_2800,
    0xbf29_5200,
    0xbf2d_6a00,
];
const Z0_T1_LO: [u32; 32] = [
    0x0000_0000,
    0xb726_c39e,
    0x3767_9ff7,
    0xb752_8ae5,
    0x3778_91d5,
    0xb725_f040,
    0xb6c1_c29e,
    0xb735_39e9,
    0x3583_8656,
    0xb643_6af2,
    0x370d_5151,
    0x36ea_28f7,
    0xb63c_21c6,
    0xb776_fd60,
    0x3720_2511,
    0xb74e_1b05,
    0xb70f_b2fe,
    0x3608_4337,
    0x3603_8656,
    0x36af_d9f2,
    0xb675_faf0,
    0xb715_2d2f,
    0x36d1_bdad,
    0xb5f4_bd35,
    0xb77a_f382,
    0xb770_944e,
    0xb739_9a79,
    0x3779_654f,
    0xb6fe_8467,
    0x3674_49f8,
    0x3716_cd22,
    0xb418_6b3e,
];
/// ln 2 - ln(1 + k/32) as hi + lo (slow path, `vsln_data_avx512+0x180`/`+0x200`).
const Z0_T2_HI: [u32; 32] = [
    0x3f31_7200,
    0x3f29_9200,
    0x3f21_ec00,
    0x3f1a_8200,
    0x3f13_4c00,
    0x3f0c_4800,
    0x3f05_7400,
    0x3efd_9c00,
    0x3ef0_a400,
    0x3ee4_0000,
    0x3ed7_a800,
    0x3ecb_9c00,
    0x3ebf_d800,
    0x3eb4_5800,
    0x3ea9_1400,
    0x3e9e_1400,
    0x3e93_4c00,
    0x3e88_bc00,
    0x3e7c_c800,
    0x3e68_8000,
    0x3e54_a000,
    0x3e41_2000,
    0x3e2d_f800,
    0x3e1b_3000,
    0x3e08_c000,
    0x3ded_4000,
    0x3dc9_a000,
    0x3da6_a000,
    0x3d84_3000,
    0x3d44_a000,
    0x3d02_0000,
    0x3c81_0000,
];
const Z0_T2_LO: [u32; 32] = [
    0x35bf_be8e,
    0xb70e_cbcc,
    0x377f_97c9,
    0xb73a_9314,
    0xb76f_7659,
    0xb70d_f86e,
    0xb691_d2fb,
    0xb71d_4217,
    0x3621_a272,
    0xb5c7_1755,
    0x3725_4923,
    0x370d_0c4d,
    0xb5b8_84fd,
    0xb75f_058e,
    0x3738_1ce3,
    0xb736_2333,
    0xb6ef_7659,
    0x3668_227e,
    0x3663_659e,
    0x36df_c995,
    0xb616_1ba9,
    0xb6fa_6ab9,
    0x3700_d6a8,
    0xb4d3_fa9c,
    0xb762_fbb0,
    0xb758_9c7c,
    0xb721_a2a7,
    0xb76e_a2e0,
    0xb6ce_94c4,
    0x36aa_14a0,
    0x372e_c4f4,
    0x35ac_b127,
];

/// ln(1 + r) - r for |r| <~ 1/64: -r^2/2 + c2 r^3 + c3 r^4, plus `lo` (shared by both paths).
#[inline]
fn z0_tail(r: f32, lo: f32) -> f32 {
    let p = r.mul_add(bits(0xbe80_0810), bits(0x3eaa_b11e)); // c3, c2
    let p = r.mul_add(p, -0.5);
    (r * r).mul_add(p, lo)
}

/// MKL's `mkl_vml_kernel_sLn_Z0HAynn` (AVX-512), as run by `torch.log` on float32.
/// t = rcp14(x) rounded to 5 mantissa bits (add 2^17 to the bits, mask), r = x*t - 1 (FMA),
/// ln x = -e(t)*ln2 - ln(1+k/32) + r + poly(r), summed hi/lo with a Fast2Sum on hi + r.
/// If t is not a positive normal (x subnormal, or x >~ 2^126) it redoes this on getmant(x)
/// in [0.5, 1) with RNE rounding of rcp14; NaN, inf, <= 0 go to a scalar routine (NaN/+inf
/// pass through, -inf and negatives give NaN, ±0 gives -inf). Measured equal to torch.log
/// on all subnormals, all of [2^125, inf), every 97th bit pattern, [0.5, 2) at stride 3.
pub fn avx512_ln(x: f32) -> f32 {
    let xb = x.to_bits();
    if xb == 0 || xb >= 0x7f80_0000 {
        // vfpclassps 0xdf: NaN, ±0, ±inf, negative -> vsln_cout_rare
        return rare_ln(x);
    }
    let t = bits(rcp14(x).to_bits().wrapping_add(0x0002_0000) & 0xfffc_0000);
    let tb = t.to_bits();
    if (0x0080_0000..0x7f80_0000).contains(&tb) {
        let k = ((tb >> 18) & 31) as usize;
        let e = ((tb >> 23) as i32 - 127) as f32; // vgetexpps
        let r = x.mul_add(t, -1.0);
        let lo = e.mul_add(-bits(LN2_LO), bits(Z0_T1_LO[k]));
        let hi = e.mul_add(-bits(LN2_HI), bits(Z0_T1_HI[k]));
        let p = z0_tail(r, lo);
        let s = hi + r;
        let rr = r - (s - hi);
        return s + (p + rr);
    }
    // Slow path: x = m * 2^(ex+1), m = vgetmantps(x, [0.5,1)), ex = vgetexpps(x).
    let (ex, mant) = split(xb);
    let m = bits(0x3f00_0000 | mant);
    let c = (rcp14(m) * 32.0).round_ties_even() / 32.0; // vrndscaleps 0x58: RNE to 5 bits
    let cb = c.to_bits();
    let k = ((cb >> 18) & 31) as usize;
    let d = ex as f32 - ((cb >> 23) as i32 - 127) as f32;
    let r = m.mul_add(c, -1.0);
    let hi = d.mul_add(bits(LN2_HI), bits(Z0_T2_HI[k]));
    let lo = d.mul_add(bits(LN2_LO), bits(Z0_T2_LO[k]));
    let s = hi + r;
    let rr = r - (s - hi);
    s + (z0_tail(r, lo) + rr)
}

// ---------------------------------------------------------------------------------------
// AVX2 (L9)
// ---------------------------------------------------------------------------------------

/// MKL's `mkl_vml_kernel_sLn_L9HAynn` (AVX2), as run by `torch.log` under
/// MKL_ENABLE_INSTRUCTIONS=AVX2. Table-free: x = 2^e * (1+f) with 1+f in [2/3, 4/3) by integer
/// subtraction of 0x3f2aaaab; ln x = e*ln2_hi + (e*ln2_lo + (f + f*(f*P(f)))), all FMA, P of
/// degree 8 by Horner. Zero, subnormal, negative, inf/NaN go to a scalar double routine;
/// measured: correctly rounded on all subnormals, NaN/+inf pass through, <0 -> NaN, ±0 -> -inf.
pub fn avx2_ln(x: f32) -> f32 {
    let Some((e, f)) = ln_split(x) else {
        return rare_ln(x);
    };
    let mut p = f.mul_add(bits(LN_POLY[0]), bits(LN_POLY[1]));
    for c in &LN_POLY[2..] {
        p = f.mul_add(p, bits(*c));
    }
    let r = f.mul_add(f * p, f);
    let r = e.mul_add(bits(LN2_LO), r);
    e.mul_add(bits(LN2_HI), r)
}
