//! The flags several commands share: the experiments named, the settings of a training
//! (flattened into every command that trains), the trace, and the parsers that check their
//! values; and the opening steps every training command takes before any work.

use crate::experiments::{self, Engine, Experiment};
use crate::record::trace::StepRange;
use crate::run::Settings;
use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

/// `NAME…` or `--all`.
#[derive(Args, Clone)]
pub struct ExperimentNames {
    /// Experiment names (see `list`).
    pub names: Vec<String>,
    /// Every experiment.
    #[arg(long)]
    pub all: bool,
}

impl ExperimentNames {
    /// The experiments named, or every one with `--all`.
    pub fn experiments(&self) -> Result<Vec<&'static Experiment>> {
        if self.all {
            if !self.names.is_empty() {
                bail!("give experiment names or --all, not both");
            }
            return Ok(experiments::all().iter().collect());
        }
        if self.names.is_empty() {
            let names: Vec<_> = experiments::all().iter().map(|e| e.name).collect();
            bail!(
                "name an experiment or use --all (valid: {})",
                names.join(", ")
            );
        }
        self.names.iter().map(|n| experiments::find(n)).collect()
    }

    /// Whether more than one experiment may run (each run's output then gets a heading).
    pub fn several(&self) -> bool {
        self.all || self.names.len() > 1
    }
}

/// The settings of one training, as `run`, `reference`, `compare` and `explain` take them.
#[derive(Args, Clone)]
pub struct Training {
    /// Seed (default: the notebook's own).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Epochs, or samples for online training (default: the notebook's).
    #[arg(long, alias = "epochs", value_parser = parse_positive_count, allow_hyphen_values = true)]
    pub steps: Option<usize>,
    /// Learning rate (default: the notebook's).
    #[arg(long, value_parser = parse_lr, allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// Output folder.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Start from the initial parameters in this params.csv-schema file.
    #[arg(long, value_name = "PARAMS.csv")]
    pub init_from: Option<PathBuf>,
    /// Which Rust code trains: the exact engine (into rust/) or the plain tch port (into
    /// tch/). The Python reference ignores it.
    #[arg(long, value_enum, default_value = "exact")]
    pub engine: Engine,
}

impl Training {
    /// The run settings these flags give, tracing `trace`.
    pub fn settings(&self, trace: Option<StepRange>) -> Settings {
        Settings {
            seed: self.seed,
            steps: self.steps,
            lr: self.lr,
            init_from: self.init_from.clone(),
            out: self.out.clone(),
            engine: self.engine,
            trace,
        }
    }
}

/// `--trace` and `--trace-steps`.
#[derive(Args, Clone)]
pub struct Trace {
    /// Write trace.csv: every named value of each traced step, in program order.
    #[arg(long)]
    pub trace: bool,
    /// The steps to trace, A..B (both included) or one step; implies --trace (default: all).
    #[arg(long, value_name = "A..B", value_parser = crate::record::trace::parse_step_range)]
    pub trace_steps: Option<StepRange>,
}

impl Trace {
    /// The steps to trace, if any.
    pub fn steps(&self) -> Option<StepRange> {
        match (&self.trace_steps, self.trace) {
            (Some(steps), _) => Some(steps.clone()),
            (None, true) => Some(0..=usize::MAX),
            (None, false) => None,
        }
    }
}

/// What a training command needs before it starts.
pub struct Needs {
    /// The Python interpreter (the command runs reference scripts).
    pub python: bool,
    /// A writable output folder (the command writes run folders).
    pub writes: bool,
}

/// The opening steps of a training command, in this order: every experiment accepts the
/// settings (seed, `--init-from`), Python is found, the output folder can be written.
pub fn open(exps: &[&'static Experiment], settings: &Settings, needs: Needs) -> Result<()> {
    for exp in exps {
        settings.check(exp)?;
    }
    if needs.python {
        crate::run::python::interpreter()?;
        for exp in exps {
            crate::run::host_computes_as_machine(exp)?;
        }
    }
    if needs.writes {
        crate::run::ensure_writable(&settings.out)?;
    }
    Ok(())
}

pub fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("a seed is a whole number from 0 to {}, got {s:?}", u64::MAX))
}

/// A count of steps, runs or jobs: a whole number above 0.
pub fn parse_positive_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("must be a positive whole number, got {s:?}")),
    }
}

pub fn parse_lr(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("must be a finite positive number, got {s:?}")),
    }
}

pub fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("must be a finite number ≥ 0, got {s:?}")),
    }
}

/// Exit 0 when `passed`, else 1 (a difference or a missed target).
pub fn exit_code(passed: bool) -> std::process::ExitCode {
    if passed {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
