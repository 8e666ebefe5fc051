//! `explain`: where two runs part and why, from two traced run folders or by running both
//! sides of one experiment; prints the finding, writes `explain.md` and `explain.svg`.

use super::args::{self, Needs, Training};
use crate::experiments::{self, Engine, Experiment};
use crate::explain::render;
use crate::explain::run::Outcome;
use anyhow::{bail, Result};
use clap::Args;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExplainArgs {
    /// Two run folders with trace.csv, or one experiment name.
    #[arg(required = true, num_args = 1..=2, value_name = "NAME | A B")]
    pub operands: Vec<String>,
    #[command(flatten)]
    pub training: Training,
}

impl ExplainArgs {
    /// The experiment, when one name is given.
    fn experiment(&self) -> Option<Result<&'static Experiment>> {
        match self.operands.as_slice() {
            [name] => Some(experiments::find(name)),
            _ => None,
        }
    }

    /// The Rust training `explain` would do: the experiment named, on the engine chosen
    /// (none for two folders or a bad name, which the command then reports).
    pub fn trainings(&self) -> Vec<(&'static Experiment, Engine)> {
        match self.experiment() {
            Some(Ok(exp)) => vec![(exp, self.training.engine)],
            _ => Vec::new(),
        }
    }
}

pub fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let outcome = match args.experiment() {
        Some(_) if std::path::Path::new(&args.operands[0]).is_dir() => {
            bail!(
                "{} is a folder: give two run folders, or an experiment name",
                args.operands[0]
            );
        }
        Some(exp) => {
            let exp = exp?;
            let settings = args.training.settings(None);
            let needs = Needs {
                python: true,
                writes: true,
            };
            args::open(&[exp], &settings, needs)?;
            crate::explain::run::experiment(exp, &settings)?
        }
        None => {
            let (a, b) = (
                PathBuf::from(&args.operands[0]),
                PathBuf::from(&args.operands[1]),
            );
            crate::explain::run::folders(&a, &b, "steps")?
        }
    };
    crate::out!("{}", Finding(&outcome));
    crate::errln!(
        "wrote {} and {}",
        outcome.markdown.display(),
        outcome.svg.display()
    );
    Ok(args::exit_code(outcome.identical()))
}

/// What `explain` prints: the headline, the operation that parts, and each side's kernels.
struct Finding<'a>(&'a Outcome);

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Finding(outcome) = self;
        writeln!(f, "{}", outcome.headline)?;
        if let Some(op) = render::operation(&outcome.explanation, &outcome.a, &outcome.b) {
            writeln!(f, "  operation {op}")?;
        }
        for side in [&outcome.a, &outcome.b] {
            writeln!(f, "  {}: {}", side.label, render::kernels_of(side))?;
        }
        Ok(())
    }
}
