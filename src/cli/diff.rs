//! `diff`: two run folders or two data files compared number by number, per column.

use super::args::{self, parse_tolerance};
use crate::diff::columns::{KeyChoice, Report};
use crate::diff::Tolerance;
use anyhow::Result;
use clap::Args;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct DiffArgs {
    /// A run folder or data file (CSV with a header, .npy, .npz).
    pub a: PathBuf,
    /// Another run folder or data file.
    pub b: PathBuf,
    /// Match rows by these columns (comma-separated), or by position with `none` (default:
    /// the project's own keys, pandas' index, else the first integer-valued column).
    #[arg(long, value_name = "COLUMN")]
    pub key: Option<String>,
    /// Accept rows whose absolute difference is at most this.
    #[arg(long, value_parser = parse_tolerance, default_value = "0")]
    pub abs_tol: f64,
    /// Accept rows whose relative difference is at most this.
    #[arg(long, value_parser = parse_tolerance, default_value = "0")]
    pub rel_tol: f64,
    /// Accept rows at most this many ulps apart.
    #[arg(long, default_value = "0")]
    pub ulps: u64,
}

pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let tol = Tolerance {
        abs: args.abs_tol,
        rel: args.rel_tol,
        ulps: args.ulps,
    };
    let key = args
        .key
        .as_deref()
        .map_or(KeyChoice::Default, KeyChoice::parse);
    let report = crate::diff::columns::diff_paths(&args.a, &args.b, &key, &tol)?;
    crate::out!("{}", Printed(&report));
    Ok(args::exit_code(report.within_tolerance()))
}

/// What `diff` prints: each table's columns, what only one side has, and the total.
struct Printed<'a>(&'a Report);

impl fmt::Display for Printed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Printed(report) = self;
        for table in &report.tables {
            writeln!(f, "{table}")?;
        }
        for (side, members) in [
            ("first", &report.members_only_a),
            ("second", &report.members_only_b),
        ] {
            if !members.is_empty() {
                writeln!(
                    f,
                    "arrays only in the {side} archive: {}",
                    members.join(", ")
                )?;
            }
        }
        if !report.files_only.is_empty() {
            writeln!(f, "not compared: {}", report.files_only.join(", "))?;
        }
        let within = if report.within_tolerance() {
            "within"
        } else {
            "outside"
        };
        let (identical, compared) = (report.identical(), report.compared());
        write!(
            f,
            "{within} tolerance: {identical} of {compared} values bit-identical"
        )?;
        if report.within_tolerance() && identical < compared {
            write!(
                f,
                "; the other {} differ, admitted by the tolerance given",
                compared - identical
            )?;
        }
        writeln!(f)
    }
}
