//! A small NumPy-like float64 array for the hand-written backprop of notebooks 002 and 004, so
//! that an epoch reads like its notebook (`let hidden_input = dot(&x, &w1) + &b1;`) and rounds
//! as NumPy does:
//! - element-wise arithmetic (`+ - * /`, negation, `** 2` as `x * x`, ReLU and its
//!   derivative) is one correctly rounded IEEE operation per element, the same bits anywhere;
//! - the sums NumPy adds one element at a time (`sum_rows`, `mean`) run in its index order;
//! - `exp` and the matrix products, which are not IEEE-exact, are ports of the kernels NumPy
//!   runs on this machine ([`crate::kernels`]).
//!
//! Plain Rust, no libtorch: a NumPy run is a few milliseconds, less than libtorch takes to load.

pub use crate::kernels::openblas::View;
use crate::xor;
use std::ops::{Add, Div, Mul, Neg, Sub, SubAssign};

/// A 2-D float64 array, row-major, as NumPy holds the notebooks' arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    data: Vec<f64>,
    rows: usize,
    cols: usize,
}

/// A NumPy notebook's trained arrays `W1, b1, W2, b2` and its forward pass over them, as the
/// notebook's epilogue sees them.
pub struct Trained {
    pub params: [Array; 4],
    pub forward: fn(&Array, [&Array; 4]) -> Array,
}

impl crate::experiments::Network for Trained {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.params.iter().map(Array::to_vec).collect()
    }

    fn predict(&mut self, inputs: &[[f64; 2]]) -> anyhow::Result<Vec<f64>> {
        let x = Array::new(inputs.len(), 2, inputs.iter().flatten().copied().collect());
        Ok((self.forward)(&x, self.params.each_ref()).to_vec())
    }
}

impl crate::experiments::Parameter for Array {
    fn shape(&self) -> Vec<usize> {
        vec![self.rows, self.cols]
    }
    fn values(&self) -> Vec<f64> {
        self.to_vec()
    }
    fn precision(&self) -> crate::diff::Precision {
        crate::diff::Precision::Float64
    }
    fn with_values(self, values: &[f64]) -> Array {
        Array::new(self.rows, self.cols, values.to_vec())
    }
}

impl crate::record::trace::Traced for Array {
    fn traced(&self) -> Vec<f64> {
        self.to_vec()
    }
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
        View::new(&self.data, self.cols, self.rows, true)
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

    /// `np.sum(a, axis=0, keepdims=True)`: NumPy adds the rows in order from +0,
    /// `((0 + r0) + r1) + …` (so a column of −0s sums to +0).
    pub fn sum_rows(&self) -> Array {
        let mut acc = Array::zeros(1, self.cols);
        for row in self.data.chunks(self.cols) {
            for (a, v) in acc.data.iter_mut().zip(row) {
                *a += v;
            }
        }
        acc
    }

    /// `np.mean(a)` over every element: the elements added in order from +0 (NumPy's pairwise
    /// summation adds fewer than 8 elements one by one), then divided by their count.
    pub fn mean(&self) -> f64 {
        let n = self.data.len();
        assert!(
            n < 8,
            "NumPy sums 8 or more elements pairwise, not in order"
        );
        self.data.iter().fold(0.0, |acc, v| acc + v) / n as f64
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

impl<'a> From<&'a Array> for View<'a> {
    fn from(a: &'a Array) -> View<'a> {
        View::new(&a.data, a.rows, a.cols, false)
    }
}

/// Whether every entry is 0 or 1, with at most two 1s in each column (`per_column`, as a
/// right operand's sums run) or in each row (as a left operand's).
fn ones_at_most_two_per_sum(view: &View, per_column: bool) -> bool {
    let (sums, terms) = if per_column {
        (view.cols(), view.rows())
    } else {
        (view.rows(), view.cols())
    };
    (0..sums).all(|s| {
        let mut ones = 0;
        for t in 0..terms {
            let v = if per_column {
                view.at(t, s)
            } else {
                view.at(s, t)
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

/// `a @ b` or `np.dot(a, b)` of 2-D arrays (either may be a `.t()` view), as NumPy's
/// OpenBLAS kernels add on this machine ([`crate::kernels::openblas::mm`]); sums of at most two non-zero exact
/// terms are the same bits in any order (see [`exact_product`]).
pub fn dot<'a, 'b>(a: impl Into<View<'a>>, b: impl Into<View<'b>>) -> Array {
    let (a, b) = (a.into(), b.into());
    assert_eq!(
        a.cols(),
        b.rows(),
        "shapes ({}, {}) and ({}, {}) not aligned",
        a.rows(),
        a.cols(),
        b.rows(),
        b.cols()
    );
    exact_product(&a, &b).unwrap_or_else(|| {
        let core = crate::kernels::this_machine()
            .openblas
            .path
            .unwrap_or(NOT_REPRODUCED_CORE);
        Array::new(
            a.rows(),
            b.cols(),
            crate::kernels::openblas::mm(core, &a, &b),
        )
    })
}

/// `a @ b` when an operand is 0s and 1s with at most two 1s in each sum (the XOR input X: two
/// 1s per row and per column), so every element is a sum of at most two non-zero exact terms,
/// which IEEE addition rounds once in any order: every BLAS kernel gives these bits, which
/// spares measuring the kernels of `X @ W1`, `X.T @ dZ1` and `x.reshape(1, -1) @ W1`. An
/// all-zero sum is +0, as BLAS stores `0 + sum`. `None` for any other product.
fn exact_product(a: &View, b: &View) -> Option<Array> {
    if !(ones_at_most_two_per_sum(a, false) || ones_at_most_two_per_sum(b, true)) {
        return None;
    }
    let mut data = Vec::with_capacity(a.rows() * b.cols());
    for i in 0..a.rows() {
        for j in 0..b.cols() {
            data.push((0..a.cols()).fold(0.0, |acc, k| acc + a.at(i, k) * b.at(k, j)));
        }
    }
    Some(Array::new(a.rows(), b.cols(), data))
}

/// The kernels stood in where this machine's OpenBLAS core or NumPy `exp` is not reproduced
/// (the run then says so and is judged by tolerances).
const NOT_REPRODUCED_CORE: crate::kernels::openblas::Core = crate::kernels::openblas::Core::Haswell;
const NOT_REPRODUCED_EXP: crate::kernels::numpy_exp::ExpPath =
    crate::kernels::numpy_exp::ExpPath::Libm;

/// `np.exp(a)` element by element, on this machine's path ([`crate::kernels::numpy_exp`]).
pub fn exp(a: &Array) -> Array {
    let path = crate::kernels::this_machine()
        .numpy_exp
        .path
        .unwrap_or(NOT_REPRODUCED_EXP);
    a.map(|x| crate::kernels::numpy_exp::exp(path, x))
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let column = Array::new(2, 1, vec![1.0, 1.0]);
        assert_eq!(dot(&a, &column).values(), &[3.0, 7.0]);
        let mut w = a.clone();
        w -= 0.5 * &a;
        assert_eq!(w.values(), &[0.5, 1.0, 1.5, 2.0]);
    }
}
