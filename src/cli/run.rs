//! `run` and `reference`: one side of experiments into their run folders, the Rust side
//! (on the exact engine or the plain tch port) or the Python reference, each printing the
//! notebook's transcript as it goes.

use super::args::{self, ExperimentNames, Needs, Trace, Training};
use crate::experiments::{Engine, Experiment};
use crate::run;
use anyhow::{bail, Result};
use clap::Args;
use std::process::ExitCode;

#[derive(Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub names: ExperimentNames,
    #[command(flatten)]
    pub training: Training,
    #[command(flatten)]
    pub trace: Trace,
}

impl RunArgs {
    /// The Rust trainings `run` would do: the experiments named, on the engine chosen (none
    /// for bad names, which the command then reports).
    pub fn trainings(&self) -> Vec<(&'static Experiment, Engine)> {
        let engine = self.training.engine;
        let exps = self.names.experiments().unwrap_or_default();
        exps.into_iter().map(|exp| (exp, engine)).collect()
    }
}

pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let exps = args.names.experiments()?;
    let settings = args.training.settings(args.trace.steps());
    let needs = Needs {
        python: false,
        writes: true,
    };
    args::open(&exps, &settings, needs)?;
    for exp in exps {
        if args.names.several() {
            crate::outln!("== {} (seed {})", exp.name, settings.seed(exp));
        }
        let (_, dir) = run::run_rust(exp, &settings, true)?;
        crate::errln!("wrote {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reference(args: &RunArgs) -> Result<ExitCode> {
    if args.training.engine != Engine::Exact {
        bail!(
            "reference runs the Python notebook; --engine chooses the Rust side of run and compare"
        );
    }
    let exps = args.names.experiments()?;
    let settings = args.training.settings(args.trace.steps());
    let needs = Needs {
        python: true,
        writes: true,
    };
    args::open(&exps, &settings, needs)?;
    for exp in exps {
        if args.names.several() {
            crate::outln!("== {} (seed {})", exp.name, settings.seed(exp));
        }
        let dir = run::run_python(exp, &settings)?;
        crate::errln!("wrote {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
