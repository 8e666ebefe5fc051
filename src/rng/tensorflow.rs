//! TensorFlow's stateful `tf.random.normal` after `tf.random.set_seed(g)` in eager mode,
//! reproduced bit for bit (TensorFlow 2.19.0 on Linux x86-64, float32).
//!
//! Seeds (tensorflow/python/framework/random_seed.py, python/eager/context.py):
//! `set_seed(g)` makes `random.Random(g)` (g untruncated); every random op without its own
//! seed takes `op = rng.randint(0, 2**31 - 1)`; the kernel gets
//! `(g % (2**31 - 1), op % (2**31 - 1))`, and `(0, 0)` becomes `(0, 2**31 - 1)` because the
//! kernels read `(0, 0)` as "seed from the clock".
//!
//! Kernel (core/lib/random/philox_random.h, random_distributions.h): Philox4x32-10 with key
//! `(seed lo, seed hi)` and counter `(0, 0, seed2 lo, seed2 hi)`; each 128-bit output makes four
//! floats by two Box–Muller pairs, elements in order, a partial last group truncated.
//! The float Box–Muller takes `2.0f * M_PI` as a double product, and glibc's `logf`, `sqrtf`
//! and `sincosf`; Rust's `f32::ln`, `sqrt`, `sin`, `cos` call the same glibc functions on
//! Linux (glibc's `sincosf` shares `sinf`/`cosf`'s code), which the known-answer tests check.

use super::cpython::CpythonRandom;

const MAXINT32: i64 = (1 << 31) - 1;

/// `random_seed._truncate_seed`: Python's `%`, so the result is in `0..2**31 - 1`.
fn truncate_seed(seed: i128) -> u64 {
    seed.rem_euclid(MAXINT32 as i128) as u64
}

/// The global random state `tf.random.set_seed(g)` starts, handing out op seeds in order.
pub struct TfRandom {
    global_seed: u64,
    op_seeds: CpythonRandom,
}

impl TfRandom {
    /// `tf.random.set_seed(seed)`.
    pub fn new(seed: u64) -> TfRandom {
        TfRandom {
            global_seed: truncate_seed(seed as i128),
            op_seeds: CpythonRandom::new(seed as i128),
        }
    }

    /// `random_seed.get_seed(None)` in eager mode: the `(seed, seed2)` pair the next random op
    /// passes to its kernel.
    pub fn next_op_seeds(&mut self) -> (u64, u64) {
        let op_seed = self.op_seeds.randint(0, MAXINT32);
        kernel_seeds(self.global_seed, op_seed as u64)
    }

    /// `tf.random.normal(shape)` (mean 0, stddev 1, float32), values row-major.
    pub fn normal(&mut self, shape: &[usize]) -> Vec<f32> {
        let (seed, seed2) = self.next_op_seeds();
        normal_from_kernel_seeds(seed, seed2, shape)
    }

    /// `tf.random.normal(shape, seed=op_seed)`: an explicit op seed takes nothing from the
    /// op-seed stream.
    pub fn normal_with_op_seed(&self, shape: &[usize], op_seed: u64) -> Vec<f32> {
        let (seed, seed2) = kernel_seeds(self.global_seed, op_seed);
        normal_from_kernel_seeds(seed, seed2, shape)
    }
}

/// `get_seed`'s last step: both seeds truncated, and `(0, 0)` avoided.
fn kernel_seeds(global_seed: u64, op_seed: u64) -> (u64, u64) {
    match (global_seed, truncate_seed(op_seed as i128)) {
        (0, 0) => (0, MAXINT32 as u64),
        seeds => seeds,
    }
}

/// The `RandomStandardNormal` kernel's float output for attributes `seed`, `seed2`, then
/// `* stddev + mean` with stddev 1 and mean 0.
fn normal_from_kernel_seeds(seed: u64, seed2: u64, shape: &[usize]) -> Vec<f32> {
    let mut philox = Philox4x32::new(seed, seed2);
    let size: usize = shape.iter().product();
    let mut out = Vec::with_capacity(size + 3);
    while out.len() < size {
        let x = philox.next_block();
        let (a, b) = box_muller(x[0], x[1]);
        let (c, d) = box_muller(x[2], x[3]);
        out.extend_from_slice(&[a, b, c, d]);
    }
    out.truncate(size);
    // `tf.random.normal` is `random_standard_normal(...) * stddev + mean`; `* 1 + 0` keeps
    // every value except that it turns a -0.0 into +0.0, so do it too.
    out.iter().map(|v| v * 1.0f32 + 0.0f32).collect()
}

/// Philox4x32-10 (Salmon et al. 2011) as TensorFlow's `PhiloxRandom` runs it.
pub struct Philox4x32 {
    counter: [u32; 4],
    key: [u32; 2],
}

impl Philox4x32 {
    const M_A: u32 = 0xD251_1F53;
    const M_B: u32 = 0xCD9E_8D57;
    const W_A: u32 = 0x9E37_79B9;
    const W_B: u32 = 0xBB67_AE85;

    /// `PhiloxRandom(seed_lo, seed_hi)`: the first seed is the key, the second the upper half
    /// of the counter.
    pub fn new(seed: u64, seed2: u64) -> Philox4x32 {
        Philox4x32 {
            counter: [0, 0, seed2 as u32, (seed2 >> 32) as u32],
            key: [seed as u32, (seed >> 32) as u32],
        }
    }

    /// The next 128-bit output; the counter then advances by one.
    pub fn next_block(&mut self) -> [u32; 4] {
        let mut c = self.counter;
        let mut k = self.key;
        for round in 0..10 {
            if round > 0 {
                k[0] = k[0].wrapping_add(Self::W_A);
                k[1] = k[1].wrapping_add(Self::W_B);
            }
            let p0 = (Self::M_A as u64) * (c[0] as u64);
            let p1 = (Self::M_B as u64) * (c[2] as u64);
            c = [
                (p1 >> 32) as u32 ^ c[1] ^ k[0],
                p1 as u32,
                (p0 >> 32) as u32 ^ c[3] ^ k[1],
                p0 as u32,
            ];
        }
        for word in self.counter.iter_mut() {
            *word = word.wrapping_add(1);
            if *word != 0 {
                break;
            }
        }
        c
    }
}

/// `Uint32ToFloat`: 23 random mantissa bits in [1, 2), minus one.
fn uint32_to_float(x: u32) -> f32 {
    f32::from_bits(0x3f80_0000 | (x & 0x7f_ffff)) - 1.0
}

/// `BoxMullerFloat` (Linux branch, with `sincosf`).
fn box_muller(x0: u32, x1: u32) -> (f32, f32) {
    let u1 = uint32_to_float(x0).max(1.0e-7);
    // `2.0f * M_PI * u` is evaluated in double (M_PI is a double), then stored as a float.
    let v1 = (2.0 * std::f64::consts::PI * uint32_to_float(x1) as f64) as f32;
    let u2 = (-2.0f32 * u1.ln()).sqrt();
    (v1.sin() * u2, v1.cos() * u2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_matches_the_published_known_answers() {
        // Random123's kat_vectors for philox4x32_10 (also in TensorFlow's philox tests).
        let mut p = Philox4x32 {
            counter: [0; 4],
            key: [0; 2],
        };
        assert_eq!(
            p.next_block(),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        let mut p = Philox4x32 {
            counter: [u32::MAX; 4],
            key: [u32::MAX; 2],
        };
        assert_eq!(
            p.next_block(),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        let mut p = Philox4x32 {
            counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            key: [0xa4093822, 0x299f31d0],
        };
        assert_eq!(
            p.next_block(),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn counter_carries_across_words() {
        let mut p = Philox4x32::new(0, 0);
        p.counter = [u32::MAX, 7, 0, 0];
        p.next_block();
        assert_eq!(p.counter, [0, 8, 0, 0]);
    }
}
