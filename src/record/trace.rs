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

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::path::Path;
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

type Values = Arc<Mutex<Vec<TracedValue>>>;

/// The values traced so far, and which steps to trace.
#[derive(Debug, Default)]
pub struct Trace {
    steps: Option<StepRange>,
    values: Values,
}

impl Clone for Trace {
    /// A copy that no longer shares its values with the original.
    fn clone(&self) -> Trace {
        Trace {
            steps: self.steps.clone(),
            values: Arc::new(Mutex::new(self.values())),
        }
    }
}

impl Trace {
    /// A trace of `steps`, or no trace at all.
    pub fn new(steps: Option<StepRange>) -> Trace {
        Trace {
            steps,
            values: Values::default(),
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

    pub fn is_empty(&self) -> bool {
        self.values.lock().expect("trace lock").is_empty()
    }

    /// The values traced so far, in order.
    pub fn values(&self) -> Vec<TracedValue> {
        self.values.lock().expect("trace lock").clone()
    }

    /// The text of `trace.csv`.
    pub fn csv(&self) -> String {
        let mut s = String::from("step,seq,name,index,value\n");
        for v in self.values.lock().expect("trace lock").iter() {
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
    push(values, step, &format!("{name}{suffix}"), value.traced());
}

fn push(values: &Values, step: usize, name: &str, traced: Vec<f64>) {
    let mut values = values.lock().expect("trace lock");
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
