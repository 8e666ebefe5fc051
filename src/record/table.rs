//! The run files of a port of one's own (docs/CONTRACT.md#run-files): `predictions.csv` of any
//! shape, built from named arrays whose first dimension is the row, and `metrics.csv`, any
//! per-step numbers beside the loss. The Python recorder (`python/xor_repro_record.py`) builds
//! both by the same rules, so the two sides' files share their columns.

use anyhow::{bail, Result};
use std::fmt::Write as _;

/// One named array: its shape and its values, row-major, widened exactly to f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<'a> {
    pub name: &'a str,
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

/// A table of rows under named columns, written with a leading `row` column (0, 1, …) that
/// `diff` matches rows by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    /// `rows[r][c]` is column `c` of row `r`.
    pub rows: Vec<Vec<f64>>,
}

impl Table {
    /// The table of `arrays`, side by side: each array's first dimension is the row; an array
    /// of shape `[n]` or `[n, 1]` is one column `NAME`, one with more values per row is
    /// `NAME0`, `NAME1`, … (its trailing dimensions flattened row-major), and a 0-dimensional
    /// array is one row. Every array must have the same number of rows.
    pub fn from_arrays(arrays: &[Named]) -> Result<Table> {
        let mut table = Table::default();
        let mut rows: Option<(usize, &str)> = None;
        for array in arrays {
            let n = array.shape.first().copied().unwrap_or(1);
            let per_row: usize = array.shape.iter().skip(1).product();
            if array.values.len() != n * per_row {
                bail!(
                    "{}: {} values for shape {:?}",
                    array.name,
                    array.values.len(),
                    array.shape
                );
            }
            match rows {
                Some((m, first)) if m != n => bail!(
                    "predictions: {} has {n} rows, {first} has {m}; every array's first dimension is the row",
                    array.name
                ),
                None => rows = Some((n, array.name)),
                _ => {}
            }
            if per_row == 1 {
                table.columns.push(array.name.to_string());
            } else {
                table
                    .columns
                    .extend((0..per_row).map(|i| format!("{}{i}", array.name)));
            }
        }
        if let Some(twice) = table
            .columns
            .iter()
            .enumerate()
            .find(|(i, c)| table.columns[..*i].contains(c))
        {
            bail!("predictions: two columns named {}", twice.1);
        }
        let n = rows.map_or(0, |(n, _)| n);
        table.rows = (0..n)
            .map(|r| {
                arrays
                    .iter()
                    .flat_map(|a| {
                        let per_row = a.values.len() / n.max(1);
                        a.values[r * per_row..(r + 1) * per_row].iter().copied()
                    })
                    .collect()
            })
            .collect();
        Ok(table)
    }

    /// The CSV text: `row,COLUMN,…`.
    pub fn csv(&self) -> String {
        let mut s = String::from("row");
        for c in &self.columns {
            s.push(',');
            s.push_str(c);
        }
        s.push('\n');
        for (r, row) in self.rows.iter().enumerate() {
            let _ = write!(s, "{r}");
            for v in row {
                let _ = write!(s, ",{}", super::number(*v));
            }
            s.push('\n');
        }
        s
    }
}

/// Per-step metrics (`metrics.csv`): one row per step that recorded any, one column per
/// metric in the order first recorded, an empty cell where a step did not record one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    names: Vec<String>,
    /// Steps in the order first recorded, each with its values by column.
    steps: Vec<(usize, Vec<Option<f64>>)>,
}

impl Metrics {
    /// Records `value` as metric `name` of step `step`; a second value for the same step and
    /// name replaces the first.
    pub fn record(&mut self, step: usize, name: &str, value: f64) {
        let column = match self.names.iter().position(|n| n == name) {
            Some(c) => c,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        let row = match self.steps.iter().position(|(s, _)| *s == step) {
            Some(r) => r,
            None => {
                self.steps.push((step, Vec::new()));
                self.steps.len() - 1
            }
        };
        let values = &mut self.steps[row].1;
        if values.len() <= column {
            values.resize(column + 1, None);
        }
        values[column] = Some(value);
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The values of metric `name`, by step, in the order recorded.
    pub fn values(&self, name: &str) -> Vec<(usize, f64)> {
        let Some(c) = self.names.iter().position(|n| n == name) else {
            return Vec::new();
        };
        self.steps
            .iter()
            .filter_map(|(s, v)| v.get(c).copied().flatten().map(|v| (*s, v)))
            .collect()
    }

    /// The CSV text: `step,NAME,…`.
    pub fn csv(&self) -> String {
        let mut s = String::from("step");
        for n in &self.names {
            s.push(',');
            s.push_str(n);
        }
        s.push('\n');
        for (step, values) in &self.steps {
            let _ = write!(s, "{step}");
            for c in 0..self.names.len() {
                match values.get(c).copied().flatten() {
                    Some(v) => {
                        let _ = write!(s, ",{}", super::number(v));
                    }
                    None => s.push(','),
                }
            }
            s.push('\n');
        }
        s
    }
}
