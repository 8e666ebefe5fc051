//! `--init-from`: initial parameter values read from a `params.csv`-schema file.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Initial parameter values read from a `params.csv`-schema file (`--init-from`): rows of
/// stage `initial`, or every row if the file has only one stage.
#[derive(Debug, Clone, Default)]
pub struct InitialParams {
    pub source: PathBuf,
    pub values: BTreeMap<String, Vec<f64>>,
}

impl InitialParams {
    pub fn read(path: &Path) -> Result<InitialParams> {
        let ctx = || format!("cannot use {} as initial parameters", path.display());
        let mut reader = csv::Reader::from_path(path).with_context(ctx)?;
        let headers = reader.headers().with_context(ctx)?.clone();
        if headers.iter().collect::<Vec<_>>() != ["stage", "name", "index", "value"] {
            bail!(
                "{}: expected the header stage,name,index,value, found {}",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(",")
            );
        }
        let mut by_stage: BTreeMap<String, BTreeMap<String, Vec<(usize, f64)>>> = BTreeMap::new();
        for (i, row) in reader.records().enumerate() {
            let line = i + 2;
            let row = row.with_context(|| format!("{}: line {line}", path.display()))?;
            let index: usize = row[2].trim().parse().with_context(|| {
                format!(
                    "{}: line {line}: index {:?} is not a whole number",
                    path.display(),
                    &row[2]
                )
            })?;
            let value: f64 = row[3].trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "{}: line {line}: value {:?} is not a number",
                    path.display(),
                    &row[3]
                )
            })?;
            by_stage
                .entry(row[0].to_string())
                .or_default()
                .entry(row[1].to_string())
                .or_default()
                .push((index, value));
        }
        let rows = match by_stage.remove("initial") {
            Some(rows) => rows,
            None if by_stage.len() == 1 => by_stage.into_values().next().unwrap(),
            None => bail!("{}: no parameters of stage initial", path.display()),
        };
        let mut values = BTreeMap::new();
        for (name, mut entries) in rows {
            entries.sort_by_key(|(i, _)| *i);
            for (expected, (i, _)) in entries.iter().enumerate() {
                if *i != expected {
                    bail!(
                        "{}: {name} has no value at index {expected}",
                        path.display()
                    );
                }
            }
            values.insert(name, entries.into_iter().map(|(_, v)| v).collect());
        }
        Ok(InitialParams {
            source: path.to_path_buf(),
            values,
        })
    }

    /// The values of one parameter, checked against the size the experiment expects.
    pub fn take(&self, name: &str, shape: &[usize]) -> Result<Vec<f64>> {
        let expected: usize = shape.iter().product();
        let values = self.values.get(name).with_context(|| {
            format!(
                "{} has no parameter {name} (it has: {})",
                self.source.display(),
                self.values.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        if values.len() != expected {
            bail!(
                "{}: {name} has {} values, the experiment needs {expected} (shape {shape:?})",
                self.source.display(),
                values.len()
            );
        }
        Ok(values.clone())
    }

    /// Fails on names the experiment does not have, so a typo is not silently ignored.
    pub fn check_names(&self, known: &[&str]) -> Result<()> {
        for name in self.values.keys() {
            if !known.contains(&name.as_str()) {
                bail!(
                    "{}: unknown parameter {name} for this experiment (expected: {})",
                    self.source.display(),
                    known.join(", ")
                );
            }
        }
        Ok(())
    }
}
