//! `compare`: both sides of experiments (or the runs already there) judged against each
//! experiment's fidelity target, one verdict line each.

use super::args::{self, Needs};
use super::run::RunArgs;
use crate::console::progress::Progress;
use crate::experiments::{Engine, Experiment};
use crate::run;
use anyhow::Result;
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Judge the runs already in DIR instead of running them again.
    #[arg(long)]
    pub no_run: bool,
}

impl CompareArgs {
    /// The Rust trainings `compare` would do: `run`'s, unless it only judges.
    pub fn trainings(&self) -> Vec<(&'static Experiment, Engine)> {
        if self.no_run {
            return Vec::new();
        }
        self.run.trainings()
    }
}

pub fn compare(args: &CompareArgs) -> Result<ExitCode> {
    let exps = args.run.names.experiments()?;
    let settings = args.run.training.settings(args.run.trace.steps());
    let needs = Needs {
        python: !args.no_run,
        writes: !args.no_run,
    };
    args::open(&exps, &settings, needs)?;
    let mut all_pass = true;
    for exp in exps {
        let seed = settings.seed(exp);
        if !args.no_run {
            let steps = settings.steps(exp) as u64;
            let label = match settings.engine {
                Engine::Exact => format!("{} (Rust)", exp.name),
                Engine::Tch => format!("{} (plain tch port)", exp.name),
            };
            run::run_rust_with(exp, &settings, false, Progress::new(steps, &label))?;
            let spinner = Progress::spinner(&format!("{} (Python reference)", exp.name));
            let python = run::run_python_with(exp, &settings, false);
            spinner.finish();
            python?;
        }
        let verdict = crate::compare::judge_on(exp, &settings.out, seed, settings.engine)?;
        crate::compare::draw(exp, &settings.out, seed, settings.engine, &verdict)?;
        crate::outln!("{}", verdict.line);
        if let Some(note) = &verdict.kernel_note {
            crate::outln!("  {note}");
        }
        let dir = crate::compare::pair_dir(&settings.out, exp, seed);
        let name = |stem, ext| crate::compare::output_name(settings.engine, stem, ext);
        crate::errln!(
            "wrote {}/{{{},{},{}}}",
            dir.display(),
            name("compare", "csv"),
            name("compare", "svg"),
            name("verdict", "json")
        );
        all_pass &= verdict.passed();
    }
    Ok(args::exit_code(all_pass))
}
