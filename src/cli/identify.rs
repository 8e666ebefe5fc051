//! `identify`: which known machines and builds reproduce a run folder, a data file or a
//! printout, bit for bit or line for line; where none does, each candidate's first difference.

use super::args::{self, parse_lr, parse_positive_count, parse_seed};
use crate::experiments::{self, Experiment};
use crate::identify::{self, Evidence, Outcome, Request};
use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct IdentifyArgs {
    /// A run folder, a data file (CSV, .npy, .npz) or a printout (any other text file).
    pub evidence: PathBuf,
    /// The experiment it comes from (default: a run folder's run.json, or a printout named
    /// after an experiment, as in notebooks/printed/).
    #[arg(long)]
    pub experiment: Option<String>,
    /// Seed (default: run.json's, else the notebook's own).
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Epochs, or samples for online training (default: run.json's, else the notebook's).
    #[arg(long, alias = "epochs", value_parser = parse_positive_count)]
    pub steps: Option<usize>,
    /// Learning rate (default: run.json's, else the notebook's).
    #[arg(long, value_parser = parse_lr)]
    pub lr: Option<f64>,
    /// Only these machines (comma-separated names, `CPU` or `CPU+BUILD`).
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
    /// Keep the candidates' run folders here (default: a temporary folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn identify(args: &IdentifyArgs) -> Result<ExitCode> {
    let evidence = Evidence::of(&args.evidence)?;
    let request = request(args, &evidence)?;
    let groups = identify::groups(request.exp, args.only.as_deref())?;
    let _cleanup;
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            let dir =
                std::env::temp_dir().join(format!("xor-repro-identify-{}", std::process::id()));
            _cleanup = RemoveOnDrop(dir.clone());
            dir
        }
    };
    crate::outln!(
        "identify {}: {} seed {}, {} {}, lr {} — {} groups of machines with the same paths",
        args.evidence.display(),
        request.exp.name,
        request.seed,
        request.steps,
        request.exp.step_unit,
        request.lr,
        groups.len()
    );
    let mut found = Vec::new();
    let mut misses = Vec::new();
    for group in &groups {
        let outcome = match &group.not_reproduced {
            Some(why) => Outcome::Skipped(why.clone()),
            None => {
                let run = identify::run_as(group, &request, &out)?;
                identify::hold(&evidence, &run)?
            }
        };
        if outcome.reproduces() {
            found.push((group, outcome));
        } else {
            misses.push((group, outcome));
        }
    }
    if found.is_empty() {
        crate::outln!("\nno known machine or build reproduces it");
    } else {
        crate::outln!("\nreproduced by:");
        for (group, outcome) in &found {
            crate::outln!("  {} ({})", group.names(), summary(outcome));
            crate::outln!("      paths: {}", group.paths.join("; "));
        }
    }
    crate::outln!("\nnot by:");
    for (group, outcome) in &misses {
        crate::outln!("  {}: {}", group.names(), summary(outcome));
    }
    Ok(args::exit_code(!found.is_empty()))
}

/// One line: how much agreed, and the first difference.
fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Skipped(why) => format!("not run: {why}"),
        Outcome::Lines(check) => {
            let same = check.expected.saturating_sub(
                check
                    .differing
                    .iter()
                    .filter(|d| d.notebook.is_some())
                    .count(),
            );
            match check.differing.first() {
                None => format!("every line: {} of {}", check.expected, check.expected),
                Some(d) => {
                    let line = |l: &Option<(usize, String)>| {
                        l.as_ref()
                            .map_or("(none)".to_string(), |(n, t)| format!("line {n} `{t}`"))
                    };
                    format!(
                        "{same} of {} lines; first differing: printed {}, computed {}",
                        check.expected,
                        line(&d.notebook),
                        line(&d.transcript)
                    )
                }
            }
        }
        Outcome::Data(report) => {
            let first = report
                .tables
                .iter()
                .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
                .find_map(|(t, c)| {
                    c.first_difference.as_ref().map(|d| {
                        format!(
                            "; first differing: {} {} {}: {} vs {}",
                            t.name,
                            c.name,
                            d.key,
                            crate::diff::short(d.a),
                            crate::diff::short(d.b)
                        )
                    })
                });
            format!(
                "{} of {} values bit-identical{}",
                report.identical(),
                report.compared(),
                first.unwrap_or_default()
            )
        }
    }
}

/// The run each candidate makes, from the flags and what the evidence says.
fn request(args: &IdentifyArgs, evidence: &Evidence) -> Result<Request> {
    let info = match evidence {
        Evidence::RunFolder(dir) => Some(crate::record::read_info(dir)?),
        _ => None,
    };
    let name = match (&args.experiment, &info, evidence) {
        (Some(name), _, _) => name.clone(),
        (None, Some(info), _) => info.experiment.clone(),
        (None, None, Evidence::Printout(path)) => {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            match experiments::find(stem) {
                Ok(exp) => exp.name.to_string(),
                Err(_) => bail!(
                    "which experiment printed {}? say --experiment NAME",
                    path.display()
                ),
            }
        }
        (None, None, _) => bail!(
            "which experiment wrote {}? say --experiment NAME",
            args.evidence.display()
        ),
    };
    let exp: &'static Experiment = experiments::find(&name)?;
    let seed = args
        .seed
        .or(info.as_ref().map(|i| i.seed))
        .unwrap_or(exp.default_seed);
    exp.framework.check_seed(seed)?;
    Ok(Request {
        exp,
        seed,
        steps: args
            .steps
            .or(info.as_ref().and_then(|i| i.steps))
            .unwrap_or(exp.steps),
        lr: args
            .lr
            .or(info.as_ref().map(|i| i.lr).filter(|lr| lr.is_finite()))
            .unwrap_or(exp.lr),
    })
}

/// The candidates' temporary run folders, removed when `identify` ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
