//! Run records (SPEC §5): what one run of an experiment produced, and how it is written to
//! `DIR/NAME/seed-S/{rust,python}/`.
//!
//! A run folder is written whole into a temporary sibling and renamed into place at the end,
//! so an interrupted run never leaves a folder, or a `loss.csv`, that looks complete.
//! Numbers are written as the shortest decimal that reads back to the same float64; a float32
//! is widened exactly first, so bit-identical runs give numerically identical files.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Whether a parameter value was taken before or after training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Initial,
    Final,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initial => "initial",
            Stage::Final => "final",
        }
    }
}

/// One parameter tensor at one stage, flattened row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub stage: Stage,
    pub name: String,
    pub values: Vec<f64>,
}

/// The network's output for one XOR input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub x1: f64,
    pub x2: f64,
    pub target: f64,
    pub prediction: f64,
}

/// Everything one run produced.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// One loss per step (epoch, or sample for online training), before that step's update.
    pub losses: Vec<f64>,
    pub params: Vec<Param>,
    /// The forward pass of the trained network: `predictions.csv`.
    pub predictions: Vec<Prediction>,
    /// The forward pass of the last training epoch, taken before its update: what notebooks
    /// 000 and 004 print as their "final" predictions. `last_epoch_predictions.csv`.
    pub last_epoch_predictions: Vec<Prediction>,
    /// `(x1, x2, prediction)` on notebook 002's 50×50 grid: `surface.csv`.
    pub surface: Vec<[f64; 3]>,
    /// What the notebook prints, in its format.
    pub transcript: String,
    /// The first step whose forward pass put all four XOR outputs on the right side of 0.5,
    /// for experiments that track it (`sweep` reports it; no file holds it).
    pub first_solved: Option<usize>,
    /// The values of the traced steps (`--trace`): `trace.csv`.
    pub trace: crate::trace::Trace,
}

impl RunRecord {
    /// Adds a parameter tensor's values (any float type, widened exactly to f64).
    pub fn push_param(&mut self, stage: Stage, name: &str, values: Vec<f64>) {
        self.params.push(Param {
            stage,
            name: name.to_string(),
            values,
        });
    }

    /// Notes the four outputs of step `step`'s forward pass (in XOR input order) until they
    /// first classify XOR correctly. `outputs` is called only while unsolved, so a solved run
    /// pays nothing more.
    pub fn track_solved(&mut self, step: usize, outputs: impl FnOnce() -> Vec<f64>) {
        if self.first_solved.is_none() && crate::xor::accuracy(&outputs()) == 1.0 {
            self.first_solved = Some(step);
        }
    }

    /// Appends one line to the transcript, and echoes it when asked to.
    pub fn say(&mut self, echo: bool, line: impl AsRef<str>) {
        let line = line.as_ref();
        if echo {
            crate::outln!("{line}");
        }
        self.transcript.push_str(line);
        self.transcript.push('\n');
    }
}

/// `run.json`: what was run, how, and how long it took.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    pub experiment: String,
    pub notebook: String,
    pub seed: u64,
    pub steps: usize,
    /// Absent from a run recorded by a script that did not say (`xor_repro_record`).
    #[serde(default = "unknown_lr")]
    pub lr: f64,
    #[serde(default)]
    pub init_from: Option<String>,
    /// `rust` or `python`.
    pub implementation: String,
    pub versions: BTreeMap<String, String>,
    /// The kernel path of each library that decides the bits (SPEC §5): on the Rust side the
    /// path emulated and why, on the Python side what the library reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kernels: BTreeMap<String, crate::kernels::KernelPath>,
    pub wall_seconds: f64,
    /// The commit and compiler of the binary that made the run (the Rust side's; run
    /// folders written before it was recorded have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<crate::build_info::BuildInfo>,
}

fn unknown_lr() -> f64 {
    f64::NAN
}

/// The folder of one side of one run: `DIR/NAME/seed-S/SIDE`.
pub fn run_dir(out: &Path, experiment: &str, seed: u64, side: &str) -> PathBuf {
    out.join(experiment).join(format!("seed-{seed}")).join(side)
}

/// Shortest decimal that reads back to the same float64 (Python's `repr` does the same).
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        ryu::Buffer::new().format_finite(x).to_string()
    }
}

fn loss_csv(losses: &[f64]) -> String {
    let mut s = String::with_capacity(24 * losses.len() + 16);
    s.push_str("step,loss\n");
    for (step, loss) in losses.iter().enumerate() {
        let _ = writeln!(s, "{step},{}", number(*loss));
    }
    s
}

fn params_csv(params: &[Param]) -> String {
    let mut s = String::from("stage,name,index,value\n");
    for p in params {
        for (i, v) in p.values.iter().enumerate() {
            let _ = writeln!(s, "{},{},{i},{}", p.stage.as_str(), p.name, number(*v));
        }
    }
    s
}

fn predictions_csv(predictions: &[Prediction]) -> String {
    let mut s = String::from("x1,x2,target,prediction\n");
    for p in predictions {
        let _ = writeln!(
            s,
            "{},{},{},{}",
            number(p.x1),
            number(p.x2),
            number(p.target),
            number(p.prediction)
        );
    }
    s
}

fn surface_csv(surface: &[[f64; 3]]) -> String {
    let mut s = String::from("x1,x2,prediction\n");
    for [x1, x2, p] in surface {
        let _ = writeln!(s, "{},{},{}", number(*x1), number(*x2), number(*p));
    }
    s
}

/// Writes a run folder atomically: everything goes to a temporary sibling first, which then
/// replaces `dir`. Extra files (plots) can be added by `write_run_with` before the rename.
pub fn write_run(dir: &Path, record: &RunRecord, info: &RunInfo) -> Result<()> {
    write_run_with(dir, record, info, |_| Ok(()))
}

/// `write_run`, calling `extra` with the temporary folder once the CSVs are in it, so files
/// made from them (plots) are renamed into place together with them.
pub fn write_run_with(
    dir: &Path,
    record: &RunRecord,
    info: &RunInfo,
    extra: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let parent = dir.parent().context("run folder has no parent")?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create output folder {}", parent.display()))?;
    let name = dir
        .file_name()
        .context("run folder has no name")?
        .to_string_lossy();
    let tmp = parent.join(format!(".tmp-{name}-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir(&tmp)
        .with_context(|| format!("cannot write to output folder {}", parent.display()))?;
    let result = (|| -> Result<()> {
        let write = |file: &str, text: String| {
            std::fs::write(tmp.join(file), text)
                .with_context(|| format!("cannot write {}", tmp.join(file).display()))
        };
        write("loss.csv", loss_csv(&record.losses))?;
        write("params.csv", params_csv(&record.params))?;
        write("predictions.csv", predictions_csv(&record.predictions))?;
        if !record.last_epoch_predictions.is_empty() {
            write(
                "last_epoch_predictions.csv",
                predictions_csv(&record.last_epoch_predictions),
            )?;
        }
        if !record.surface.is_empty() {
            write("surface.csv", surface_csv(&record.surface))?;
        }
        if !record.trace.is_empty() {
            write("trace.csv", record.trace.csv())?;
        }
        write("transcript.txt", record.transcript.clone())?;
        write("run.json", serde_json::to_string_pretty(info)? + "\n")?;
        extra(&tmp)
    })();
    if let Err(err) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(err);
    }
    replace_dir(&tmp, dir)
}

/// Writes one file atomically: a temporary sibling first, renamed over `path`, so a reader
/// never sees half a file.
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    let name = path
        .file_name()
        .context("file has no name")?
        .to_string_lossy();
    let tmp = path.with_file_name(format!(".tmp-{name}-{}", std::process::id()));
    std::fs::write(&tmp, contents).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot move the finished file into {}", path.display())
    })
}

/// Moves a finished folder into place, replacing what was there.
pub fn replace_dir(finished: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    std::fs::rename(finished, dir)
        .with_context(|| format!("cannot move the finished run into {}", dir.display()))
}

/// Reads `run.json` of a run folder.
pub fn read_info(dir: &Path) -> Result<RunInfo> {
    let path = dir.join("run.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a run record", path.display()))
}

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
