//! `sweep`: many seeds of one experiment in parallel worker processes (or one shard of
//! them, or the merge of the shards), summarised; and `sweep-worker`, one such process.

use super::args::{parse_lr, parse_positive_count};
use crate::experiments::{self, Engine, Experiment};
use crate::sweep::{Plan, SeedResult};
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct SweepArgs {
    /// Experiment name (see `list`).
    pub name: String,
    /// Seeds A..B, both included (0..99 is 100 seeds).
    #[arg(long, value_parser = crate::sweep::parse_seed_range, required_unless_present = "merge")]
    pub seeds: Option<(u64, u64)>,
    /// Run only the K-th of N disjoint parts of the seeds (K from 1), into
    /// DIR/sweeps/NAME/shards/K-of-N.csv; join them with --merge.
    #[arg(long, value_name = "K/N", value_parser = crate::sweep::shard::parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Join the shards in DIR/sweeps/NAME/shards/ into the sweep of all their seeds.
    #[arg(long, conflicts_with_all = ["seeds", "shard", "steps", "lr", "engine"])]
    pub merge: bool,
    /// Which Rust code trains each seed: the exact engine or the plain tch port.
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,
    /// Worker processes (default: the machine's cores).
    #[arg(long, value_parser = parse_positive_count)]
    pub jobs: Option<usize>,
    /// Epochs, or samples for online training (default: the notebook's).
    #[arg(long, alias = "epochs", value_parser = parse_positive_count, allow_hyphen_values = true)]
    pub steps: Option<usize>,
    /// Learning rate (default: the notebook's).
    #[arg(long, value_parser = parse_lr, allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// Output folder.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct SweepWorkerArgs {
    pub name: String,
    /// Comma-separated seeds.
    #[arg(long, value_delimiter = ',', required = true)]
    pub seeds: Vec<u64>,
    #[arg(long, alias = "epochs", value_parser = parse_positive_count)]
    pub steps: usize,
    #[arg(long, value_parser = parse_lr)]
    pub lr: f64,
    #[arg(long, value_enum, default_value = "exact")]
    pub engine: Engine,
}

impl SweepWorkerArgs {
    /// The Rust training a worker does: its experiment on its engine (none for a bad name,
    /// which the command then reports). `sweep` itself trains nothing in its own process.
    pub fn trainings(&self) -> Vec<(&'static Experiment, Engine)> {
        experiments::find(&self.name)
            .map(|exp| vec![(exp, self.engine)])
            .unwrap_or_default()
    }
}

pub fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if args.merge {
        let (plan, results) = crate::sweep::shard::merge(&args.out, &args.name, jobs)?;
        return finish(&plan, &results);
    }
    let exp = experiments::find(&args.name)?;
    let (first, last) = args.seeds.context("--seeds A..B is required")?;
    for seed in [first, last] {
        exp.framework.check_seed(seed)?;
    }
    let engine = args.engine.unwrap_or(Engine::Exact);
    crate::run::ensure_writable(&args.out)?;
    let seeds = match args.shard {
        Some((k, n)) => {
            let seeds = crate::sweep::shard::seeds_of(first, last, k, n);
            if seeds.is_empty() {
                bail!(
                    "shard {k}/{n} of seeds {first}..{last} has no seeds (more shards than seeds)"
                );
            }
            seeds
        }
        None => (first..=last).collect(),
    };
    let plan = Plan {
        exp,
        first,
        last,
        seeds,
        engine,
        jobs,
        steps: args.steps.unwrap_or(exp.steps),
        lr: args.lr.unwrap_or(exp.lr),
        out: args.out.clone(),
    };
    let results = crate::sweep::run(&plan)?;
    if let Some((k, n)) = args.shard {
        let path = crate::sweep::shard::write(&plan, k, n, &results)?;
        crate::errln!(
            "wrote {} (seeds {}..{}); join the shards with `sweep {} --merge --out {}`",
            path.display(),
            plan.seeds[0],
            plan.seeds[plan.seeds.len() - 1],
            exp.name,
            args.out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    finish(&plan, &results)
}

/// Writes a whole sweep's files and prints its summary.
fn finish(plan: &Plan, results: &[SeedResult]) -> Result<ExitCode> {
    let (dir, summary) = crate::sweep::write(plan, results)?;
    crate::out!("{summary}");
    crate::errln!("wrote {}/{{sweep.csv,summary.md,sweep.svg}}", dir.display());
    Ok(ExitCode::SUCCESS)
}

pub fn sweep_worker(args: &SweepWorkerArgs) -> Result<ExitCode> {
    let exp = experiments::find(&args.name)?;
    crate::sweep::worker(exp, args.engine, &args.seeds, args.steps, args.lr)?;
    Ok(ExitCode::SUCCESS)
}
