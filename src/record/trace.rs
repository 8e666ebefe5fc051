//! Op-level traces: every named value of the chosen steps, in program order, as `trace.csv`
//! (`step,seq,name,index,value`). Each side (the exact engine, the plain tch port, the Python
//! reference) traces the same names in the same order, so `explain` can walk two traces side
//! by side and name the first value that differs.
//!
//! Order within a step: the step's parameters as they enter it, then each forward value, the
//! loss, each gradient, and each updated parameter. Names are the notebook's (`Z1`, `A1`,
//! `dW2`, `fc1.weight.grad`, …); an updated parameter is traced as `NAME.updated`.
//!
//! Tracing reads values and never changes them. A training loop takes one handle per step,
//! `let t = record.trace.step(epoch);`, and passes each traced value through it on the line
//! that computes it (`let loss = t.tap("loss", …);`), so the trace's order is the program's.
//! When the step is not traced the handle is empty: a tap hands its value back untouched, the
//! closure of [`Tap::tap_with`] is never called, and nothing is copied.

use super::npz;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The steps to trace, both ends included.
pub type StepRange = RangeInclusive<usize>;

/// One traced tensor: its step, its place in the step (`seq`, from 0), its name and its
/// values, flattened row-major and widened exactly to f64.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedValue {
    pub step: usize,
    pub seq: usize,
    pub name: String,
    pub values: Vec<f64>,
}

/// A value that can be traced: its elements, row-major, widened exactly to f64. The one
/// conversion every engine's values go through (NumPy-like arrays, TensorFlow's tensors,
/// float32 buffers, scalars; the tch ports add libtorch's tensors).
pub trait Traced {
    fn traced(&self) -> Vec<f64>;
}

impl Traced for f64 {
    fn traced(&self) -> Vec<f64> {
        vec![*self]
    }
}

impl Traced for f32 {
    fn traced(&self) -> Vec<f64> {
        vec![*self as f64]
    }
}

impl Traced for [f64] {
    fn traced(&self) -> Vec<f64> {
        self.to_vec()
    }
}

impl Traced for [f32] {
    fn traced(&self) -> Vec<f64> {
        self.iter().map(|&v| v as f64).collect()
    }
}

impl<const N: usize> Traced for [f32; N] {
    fn traced(&self) -> Vec<f64> {
        self.as_slice().traced()
    }
}

impl Traced for Vec<f64> {
    fn traced(&self) -> Vec<f64> {
        self.clone()
    }
}

impl Traced for Vec<f32> {
    fn traced(&self) -> Vec<f64> {
        self.as_slice().traced()
    }
}

impl<T: Traced + ?Sized> Traced for &T {
    fn traced(&self) -> Vec<f64> {
        (**self).traced()
    }
}

impl<T: Traced + ?Sized> Traced for &mut T {
    fn traced(&self) -> Vec<f64> {
        (**self).traced()
    }
}

/// Where traced values go: kept for `trace.csv` (the exact engines, the notebooks' plain
/// ports), or streamed into `trace.npz` as they come (a port of one's own, [`Trace::streaming`]).
#[derive(Debug)]
enum Sink {
    Memory(Vec<TracedValue>),
    Npz(NpzSink),
}

/// A `trace.npz` being written: created with its first value, so an untraced run has none.
#[derive(Debug)]
struct NpzSink {
    path: PathBuf,
    writer: Option<npz::NpzWriter>,
    /// The step and seq of the last value written.
    last: Option<(usize, usize)>,
    /// The first write that failed, reported by [`Trace::finish`].
    error: Option<String>,
}

impl Default for Sink {
    fn default() -> Sink {
        Sink::Memory(Vec::new())
    }
}

type Values = Arc<Mutex<Sink>>;

/// An array in its own bytes, as a tensor hands it to a streaming trace: its element type,
/// shape and row-major little-endian bytes.
pub struct ArrayBytes<'a> {
    pub dtype: npz::Dtype,
    pub shape: Vec<usize>,
    pub data: std::borrow::Cow<'a, [u8]>,
}

/// The name of a traced value's entry in `trace.npz`: step, seq and name, zero-padded so
/// that the entries sort in program order (`000002/00017/fc1.weight.grad`).
pub fn entry_name(step: usize, seq: usize, name: &str) -> String {
    format!("{step:06}/{seq:05}/{name}")
}

/// Step, seq and name of a `trace.npz` entry (see [`entry_name`]).
pub fn parse_entry_name(entry: &str) -> Option<(usize, usize, &str)> {
    let (step, rest) = entry.split_once('/')?;
    let (seq, name) = rest.split_once('/')?;
    Some((step.parse().ok()?, seq.parse().ok()?, name))
}

/// The values traced so far, and which steps to trace.
#[derive(Debug, Default)]
pub struct Trace {
    steps: Option<StepRange>,
    values: Values,
}

impl Clone for Trace {
    /// A copy that no longer shares its values with the original (a streaming trace's copy
    /// holds none).
    fn clone(&self) -> Trace {
        Trace {
            steps: self.steps.clone(),
            values: Arc::new(Mutex::new(Sink::Memory(self.values()))),
        }
    }
}

impl Trace {
    /// A trace of `steps`, or no trace at all, kept in memory for `trace.csv`.
    pub fn new(steps: Option<StepRange>) -> Trace {
        Trace {
            steps,
            values: Values::default(),
        }
    }

    /// A trace of `steps` written into the `.npz` at `path` as each value comes (the file
    /// is created with the first value); [`Trace::finish`] makes it whole.
    pub fn streaming(steps: Option<StepRange>, path: &Path) -> Trace {
        Trace {
            steps,
            values: Arc::new(Mutex::new(Sink::Npz(NpzSink {
                path: path.to_path_buf(),
                writer: None,
                last: None,
                error: None,
            }))),
        }
    }

    /// Whether step `step` is traced.
    #[inline]
    pub fn on(&self, step: usize) -> bool {
        matches!(&self.steps, Some(r) if r.contains(&step))
    }

    /// The handle through which step `step`'s values are traced: empty unless the step is.
    #[inline]
    pub fn step(&self, step: usize) -> Tap {
        Tap {
            step,
            values: self.on(step).then(|| self.values.clone()),
        }
    }

    /// Whether no value is held for `trace.csv` (a streaming trace holds none).
    pub fn is_empty(&self) -> bool {
        match &*self.values.lock().expect("trace lock") {
            Sink::Memory(v) => v.is_empty(),
            Sink::Npz(_) => true,
        }
    }

    /// The values traced so far and held in memory, in order.
    pub fn values(&self) -> Vec<TracedValue> {
        match &*self.values.lock().expect("trace lock") {
            Sink::Memory(v) => v.clone(),
            Sink::Npz(_) => Vec::new(),
        }
    }

    /// Makes a streaming trace's `trace.npz` whole (its central directory) and returns its
    /// path, or `None` when nothing was traced; fails with the first write that failed.
    pub fn finish(&self) -> Result<Option<PathBuf>> {
        let mut sink = self.values.lock().expect("trace lock");
        let Sink::Npz(npz) = &mut *sink else {
            return Ok(None);
        };
        if let Some(error) = npz.error.take() {
            bail!("{error}");
        }
        match npz.writer.take() {
            Some(writer) => writer.finish().map(Some),
            None => Ok(None),
        }
    }

    /// The text of `trace.csv`.
    pub fn csv(&self) -> String {
        let mut s = String::from("step,seq,name,index,value\n");
        for v in self.values() {
            for (i, x) in v.values.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "{},{},{},{i},{}",
                    v.step,
                    v.seq,
                    v.name,
                    super::number(*x)
                );
            }
        }
        s
    }
}

/// One step's tracing handle (from [`Trace::step`]). Cloning it is cheap; an empty handle
/// (the step is not traced) does nothing at all.
#[derive(Debug, Clone, Default)]
pub struct Tap {
    step: usize,
    values: Option<Values>,
}

// Every tap is a null check, inlined; what a traced step does is out of line and cold, so
// that tracing costs an untraced step nothing it can measure.
impl Tap {
    /// Whether this step is traced.
    #[inline(always)]
    pub fn on(&self) -> bool {
        self.values.is_some()
    }

    /// Whether this step's values are streamed into `trace.npz` in their own bytes (through
    /// [`Tap::tap_array`]) rather than kept for `trace.csv`.
    pub fn streams(&self) -> bool {
        self.values
            .as_ref()
            .is_some_and(|v| matches!(&*v.lock().expect("trace lock"), Sink::Npz(_)))
    }

    /// The step traced.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Traces `value` as `name` and hands it back: `let loss = t.tap("loss", mse(…));`, or
    /// `t.tap("W1", &w1);` for a value that is already there.
    #[inline(always)]
    pub fn tap<V: Traced>(&self, name: &str, value: V) -> V {
        if let Some(values) = &self.values {
            record(values, self.step, name, "", &value);
        }
        value
    }

    /// Traces what `value` computes, calling it only when the step is traced: for values
    /// the trace shows but the notebook never keeps (the `np.exp` inside a sigmoid).
    #[inline(always)]
    pub fn tap_with<V: Traced>(&self, name: &str, value: impl FnOnce() -> V) {
        if let Some(values) = &self.values {
            record(values, self.step, name, "", &value());
        }
    }

    /// Traces an array in its own bytes (type and shape kept) as `name`, calling `array`
    /// only when the step is traced. Into a trace kept for `trace.csv` it goes widened to
    /// f64, as every other value.
    pub fn tap_array<'a>(&self, name: &str, array: impl FnOnce() -> ArrayBytes<'a>) {
        if let Some(values) = &self.values {
            push_array(values, self.step, name, array());
        }
    }

    /// Traces `value` as `NAME.grad`, the gradient of the value called `name`.
    #[inline(always)]
    pub fn tap_grad<V: Traced>(&self, name: &str, value: V) {
        if let Some(values) = &self.values {
            record(values, self.step, name, ".grad", &value);
        }
    }

    /// Traces each of `values` under its name in `names` followed by `suffix` (`""` for the
    /// parameters as they enter a step, `".updated"` for what the update leaves).
    #[inline(always)]
    pub fn tap_each<V: Traced>(
        &self,
        suffix: &str,
        names: &[&str],
        values: impl IntoIterator<Item = V>,
    ) {
        if let Some(traced) = &self.values {
            for (name, value) in names.iter().zip(values) {
                record(traced, self.step, name, suffix, &value);
            }
        }
    }
}

#[cold]
#[inline(never)]
fn record(values: &Values, step: usize, name: &str, suffix: &str, value: &dyn Traced) {
    let traced = value.traced();
    let mut sink = values.lock().expect("trace lock");
    match &mut *sink {
        Sink::Memory(held) => push(held, step, &format!("{name}{suffix}"), traced),
        Sink::Npz(npz) => {
            let bytes: Vec<u8> = traced.iter().flat_map(|v| v.to_le_bytes()).collect();
            npz.add(
                step,
                &format!("{name}{suffix}"),
                ArrayBytes {
                    dtype: npz::Dtype::F64,
                    shape: vec![bytes.len() / 8],
                    data: bytes.into(),
                },
            )
        }
    }
}

#[cold]
#[inline(never)]
fn push_array(values: &Values, step: usize, name: &str, array: ArrayBytes) {
    let mut sink = values.lock().expect("trace lock");
    match &mut *sink {
        Sink::Memory(held) => {
            let widened = array.widened();
            push(held, step, name, widened)
        }
        Sink::Npz(npz) => npz.add(step, name, array),
    }
}

impl ArrayBytes<'_> {
    /// Its elements, widened exactly to f64 (float16 through float32).
    pub fn widened(&self) -> Vec<f64> {
        use npz::Dtype::*;
        let d = &self.data;
        let n = self.dtype.size();
        d.chunks_exact(n)
            .map(|c| match self.dtype {
                Bool | U8 => c[0] as f64,
                I8 => c[0] as i8 as f64,
                I16 => i16::from_le_bytes([c[0], c[1]]) as f64,
                I32 => i32::from_le_bytes(c.try_into().expect("4 bytes")) as f64,
                I64 => i64::from_le_bytes(c.try_into().expect("8 bytes")) as f64,
                F16 => f16_to_f64(u16::from_le_bytes([c[0], c[1]])),
                F32 => f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64,
                F64 => f64::from_le_bytes(c.try_into().expect("8 bytes")),
            })
            .collect()
    }
}

/// An IEEE half's value, exactly.
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
    let exponent = ((h >> 10) & 0x1f) as i32;
    let fraction = (h & 0x3ff) as f64;
    sign * match exponent {
        0 => fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + fraction / 1024.0) * 2f64.powi(e - 15),
    }
}

impl NpzSink {
    fn add(&mut self, step: usize, name: &str, array: ArrayBytes) {
        if self.error.is_some() {
            return;
        }
        let seq = match self.last {
            Some((s, q)) if s == step => q + 1,
            _ => 0,
        };
        self.last = Some((step, seq));
        let written = (|| -> Result<()> {
            if self.writer.is_none() {
                self.writer = Some(npz::NpzWriter::create(&self.path)?);
            }
            let writer = self.writer.as_mut().expect("just created");
            writer.add(
                &entry_name(step, seq, name),
                array.dtype,
                &array.shape,
                &array.data,
            )
        })();
        if let Err(e) = written {
            self.error = Some(format!("{e:#}"));
        }
    }
}

fn push(values: &mut Vec<TracedValue>, step: usize, name: &str, traced: Vec<f64>) {
    let seq = match values.last() {
        Some(last) if last.step == step => last.seq + 1,
        _ => 0,
    };
    values.push(TracedValue {
        step,
        seq,
        name: name.to_string(),
        values: traced,
    });
}

/// Reads a `trace.csv`, one [`TracedValue`] per (step, seq), in file order.
pub fn read(path: &Path) -> Result<Vec<TracedValue>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    if lines.next() != Some("step,seq,name,index,value") {
        bail!(
            "{}: expected the header step,seq,name,index,value",
            path.display()
        );
    }
    let mut values: Vec<TracedValue> = Vec::new();
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 5 {
            bail!(
                "{}: line {line_no} has {} fields, expected 5",
                path.display(),
                fields.len()
            );
        }
        let whole = |s: &str, what: &str| -> Result<usize> {
            s.parse().with_context(|| {
                format!(
                    "{}: line {line_no}: {what} {s:?} is not a whole number",
                    path.display()
                )
            })
        };
        let step = whole(fields[0], "step")?;
        let seq = whole(fields[1], "seq")?;
        let index = whole(fields[3], "index")?;
        let value: f64 = fields[4].parse().with_context(|| {
            format!(
                "{}: line {line_no}: value {:?} is not a number",
                path.display(),
                fields[4]
            )
        })?;
        match values.last_mut() {
            Some(last) if last.step == step && last.seq == seq => {
                if last.name != fields[2] || index != last.values.len() {
                    bail!(
                        "{}: line {line_no}: expected {}[{}] of step {step}",
                        path.display(),
                        last.name,
                        last.values.len()
                    );
                }
                last.values.push(value);
            }
            _ => {
                if index != 0 {
                    bail!(
                        "{}: line {line_no}: {} starts at index {index}, not 0",
                        path.display(),
                        fields[2]
                    );
                }
                values.push(TracedValue {
                    step,
                    seq,
                    name: fields[2].to_string(),
                    values: vec![value],
                });
            }
        }
    }
    Ok(values)
}

/// Parses `A..B` (both included) or a single step `A`.
pub fn parse_step_range(s: &str) -> Result<StepRange, String> {
    let bad = || format!("expected steps A..B (both included) or one step A, got {s:?}");
    let whole = |t: &str| t.trim().parse::<usize>().map_err(|_| bad());
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (whole(a)?, whole(b)?);
            if a > b {
                return Err(format!("steps {a}..{b}: the first step is after the last"));
            }
            Ok(a..=b)
        }
        None => {
            let a = whole(s)?;
            Ok(a..=a)
        }
    }
}
