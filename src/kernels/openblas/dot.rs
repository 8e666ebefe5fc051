//! OpenBLAS's `ddot` (unit strides) per core. `kernel/x86_64/ddot.c` (Nehalem, Sandybridge,
//! Haswell, SkylakeX) hands whole blocks of 16 to a micro-kernel (`ddot_microk_*-2.c`) with
//! its own lanes and reduction, then adds the 0–15 rest in order onto that result (`dot +=
//! y[i] * x[i]`, fused on SkylakeX only). Prescott runs `dot_sse2.S`: eight lanes (four SSE2
//! registers of two) for the whole length, reduced once at the end.

use super::Core;

/// `x · y`.
pub fn ddot(core: Core, x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    if core == Core::Prescott {
        return dot_sse2(x, y);
    }
    let body_len = x.len() & !15;
    let mut dot = if body_len > 0 {
        let (x, y) = (&x[..body_len], &y[..body_len]);
        match core {
            Core::Nehalem => nehalem_body(x, y),
            Core::Sandybridge => sandy_body(x, y),
            Core::Haswell => haswell_body(x, y),
            Core::SkylakeX => skylakex_body(x, y),
            Core::Prescott => unreachable!("handled above"),
        }
    } else {
        0.0
    };
    for k in body_len..x.len() {
        dot = if core.fuses_c_code() {
            y[k].mul_add(x[k], dot)
        } else {
            dot + y[k] * x[k]
        };
    }
    dot
}

/// `ddot_microk_nehalem-2.c`: eight per step into four registers of two lanes (term `c`
/// in lane `c mod 8`), plain; registers (0+1) + (2+3), then the two lanes.
fn nehalem_body(x: &[f64], y: &[f64]) -> f64 {
    let mut lane = [0.0f64; 8];
    for (c, (a, b)) in x.iter().zip(y).enumerate() {
        lane[c % 8] += a * b;
    }
    let pair = |l: usize| (lane[l] + lane[l + 2]) + (lane[l + 4] + lane[l + 6]);
    pair(0) + pair(1)
}

/// `ddot_microk_sandy-2.c`: sixteen per step into four registers of four lanes (term `c` in
/// lane `c mod 16`), plain; each register's halves added, registers (0+1) + (2+3), then the
/// two lanes.
fn sandy_body(x: &[f64], y: &[f64]) -> f64 {
    let mut lane = [0.0f64; 16];
    for (c, (a, b)) in x.iter().zip(y).enumerate() {
        lane[c % 16] += a * b;
    }
    let half = |r: usize, l: usize| lane[4 * r + l] + lane[4 * r + l + 2];
    let pair = |l: usize| (half(0, l) + half(1, l)) + (half(2, l) + half(3, l));
    pair(0) + pair(1)
}

/// `ddot_microk_haswell-2.c`: sixteen FMA lanes (four registers of four), reduced pairwise.
fn haswell_body(x: &[f64], y: &[f64]) -> f64 {
    let mut lane = [0.0f64; 16];
    for (c, (a, b)) in x.iter().zip(y).enumerate() {
        lane[c % 16] = a.mul_add(*b, lane[c % 16]);
    }
    let half = |o: usize| {
        ((lane[o] + lane[o + 2]) + (lane[o + 4] + lane[o + 6]))
            + ((lane[o + 8] + lane[o + 10]) + (lane[o + 12] + lane[o + 14]))
    };
    half(0) + half(1)
}

/// `ddot_microk_skylakex-2.c`: blocks of 32 into four AVX-512 registers (term `c` in lane
/// `c mod 32`, FMA), each folded to four lanes (low half + high half); the remaining block of
/// 16 into those four AVX2 registers (lane `c mod 16`, FMA); then registers
/// ((0+1)+2)+3, halves, lanes.
fn skylakex_body(x: &[f64], y: &[f64]) -> f64 {
    let n32 = x.len() & !31;
    let mut wide = [0.0f64; 32];
    for c in 0..n32 {
        wide[c % 32] = x[c].mul_add(y[c], wide[c % 32]);
    }
    let mut acc = [[0.0f64; 4]; 4];
    for (r, reg) in acc.iter_mut().enumerate() {
        for (l, v) in reg.iter_mut().enumerate() {
            *v = wide[8 * r + l] + wide[8 * r + l + 4];
        }
    }
    for c in n32..x.len() {
        let (r, l) = ((c % 16) / 4, c % 4);
        acc[r][l] = x[c].mul_add(y[c], acc[r][l]);
    }
    let sum: [f64; 4] = std::array::from_fn(|l| ((acc[0][l] + acc[1][l]) + acc[2][l]) + acc[3][l]);
    (sum[0] + sum[2]) + (sum[1] + sum[3])
}

/// `dot_sse2.S` for 16-byte aligned `x` and `y` (NumPy's allocations are): term `c` in lane
/// `c mod 8` over blocks of 16, then a block of 8 the same, a block of 4 in lanes 0–3, of 2
/// in lanes 0–1, a last term in lane 0; registers (0+1) + (2+3), then the two lanes.
fn dot_sse2(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    let mut lane = [0.0f64; 8];
    let mut c = 0;
    let mut block = |c: &mut usize, len: usize| {
        for l in 0..len {
            lane[l] += x[*c + l] * y[*c + l];
        }
        *c += len;
    };
    for _ in 0..n / 16 {
        block(&mut c, 8);
        block(&mut c, 8);
    }
    for len in [8, 4, 2, 1] {
        if n & len != 0 {
            block(&mut c, len);
        }
    }
    let pair = |l: usize| (lane[l] + lane[l + 2]) + (lane[l + 4] + lane[l + 6]);
    pair(0) + pair(1)
}
