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

use rand_mt::Mt;
use tch::{Device, Kind, Tensor};

/// A `torch.Generator()` on the CPU, for what tch cannot draw from anything but the global
/// generator: `torch.randperm(n, generator=g)`.
pub struct Generator {
    /// The 32-bit Mersenne Twister libtorch's CPU generator runs (`at::mt19937`).
    mt: Mt,
}

impl Generator {
    /// `g = torch.Generator(); g.manual_seed(seed)` (libtorch keeps the seed's low 32 bits).
    pub fn manual_seed(seed: u64) -> Generator {
        Generator {
            mt: Mt::new(seed as u32),
        }
    }

    /// `torch.randperm(n, generator=g)` as an int64 tensor: ATen's CPU `randperm` for
    /// `n < 2³²/20`, a Fisher–Yates pass swapping position `i` with `i + random() % (n − i)`.
    ///
    /// Panics for larger `n`, where ATen switches to another algorithm this does not port.
    pub fn randperm(&mut self, n: i64) -> Tensor {
        Tensor::from_slice(&self.randperm_vec(n))
    }

    fn randperm_vec(&mut self, n: i64) -> Vec<i64> {
        assert!(
            (0..i64::from(u32::MAX / 20)).contains(&n),
            "randperm({n}): only n < 2^32/20 is ported (ATen's small-n algorithm)"
        );
        let mut r: Vec<i64> = (0..n).collect();
        for i in 0..n.saturating_sub(1) {
            let z = i64::from(self.mt.next_u32()) % (n - i);
            r.swap(i as usize, (z + i) as usize);
        }
        r
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
        let _base_seed = global_seed();
        if !self.shuffle {
            return (0..self.len).collect();
        }
        let seed = global_seed();
        Generator::manual_seed(seed as u64).randperm_vec(self.len)
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
