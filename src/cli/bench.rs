//! `bench`: experiments timed in Rust against their Python references, whole processes,
//! alternated; the table goes to the screen and `DIR/bench.md`.

use super::args::parse_positive_count;
use crate::console::progress::Progress;
use crate::experiments::{self, Experiment};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct BenchArgs {
    /// Experiment names (default: all).
    pub names: Vec<String>,
    /// Runs per side and experiment.
    #[arg(long, default_value = "5", value_parser = parse_positive_count)]
    pub runs: usize,
    /// Where bench.md goes.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}

pub fn bench(args: &BenchArgs) -> Result<ExitCode> {
    let exps: Vec<&'static Experiment> = if args.names.is_empty() {
        experiments::all().iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| experiments::find(n))
            .collect::<Result<_>>()?
    };
    crate::run::python::interpreter()?;
    crate::run::ensure_writable(&args.out)?;
    let steps = 2 * args.runs * (exps.len() + 1);
    let progress = Progress::new(steps as u64, "bench");
    let mut timings = crate::bench::measure(&exps, args.runs, &progress)?;
    timings.push(crate::bench::measure_suite(&exps, args.runs, &progress)?);
    progress.finish();
    let table = crate::bench::table(&timings, args.runs);
    crate::out!("{table}");
    let path = args.out.join("bench.md");
    crate::record::write_atomic(&path, &table)?;
    crate::errln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
