//! Run records (docs/CONTRACT.md#run-files): what one run of an experiment produced, and how it is written to
//! `DIR/NAME/seed-S/{rust,python}/`.
//!
//! A run folder is written whole into a temporary sibling and renamed into place at the end,
//! so an interrupted run never leaves a folder, or a `loss.csv`, that looks complete.
//! Numbers are written as the shortest decimal that reads back to the same float64; a float32
//! is widened exactly first, so bit-identical runs give numerically identical files.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub mod export;
pub mod initial;
pub mod npz;
pub mod number;
pub mod table;
pub mod trace;

pub use crate::xor::Prediction;
pub use initial::InitialParams;
pub use number::number;

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
    /// A port of one's own's predictions, of any shape: `predictions.csv` (`row,…`) in place
    /// of the XOR rows.
    pub prediction_table: Option<table::Table>,
    /// A port of one's own's per-step metrics: `metrics.csv`.
    pub metrics: table::Metrics,
    /// `(x1, x2, prediction)` on notebook 002's 50×50 grid: `surface.csv`.
    pub surface: Vec<[f64; 3]>,
    /// What the notebook prints, in its format.
    pub transcript: String,
    /// The first step whose forward pass put all four XOR outputs on the right side of 0.5,
    /// for experiments that track it (`sweep` reports it; no file holds it).
    pub first_solved: Option<usize>,
    /// The values of the traced steps (`--trace`): `trace.csv`, or for a port of one's own
    /// `trace.npz`, streamed into the run's [`Staging`] folder as they come.
    pub trace: trace::Trace,
    /// The parameters went into `params.npz` as they came (a port of one's own): no
    /// `params.csv`.
    pub params_in_npz: bool,
    /// Whether [`RunRecord::print`] prints to standard output as well.
    pub(crate) print_transcript: bool,
    /// The run's progress bar, moved on by [`RunRecord::end_step`].
    pub(crate) progress: Option<crate::console::progress::Progress>,
}

impl RunRecord {
    /// An empty record whose [`RunRecord::print`] also prints when `print_transcript`.
    pub fn printing(print_transcript: bool) -> RunRecord {
        RunRecord {
            print_transcript,
            ..RunRecord::default()
        }
    }

    /// Adds a parameter tensor's values (any float type, widened exactly to f64).
    pub fn push_param(&mut self, stage: Stage, name: &str, values: Vec<f64>) {
        self.params.push(Param {
            stage,
            name: name.to_string(),
            values,
        });
    }

    /// What a training step leaves beside the notebook's own work, in one call at its end:
    /// its loss (`loss.csv`), whether the four outputs of its forward pass (`outputs`, called
    /// only until the run first solves XOR) solved XOR, and the progress bar.
    pub fn end_step(&mut self, step: usize, loss: f64, outputs: impl FnOnce() -> Vec<f64>) {
        self.track_solved(step, outputs);
        self.end_sample(step, loss);
    }

    /// [`RunRecord::end_step`] for online training, where a step sees one sample and no
    /// forward pass over all four inputs.
    pub fn end_sample(&mut self, step: usize, loss: f64) {
        self.losses.push(loss);
        if let Some(progress) = &self.progress {
            if step.is_multiple_of(256) {
                progress.set(step);
            }
        }
    }

    /// Notes the four outputs of step `step`'s forward pass (in XOR input order) until they
    /// first classify XOR correctly. `outputs` is called only while unsolved, so a solved run
    /// pays nothing more.
    pub fn track_solved(&mut self, step: usize, outputs: impl FnOnce() -> Vec<f64>) {
        if self.first_solved.is_none() && crate::xor::accuracy(&outputs()) == 1.0 {
            self.first_solved = Some(step);
        }
    }

    /// The notebook's `print(line)`: appends the line to the transcript, and prints it too
    /// when the run was asked to print its transcript ([`RunRecord::printing`]).
    pub fn print(&mut self, line: impl AsRef<str>) {
        let line = line.as_ref();
        if self.print_transcript {
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
    /// The `--steps` the run was made with (the five notebooks' engines and reference
    /// scripts: steps or epochs, as the notebook counts them). A port's run of its own
    /// records `losses_recorded` instead; a port's run written before that has `steps` here
    /// meaning what `losses_recorded` means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// How many losses `loss.csv` holds: what a port's run (`xor_repro_port::Run`, the
    /// recorder's `Run.from_args`) records, where `--steps` may mean epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub losses_recorded: Option<usize>,
    /// Absent from a run recorded by a script that did not say (`xor_repro_record`).
    #[serde(default = "unknown_lr", skip_serializing_if = "is_nan")]
    pub lr: f64,
    #[serde(default)]
    pub init_from: Option<String>,
    /// `rust` or `python`.
    pub implementation: String,
    pub versions: BTreeMap<String, String>,
    /// The kernel path of each library that decides the bits (docs/CONTRACT.md#run-files): on the Rust side the
    /// path emulated and why, on the Python side what the library reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kernels: BTreeMap<String, crate::kernels::KernelPath>,
    pub wall_seconds: f64,
    /// The commit and compiler of the binary that made the run (the Rust side's; run
    /// folders written before it was recorded have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<crate::build_info::BuildInfo>,
    /// What a port of one's own says computes a traced value: its code, and the library
    /// whose kernel decides its bits (a key of `kernels`), for `explain` to name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ops: BTreeMap<String, TracedOp>,
    /// The known machine a Rust run computed as (`--machine`) and the host it ran on; absent
    /// when it computed as its host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<MachineRecord>,
}

/// `run.json`'s `machine`: what `--machine` emulated, and where.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MachineRecord {
    /// The known machine's name (`zen4`, `zen3+tf-baseline`).
    pub emulated: String,
    /// The host's CPU, as `kernels` names it.
    pub host: String,
}

/// The operation behind a traced value, as a port of one's own declares it (`run.json`'s
/// `ops`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TracedOp {
    /// The code that computes it, as written (`fc1(x)`, `F.gelu(h)`).
    pub code: String,
    /// The library whose kernel decides its bits: `aten`, `mkl`, … (a key of `kernels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
}

fn unknown_lr() -> f64 {
    f64::NAN
}

fn is_nan(x: &f64) -> bool {
    x.is_nan()
}

/// The folder of one side of one run: `DIR/NAME/seed-S/SIDE`.
pub fn run_dir(out: &Path, experiment: &str, seed: u64, side: &str) -> PathBuf {
    out.join(experiment).join(format!("seed-{seed}")).join(side)
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
    let result = write_files(&tmp, record, info).and_then(|()| extra(&tmp));
    if let Err(err) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(err);
    }
    replace_dir(&tmp, dir)
}

/// Writes every file of `record` but the streamed ones into the folder `tmp`.
fn write_files(tmp: &Path, record: &RunRecord, info: &RunInfo) -> Result<()> {
    let write = |file: &str, text: String| {
        std::fs::write(tmp.join(file), text)
            .with_context(|| format!("cannot write {}", tmp.join(file).display()))
    };
    write("loss.csv", loss_csv(&record.losses))?;
    if !record.params_in_npz {
        write("params.csv", params_csv(&record.params))?;
    }
    // A port of one's own writes its own table, or no file when it predicts nothing.
    match &record.prediction_table {
        Some(table) => write("predictions.csv", table.csv())?,
        None if record.predictions.is_empty() => {}
        None => write("predictions.csv", predictions_csv(&record.predictions))?,
    }
    if !record.metrics.is_empty() {
        write("metrics.csv", record.metrics.csv())?;
    }
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
    Ok(())
}

/// The temporary sibling a run folder is written into while it runs, for the files that
/// are streamed as they come (`trace.npz`, `params.npz`); [`write_run_staged`] adds the
/// rest and renames it into place. Dropped before that (a run that fails or panics), it
/// is removed: nothing that looks like a run is left behind.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    /// The folders above it that it made (deepest first), removed with it when empty.
    made: Vec<PathBuf>,
}

impl Staging {
    /// A new, empty staging folder in `parent` (the folder the run folder will be in).
    pub fn create(parent: &Path) -> Result<Staging> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let made: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create output folder {}", parent.display()))?;
        let dir = parent.join(format!(".tmp-run-{}-{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir(&dir)
            .with_context(|| format!("cannot write to output folder {}", parent.display()))?;
        Ok(Staging { dir, made })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.dir.exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
            for folder in &self.made {
                let _ = std::fs::remove_dir(folder); // only when empty
            }
        }
    }
}

/// Finishes a run written into `staging` (its streamed files already there): the trace's
/// archive made whole, the other files written, and the folder renamed to `dir`.
pub fn write_run_staged(
    staging: Staging,
    dir: &Path,
    record: &RunRecord,
    info: &RunInfo,
) -> Result<()> {
    record.trace.finish()?;
    write_files(staging.path(), record, info)?;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create output folder {}", parent.display()))?;
    }
    replace_dir(staging.path(), dir)
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
