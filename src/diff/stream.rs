//! Two arrays compared the way `cmp` compares files: chunk by chunk, bytes first, and only
//! where the bytes differ element by element (counts, max abs / rel / ulps, the first
//! difference). Memory is two chunks, whatever the arrays' size; `diff` on `.npy` and `.npz`
//! and `explain` on `trace.npz` go through here.

use super::{Difference, Precision, Tolerance};
use crate::record::npz::{self, ArrayStream, Dtype, NpzIndex};
use anyhow::Result;

/// Elements read per chunk: a few MB, so that a chunk stays in cache and memory stays flat.
const CHUNK_ELEMENTS: u64 = 1 << 18;

/// One element where two arrays differ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElementDifference {
    /// Its row-major index.
    pub index: u64,
    pub a: f64,
    pub b: f64,
    pub difference: Difference,
}

/// How two arrays differ over the elements both have.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayDiff {
    pub compared: u64,
    pub identical: u64,
    pub max_abs: f64,
    pub max_rel: f64,
    pub max_ulps: u64,
    pub precision: Precision,
    pub first_difference: Option<ElementDifference>,
    pub first_outside: Option<ElementDifference>,
}

impl ArrayDiff {
    pub fn new(precision: Precision) -> ArrayDiff {
        ArrayDiff {
            compared: 0,
            identical: 0,
            max_abs: 0.0,
            max_rel: 0.0,
            max_ulps: 0,
            precision,
            first_difference: None,
            first_outside: None,
        }
    }

    /// `n` elements whose bytes are the same on both sides.
    pub fn add_identical(&mut self, n: u64) {
        self.compared += n;
        self.identical += n;
    }

    /// Elements `start..` of both sides, value by value.
    pub fn add_values(&mut self, start: u64, a: &[f64], b: &[f64], tol: &Tolerance) {
        for (k, (&x, &y)) in a.iter().zip(b).enumerate() {
            let d = Difference::between(x, y, self.precision);
            self.compared += 1;
            if d.identical {
                self.identical += 1;
                continue;
            }
            self.max_abs = self.max_abs.max(d.abs);
            self.max_rel = self.max_rel.max(d.rel);
            self.max_ulps = self.max_ulps.max(d.ulps);
            let here = ElementDifference {
                index: start + k as u64,
                a: x,
                b: y,
                difference: d,
            };
            if self.first_difference.is_none() {
                self.first_difference = Some(here);
            }
            if self.first_outside.is_none() && !d.within(tol) {
                self.first_outside = Some(here);
            }
        }
    }

    /// Elements that differ.
    pub fn differing(&self) -> u64 {
        self.compared - self.identical
    }
}

/// The precision ulps are counted in for two float types: float32 only when both are.
pub fn precision_of(a: Dtype, b: Dtype) -> Precision {
    match (a, b) {
        (Dtype::F32, Dtype::F32) => Precision::Float32,
        _ => Precision::Float64,
    }
}

/// Whether an array can be compared as a stream: float32 or float64, C-ordered.
pub fn streamable(s: &ArrayStream) -> bool {
    s.float_dtype().is_ok()
}

/// Compares the first `min(len)` elements of two float arrays (see [`streamable`]).
pub fn compare_streams(
    a: &mut ArrayStream,
    b: &mut ArrayStream,
    tol: &Tolerance,
) -> Result<ArrayDiff> {
    let (da, db) = (a.float_dtype()?, b.float_dtype()?);
    let mut diff = ArrayDiff::new(precision_of(da, db));
    let n = a.elements().min(b.elements());
    let (mut bytes_a, mut bytes_b) = (Vec::new(), Vec::new());
    let (mut va, mut vb) = (Vec::new(), Vec::new());
    let mut done = 0;
    while done < n {
        let k = (n - done).min(CHUNK_ELEMENTS);
        a.read_chunk(&mut bytes_a, k as usize * da.size())?;
        b.read_chunk(&mut bytes_b, k as usize * db.size())?;
        if da == db && bytes_a == bytes_b {
            diff.add_identical(k);
        } else {
            va.clear();
            vb.clear();
            npz::widen(da, &bytes_a, &mut va);
            npz::widen(db, &bytes_b, &mut vb);
            diff.add_values(done, &va, &vb, tol);
        }
        done += k;
    }
    Ok(diff)
}

/// Two members of two archives, opened for [`compare_streams`] when both can be (stored,
/// float, C-ordered): `None` otherwise.
pub fn open_pair(
    a: &NpzIndex,
    i: usize,
    b: &NpzIndex,
    j: usize,
) -> Result<Option<(ArrayStream, ArrayStream)>> {
    if a.entries[i].method != 0 || b.entries[j].method != 0 {
        return Ok(None);
    }
    let (sa, sb) = (a.open_array(i)?, b.open_array(j)?);
    Ok((streamable(&sa) && streamable(&sb)).then_some((sa, sb)))
}

/// How an element is named: its index in every dimension (`element [2, 1]`).
pub fn element_position(shape: &[u64], index: u64) -> String {
    let mut at = Vec::with_capacity(shape.len());
    let mut rest = index;
    for &d in shape.iter().rev() {
        at.push(rest % d.max(1));
        rest /= d.max(1);
    }
    at.reverse();
    format!("element {at:?}")
}
