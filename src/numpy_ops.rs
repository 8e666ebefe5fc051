//! A small NumPy-like float64 array for the hand-written backprop of notebooks 002 and 004, so
//! that an epoch reads like its notebook (`let hidden_input = dot(&x, &w1) + &b1;`) and rounds
//! as NumPy does, except inside libtorch's `exp` and matrix-product kernels (SPEC §3).
//!
//! The training loops' arrays have at most 40 elements, so calling libtorch for every
//! operation (~1.8 µs each) was nearly all of a run. Each operation now goes where its result
//! does not depend on who computes it, or else stays libtorch's:
//! - In Rust: element-wise arithmetic (`+ - * /`, negation, `** 2` as `x * x`, ReLU and its
//!   derivative), which is one correctly rounded IEEE operation per step and so the same bits in
//!   NumPy, libtorch and Rust; and the sums NumPy adds one element at a time (`sum_rows`,
//!   `mean`), in its index order.
//! - In Rust too: matrix products in which every element is a sum of at most two non-zero exact
//!   terms (`X @ W1` and `X.T @ dZ1` with the XOR input X of 0s and 1s; products with a single
//!   term), which any summation order rounds once, to the same value.
//! - In libtorch: `exp` (transcendental results depend on the implementation) and every other
//!   matrix product (the rounding depends on the summation order of its BLAS kernel), on
//!   tensors of the same shapes and memory layouts as the arrays, so the same kernels run.
//!
//! The last-bit difference to NumPy left is there: NumPy's `exp` and OpenBLAS products (4-lane
//! accumulators, FMA) against libtorch's.

use crate::xor;
use std::cell::RefCell;
use std::ops::{Add, Div, Mul, Neg, Sub, SubAssign};
use tch::{Device, Kind, Tensor};

/// A 2-D float64 array, row-major, as NumPy holds the notebooks' arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    data: Vec<f64>,
    rows: usize,
    cols: usize,
}

/// The notebook's four initial arrays, or `--init-from`'s values, checked and recorded as
/// stage `initial` (through `Config::initial_params`).
pub fn initial_arrays(
    cfg: &crate::experiments::Config,
    record: &mut crate::record::RunRecord,
    drawn: [(&str, Array); 4],
) -> anyhow::Result<[Array; 4]> {
    let drawn = drawn
        .into_iter()
        .map(|(name, a)| (name, a.to_tensor()))
        .collect();
    let params: Vec<Array> = cfg
        .initial_params(record, drawn)?
        .iter()
        .map(Array::from_tensor)
        .collect();
    Ok(params.try_into().expect("four parameters"))
}

/// A read-only 2-D view of an [`Array`]'s memory: the array itself, or its transpose (`.T`,
/// which NumPy and libtorch both take without copying).
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The viewed array's elements, row-major in the array's own shape.
    data: &'a [f64],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl Array {
    /// A `rows`×`cols` array of `data`, row-major.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Array {
        assert_eq!(
            data.len(),
            rows * cols,
            "{rows}×{cols} array from {} values",
            data.len()
        );
        Array { data, rows, cols }
    }

    /// `np.zeros((rows, cols))`.
    pub fn zeros(rows: usize, cols: usize) -> Array {
        Array::new(rows, cols, vec![0.0; rows * cols])
    }

    /// A 2-D float64 tensor's values.
    pub fn from_tensor(t: &Tensor) -> Array {
        let shape = crate::torch_init::shape(t);
        assert_eq!(shape.len(), 2, "a 2-D tensor, not {shape:?}");
        Array::new(shape[0], shape[1], crate::torch_init::values(t))
    }

    /// The array as a float64 tensor of the same shape.
    pub fn to_tensor(&self) -> Tensor {
        Tensor::from_slice(&self.data).reshape([self.rows as i64, self.cols as i64])
    }

    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The elements, row-major.
    pub fn values(&self) -> &[f64] {
        &self.data
    }

    /// The elements, row-major, as a new vector.
    pub fn to_vec(&self) -> Vec<f64> {
        self.data.clone()
    }

    /// `a[i].reshape(1, -1)`: row `i` as a 1×cols array.
    pub fn row(&self, i: usize) -> Array {
        Array::new(
            1,
            self.cols,
            self.data[i * self.cols..(i + 1) * self.cols].to_vec(),
        )
    }

    /// `a.T`, as a view.
    pub fn t(&self) -> View<'_> {
        View {
            data: &self.data,
            rows: self.cols,
            cols: self.rows,
            transposed: true,
        }
    }

    /// `f` applied to every element.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Array {
        Array::new(
            self.rows,
            self.cols,
            self.data.iter().map(|&v| f(v)).collect(),
        )
    }

    /// `f` applied to every element, in the array's own memory.
    fn map_into(mut self, f: impl Fn(f64) -> f64) -> Array {
        for v in &mut self.data {
            *v = f(*v);
        }
        self
    }

    /// `a ** 2`: NumPy (and libtorch) square by one multiplication, `a * a`.
    pub fn square(&self) -> Array {
        self.map(|v| v * v)
    }

    /// `np.sum(a, axis=0, keepdims=True)`: NumPy adds the rows in order, `((r0 + r1) + r2) + …`.
    pub fn sum_rows(&self) -> Array {
        let mut acc = self.row(0);
        for row in self.data.chunks(self.cols).skip(1) {
            for (a, v) in acc.data.iter_mut().zip(row) {
                *a += v;
            }
        }
        acc
    }

    /// `np.mean(a)` over every element: the elements added in order (NumPy's pairwise summation
    /// adds fewer than 8 elements one by one), then divided by their count.
    pub fn mean(&self) -> f64 {
        let n = self.data.len();
        assert!(
            n < 8,
            "NumPy sums 8 or more elements pairwise, not in order"
        );
        let mut acc = self.data[0];
        for v in &self.data[1..] {
            acc += v;
        }
        acc / n as f64
    }

    /// `self op rhs` element by element, with NumPy's broadcasting of a dimension of size 1.
    fn broadcast(&self, rhs: &Array, op: impl Fn(f64, f64) -> f64) -> Array {
        let rows = broadcast_dim(self.rows, rhs.rows, self, rhs);
        let cols = broadcast_dim(self.cols, rhs.cols, self, rhs);
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(op(self.broadcast_at(i, j), rhs.broadcast_at(i, j)));
            }
        }
        Array::new(rows, cols, data)
    }

    /// `self op rhs` in `self`'s memory when the result has `self`'s shape (saves an allocation).
    fn broadcast_into_lhs(mut self, rhs: &Array, op: impl Fn(f64, f64) -> f64) -> Array {
        if !rhs.broadcasts_to(self.shape()) {
            return self.broadcast(rhs, op);
        }
        for i in 0..self.rows {
            for j in 0..self.cols {
                let a = &mut self.data[i * self.cols + j];
                *a = op(*a, rhs.broadcast_at(i, j));
            }
        }
        self
    }

    /// `self op rhs` in `rhs`'s memory when the result has `rhs`'s shape.
    fn broadcast_into_rhs(&self, mut rhs: Array, op: impl Fn(f64, f64) -> f64) -> Array {
        if !self.broadcasts_to(rhs.shape()) {
            return self.broadcast(&rhs, op);
        }
        for i in 0..rhs.rows {
            for j in 0..rhs.cols {
                let b = &mut rhs.data[i * rhs.cols + j];
                *b = op(self.broadcast_at(i, j), *b);
            }
        }
        rhs
    }

    fn broadcasts_to(&self, (rows, cols): (usize, usize)) -> bool {
        (self.rows == rows || self.rows == 1) && (self.cols == cols || self.cols == 1)
    }

    fn broadcast_at(&self, i: usize, j: usize) -> f64 {
        let i = if self.rows == 1 { 0 } else { i };
        let j = if self.cols == 1 { 0 } else { j };
        self.data[i * self.cols + j]
    }
}

fn broadcast_dim(a: usize, b: usize, lhs: &Array, rhs: &Array) -> usize {
    match (a, b) {
        _ if a == b => a,
        (1, _) => b,
        (_, 1) => a,
        _ => panic!(
            "operands could not be broadcast together with shapes {:?} {:?}",
            lhs.shape(),
            rhs.shape()
        ),
    }
}

impl<'a> View<'a> {
    fn at(&self, i: usize, j: usize) -> f64 {
        if self.transposed {
            self.data[j * self.rows + i]
        } else {
            self.data[i * self.cols + j]
        }
    }

    /// Whether every entry is 0 or 1, with at most two 1s in each column (`per_column`, as a
    /// right operand's sums run) or in each row (as a left operand's).
    fn ones_at_most_two_per_sum(&self, per_column: bool) -> bool {
        let (sums, terms) = if per_column {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        };
        (0..sums).all(|s| {
            let mut ones = 0;
            for t in 0..terms {
                let v = if per_column {
                    self.at(t, s)
                } else {
                    self.at(s, t)
                };
                if v == 1.0 {
                    ones += 1;
                } else if v != 0.0 {
                    return false;
                }
            }
            ones <= 2
        })
    }
}

impl<'a> From<&'a Array> for View<'a> {
    fn from(a: &'a Array) -> View<'a> {
        View {
            data: &a.data,
            rows: a.rows,
            cols: a.cols,
            transposed: false,
        }
    }
}

/// Element-wise `+ - * /` between arrays (broadcasting) and with a scalar on either side, each
/// one IEEE operation in the written order.
macro_rules! elementwise {
    ($Trait:ident, $method:ident, $op:tt) => {
        impl $Trait<&Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                self.broadcast(rhs, |a, b| a $op b)
            }
        }
        impl $Trait<Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                self.broadcast_into_rhs(rhs, |a, b| a $op b)
            }
        }
        impl $Trait<&Array> for Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                self.broadcast_into_lhs(rhs, |a, b| a $op b)
            }
        }
        impl $Trait<Array> for Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                self $op &rhs
            }
        }
        impl $Trait<f64> for &Array {
            type Output = Array;
            fn $method(self, rhs: f64) -> Array {
                self.map(|a| a $op rhs)
            }
        }
        impl $Trait<f64> for Array {
            type Output = Array;
            fn $method(self, rhs: f64) -> Array {
                self.map_into(|a| a $op rhs)
            }
        }
        impl $Trait<&Array> for f64 {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                rhs.map(|b| self $op b)
            }
        }
        impl $Trait<Array> for f64 {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                rhs.map_into(|b| self $op b)
            }
        }
    };
}

elementwise!(Add, add, +);
elementwise!(Sub, sub, -);
elementwise!(Mul, mul, *);
elementwise!(Div, div, /);

impl Neg for &Array {
    type Output = Array;
    fn neg(self) -> Array {
        self.map(|v| -v)
    }
}

impl Neg for Array {
    type Output = Array;
    fn neg(self) -> Array {
        self.map_into(|v| -v)
    }
}

/// `w -= d`, in place: the result keeps `w`'s shape, as NumPy's in-place operators require.
impl SubAssign<&Array> for Array {
    fn sub_assign(&mut self, rhs: &Array) {
        assert!(
            rhs.broadcasts_to(self.shape()),
            "non-broadcastable output operand with shape {:?} doesn't match the broadcast shape",
            self.shape()
        );
        let lhs = std::mem::replace(self, Array::zeros(0, 0));
        *self = lhs.broadcast_into_lhs(rhs, |a, b| a - b);
    }
}

impl SubAssign<Array> for Array {
    fn sub_assign(&mut self, rhs: Array) {
        *self -= &rhs;
    }
}

/// The notebooks' `X` (4×2) and `Y` (4×1). They are integer arrays in NumPy, whose 0s and 1s
/// become float64 exactly where they meet the weights.
pub fn xor_int() -> (Array, Array) {
    let x = xor::INPUTS.iter().flatten().copied().collect();
    (Array::new(4, 2, x), Array::new(4, 1, xor::TARGETS.to_vec()))
}

/// `a @ b` or `np.dot(a, b)` of 2-D arrays (either may be a `.t()` view).
///
/// Computed in Rust when every element is a sum of at most two non-zero exact terms (see
/// [`exact_product`]); otherwise by libtorch's `mm` on tensors of the same shapes and memory
/// layouts as the arrays, so that the same kernel adds in the same order.
pub fn dot<'a, 'b>(a: impl Into<View<'a>>, b: impl Into<View<'b>>) -> Array {
    let (a, b) = (a.into(), b.into());
    assert_eq!(
        a.cols, b.rows,
        "shapes ({}, {}) and ({}, {}) not aligned",
        a.rows, a.cols, b.rows, b.cols
    );
    exact_product(&a, &b).unwrap_or_else(|| Libtorch::mm(&a, &b))
}

/// `a @ b` when every element is a sum of at most two non-zero terms, each an exact product,
/// which IEEE addition rounds once in any order (x + y, or x + y + zeros), so every
/// implementation gives the same bits; `None` otherwise. Two cases qualify:
/// - an operand of 0s and 1s with at most two 1s in each sum (the XOR input X: two 1s per row
///   and per column);
/// - a single term per element (inner dimension 1) that is not zero.
///
/// What is left is the sign of a zero result. BLAS kernels sum from zeroed accumulators, so an
/// all-zero sum is +0 (measured for every shape here, and tested below). A single zero term is
/// not summed the same way by all of libtorch's kernels (−0 stays −0 for a 4×1 @ 1×2 product,
/// becomes +0 for 10×1 @ 1×1), so such a product is left to libtorch.
fn exact_product(a: &View, b: &View) -> Option<Array> {
    let mut data = Vec::with_capacity(a.rows * b.cols);
    if a.cols == 1 {
        for i in 0..a.rows {
            for j in 0..b.cols {
                let product = a.at(i, 0) * b.at(0, j);
                if product == 0.0 {
                    return None;
                }
                data.push(product);
            }
        }
    } else if a.ones_at_most_two_per_sum(false) || b.ones_at_most_two_per_sum(true) {
        for i in 0..a.rows {
            for j in 0..b.cols {
                data.push((0..a.cols).fold(0.0, |acc, k| acc + a.at(i, k) * b.at(k, j)));
            }
        }
    } else {
        return None;
    }
    Some(Array::new(a.rows, b.cols, data))
}

/// `np.exp(a)` element by element: libtorch's kernel (MKL's vectorised `exp` in this build), on
/// a tensor of `a`'s shape, as the experiments have always called it.
pub fn exp(a: &Array) -> Array {
    Libtorch::exp(a)
}

/// `1 / (1 + np.exp(-z))`, in that order.
pub fn sigmoid(z: &Array) -> Array {
    1.0 / (1.0 + exp(&-z))
}

/// `np.linspace(start, stop, num)`: `arange(num) * step + start` with
/// `step = (stop - start) / (num - 1)`, and the last element set to `stop` exactly.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if num > 1 {
        v[num - 1] = stop;
    }
    v
}

/// Notebook 002's surface grid, `np.column_stack([Xg.ravel(), Yg.ravel()])` of
/// `Xg, Yg = np.meshgrid(linspace(0, 1, 50), linspace(0, 1, 50))`: point k is
/// `(xs[k % 50], ys[k / 50])`.
pub fn surface_grid() -> Vec<[f64; 2]> {
    let xs = linspace(0.0, 1.0, 50);
    xs.iter()
        .flat_map(|&y| xs.iter().map(move |&x| [x, y]))
        .collect()
}

/// A float64 CPU tensor kept for reuse, which Rust fills before each libtorch call: making a
/// tensor costs about as much as the tiny kernel itself.
struct Slot {
    /// Contiguous, in the viewed array's own shape.
    storage: Tensor,
    /// What the kernel is given: `storage`, or its transpose.
    operand: Tensor,
    len: usize,
}

impl Slot {
    fn new(view: &View) -> Slot {
        let (rows, cols) = if view.transposed {
            (view.cols, view.rows)
        } else {
            (view.rows, view.cols)
        };
        let storage = Tensor::zeros([rows as i64, cols as i64], (Kind::Double, Device::Cpu));
        let operand = if view.transposed {
            storage.tr()
        } else {
            storage.shallow_clone()
        };
        Slot {
            storage,
            operand,
            len: rows * cols,
        }
    }

    fn load(&self, values: &[f64]) {
        assert_eq!(values.len(), self.len);
        // SAFETY: `storage` is a contiguous float64 CPU tensor of `len` elements, made by
        // `Slot::new` and never handed out of this module (`operand` views the same memory and
        // is only read by kernels); the slice is the only reference to that memory while it
        // lives, and no libtorch operation runs meanwhile (the slots are per thread).
        let dst = unsafe {
            std::slice::from_raw_parts_mut(self.storage.data_ptr() as *mut f64, self.len)
        };
        dst.copy_from_slice(values);
    }
}

/// The shape and layout of a view, as libtorch's kernel sees it.
type Layout = (usize, usize, bool);

fn layout(v: &View) -> Layout {
    (v.rows, v.cols, v.transposed)
}

/// The operand and result tensors of one libtorch kernel, for one shape and layout of operands.
struct Kernel<K> {
    key: K,
    inputs: Vec<Slot>,
    out: Tensor,
}

/// The libtorch kernels this module calls, with their tensors kept per thread and per layout.
#[derive(Default)]
struct Libtorch {
    mm: Vec<Kernel<(Layout, Layout)>>,
    exp: Vec<Kernel<(usize, usize)>>,
}

thread_local! {
    static LIBTORCH: RefCell<Libtorch> = RefCell::new(Libtorch::default());
}

impl Libtorch {
    /// `at::mm`, which `matmul` dispatches to for two 2-D tensors.
    fn mm(a: &View, b: &View) -> Array {
        let (rows, cols) = (a.rows, b.cols);
        let mut data = vec![0.0; rows * cols];
        LIBTORCH.with(|cell| {
            let mut kernels = cell.borrow_mut();
            let key = (layout(a), layout(b));
            let kernel = find_or_make(&mut kernels.mm, key, || {
                let out = Tensor::zeros([rows as i64, cols as i64], (Kind::Double, Device::Cpu));
                (vec![Slot::new(a), Slot::new(b)], out)
            });
            kernel.inputs[0].load(a.data);
            kernel.inputs[1].load(b.data);
            let _ = kernel.inputs[0]
                .operand
                .mm_out(&kernel.out, &kernel.inputs[1].operand);
            kernel.out.copy_data(&mut data, rows * cols);
        });
        Array::new(rows, cols, data)
    }

    fn exp(a: &Array) -> Array {
        let mut data = vec![0.0; a.data.len()];
        LIBTORCH.with(|cell| {
            let mut kernels = cell.borrow_mut();
            let kernel = find_or_make(&mut kernels.exp, a.shape(), || {
                let out =
                    Tensor::zeros([a.rows as i64, a.cols as i64], (Kind::Double, Device::Cpu));
                (vec![Slot::new(&a.into())], out)
            });
            kernel.inputs[0].load(&a.data);
            let _ = kernel.inputs[0].operand.exp_out(&kernel.out);
            kernel.out.copy_data(&mut data, a.data.len());
        });
        Array::new(a.rows, a.cols, data)
    }
}

/// The kernel for `key`, made on first use (a run uses a handful, so a list beats a map).
fn find_or_make<K: PartialEq + Copy>(
    kernels: &mut Vec<Kernel<K>>,
    key: K,
    make: impl FnOnce() -> (Vec<Slot>, Tensor),
) -> &mut Kernel<K> {
    let index = match kernels.iter().position(|k| k.key == key) {
        Some(index) => index,
        None => {
            let (inputs, out) = make();
            kernels.push(Kernel { key, inputs, out });
            kernels.len() - 1
        }
    };
    &mut kernels[index]
}

#[cfg(test)]
mod tests {
    //! Each shortcut against the libtorch operation the experiments used before it, bit for bit.
    use super::*;

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|v| v.to_bits()).collect()
    }

    fn tensor_bits(t: &Tensor) -> Vec<u64> {
        bits(&crate::torch_init::values(t))
    }

    /// Random normal values times `scale`, with some exact zeros of either sign.
    fn randn(rows: usize, cols: usize, scale: f64) -> Array {
        let t = Tensor::randn([rows as i64, cols as i64], (Kind::Double, Device::Cpu)) * scale;
        let mut a = Array::from_tensor(&t);
        for (i, v) in a.data.iter_mut().enumerate() {
            match i % 7 {
                3 => *v = -0.0,
                5 => *v = 0.0,
                _ => {}
            }
        }
        a
    }

    #[test]
    fn products_with_the_xor_input_match_libtorch() {
        tch::manual_seed(1);
        let (x, _) = xor_int();
        let xt = x.to_tensor();
        for trial in 0..500 {
            for hidden in [2, 10] {
                let scale = if trial % 2 == 0 { 1.0 } else { 1e-300 };
                // X @ W1 (weights all negative once in a while: 0 · w = −0 there).
                let mut w1 = randn(2, hidden, scale);
                if trial % 5 == 0 {
                    w1 = w1.map(|v| -v.abs());
                }
                assert!(exact_product(&View::from(&x), &View::from(&w1)).is_some());
                let want = xt.matmul(&w1.to_tensor());
                assert_eq!(bits(&dot(&x, &w1).data), tensor_bits(&want));
                // One input at a time, as 002's `predict(x.reshape(1, -1))`.
                for i in 0..4 {
                    let want = xt.get(i as i64).reshape([1, 2]).matmul(&w1.to_tensor());
                    assert_eq!(bits(&dot(&x.row(i), &w1).data), tensor_bits(&want));
                }
                // X.T @ dZ1.
                let dz1 = randn(4, hidden, scale);
                assert!(exact_product(&x.t(), &View::from(&dz1)).is_some());
                let want = xt.tr().matmul(&dz1.to_tensor());
                assert_eq!(bits(&dot(x.t(), &dz1).data), tensor_bits(&want));
                // dZ2 @ W2.T (one term per element), with and without zeros.
                let mut dz2 = randn(4, 1, scale);
                if trial % 3 == 0 {
                    dz2 = dz2.map(|v| if v == 0.0 { 0.5 } else { v });
                }
                let w2 = randn(hidden, 1, scale);
                let want = dz2.to_tensor().matmul(&w2.to_tensor().tr());
                assert_eq!(bits(&dot(&dz2, w2.t()).data), tensor_bits(&want));
            }
        }
        // One term per element in other shapes, zeros of either sign included.
        for (m, n) in [(10, 1), (1, 1), (1, 10), (4, 2)] {
            let a = randn(m, 1, 1.0);
            let b = randn(1, n, 1.0);
            let want = a.to_tensor().matmul(&b.to_tensor());
            assert_eq!(bits(&dot(&a, &b).data), tensor_bits(&want), "{m}×1 @ 1×{n}");
        }
        // All-zero sums, of either sign.
        let negative_zeros = Array::new(4, 10, vec![-0.0; 40]);
        let want = xt.tr().matmul(&negative_zeros.to_tensor());
        assert_eq!(bits(&dot(x.t(), &negative_zeros).data), tensor_bits(&want));
        let w2 = randn(10, 1, 1.0);
        let want = negative_zeros.to_tensor().matmul(&w2.to_tensor());
        assert_eq!(bits(&dot(&negative_zeros, &w2).data), tensor_bits(&want));
    }

    #[test]
    fn other_products_and_exp_are_libtorchs_kernels() {
        tch::manual_seed(2);
        // Each shape and layout the experiments use, called repeatedly (the tensors are
        // reused), against a fresh `matmul` of the same layout.
        for trial in 0..300 {
            let scale = if trial % 3 == 0 { 1e-3 } else { 5.0 };
            for (m, k, n) in [(4, 2, 1), (4, 10, 1), (1, 10, 1), (4, 4, 1)] {
                let a = randn(m, k, scale);
                let b = randn(k, n, 1.0);
                assert!(exact_product(&View::from(&a), &View::from(&b)).is_none());
                let want = a.to_tensor().matmul(&b.to_tensor());
                assert_eq!(
                    bits(&dot(&a, &b).data),
                    tensor_bits(&want),
                    "{m}×{k} @ {k}×{n}"
                );
                // a.T @ d, with `a` as the transposed view of a contiguous tensor.
                let d = randn(m, n, 1.0);
                let want = a.to_tensor().tr().matmul(&d.to_tensor());
                assert_eq!(bits(&dot(a.t(), &d).data), tensor_bits(&want), "T {m}×{k}");
            }
            for (rows, cols) in [(4, 2), (4, 1), (1, 1), (7, 3)] {
                let z = randn(rows, cols, 20.0);
                let want = (-z.to_tensor()).exp();
                assert_eq!(bits(&exp(&-&z).data), tensor_bits(&want));
                let want = (z.to_tensor().neg().exp() + 1.0).reciprocal();
                assert_eq!(bits(&sigmoid(&z).data), tensor_bits(&want));
            }
        }
    }

    #[test]
    fn element_wise_operations_broadcast_like_numpy() {
        let a = Array::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
        let row = Array::new(1, 2, vec![10.0, 20.0]);
        assert_eq!((&a + &row).values(), &[11.0, 22.0, 13.0, 24.0]);
        assert_eq!((&row - &a).values(), &[9.0, 18.0, 7.0, 16.0]);
        assert_eq!((2.0 * &a / 4.0).values(), &[0.5, 1.0, 1.5, 2.0]);
        assert_eq!((1.0 - a.clone()).values(), &[0.0, -1.0, -2.0, -3.0]);
        assert_eq!(a.sum_rows().values(), &[4.0, 6.0]);
        assert_eq!(a.mean(), 2.5);
        assert_eq!(dot(a.t(), &a).values(), &[10.0, 14.0, 14.0, 20.0]);
        let mut w = a.clone();
        w -= 0.5 * &a;
        assert_eq!(w.values(), &[0.5, 1.0, 1.5, 2.0]);
    }
}
