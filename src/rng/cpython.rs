//! CPython's `random` module (Modules/_randommodule.c, Lib/random.py): MT19937 seeded by
//! `init_by_array` over the 32-bit words of |n|, with `getrandbits`, `_randbelow`,
//! `choice` and `randint` on top, exactly as CPython 3.11 draws them.
//!
//! Notebook 003 draws its samples with `random.choice([0, 1])`; TensorFlow draws its op seeds
//! with `random.Random(global_seed).randint(0, 2**31 - 1)`.

use rand_mt::Mt;

/// `random.Random(seed)`.
pub struct CpythonRandom {
    mt: Mt,
}

impl CpythonRandom {
    /// `random.seed(n)` for an int `n`: the key is |n| as little-endian 32-bit words
    /// (one zero word for 0).
    pub fn new(seed: i128) -> CpythonRandom {
        let mut n = seed.unsigned_abs();
        let mut key = Vec::new();
        while n > 0 {
            key.push(n as u32);
            n >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        CpythonRandom {
            mt: Mt::new_with_key(key),
        }
    }

    /// `genrand_uint32()`.
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// `getrandbits(k)` for 1 ≤ k ≤ 64: whole words fill from the least significant end; a
    /// partial word keeps the top bits of its draw.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        assert!((1..=64).contains(&k), "getrandbits supports 1..=64 bits");
        if k <= 32 {
            return (self.next_u32() >> (32 - k)) as u64;
        }
        let low = self.next_u32() as u64;
        let high = (self.next_u32() >> (64 - k)) as u64;
        low | (high << 32)
    }

    /// `_randbelow(n)`: rejection sampling on `getrandbits(n.bit_length())`.
    pub fn randbelow(&mut self, n: u64) -> u64 {
        assert!(n > 0, "randbelow needs n > 0");
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `choice(items)`.
    pub fn choice<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.randbelow(items.len() as u64) as usize]
    }

    /// `randint(a, b)`, both ends included.
    pub fn randint(&mut self, a: i64, b: i64) -> i64 {
        a + self.randbelow((b - a + 1) as u64) as i64
    }

    /// `random()`: a 53-bit double in [0, 1).
    pub fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
    }
}
