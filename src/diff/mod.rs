//! Number-by-number comparison of two runs (docs/CONTRACT.md#command-line, `diff`): rows compared, rows
//! bit-identical, max abs / rel / ulps error, and the first row outside tolerance.
//!
//! Works on two run folders (every CSV of the run) or on two CSV files of the same schema.
//! Ulps are counted in the data's precision: float32 when every value on both sides is
//! exactly a float32, else float64.

pub mod columns;
pub mod data;
pub mod stream;

use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};

/// CSV files of a run folder, in the order they are reported.
pub const RUN_FILES: [&str; 5] = [
    "loss.csv",
    "params.csv",
    "predictions.csv",
    "last_epoch_predictions.csv",
    "surface.csv",
];

/// How far apart two values may be. A row is within tolerance when it is bit-identical, or
/// when a tolerance is set and any bound holds. The default (no tolerance) is bit identity:
/// +0 against -0 is a difference then (NaN against NaN is not: a CSV's text keeps no NaN
/// payload, so NaNs are equal to each other whatever their bits).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tolerance {
    pub abs: f64,
    pub rel: f64,
    pub ulps: u64,
}

/// The columns that identify a row and the one that holds its value, per schema.
const SCHEMAS: [(&str, &[&str], &str); 4] = [
    ("loss", &["step"], "loss"),
    ("params", &["stage", "name", "index"], "value"),
    ("predictions", &["x1", "x2", "target"], "prediction"),
    ("surface", &["x1", "x2"], "prediction"),
];

/// One CSV file: a key and a value per row.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub schema: &'static str,
    pub keys: Vec<String>,
    pub values: Vec<f64>,
}

impl Table {
    /// Reads a run CSV, recognising its schema by its header; a header without rows is an
    /// error (there is nothing to compare).
    pub fn read(path: &Path) -> Result<Table> {
        let table = Table::read_allowing_no_rows(path)?;
        if table.values.is_empty() {
            bail!("{} has a header but no rows", path.display());
        }
        Ok(table)
    }

    /// [`Table::read`], where a header without rows is a table of none: a run that recorded
    /// no loss writes its `loss.csv` so.
    pub fn read_allowing_no_rows(path: &Path) -> Result<Table> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut lines = text.lines();
        let header = lines.next().filter(|h| !h.trim().is_empty());
        let header = header.ok_or_else(|| anyhow!("{} is empty", path.display()))?;
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        let (schema, key_columns, value_column) = SCHEMAS
            .iter()
            .find(|(_, keys, value)| {
                columns.len() == keys.len() + 1
                    && columns[..keys.len()] == keys[..]
                    && columns[keys.len()] == *value
            })
            .ok_or_else(|| {
                anyhow!(
                    "{}: unrecognised header {header:?} (expected step,loss or \
                     stage,name,index,value or x1,x2,target,prediction or x1,x2,prediction)",
                    path.display()
                )
            })?;
        let mut table = Table {
            path: path.to_path_buf(),
            schema,
            keys: Vec::new(),
            values: Vec::new(),
        };
        for (i, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let line_no = i + 2;
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != columns.len() {
                bail!(
                    "{}: line {line_no} has {} fields, the header has {}",
                    path.display(),
                    fields.len(),
                    columns.len()
                );
            }
            let raw = fields[key_columns.len()];
            let value: f64 = raw.parse().map_err(|_| {
                anyhow!(
                    "{}: line {line_no}: {value_column} {raw:?} is not a number",
                    path.display()
                )
            })?;
            let key = key_columns
                .iter()
                .zip(&fields)
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            table.keys.push(key);
            table.values.push(value);
        }
        Ok(table)
    }
}

/// Precision in which ulps are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Float32,
    Float64,
}

impl Precision {
    pub fn of(values: &[f64]) -> Precision {
        if values
            .iter()
            .all(|v| v.is_nan() || (*v as f32) as f64 == *v)
        {
            Precision::Float32
        } else {
            Precision::Float64
        }
    }
}

/// How two values differ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub abs: f64,
    pub rel: f64,
    pub ulps: u64,
    pub identical: bool,
}

impl Difference {
    pub fn between(a: f64, b: f64, precision: Precision) -> Difference {
        if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) {
            return Difference {
                abs: 0.0,
                rel: 0.0,
                ulps: 0,
                identical: true,
            };
        }
        let abs = (a - b).abs();
        let scale = a.abs().max(b.abs());
        let rel = if abs == 0.0 { 0.0 } else { abs / scale };
        let ulps = if a.is_nan() || b.is_nan() {
            u64::MAX
        } else {
            match precision {
                Precision::Float32 => ulps_f32(a as f32, b as f32),
                Precision::Float64 => ulps_f64(a, b),
            }
        };
        let abs = if abs.is_nan() { f64::INFINITY } else { abs };
        let rel = if rel.is_nan() { f64::INFINITY } else { rel };
        Difference {
            abs,
            rel,
            ulps,
            identical: false,
        }
    }

    /// Within tolerance: identical bits (NaN equals NaN), or within a bound that was
    /// widened. At the default (every bound zero) only identical bits are: +0 against -0
    /// is a difference.
    pub fn within(&self, tol: &Tolerance) -> bool {
        self.identical
            || (tol.abs > 0.0 && self.abs <= tol.abs)
            || (tol.rel > 0.0 && self.rel <= tol.rel)
            || (tol.ulps > 0 && self.ulps <= tol.ulps)
    }

    /// The two values are +0 and -0.
    pub fn only_sign_of_zero(&self) -> bool {
        !self.identical && self.abs == 0.0
    }
}

/// Distance in representable float32 values (+0 and -0 are the same point).
fn ulps_f32(a: f32, b: f32) -> u64 {
    let ordered = |x: f32| {
        let bits = x.to_bits();
        if bits >> 31 == 1 {
            -((bits & 0x7fff_ffff) as i64)
        } else {
            bits as i64
        }
    };
    ordered(a).abs_diff(ordered(b))
}

/// Distance in representable float64 values.
fn ulps_f64(a: f64, b: f64) -> u64 {
    let ordered = |x: f64| {
        let bits = x.to_bits();
        if bits >> 63 == 1 {
            -((bits & !(1 << 63)) as i128)
        } else {
            bits as i128
        }
    };
    ordered(a).abs_diff(ordered(b)).min(u64::MAX as u128) as u64
}

/// The first row outside tolerance.
#[derive(Debug, Clone)]
pub struct Divergence {
    pub row: usize,
    pub key: String,
    pub a: f64,
    pub b: f64,
    pub difference: Difference,
}

/// The comparison of one file.
#[derive(Debug, Clone)]
pub struct FileDiff {
    pub name: String,
    pub rows_a: usize,
    pub rows_b: usize,
    pub compared: usize,
    pub identical: usize,
    pub max_abs: f64,
    pub max_rel: f64,
    pub max_ulps: u64,
    pub precision: Precision,
    pub first_outside: Option<Divergence>,
}

impl FileDiff {
    pub fn within_tolerance(&self) -> bool {
        self.rows_a == self.rows_b && self.first_outside.is_none()
    }
}

/// Compares two tables row by row (the common prefix when their lengths differ).
pub fn compare(a: &Table, b: &Table, tol: &Tolerance) -> Result<FileDiff> {
    if a.schema != b.schema {
        bail!(
            "{} ({}) and {} ({}) hold different kinds of data",
            a.path.display(),
            a.schema,
            b.path.display(),
            b.schema
        );
    }
    let n = a.values.len().min(b.values.len());
    let precision = match (Precision::of(&a.values), Precision::of(&b.values)) {
        (Precision::Float32, Precision::Float32) => Precision::Float32,
        _ => Precision::Float64,
    };
    let name = a
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut diff = FileDiff {
        name,
        rows_a: a.values.len(),
        rows_b: b.values.len(),
        compared: n,
        identical: 0,
        max_abs: 0.0,
        max_rel: 0.0,
        max_ulps: 0,
        precision,
        first_outside: None,
    };
    for row in 0..n {
        if a.keys[row] != b.keys[row] {
            bail!(
                "row {} differs in what it is: {} has {:?}, {} has {:?}",
                row + 1,
                a.path.display(),
                a.keys[row],
                b.path.display(),
                b.keys[row]
            );
        }
        let d = Difference::between(a.values[row], b.values[row], precision);
        diff.identical += d.identical as usize;
        diff.max_abs = diff.max_abs.max(d.abs);
        diff.max_rel = diff.max_rel.max(d.rel);
        diff.max_ulps = diff.max_ulps.max(d.ulps);
        if diff.first_outside.is_none() && !d.within(tol) {
            diff.first_outside = Some(Divergence {
                row,
                key: a.keys[row].clone(),
                a: a.values[row],
                b: b.values[row],
                difference: d,
            });
        }
    }
    Ok(diff)
}

/// Compares two CSV files.
pub fn diff_files(a: &Path, b: &Path, tol: &Tolerance) -> Result<FileDiff> {
    compare(&Table::read(a)?, &Table::read(b)?, tol)
}

/// A value for humans: `0` when exactly zero, else 3 significant digits.
pub fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.3e}")
    }
}
