//! Op-level traces: every named value of the chosen steps, in program order, as `trace.csv`
//! (`step,seq,name,index,value`). Each side (the exact engine, the plain tch port, the Python
//! reference) traces the same names in the same order, so `explain` can walk two traces side
//! by side and name the first value that differs.
//!
//! Order within a step: the step's parameters as they enter it, then each forward value, the
//! loss, each gradient, and each updated parameter. Names are the notebook's (`Z1`, `A1`,
//! `dW2`, `fc1.weight.grad`, …); an updated parameter is traced as `NAME.updated`.
//!
//! Tracing reads values and never changes them; when it is off, [`Trace::on`] is one
//! comparison and the closures that would flatten a tensor are never called.

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::path::Path;

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

/// The values traced so far, and which steps to trace.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    steps: Option<StepRange>,
    values: Vec<TracedValue>,
}

impl Trace {
    /// A trace of `steps`, or no trace at all.
    pub fn new(steps: Option<StepRange>) -> Trace {
        Trace {
            steps,
            values: Vec::new(),
        }
    }

    /// Whether step `step` is traced.
    #[inline]
    pub fn on(&self, step: usize) -> bool {
        matches!(&self.steps, Some(r) if r.contains(&step))
    }

    /// Records `name` at `step` when that step is traced; `values` is called only then.
    #[inline]
    pub fn value(&mut self, step: usize, name: &str, values: impl FnOnce() -> Vec<f64>) {
        if self.on(step) {
            self.push(step, name, values());
        }
    }

    fn push(&mut self, step: usize, name: &str, values: Vec<f64>) {
        let seq = match self.values.last() {
            Some(last) if last.step == step => last.seq + 1,
            _ => 0,
        };
        self.values.push(TracedValue {
            step,
            seq,
            name: name.to_string(),
            values,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn values(&self) -> &[TracedValue] {
        &self.values
    }

    /// The text of `trace.csv`.
    pub fn csv(&self) -> String {
        let mut s = String::from("step,seq,name,index,value\n");
        for v in &self.values {
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
