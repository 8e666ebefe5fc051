//! NumPy's legacy `RandomState` (numpy/random/mtrand.pyx, src/legacy/legacy-distributions.c),
//! as `np.random.seed(s)` and `np.random.randn(...)` draw in notebooks 002 and 004.
//!
//! `seed(s)` for an int is MT19937 `init_genrand(s)`, not CPython's `init_by_array`, and
//! resets the kept Gaussian. `randn` is the polar Box–Muller method, which makes two normals
//! per accepted pair and keeps the second for the next call, so an odd-sized draw (or
//! `W1` then `W2`) shifts every later value by one: the kept value must carry over.

use rand_mt::Mt;

/// `np.random.RandomState(seed)`, the generator behind `np.random.seed` / `np.random.randn`.
pub struct RandomState {
    mt: Mt,
    /// The second normal of the last accepted pair, not yet returned.
    gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.seed(seed)` for an int seed (NumPy accepts 0 ≤ seed < 2³²).
    pub fn new(seed: u32) -> RandomState {
        RandomState {
            mt: Mt::new(seed),
            gauss: None,
        }
    }

    /// `mt19937_next_double`: a 53-bit double in [0, 1) from two 32-bit draws (27 + 26 bits).
    pub fn legacy_double(&mut self) -> f64 {
        let a = (self.mt.next_u32() >> 5) as f64;
        let b = (self.mt.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) / 9007199254740992.0
    }

    /// `legacy_gauss`: one standard normal.
    pub fn legacy_gauss(&mut self) -> f64 {
        if let Some(kept) = self.gauss.take() {
            return kept;
        }
        let (x1, x2, r2) = loop {
            let x1 = 2.0 * self.legacy_double() - 1.0;
            let x2 = 2.0 * self.legacy_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                break (x1, x2, r2);
            }
        };
        // Rust's `ln` is the platform libm `log`, which NumPy's C code calls too.
        let f = (-2.0 * r2.ln() / r2).sqrt();
        self.gauss = Some(f * x1);
        f * x2
    }

    /// `randn(*shape)`: standard normals filling `shape` row-major.
    pub fn randn(&mut self, shape: &[usize]) -> Vec<f64> {
        let n = shape.iter().product();
        (0..n).map(|_| self.legacy_gauss()).collect()
    }
}
