//! `sweep NAME --seeds A..B`: how training ends over many seeds, answering the question
//! every notebook raises: was that run typical?
//!
//! Each seed runs in a worker subprocess (`pool`); nothing is written per seed. The results
//! land in `DIR/sweeps/NAME/`: `sweep.csv` (one row per seed, `plan`), `summary.md`
//! (`summary`) and `sweep.svg`; `shard` splits a sweep across machines and joins the parts.
//!
//! Definitions (on the trained network's four outputs, `predictions.csv`'s column):
//! - accuracy: share of inputs on the right side of 0.5 (an output ≥ 0.5 means 1);
//! - converged: every output within 0.1 of its target;
//! - first_solved: the first step whose forward pass (before that step's update) had
//!   accuracy 100 %, for experiments that track it (`RunRecord::track_solved`);
//! - outcome: `solved` (converged), `solved-slow` (accuracy 100 % but not converged),
//!   `plateau-1/6`, `plateau-1/8`, `plateau-1/4` (stuck where MSE has a flat region: three,
//!   two, or all four outputs equal to the mean of their targets, e.g. notebook 000's
//!   printed 0.1667 with three outputs 0.3336, notebook 004's 0.125 with two near 0.5), or
//!   `unsolved` (anything else).

pub mod outcome;
pub mod plan;
pub mod pool;
pub mod shard;
pub mod summary;

pub use outcome::{classify, Outcome};
pub use plan::{csv_row, parse_row, Plan, SeedResult, CSV_HEADER};
pub use pool::{measure, run, worker};

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// More seeds than this is a typo, not a sweep.
const MAX_SEEDS: u64 = 1_000_000;

/// `A..B`, both ends included (`0..99` is 100 seeds), or one seed `S`.
pub fn parse_seed_range(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected seeds as A..B (both included) or S, got {s:?}");
    let whole = |t: &str| t.trim().parse::<u64>().map_err(|_| bad());
    let (a, b) = match s.split_once("..") {
        Some((a, b)) => (whole(a)?, whole(b.strip_prefix('=').unwrap_or(b))?),
        None => (whole(s)?, whole(s)?),
    };
    if a > b {
        return Err(format!("seed range {s:?} is empty: {a} is after {b}"));
    }
    if b - a >= MAX_SEEDS {
        return Err(format!("seed range {s:?} has more than {MAX_SEEDS} seeds"));
    }
    Ok((a, b))
}

/// Writes `sweep.csv`, `summary.md` and `sweep.svg` into `DIR/sweeps/NAME/` (replacing an
/// earlier sweep whole); returns the folder and the summary.
pub fn write(plan: &Plan, results: &[SeedResult]) -> Result<(PathBuf, String)> {
    let dir = sweep_dir(&plan.out, plan.exp.name);
    let parent = dir.parent().expect("has a parent");
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create output folder {}", parent.display()))?;
    let tmp = parent.join(format!(".tmp-{}-{}", plan.exp.name, std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir(&tmp).with_context(|| format!("cannot write to {}", parent.display()))?;
    // Shards (`--shard K/N`) outlive the sweep written from them.
    let shards = dir.join(shard::SHARDS);
    if shards.is_dir() {
        std::fs::rename(&shards, tmp.join(shard::SHARDS))
            .with_context(|| format!("cannot keep {}", shards.display()))?;
    }
    let text = summary::summary(plan, results);
    let written = (|| -> Result<()> {
        let write = |name: &str, body: &str| {
            std::fs::write(tmp.join(name), body)
                .with_context(|| format!("cannot write {}", tmp.join(name).display()))
        };
        write("sweep.csv", &plan::sweep_csv(results))?;
        write("summary.md", &text)?;
        let points: Vec<crate::plot::SweepPoint> = results
            .iter()
            .map(|r| crate::plot::SweepPoint {
                final_loss: r.final_loss,
                outcome: r.outcome,
            })
            .collect();
        let title = format!(
            "{}: final loss of seeds {}..{} ({} {})",
            plan.exp.name, plan.first, plan.last, plan.steps, plan.exp.step_unit
        );
        crate::plot::sweep_histogram(&points, &title, &tmp.join("sweep.svg"))
    })();
    if let Err(err) = written {
        let _ = std::fs::rename(tmp.join(shard::SHARDS), &shards);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(err);
    }
    crate::record::replace_dir(&tmp, &dir)?;
    Ok((dir, text))
}

/// The rows of an earlier sweep's `sweep.csv` in `DIR/sweeps/NAME/`, if there is one.
pub fn read(out: &Path, name: &str) -> Option<Vec<SeedResult>> {
    let text = std::fs::read_to_string(sweep_dir(out, name).join("sweep.csv")).ok()?;
    text.lines().skip(1).map(|l| parse_row(l).ok()).collect()
}

/// The folder a sweep of `name` writes to.
pub fn sweep_dir(out: &Path, name: &str) -> PathBuf {
    out.join("sweeps").join(name)
}
