//! `explain`: where two runs part, and why. It walks two traces (`trace.npz`, or an older
//! run's `trace.csv`) side by side, by
//! step and then in program order, and names the first traced value that differs: every value
//! traced before it (its inputs among them) is bit-identical, so the operation that produced
//! it is where the runs part. It says how many elements of that tensor differ, gives both
//! values in decimal and hex with the ulps between them, the kernel each side ran where its
//! `run.json` knows it, and how the difference grows afterwards (`explain.md`,
//! `explain.svg`).
//!
//! A `trace.npz` is walked one array at a time, from its central directory: two arrays
//! whose bytes are equal are identical without a value being read, and memory is two chunks
//! of one array, whatever the run's length ([`crate::diff::stream`]).

pub mod render;
pub mod run;

use crate::diff::stream::{self, ArrayDiff};
use crate::diff::{Precision, Tolerance};
use crate::record::npz::NpzIndex;
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
    pub trace: TraceFile,
    /// `loss.csv`, when the folder has one.
    pub losses: Option<Vec<f64>>,
}

impl Side {
    /// Reads a run folder that holds a `trace.npz` (its directory only) or a `trace.csv`.
    pub fn read(dir: &Path) -> Result<Side> {
        if !dir.is_dir() {
            bail!("{} is not a run folder", dir.display());
        }
        let (npz, csv) = (dir.join("trace.npz"), dir.join("trace.csv"));
        let trace = if npz.is_file() {
            TraceFile::Npz(TracedArrays::open(&npz)?)
        } else if csv.is_file() {
            TraceFile::Csv(trace::read(&csv)?)
        } else {
            bail!(
                "{} has no trace.csv or trace.npz: trace a port with --trace (or --trace-steps A..B); \
                 make one with `xor-repro run NAME --trace-steps A..B` \
                 (or `reference NAME --trace-steps A..B`), or let `xor-repro explain NAME` run both sides",
                dir.display()
            );
        };
        let info = record::read_info(dir).ok();
        let label = info
            .as_ref()
            .map(|i| i.implementation.clone())
            .unwrap_or_else(|| folder_name(dir));
        Ok(Side {
            dir: dir.to_path_buf(),
            label,
            info,
            trace,
            losses: read_losses(&dir.join("loss.csv"))?,
        })
    }
}

/// A side's trace: values read from an older run's `trace.csv`, or the arrays of a
/// `trace.npz`, read one at a time when compared.
pub enum TraceFile {
    Csv(Vec<TracedValue>),
    Npz(TracedArrays),
}

/// The arrays of a `trace.npz` with their step, seq and name (from the entries' names).
pub struct TracedArrays {
    pub index: NpzIndex,
    /// Per entry of `index`: step, seq, name.
    pub names: Vec<(usize, usize, String)>,
}

impl TracedArrays {
    pub fn open(path: &Path) -> Result<TracedArrays> {
        let index = NpzIndex::open(path)?;
        let names = index
            .entries
            .iter()
            .map(|e| {
                trace::parse_entry_name(&e.name)
                    .map(|(step, seq, name)| (step, seq, name.to_string()))
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}: array {:?} is not named STEP/SEQ/NAME",
                            path.display(),
                            e.name
                        )
                    })
            })
            .collect::<Result<_>>()?;
        Ok(TracedArrays { index, names })
    }
}

/// One traced value, as the walk sees it before reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedName {
    pub step: usize,
    pub seq: usize,
    pub name: String,
}

impl TraceFile {
    /// Every traced value's step, seq and name, in file order.
    pub fn names(&self) -> Vec<TracedName> {
        match self {
            TraceFile::Csv(values) => values
                .iter()
                .map(|v| TracedName {
                    step: v.step,
                    seq: v.seq,
                    name: v.name.clone(),
                })
                .collect(),
            TraceFile::Npz(arrays) => arrays
                .names
                .iter()
                .map(|(step, seq, name)| TracedName {
                    step: *step,
                    seq: *seq,
                    name: name.clone(),
                })
                .collect(),
        }
    }

    /// Whether it traces `name` at `step`.
    pub fn has(&self, step: usize, name: &str) -> bool {
        match self {
            TraceFile::Csv(values) => values.iter().any(|v| v.step == step && v.name == name),
            TraceFile::Npz(arrays) => arrays.names.iter().any(|(s, _, n)| *s == step && n == name),
        }
    }

    /// Value `i`'s elements, widened to f64 (an array read whole).
    fn values(&self, i: usize) -> Result<std::borrow::Cow<'_, [f64]>> {
        Ok(match self {
            TraceFile::Csv(values) => values[i].values.as_slice().into(),
            TraceFile::Npz(arrays) => arrays.index.open_array(i)?.read_f64()?.into(),
        })
    }

    /// Value `i`'s element count.
    fn elements(&self, i: usize) -> Result<u64> {
        Ok(match self {
            TraceFile::Csv(values) => values[i].values.len() as u64,
            TraceFile::Npz(arrays) => arrays.index.open_array(i)?.elements(),
        })
    }
}

/// Value `i` of `a` against value `j` of `b`: `None` when their sizes differ. Two arrays of
/// `trace.npz` files are streamed, bytes first; otherwise (an older `trace.csv` on either
/// side) both are read whole and ulps counted in float32 when every value is one, as before.
fn compare_values(a: &TraceFile, i: usize, b: &TraceFile, j: usize) -> Result<Option<ArrayDiff>> {
    let (na, nb) = (a.elements(i)?, b.elements(j)?);
    if na != nb {
        return Ok(None);
    }
    let exact = Tolerance::default();
    if let (TraceFile::Npz(x), TraceFile::Npz(y)) = (a, b) {
        if let Some((mut sa, mut sb)) = stream::open_pair(&x.index, i, &y.index, j)? {
            return Ok(Some(stream::compare_streams(&mut sa, &mut sb, &exact)?));
        }
    }
    let (va, vb) = (a.values(i)?, b.values(j)?);
    let precision = Precision::of(&[&va[..], &vb[..]].concat());
    let mut d = ArrayDiff::new(precision);
    d.add_values(0, &va, &vb, &exact);
    Ok(Some(d))
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
    /// Tensors traced before it, all bit-identical, and the numbers they hold.
    pub identical_before: usize,
    pub identical_numbers_before: u64,
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
    /// The numbers those tensors hold.
    pub numbers_compared: u64,
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

/// Positions of each step's values, in file order.
fn by_step(names: &[TracedName]) -> BTreeMap<usize, Vec<usize>> {
    let mut steps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, v) in names.iter().enumerate() {
        steps.entry(v.step).or_default().push(i);
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
    let (a, b) = (TraceFile::Csv(a.to_vec()), TraceFile::Csv(b.to_vec()));
    explain_traces(&a, &b, losses).expect("values in memory are always readable")
}

/// [`explain`] on two traces of any kind, reading one array of each at a time.
pub fn explain_traces(
    a: &TraceFile,
    b: &TraceFile,
    losses: Option<(&[f64], &[f64])>,
) -> Result<Explanation> {
    let (names_a, names_b) = (a.names(), b.names());
    let (steps_a, steps_b) = (by_step(&names_a), by_step(&names_b));
    let steps: Vec<usize> = steps_a
        .keys()
        .filter(|s| steps_b.contains_key(s))
        .copied()
        .collect();
    let mut first = None;
    let mut compared = 0;
    let mut identical = 0;
    let (mut numbers, mut identical_numbers) = (0u64, 0u64);
    let mut growth = Vec::new();
    for &step in &steps {
        let (va, vb) = (&steps_a[&step], &steps_b[&step]);
        let in_b: std::collections::HashMap<&str, usize> =
            vb.iter().map(|&j| (names_b[j].name.as_str(), j)).collect();
        let mut step_max = 0.0f64;
        for &i in va {
            let x = &names_a[i];
            let Some(&j) = in_b.get(x.name.as_str()) else {
                if first.is_none() {
                    first = Some(mismatch(
                        x,
                        a.elements(i)?,
                        (identical, identical_numbers),
                        format!(
                            "traced on one side only: {} has it at step {step}, the other does not",
                            x.name
                        ),
                    ));
                }
                continue;
            };
            let Some(d) = compare_values(a, i, b, j)? else {
                if first.is_none() {
                    first = Some(mismatch(
                        x,
                        a.elements(i)?,
                        (identical, identical_numbers),
                        format!(
                            "{} has {} elements on one side, {} on the other",
                            x.name,
                            a.elements(i)?,
                            b.elements(j)?
                        ),
                    ));
                }
                continue;
            };
            compared += 1;
            numbers += d.compared;
            step_max = step_max.max(d.max_abs);
            let Some(at) = d.first_difference else {
                identical += 1;
                identical_numbers += d.compared;
                continue;
            };
            if first.is_none() {
                first = Some(FirstDivergence {
                    step,
                    seq: x.seq,
                    name: x.name.clone(),
                    elements: d.compared as usize,
                    differing: d.differing() as usize,
                    index: at.index as usize,
                    a: at.a,
                    b: at.b,
                    precision: d.precision,
                    ulps: at.difference.ulps,
                    identical_before: identical,
                    identical_numbers_before: identical_numbers,
                    mismatch: None,
                });
            }
        }
        if first.is_none() {
            let in_a: std::collections::HashSet<&str> =
                va.iter().map(|&i| names_a[i].name.as_str()).collect();
            if let Some(&j) = vb
                .iter()
                .find(|&&j| !in_a.contains(names_b[j].name.as_str()))
            {
                first = Some(mismatch(
                    &names_b[j],
                    b.elements(j)?,
                    (identical, identical_numbers),
                    format!(
                        "traced on one side only: {} has it at step {step}, the other does not",
                        names_b[j].name
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
    Ok(Explanation {
        first,
        steps,
        values_compared: compared,
        values_identical: identical,
        numbers_compared: numbers,
        step_growth: growth,
        loss_growth,
        first_loss_difference,
    })
}

fn mismatch(
    v: &TracedName,
    elements: u64,
    (identical_before, identical_numbers_before): (usize, u64),
    why: String,
) -> FirstDivergence {
    FirstDivergence {
        step: v.step,
        seq: v.seq,
        name: v.name.clone(),
        elements: elements as usize,
        differing: 0,
        index: 0,
        a: f64::NAN,
        b: f64::NAN,
        precision: Precision::Float64,
        ulps: 0,
        identical_before,
        identical_numbers_before,
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
    let e = explain_traces(&sa.trace, &sb.trace, losses)?;
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
