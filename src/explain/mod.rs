//! `explain`: where two runs part, and why. It walks two `trace.csv` files side by side, by
//! step and then in program order, and names the first traced value that differs: every value
//! traced before it (its inputs among them) is bit-identical, so the operation that produced
//! it is where the runs part. It says how many elements of that tensor differ, gives both
//! values in decimal and hex with the ulps between them, the kernel each side ran where its
//! `run.json` knows it, and how the difference grows afterwards (`explain.md`,
//! `explain.svg`).

pub mod render;
pub mod run;

use crate::diff::{Difference, Precision};
use crate::record::trace::{self, TracedValue};
use crate::record::{self, RunInfo};
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One run folder, as `explain` reads it.
pub struct Side {
    pub dir: PathBuf,
    /// `rust`, `tch`, `python`, or the folder's name.
    pub label: String,
    pub info: Option<RunInfo>,
    pub trace: Vec<TracedValue>,
    /// `loss.csv`, when the folder has one.
    pub losses: Option<Vec<f64>>,
}

impl Side {
    /// Reads a run folder that holds a `trace.csv`.
    pub fn read(dir: &Path) -> Result<Side> {
        if !dir.is_dir() {
            bail!("{} is not a run folder", dir.display());
        }
        let path = dir.join("trace.csv");
        if !path.is_file() {
            bail!(
                "{} has no trace.csv: make one with `xor-repro run NAME --trace-steps A..B` \
                 (or `reference NAME --trace-steps A..B`), or let `xor-repro explain NAME` run both sides",
                dir.display()
            );
        }
        let info = record::read_info(dir).ok();
        let label = info
            .as_ref()
            .map(|i| i.implementation.clone())
            .unwrap_or_else(|| folder_name(dir));
        Ok(Side {
            dir: dir.to_path_buf(),
            label,
            info,
            trace: trace::read(&path)?,
            losses: read_losses(&dir.join("loss.csv"))?,
        })
    }
}

pub(crate) fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| dir.display().to_string())
}

/// The losses of a `loss.csv` (`step,loss`), read by `diff`'s reader, or `None` without one.
pub fn read_losses(path: &Path) -> Result<Option<Vec<f64>>> {
    if !path.is_file() {
        return Ok(None);
    }
    let table = crate::diff::Table::read_allowing_no_rows(path)?;
    if table.schema != "loss" {
        bail!(
            "{}: expected step,loss, found the header of a {} file",
            path.display(),
            table.schema
        );
    }
    Ok(Some(table.values))
}

/// The first traced value whose two sides differ.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstDivergence {
    pub step: usize,
    /// Its place in the step, in program order (from 0).
    pub seq: usize,
    pub name: String,
    /// How the tensor differs: elements, how many differ, the first that does.
    pub elements: usize,
    pub differing: usize,
    pub index: usize,
    pub a: f64,
    pub b: f64,
    pub precision: Precision,
    pub ulps: u64,
    /// Values traced before it, all bit-identical.
    pub identical_before: usize,
    /// Set when the two traces do not hold the same values here (a name traced on one side
    /// only, or tensors of different sizes): the traces cannot be walked further.
    pub mismatch: Option<String>,
}

/// What `explain` found.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub first: Option<FirstDivergence>,
    /// The steps both traces hold, in order.
    pub steps: Vec<usize>,
    /// Tensors compared, and how many were bit-identical.
    pub values_compared: usize,
    pub values_identical: usize,
    /// Per traced step, the largest |difference| of any traced element.
    pub step_growth: Vec<(usize, f64)>,
    /// Per step, |loss difference| from the two `loss.csv` (when both have one).
    pub loss_growth: Vec<f64>,
    /// The first step whose two losses differ.
    pub first_loss_difference: Option<usize>,
}

impl Explanation {
    pub fn identical(&self) -> bool {
        self.first.is_none() && self.first_loss_difference.is_none()
    }
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn by_step(trace: &[TracedValue]) -> BTreeMap<usize, Vec<&TracedValue>> {
    let mut steps: BTreeMap<usize, Vec<&TracedValue>> = BTreeMap::new();
    for v in trace {
        steps.entry(v.step).or_default().push(v);
    }
    steps
}

/// Walks the two traces in step and program order (A's order; B's values are found by name
/// within the step) and finds the first value that differs.
pub fn explain(
    a: &[TracedValue],
    b: &[TracedValue],
    losses: Option<(&[f64], &[f64])>,
) -> Explanation {
    let (steps_a, steps_b) = (by_step(a), by_step(b));
    let steps: Vec<usize> = steps_a
        .keys()
        .filter(|s| steps_b.contains_key(s))
        .copied()
        .collect();
    let mut first = None;
    let mut compared = 0;
    let mut identical = 0;
    let mut growth = Vec::new();
    for &step in &steps {
        let (va, vb) = (&steps_a[&step], &steps_b[&step]);
        let mut step_max = 0.0f64;
        for x in va {
            let Some(y) = vb.iter().find(|y| y.name == x.name) else {
                if first.is_none() {
                    first = Some(mismatch(
                        x,
                        identical,
                        format!(
                            "traced on one side only: {} has it at step {step}, the other does not",
                            x.name
                        ),
                    ));
                }
                continue;
            };
            if x.values.len() != y.values.len() {
                if first.is_none() {
                    first = Some(mismatch(
                        x,
                        identical,
                        format!(
                            "{} has {} elements on one side, {} on the other",
                            x.name,
                            x.values.len(),
                            y.values.len()
                        ),
                    ));
                }
                continue;
            }
            compared += 1;
            let differing: Vec<usize> = (0..x.values.len())
                .filter(|&i| !same_bits(x.values[i], y.values[i]))
                .collect();
            for &i in &differing {
                let d = (x.values[i] - y.values[i]).abs();
                step_max = step_max.max(if d.is_nan() { f64::INFINITY } else { d });
            }
            let Some(&index) = differing.first() else {
                identical += 1;
                continue;
            };
            if first.is_none() {
                let precision = Precision::of(&[x.values.as_slice(), y.values.as_slice()].concat());
                let (va, vb) = (x.values[index], y.values[index]);
                first = Some(FirstDivergence {
                    step,
                    seq: x.seq,
                    name: x.name.clone(),
                    elements: x.values.len(),
                    differing: differing.len(),
                    index,
                    a: va,
                    b: vb,
                    precision,
                    ulps: Difference::between(va, vb, precision).ulps,
                    identical_before: identical,
                    mismatch: None,
                });
            }
        }
        if first.is_none() {
            if let Some(y) = vb.iter().find(|y| !va.iter().any(|x| x.name == y.name)) {
                first = Some(mismatch(
                    y,
                    identical,
                    format!(
                        "traced on one side only: {} has it at step {step}, the other does not",
                        y.name
                    ),
                ));
            }
        }
        growth.push((step, step_max));
    }
    let (loss_growth, first_loss_difference) = match losses {
        Some((la, lb)) => {
            let g: Vec<f64> = la
                .iter()
                .zip(lb)
                .map(|(x, y)| {
                    if same_bits(*x, *y) {
                        0.0
                    } else {
                        (x - y).abs()
                    }
                })
                .collect();
            let f = la.iter().zip(lb).position(|(x, y)| !same_bits(*x, *y));
            (
                g,
                f.or((la.len() != lb.len()).then_some(la.len().min(lb.len()))),
            )
        }
        None => (Vec::new(), None),
    };
    Explanation {
        first,
        steps,
        values_compared: compared,
        values_identical: identical,
        step_growth: growth,
        loss_growth,
        first_loss_difference,
    }
}

fn mismatch(v: &TracedValue, identical_before: usize, why: String) -> FirstDivergence {
    FirstDivergence {
        step: v.step,
        seq: v.seq,
        name: v.name.clone(),
        elements: v.values.len(),
        differing: 0,
        index: 0,
        a: f64::NAN,
        b: f64::NAN,
        precision: Precision::Float64,
        ulps: 0,
        identical_before,
        mismatch: Some(why),
    }
}

/// Reads two traced run folders and explains them.
pub fn explain_dirs(a: &Path, b: &Path) -> Result<(Explanation, Side, Side)> {
    let (sa, sb) = (Side::read(a)?, Side::read(b)?);
    if let (Some(ia), Some(ib)) = (&sa.info, &sb.info) {
        if ia.experiment != ib.experiment {
            bail!(
                "{} holds {} and {} holds {}: explain compares two runs of one experiment",
                a.display(),
                ia.experiment,
                b.display(),
                ib.experiment
            );
        }
    }
    let losses = match (&sa.losses, &sb.losses) {
        (Some(x), Some(y)) => Some((x.as_slice(), y.as_slice())),
        _ => None,
    };
    let e = explain(&sa.trace, &sb.trace, losses);
    if e.steps.is_empty() {
        bail!(
            "{} and {} trace no step in common: trace the same steps on both sides",
            a.display(),
            b.display()
        );
    }
    Ok((e, sa, sb))
}

/// Where `explain.md` and `explain.svg` go for two run folders: their shared parent (the
/// pair's folder), named after the side that is not Python when it is not the exact engine.
pub fn output_paths(a: &Side, b: &Side) -> (PathBuf, String) {
    let parent = |d: &Path| d.parent().map(Path::to_path_buf);
    let folder = match (parent(&a.dir), parent(&b.dir)) {
        (Some(x), Some(y)) if x == y => x,
        (Some(x), _) => x,
        _ => PathBuf::from("."),
    };
    let (na, nb) = (folder_name(&a.dir), folder_name(&b.dir));
    let stem = match (na.as_str(), nb.as_str()) {
        ("rust", "python") | ("python", "rust") => "explain".to_string(),
        (x, "python") | ("python", x) => format!("explain-{x}"),
        (x, y) => format!("explain-{x}-vs-{y}"),
    };
    (folder, stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_are_read_by_diffs_reader_a_missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.csv");
        assert_eq!(read_losses(&path).unwrap(), None);
        std::fs::write(&path, "step,loss\n").unwrap();
        assert_eq!(read_losses(&path).unwrap(), Some(Vec::new()));
        std::fs::write(&path, "step,loss\n0,0.5\n1,0.25\n").unwrap();
        assert_eq!(read_losses(&path).unwrap(), Some(vec![0.5, 0.25]));
        std::fs::write(&path, "step,loss\n0,0.5\n1,oops\n").unwrap();
        let err = format!("{:#}", read_losses(&path).unwrap_err());
        assert!(err.contains("line 3"), "{err}");
        std::fs::write(&path, "x1,x2,prediction\n0,0,0.5\n").unwrap();
        assert!(read_losses(&path).is_err());
    }
}
