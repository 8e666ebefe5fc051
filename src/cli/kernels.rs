//! `kernels`: the kernel path this machine selects per library and why, and what the Python
//! libraries themselves report (exit 1 on a disagreement).

use super::args;
use crate::kernels::{probe, KernelPath, Paths, LIBRARIES};
use anyhow::Result;
use clap::Args;
use std::collections::BTreeMap;
use std::fmt;
use std::process::ExitCode;

#[derive(Args)]
pub struct KernelsArgs {
    /// Do not ask the Python libraries (only what xor-repro picks).
    #[arg(long)]
    pub no_python: bool,
}

pub fn kernels(args: &KernelsArgs) -> Result<ExitCode> {
    let paths = crate::kernels::this_machine();
    crate::out!("{}", paths.table());
    if args.no_python {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(machine) = &paths.machine {
        // The libraries would answer for this host.
        crate::outln!("\nthe Python libraries run on this host, not on {machine}: not asked");
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(err) = crate::run::python::interpreter() {
        crate::outln!("\nthe libraries were not asked: {err:#}");
        return Ok(ExitCode::SUCCESS);
    }
    let said = probe::ask_libraries(&[])?;
    let answers = Answers {
        paths,
        disagreements: probe::disagreements(paths, &said),
        said,
    };
    crate::out!("{answers}");
    Ok(args::exit_code(answers.disagreements.is_empty()))
}

/// What the Python libraries report, each held against this machine's paths.
struct Answers {
    paths: &'static Paths,
    said: BTreeMap<String, KernelPath>,
    disagreements: Vec<String>,
}

impl fmt::Display for Answers {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(
            f,
            "\nwhat the Python libraries report (scripts/reference/kernels.py):"
        )?;
        for (key, label) in LIBRARIES {
            let Some(answer) = self.said.get(key) else {
                continue;
            };
            let verdict = match probe::agrees(self.paths, key, answer) {
                Some(true) => "agrees".to_string(),
                Some(false) => "DISAGREES".to_string(),
                None => format!("not asked: {}", answer.error.as_deref().unwrap_or("")),
            };
            writeln!(
                f,
                "{label:<12} {:<50} {verdict} ({})",
                answer.path,
                answer.source.as_deref().unwrap_or("")
            )?;
        }
        for line in &self.disagreements {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
