//! A `torch.utils.data.DataLoader`'s mini-batches, drawn as PyTorch draws them, for a tch port.
//!
//! What an epoch of `for xb, yb in DataLoader(ds, batch_size, shuffle=True)` draws, from
//! `torch/utils/data/dataloader.py` and `sampler.py` (PyTorch 2.13.0, one process, no
//! `generator=`), measured against PyTorch in port/tests/porting.rs:
//! 1. `iter(loader)` draws the iterator's `_base_seed`: `torch.empty((), dtype=torch.int64)
//!    .random_()` on the global generator, **with or without shuffling**;
//! 2. the first batch starts `RandomSampler.__iter__`, which draws its seed the same way, then
//!    takes `torch.randperm(n, generator=g)` on a fresh `torch.Generator` seeded with it.
//!
//! So every epoch advances the global generator by two `int64` draws (one without shuffling),
//! and the order comes from a generator tch cannot make: tch's `Tensor::randperm` and
//! `Iter2::shuffle` draw the permutation from the global generator itself, so both the order
//! and every later draw (dropout, init) part from the notebook's (docs/PORTING.md).
//! [`DataLoader`] makes the global draws through libtorch and the permutation with
//! [`Generator`], libtorch's mt19937 and `randperm` CPU algorithm in Rust.
//!
//! The samplers of `sampler.py` ([`RandomSampler`], [`SubsetRandomSampler`],
//! [`WeightedRandomSampler`], [`BatchSampler`]), `dataset.py`'s [`random_split`] and
//! `DataLoader(generator=g)` ([`DataLoader::generator`]) draw as PyTorch draws them too: from
//! the global generator through libtorch where PyTorch draws from it, and from a
//! [`Generator`] where PyTorch draws from a `torch.Generator`.

use rand_mt::Mt;
use std::cell::RefCell;
use std::rc::Rc;
use tch::{Device, Kind, Tensor};

/// A `torch.Generator()` on the CPU, for what tch cannot draw from anything but the global
/// generator: `torch.randperm(n, generator=g)`, `torch.randint(high, size, generator=g)`,
/// `torch.multinomial(w, n, True, generator=g)`, `torch.empty((), dtype=torch.int64)
/// .random_(generator=g)`.
///
/// Clones share one state, as Python's references to one `torch.Generator` do: a loader and
/// its sampler given the same `g` draw from it in turn.
#[derive(Clone, Debug)]
pub struct Generator {
    /// The 32-bit Mersenne Twister libtorch's CPU generator runs (`at::mt19937`).
    mt: Rc<RefCell<Mt>>,
}

/// `torch.Generator()`'s seed when none is given (`default_rng_seed_val` in libtorch).
pub const DEFAULT_SEED: u64 = 67280421310721;

impl Default for Generator {
    /// `torch.Generator()`: seeded with [`DEFAULT_SEED`].
    fn default() -> Generator {
        Generator::manual_seed(DEFAULT_SEED)
    }
}

impl Generator {
    /// `g = torch.Generator(); g.manual_seed(seed)` (libtorch keeps the seed's low 32 bits).
    pub fn manual_seed(seed: u64) -> Generator {
        Generator {
            mt: Rc::new(RefCell::new(Mt::new(seed as u32))),
        }
    }

    /// `CPUGeneratorImpl::random()`: the engine's next 32 bits.
    fn random(&self) -> u32 {
        self.mt.borrow_mut().next_u32()
    }

    /// `CPUGeneratorImpl::random64()`: two draws, the first the high half.
    fn random64(&self) -> u64 {
        let hi = self.random();
        let lo = self.random();
        (u64::from(hi) << 32) | u64::from(lo)
    }

    /// `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: `random64() % 2⁶³`.
    pub fn random_int64(&self) -> i64 {
        (self.random64() % (1u64 << 63)) as i64
    }

    /// `torch.randint(high, (size,), generator=g).tolist()` (int64): ATen's
    /// `random_from_to` on the CPU, `random() % high` element by element, for `high < 2³²`.
    ///
    /// Panics for `high` out of `1..2³²` (ATen draws 64 bits from there on; not ported).
    pub fn randint(&self, high: i64, size: usize) -> Vec<i64> {
        assert!(
            (1..=i64::from(u32::MAX)).contains(&high),
            "randint({high}): only 0 < high < 2^32 is ported"
        );
        (0..size).map(|_| i64::from(self.random()) % high).collect()
    }

    /// `torch.randperm(n, generator=g)` as an int64 tensor: ATen's CPU `randperm` for
    /// `n < 2³²/20`, a Fisher–Yates pass swapping position `i` with `i + random() % (n − i)`.
    ///
    /// Panics for larger `n`, where ATen switches to another algorithm this does not port.
    pub fn randperm(&mut self, n: i64) -> Tensor {
        Tensor::from_slice(&self.randperm_vec(n))
    }

    /// [`Generator::randperm`] as a `Vec`.
    pub fn randperm_vec(&self, n: i64) -> Vec<i64> {
        assert!(
            (0..i64::from(u32::MAX / 20)).contains(&n),
            "randperm({n}): only n < 2^32/20 is ported (ATen's small-n algorithm)"
        );
        let mut r: Vec<i64> = (0..n).collect();
        for i in 0..n.saturating_sub(1) {
            let z = i64::from(self.random()) % (n - i);
            r.swap(i as usize, (z + i) as usize);
        }
        r
    }

    /// `torch.multinomial(weights, num_samples, replacement=True, generator=g).tolist()`
    /// for float64 weights (what `WeightedRandomSampler` makes of its weights), ATen's CPU
    /// `multinomial_with_replacement`: the cumulative sum divided by the total, its last
    /// bucket set to 1, then per sample a binary search for a uniform double
    /// (`(random64() & (2⁵³ − 1)) · 2⁻⁵³`).
    ///
    /// Panics for `num_samples < 2`: ATen draws one sample, like every draw without
    /// replacement, through `exponential_` (not ported).
    pub fn multinomial(&self, weights: &[f64], num_samples: usize) -> Vec<i64> {
        assert!(
            num_samples >= 2,
            "multinomial with generator=: one sample is drawn through exponential_, not ported"
        );
        assert!(
            !weights.is_empty() && weights.iter().all(|w| *w >= 0.0 && w.is_finite()),
            "multinomial: weights must be finite, non-negative and at least one"
        );
        let mut cum = Vec::with_capacity(weights.len());
        let mut sum = 0.0f64;
        for w in weights {
            sum += w;
            cum.push(sum);
        }
        assert!(sum > 0.0, "multinomial: the weights sum to 0");
        for c in cum.iter_mut() {
            *c /= sum;
        }
        let last = cum.len() - 1;
        cum[last] = 1.0;
        (0..num_samples)
            .map(|_| {
                let u = (self.random64() & ((1u64 << 53) - 1)) as f64 * (2.0f64).powi(-53);
                let (mut left, mut right) = (0usize, cum.len());
                while right > left {
                    let mid = left + (right - left) / 2;
                    if cum[mid] < u {
                        left = mid + 1;
                    } else {
                        right = mid;
                    }
                }
                left as i64
            })
            .collect()
    }
}

/// `torch.empty((), dtype=torch.int64).random_().item()` on the global generator.
fn global_seed() -> i64 {
    Tensor::empty([0i64; 0], (Kind::Int64, Device::Cpu))
        .random_()
        .int64_value(&[])
}

/// `torch.utils.data.DataLoader(dataset, batch_size, shuffle, drop_last)` over a map-style
/// dataset of `len` rows (a `TensorDataset`), in the main process: the rows of each batch, in
/// order, drawn as PyTorch draws them.
///
/// ```ignore
/// // DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
/// let loader = DataLoader::new(x.size()[0], 32).shuffle(true);
/// for epoch in 0..epochs {
///     for (xb, yb) in loader.iter2(&x, &y) {
///         // …
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct DataLoader {
    len: i64,
    batch_size: i64,
    shuffle: bool,
    drop_last: bool,
    generator: Option<Generator>,
}

impl DataLoader {
    /// `DataLoader(dataset, batch_size=batch_size)` for a dataset of `len` rows: in order,
    /// the last batch smaller when `batch_size` does not divide `len`.
    pub fn new(len: i64, batch_size: i64) -> DataLoader {
        assert!(
            len > 0 && batch_size > 0,
            "a DataLoader needs rows and a positive batch size"
        );
        DataLoader {
            len,
            batch_size,
            shuffle: false,
            drop_last: false,
            generator: None,
        }
    }

    /// `shuffle=shuffle`.
    pub fn shuffle(mut self, shuffle: bool) -> DataLoader {
        self.shuffle = shuffle;
        self
    }

    /// `drop_last=drop_last`.
    pub fn drop_last(mut self, drop_last: bool) -> DataLoader {
        self.drop_last = drop_last;
        self
    }

    /// `generator=g`: the iterator's `_base_seed` is drawn from `g`, not the global
    /// generator, and with `shuffle` the `RandomSampler(generator=g)` takes its permutation
    /// from `g` itself (no seed drawn): an epoch leaves the global generator untouched.
    pub fn generator(mut self, generator: Generator) -> DataLoader {
        self.generator = Some(generator);
        self
    }

    /// `len(loader)`: batches per epoch.
    pub fn len(&self) -> usize {
        let full = self.len / self.batch_size;
        let partial = !self.drop_last && self.len % self.batch_size != 0;
        (full + i64::from(partial)) as usize
    }

    /// Whether an epoch has no batch (`drop_last` with fewer rows than a batch).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row order of one epoch, making the epoch's draws on the global generator now.
    fn order(&self) -> Vec<i64> {
        let _base_seed = match &self.generator {
            Some(g) => g.random_int64(),
            None => global_seed(),
        };
        if !self.shuffle {
            return (0..self.len).collect();
        }
        RandomSampler::new(self.len)
            .with_generator(self.generator.clone())
            .indices()
    }

    /// One epoch, `iter(loader)`: each batch's row indices (int64). Makes the epoch's draws
    /// on the global generator when called, as `for … in loader` makes them before its
    /// first batch.
    pub fn iter(&self) -> std::vec::IntoIter<Tensor> {
        let order = self.order();
        order
            .chunks(self.batch_size as usize)
            .filter(|batch| !self.drop_last || batch.len() == self.batch_size as usize)
            .map(Tensor::from_slice)
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// One epoch over `TensorDataset(xs, ys)`: each batch's rows of both, as the default
    /// collate stacks them. Draws as [`DataLoader::iter`].
    pub fn iter2<'a>(
        &self,
        xs: &'a Tensor,
        ys: &'a Tensor,
    ) -> impl Iterator<Item = (Tensor, Tensor)> + 'a {
        self.iter()
            .map(move |rows| (xs.index_select(0, &rows), ys.index_select(0, &rows)))
    }
}

/// A sampler of `torch/utils/data/sampler.py`: the indices one epoch yields.
pub trait Sampler {
    /// `list(iter(sampler))`: one epoch's indices, making the epoch's draws now (Python
    /// makes them at the first index, before anything else is drawn).
    fn indices(&mut self) -> Vec<i64>;
    /// `len(sampler)`.
    fn len(&self) -> usize;
    /// Whether an epoch yields nothing.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `RandomSampler(data_source, replacement=False, num_samples=None, generator=None)` over a
/// dataset of `n` rows.
///
/// Without a generator each epoch draws a seed from the global generator
/// (`torch.empty((), dtype=torch.int64).random_()`) and draws from a fresh
/// `torch.Generator` seeded with it; with one, from that generator. Without replacement an
/// epoch is `num_samples // n` permutations and the first `num_samples % n` of one more
/// (drawn even when that is none); with replacement, `torch.randint(n, (32,))` per 32
/// samples and one for the rest.
#[derive(Debug, Clone)]
pub struct RandomSampler {
    n: i64,
    replacement: bool,
    num_samples: Option<usize>,
    generator: Option<Generator>,
}

impl RandomSampler {
    /// `RandomSampler(data_source)` with `len(data_source) == n`.
    pub fn new(n: i64) -> RandomSampler {
        assert!(n > 0, "RandomSampler: a dataset of {n} rows");
        RandomSampler {
            n,
            replacement: false,
            num_samples: None,
            generator: None,
        }
    }

    /// `replacement=replacement`.
    pub fn replacement(mut self, replacement: bool) -> RandomSampler {
        self.replacement = replacement;
        self
    }

    /// `num_samples=num_samples` (default `n`).
    pub fn num_samples(mut self, num_samples: usize) -> RandomSampler {
        assert!(
            num_samples > 0,
            "num_samples should be a positive integer value, but got num_samples=0"
        );
        self.num_samples = Some(num_samples);
        self
    }

    /// `generator=g`.
    pub fn generator(self, generator: Generator) -> RandomSampler {
        self.with_generator(Some(generator))
    }

    fn with_generator(mut self, generator: Option<Generator>) -> RandomSampler {
        self.generator = generator;
        self
    }
}

impl Sampler for RandomSampler {
    fn indices(&mut self) -> Vec<i64> {
        let g = match &self.generator {
            Some(g) => g.clone(),
            None => Generator::manual_seed(global_seed() as u64),
        };
        let (n, num_samples) = (self.n, self.len());
        let mut out = Vec::with_capacity(num_samples);
        if self.replacement {
            for _ in 0..num_samples / 32 {
                out.extend(g.randint(n, 32));
            }
            out.extend(g.randint(n, num_samples % 32));
        } else {
            for _ in 0..num_samples / n as usize {
                out.extend(g.randperm_vec(n));
            }
            let last = g.randperm_vec(n);
            out.extend_from_slice(&last[..num_samples % n as usize]);
        }
        out
    }

    fn len(&self) -> usize {
        self.num_samples.unwrap_or(self.n as usize)
    }
}

/// `SubsetRandomSampler(indices, generator=None)`: `indices` in the order of
/// `torch.randperm(len(indices), generator=generator)`, drawn each epoch (without a
/// generator from the global one, as tch's `Tensor::randperm` draws).
#[derive(Debug, Clone)]
pub struct SubsetRandomSampler {
    indices: Vec<i64>,
    generator: Option<Generator>,
}

impl SubsetRandomSampler {
    /// `SubsetRandomSampler(indices)`.
    pub fn new(indices: Vec<i64>) -> SubsetRandomSampler {
        SubsetRandomSampler {
            indices,
            generator: None,
        }
    }

    /// `generator=g`.
    pub fn generator(mut self, generator: Generator) -> SubsetRandomSampler {
        self.generator = Some(generator);
        self
    }
}

impl Sampler for SubsetRandomSampler {
    fn indices(&mut self) -> Vec<i64> {
        let order = randperm(self.indices.len() as i64, self.generator.as_ref());
        order.iter().map(|&i| self.indices[i as usize]).collect()
    }

    fn len(&self) -> usize {
        self.indices.len()
    }
}

/// `torch.randperm(n, generator=generator)`: the global generator's through libtorch, or
/// `generator`'s.
fn randperm(n: i64, generator: Option<&Generator>) -> Vec<i64> {
    match generator {
        Some(g) => g.randperm_vec(n),
        None => Vec::<i64>::try_from(&Tensor::randperm(n, (Kind::Int64, Device::Cpu)))
            .expect("randperm gives int64"),
    }
}

/// `WeightedRandomSampler(weights, num_samples, replacement=True, generator=None)`: each
/// epoch `torch.multinomial(torch.as_tensor(weights, dtype=torch.double), num_samples,
/// replacement, generator=generator)`. Without a generator libtorch draws it from the
/// global generator (any `replacement`); with one, [`Generator::multinomial`] draws it,
/// with replacement and two samples or more (panics otherwise: not ported).
#[derive(Debug, Clone)]
pub struct WeightedRandomSampler {
    weights: Vec<f64>,
    num_samples: usize,
    replacement: bool,
    generator: Option<Generator>,
}

impl WeightedRandomSampler {
    /// `WeightedRandomSampler(weights, num_samples)` (with replacement).
    pub fn new(weights: Vec<f64>, num_samples: usize) -> WeightedRandomSampler {
        assert!(
            num_samples > 0,
            "num_samples should be a positive integer value, but got num_samples=0"
        );
        WeightedRandomSampler {
            weights,
            num_samples,
            replacement: true,
            generator: None,
        }
    }

    /// `replacement=replacement`.
    pub fn replacement(mut self, replacement: bool) -> WeightedRandomSampler {
        self.replacement = replacement;
        self
    }

    /// `generator=g`.
    pub fn generator(mut self, generator: Generator) -> WeightedRandomSampler {
        self.generator = Some(generator);
        self
    }
}

impl Sampler for WeightedRandomSampler {
    fn indices(&mut self) -> Vec<i64> {
        match &self.generator {
            Some(g) => {
                assert!(
                    self.replacement,
                    "WeightedRandomSampler(replacement=False, generator=g): drawn through                      exponential_, not ported"
                );
                g.multinomial(&self.weights, self.num_samples)
            }
            None => {
                let w = Tensor::from_slice(&self.weights);
                let drawn = w.multinomial(self.num_samples as i64, self.replacement);
                Vec::<i64>::try_from(&drawn).expect("multinomial gives int64")
            }
        }
    }

    fn len(&self) -> usize {
        self.num_samples
    }
}

/// `BatchSampler(sampler, batch_size, drop_last)`: the sampler's indices of one epoch in
/// batches of `batch_size`, the last smaller unless `drop_last`.
#[derive(Debug, Clone)]
pub struct BatchSampler<S> {
    sampler: S,
    batch_size: usize,
    drop_last: bool,
}

impl<S: Sampler> BatchSampler<S> {
    /// `BatchSampler(sampler, batch_size, drop_last)`.
    pub fn new(sampler: S, batch_size: usize, drop_last: bool) -> BatchSampler<S> {
        assert!(
            batch_size > 0,
            "batch_size should be a positive integer value, but got batch_size=0"
        );
        BatchSampler {
            sampler,
            batch_size,
            drop_last,
        }
    }

    /// `list(iter(batch_sampler))`: one epoch's batches, drawing as the sampler draws.
    pub fn batches(&mut self) -> Vec<Vec<i64>> {
        self.sampler
            .indices()
            .chunks(self.batch_size)
            .filter(|b| !self.drop_last || b.len() == self.batch_size)
            .map(<[i64]>::to_vec)
            .collect()
    }

    /// `len(batch_sampler)`.
    pub fn len(&self) -> usize {
        let n = self.sampler.len();
        match self.drop_last {
            true => n / self.batch_size,
            false => n.div_ceil(self.batch_size),
        }
    }

    /// Whether an epoch has no batch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `torch.utils.data.random_split(dataset, lengths, generator)` over a dataset of
/// `lengths.iter().sum()` rows: each `Subset`'s indices, in order, from one
/// `torch.randperm(sum(lengths), generator=generator)` (without a generator the global one's,
/// `default_generator`, through libtorch).
pub fn random_split(lengths: &[usize], generator: Option<&Generator>) -> Vec<Vec<i64>> {
    let n: usize = lengths.iter().sum();
    let order = randperm(n as i64, generator);
    let mut start = 0;
    lengths
        .iter()
        .map(|&len| {
            let subset = order[start..start + len].to_vec();
            start += len;
            subset
        })
        .collect()
}

/// The lengths `random_split(dataset, fractions)` makes of fractions that sum to 1 for a
/// dataset of `n` rows: `floor(n · fraction)` each, then the remainder handed out one by
/// one from the first. Panics, as PyTorch raises, for a fraction out of 0..=1 or fractions
/// that do not sum to 1 (`math.isclose`, and not above 1).
pub fn split_lengths(n: usize, fractions: &[f64]) -> Vec<usize> {
    let sum: f64 = fractions.iter().sum();
    assert!(
        (sum - 1.0).abs() <= 1e-9 * sum.abs().max(1.0) && sum <= 1.0,
        "random_split: the fractions sum to {sum}, not 1"
    );
    let mut lengths: Vec<usize> = fractions
        .iter()
        .enumerate()
        .map(|(i, &frac)| {
            assert!(
                (0.0..=1.0).contains(&frac),
                "Fraction at index {i} is not between 0 and 1"
            );
            (n as f64 * frac).floor() as usize
        })
        .collect();
    let remainder = n - lengths.iter().sum::<usize>();
    let k = lengths.len();
    for i in 0..remainder {
        lengths[i % k] += 1;
    }
    lengths
}
