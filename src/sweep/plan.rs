//! What a sweep runs (`Plan`), what each seed gives (`SeedResult`), and the `sweep.csv` row
//! that carries a result from a worker and into the file.

use super::outcome::{classify, converged, Outcome};
use crate::experiments::{Engine, Experiment};
use crate::record::number;
use crate::xor;
use anyhow::Result;
use std::fmt::Write as _;
use std::path::PathBuf;

/// What to sweep.
pub struct Plan<'a> {
    pub exp: &'a Experiment,
    /// The whole sweep's seeds, both included (a shard runs part of them, see `seeds`).
    pub first: u64,
    pub last: u64,
    /// The seeds this process runs: all of `first..=last`, or one shard's.
    pub seeds: Vec<u64>,
    pub engine: Engine,
    pub jobs: usize,
    pub steps: usize,
    pub lr: f64,
    pub out: PathBuf,
}

/// How one seed's training ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedResult {
    pub seed: u64,
    /// The last step's loss (what the notebook last computed).
    pub final_loss: f64,
    pub accuracy: f64,
    pub converged: bool,
    pub first_solved: Option<usize>,
    pub outcome: Outcome,
    /// The trained network's outputs for (0,0), (0,1), (1,0), (1,1).
    pub predictions: [f64; 4],
}

impl SeedResult {
    /// A seed's result from its last loss, first solved step and trained outputs.
    pub fn new(
        seed: u64,
        final_loss: f64,
        first_solved: Option<usize>,
        predictions: [f64; 4],
    ) -> SeedResult {
        SeedResult {
            seed,
            final_loss,
            accuracy: xor::accuracy(&predictions),
            converged: converged(&predictions),
            first_solved,
            outcome: classify(&predictions),
            predictions,
        }
    }
}

pub const CSV_HEADER: &str = "seed,final_loss,accuracy,converged,first_solved,outcome,\
                          prediction_00,prediction_01,prediction_10,prediction_11";

/// One `sweep.csv` row; also how a worker reports a seed (JSON would round floats on the
/// way back: serde_json's default float parsing is not exact).
pub fn csv_row(r: &SeedResult) -> String {
    let mut s = format!(
        "{},{},{},{},{},{}",
        r.seed,
        number(r.final_loss),
        number(r.accuracy),
        r.converged,
        r.first_solved.map(|s| s.to_string()).unwrap_or_default(),
        r.outcome
    );
    for p in r.predictions {
        let _ = write!(s, ",{}", number(p));
    }
    s
}

/// Reads back what `csv_row` wrote.
pub fn parse_row(line: &str) -> Result<SeedResult> {
    let bad = || anyhow::anyhow!("a sweep worker printed {line:?}, not a sweep row");
    let f: Vec<&str> = line.trim().split(',').collect();
    if f.len() != 10 {
        return Err(bad());
    }
    let float = |s: &str| s.parse::<f64>().map_err(|_| bad());
    Ok(SeedResult {
        seed: f[0].parse().map_err(|_| bad())?,
        final_loss: float(f[1])?,
        accuracy: float(f[2])?,
        converged: f[3].parse().map_err(|_| bad())?,
        first_solved: match f[4] {
            "" => None,
            n => Some(n.parse().map_err(|_| bad())?),
        },
        outcome: Outcome::parse(f[5]).ok_or_else(bad)?,
        predictions: [float(f[6])?, float(f[7])?, float(f[8])?, float(f[9])?],
    })
}

pub fn sweep_csv(results: &[SeedResult]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for r in results {
        s.push_str(&csv_row(r));
        s.push('\n');
    }
    s
}
