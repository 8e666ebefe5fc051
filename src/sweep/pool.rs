//! Running a sweep's seeds in worker subprocesses (`sweep-worker`, hidden; `xor-repro-torch`'s
//! for the libtorch experiments): libtorch's random generator is global, so threads in one
//! process would race on `manual_seed`. Workers take seeds round-robin, use one libtorch
//! thread each (if they load it), and print one `sweep.csv` row per seed.

use super::plan::{csv_row, parse_row, Plan, SeedResult};
use crate::console::progress::Progress;
use crate::experiments::{Config, Engine, Experiment};
use crate::record::number;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

/// Runs one seed in this process (the worker's job).
pub fn measure(
    exp: &Experiment,
    engine: Engine,
    seed: u64,
    steps: usize,
    lr: f64,
) -> Result<SeedResult> {
    let cfg = Config::quiet(seed, steps, lr);
    let run = crate::run::engine::run_fn_on(exp, engine)?;
    let record = run(&cfg).with_context(|| format!("{} seed {seed} failed", exp.name))?;
    let outputs: Vec<f64> = record.predictions.iter().map(|p| p.prediction).collect();
    let predictions: [f64; 4] = outputs
        .as_slice()
        .try_into()
        .with_context(|| format!("{} recorded {} predictions, not 4", exp.name, outputs.len()))?;
    let final_loss = record.losses.last().copied().unwrap_or(f64::NAN);
    Ok(SeedResult::new(
        seed,
        final_loss,
        record.first_solved,
        predictions,
    ))
}

/// The hidden `sweep-worker` command: one libtorch thread, one `sweep.csv` row per seed.
pub fn worker(
    exp: &Experiment,
    engine: Engine,
    seeds: &[u64],
    steps: usize,
    lr: f64,
) -> Result<()> {
    if let Some(libtorch) = crate::run::engine::libtorch() {
        (libtorch.single_thread)();
    }
    for &seed in seeds {
        crate::outln!("{}", csv_row(&measure(exp, engine, seed, steps, lr)?));
        // The sweep that reads these rows has gone: the remaining seeds would go nowhere.
        if crate::console::output::stdout_closed() {
            break;
        }
    }
    Ok(())
}

/// Runs every seed over `jobs` worker subprocesses; results in seed order.
pub fn run(plan: &Plan) -> Result<Vec<SeedResult>> {
    let seeds = plan.seeds.clone();
    let jobs = plan.jobs.clamp(1, seeds.len());
    let exe = if plan.exp.needs_libtorch_on(plan.engine) {
        crate::run::engine::torch_binary()?
    } else {
        std::env::current_exe().context("cannot find the xor-repro executable")?
    };
    let progress = Progress::new(seeds.len() as u64, &format!("sweep {}", plan.exp.name));
    let (tx, rx) = std::sync::mpsc::channel::<Result<SeedResult>>();
    let mut children = Vec::new();
    for w in 0..jobs {
        let mine: Vec<String> = seeds
            .iter()
            .skip(w)
            .step_by(jobs)
            .map(u64::to_string)
            .collect();
        let mut worker = Command::new(&exe);
        crate::kernels::mkl::shim::preload(&mut worker)?;
        let mut child = worker
            .args(["sweep-worker", plan.exp.name, "--seeds", &mine.join(",")])
            .args([
                "--steps",
                &plan.steps.to_string(),
                "--lr",
                &number(plan.lr),
                "--engine",
                plan.engine.name(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start a sweep worker")?;
        let stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let tx = tx.clone();
        children.push(std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let parsed = line
                    .context("lost a sweep worker's output")
                    .and_then(|l| parse_row(&l));
                if tx.send(parsed).is_err() {
                    break;
                }
            }
            let mut message = String::new();
            let _ = stderr.read_to_string(&mut message);
            let status = child.wait();
            if !matches!(status, Ok(s) if s.success()) {
                let last = message
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message")
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string();
                let _ = tx.send(Err(anyhow::anyhow!("a sweep worker failed: {last}")));
            }
        }));
    }
    drop(tx);
    let mut results = Vec::with_capacity(seeds.len());
    let mut failure = None;
    for message in rx {
        match message {
            Ok(result) => {
                results.push(result);
                progress.inc(1);
                progress.set_message(format!(
                    "sweep {}: {} solved",
                    plan.exp.name,
                    results.iter().filter(|r| r.accuracy == 1.0).count()
                ));
            }
            Err(err) if failure.is_none() => failure = Some(err),
            Err(_) => {}
        }
    }
    for child in children {
        let _ = child.join();
    }
    progress.finish();
    if let Some(err) = failure {
        return Err(err);
    }
    if results.len() != seeds.len() {
        bail!(
            "the sweep workers returned {} of {} seeds",
            results.len(),
            seeds.len()
        );
    }
    results.sort_by_key(|r| r.seed);
    Ok(results)
}
