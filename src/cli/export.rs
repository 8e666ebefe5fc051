//! `export`: a port's run folder's `params.npz` and `trace.npz` as `params.csv` and
//! `trace.csv` ([`crate::record::export`]), for tools that read CSV.

use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExportArgs {
    /// A run folder with params.npz and/or trace.npz.
    pub run: PathBuf,
    /// Where the CSVs go (default: the run folder itself).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn export(args: &ExportArgs) -> Result<ExitCode> {
    if !args.run.is_dir() {
        bail!("{} is not a run folder", args.run.display());
    }
    let out = args.out.clone().unwrap_or_else(|| args.run.clone());
    std::fs::create_dir_all(&out)?;
    for path in crate::record::export::export(&args.run, &out)? {
        crate::errln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
