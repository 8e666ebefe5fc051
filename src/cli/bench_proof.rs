//! `bench-proof`: the proof's own cost at the size of a real model, measured against the
//! bytes' limit ([`crate::bench_proof`]); the table goes to the screen and
//! `DIR/bench-proof-MODEL/bench-proof.md`.

use super::args::parse_positive_count;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct BenchProofArgs {
    /// The model: mlp (1.6M parameters, 3 traced steps) or resnet (11M, 10 traced steps).
    #[arg(long, default_value = "mlp")]
    pub model: String,
    /// Runs of each measurement.
    #[arg(long, default_value = "3", value_parser = parse_positive_count)]
    pub runs: usize,
    /// Where bench-proof.md goes, in bench-proof-MODEL/ (default: the system's temporary
    /// folder); the scratch runs are made there and removed at the end.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn bench_proof(args: &BenchProofArgs) -> Result<ExitCode> {
    let model = crate::bench_proof::find(&args.model)?;
    crate::run::python::interpreter()?;
    let out = args.out.clone().unwrap_or_else(std::env::temp_dir);
    let work = crate::bench_proof::work_dir(&out, model);
    std::fs::create_dir_all(&work)?;
    crate::errln!(
        "bench-proof: {} × {} runs into {}",
        model.name,
        args.runs,
        work.display()
    );
    let bin = std::env::current_exe()?;
    let figures = crate::bench_proof::run(model, args.runs, &work, &bin)?;
    let table = crate::bench_proof::table(model, args.runs, &figures);
    crate::out!("{table}");
    let path = work.join("bench-proof.md");
    crate::record::write_atomic(&path, &table)?;
    // The runs are gigabytes for the ResNet shape; the table is what is kept.
    for scratch in ["bare", "untraced", "traced", "same", "planted"] {
        let _ = std::fs::remove_dir_all(work.join(scratch));
    }
    crate::errln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
