//! `sweep NAME --seeds A..B`: how training ends over many seeds, answering the question
//! every notebook raises: was that run typical?
//!
//! Each seed runs in a worker subprocess (`sweep-worker`, hidden; `xor-repro-torch`'s for the
//! libtorch experiments): libtorch's random generator is global, so threads in one process
//! would race on `manual_seed`. Workers take seeds round-robin, use one libtorch thread each
//! (if they load it), and print one `sweep.csv`
//! row per seed; nothing is written per seed. The results land in `DIR/sweeps/NAME/`:
//! `sweep.csv` (one row per seed), `summary.md` (also printed) and `sweep.svg`.
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

use crate::experiments::{Config, Engine, Experiment};
use crate::progress::Progress;
use crate::record::number;
use crate::xor;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Outputs within this of each other count as equal, and a group within this of its
/// targets' mean counts as stuck there.
const PLATEAU_TOLERANCE: f64 = 0.05;
/// Every output within this of its target: converged.
const CONVERGED_WITHIN: f64 = 0.1;
/// More seeds than this is a typo, not a sweep.
const MAX_SEEDS: u64 = 1_000_000;

/// `A..B`, both ends included (`0..99` is 100 seeds), or one seed `S`.
pub fn parse_seeds(s: &str) -> Result<(u64, u64), String> {
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

/// How one seed's training ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedResult {
    pub seed: u64,
    /// The last step's loss (what the notebook last computed).
    pub final_loss: f64,
    pub accuracy: f64,
    pub converged: bool,
    pub first_solved: Option<usize>,
    pub outcome: String,
    /// The trained network's outputs for (0,0), (0,1), (1,0), (1,1).
    pub predictions: [f64; 4],
}

/// The outcome class of four trained outputs (see the module documentation).
pub fn classify(outputs: &[f64; 4]) -> &'static str {
    let accuracy = xor::accuracy(outputs);
    let converged = outputs
        .iter()
        .zip(xor::TARGETS)
        .all(|(p, t)| (p - t).abs() < CONVERGED_WITHIN);
    if accuracy == 1.0 {
        return if converged { "solved" } else { "solved-slow" };
    }
    // Group outputs that are equal within tolerance; a group holding both targets whose
    // output sits at its targets' mean is where MSE gradient descent stalls.
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by(|&a, &b| outputs[a].total_cmp(&outputs[b]));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match groups.last_mut() {
            Some(g) if outputs[i] - outputs[*g.last().unwrap()] <= PLATEAU_TOLERANCE => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    let stuck: Vec<usize> = groups
        .iter()
        .filter(|g| {
            let targets: Vec<f64> = g.iter().map(|&i| xor::TARGETS[i]).collect();
            let mixed = targets.contains(&0.0) && targets.contains(&1.0);
            let mean_target = targets.iter().sum::<f64>() / g.len() as f64;
            let mean_output = g.iter().map(|&i| outputs[i]).sum::<f64>() / g.len() as f64;
            mixed && (mean_output - mean_target).abs() <= PLATEAU_TOLERANCE
        })
        .map(Vec::len)
        .collect();
    match stuck.as_slice() {
        [4] | [2, 2] => "plateau-1/4",
        [3] => "plateau-1/6",
        [2] => "plateau-1/8",
        _ => "unsolved",
    }
}

/// Runs one seed in this process (the worker's job).
pub fn measure(
    exp: &Experiment,
    engine: Engine,
    seed: u64,
    steps: usize,
    lr: f64,
) -> Result<SeedResult> {
    let cfg = Config::quiet(seed, steps, lr);
    let run = crate::engine::run_fn_on(exp, engine)?;
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
            converged: predictions
                .iter()
                .zip(xor::TARGETS)
                .all(|(p, t)| (p - t).abs() < CONVERGED_WITHIN),
            first_solved,
            outcome: classify(&predictions).to_string(),
            predictions,
        }
    }
}

/// The hidden `sweep-worker` command: one libtorch thread, one `sweep.csv` row per seed.
pub fn worker(
    exp: &Experiment,
    engine: Engine,
    seeds: &[u64],
    steps: usize,
    lr: f64,
) -> Result<()> {
    if let Some(libtorch) = crate::engine::libtorch() {
        (libtorch.single_thread)();
    }
    for &seed in seeds {
        crate::outln!("{}", csv_row(&measure(exp, engine, seed, steps, lr)?));
        // The sweep that reads these rows has gone: the remaining seeds would go nowhere.
        if crate::output::stdout_closed() {
            break;
        }
    }
    Ok(())
}

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

/// Runs every seed over `jobs` worker subprocesses; results in seed order.
pub fn run(plan: &Plan) -> Result<Vec<SeedResult>> {
    let seeds = plan.seeds.clone();
    let jobs = plan.jobs.clamp(1, seeds.len());
    let exe = if plan.exp.needs_libtorch_on(plan.engine) {
        crate::engine::torch_binary()?
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
        let mut child = Command::new(&exe)
            .args(["sweep-worker", plan.exp.name, "--seeds", &mine.join(",")])
            .args([
                "--epochs",
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
        outcome: f[5].to_string(),
        predictions: [float(f[6])?, float(f[7])?, float(f[8])?, float(f[9])?],
    })
}

fn sweep_csv(results: &[SeedResult]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for r in results {
        s.push_str(&csv_row(r));
        s.push('\n');
    }
    s
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Seeds as `0, 3, 5–9` (ranges of three or more collapsed), cut after `limit` items.
fn seed_list(seeds: &[u64], limit: usize) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seeds.len() {
        let mut j = i;
        while j + 1 < seeds.len() && seeds[j + 1] == seeds[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            items.push(format!("{}–{}", seeds[i], seeds[j]));
        } else {
            items.extend(seeds[i..=j].iter().map(u64::to_string));
        }
        i = j + 1;
    }
    if items.len() > limit {
        let rest = items.len() - limit;
        items.truncate(limit);
        items.push(format!("… ({rest} more)"));
    }
    items.join(", ")
}

const OUTCOME_ORDER: [&str; 6] = [
    "solved",
    "solved-slow",
    "plateau-1/6",
    "plateau-1/8",
    "plateau-1/4",
    "unsolved",
];

/// The summary table (Markdown), also printed.
pub fn summary(plan: &Plan, results: &[SeedResult]) -> String {
    let exp = plan.exp;
    let n = results.len();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Sweep of {} (notebook {}), seeds {}..{}\n",
        exp.name, exp.notebook, plan.first, plan.last
    );
    let _ = writeln!(
        s,
        "{n} seeds, {} {} each, learning rate {}; accuracy at threshold 0.5 on the trained \
         outputs; converged = every output within {CONVERGED_WITHIN} of its target.\n",
        plan.steps,
        exp.step_unit,
        number(plan.lr)
    );
    let solved = results.iter().filter(|r| r.accuracy == 1.0).count();
    let converged = results.iter().filter(|r| r.converged).count();
    let _ = writeln!(
        s,
        "- accuracy 100 %: {solved} of {n} seeds ({:.0} %); converged: {converged} of {n}",
        100.0 * solved as f64 / n as f64
    );
    let tracked = results.iter().any(|r| r.first_solved.is_some());
    let firsts: Vec<f64> = results
        .iter()
        .filter_map(|r| r.first_solved.map(|s| s as f64))
        .collect();
    match median(firsts.clone()) {
        Some(m) => {
            let max = firsts.iter().copied().fold(0.0, f64::max);
            let _ = writeln!(
                s,
                "- first step at 100 % accuracy: median {m:.0}, latest {max:.0} ({} seeds reached it)",
                firsts.len()
            );
        }
        None if solved > 0 && !tracked => {
            let _ = writeln!(
                s,
                "- first step at 100 % accuracy: not tracked by this experiment"
            );
        }
        None => {
            let _ = writeln!(s, "- first step at 100 % accuracy: never reached");
        }
    }
    if let Some(r) = results.iter().find(|r| r.seed == exp.default_seed) {
        let _ = writeln!(
            s,
            "- the notebook's seed {}: {}, final loss {}",
            r.seed,
            r.outcome,
            number(r.final_loss)
        );
    }
    let _ = writeln!(
        s,
        "\n| outcome | seeds | share | final loss: median (min – max) | first solved: median | which seeds |"
    );
    let _ = writeln!(s, "|---|---:|---:|---|---:|---|");
    let mut outcomes: Vec<&str> = OUTCOME_ORDER.to_vec();
    for r in results {
        if !outcomes.contains(&r.outcome.as_str()) {
            outcomes.push(&r.outcome);
        }
    }
    for outcome in outcomes {
        let rows: Vec<&SeedResult> = results.iter().filter(|r| r.outcome == outcome).collect();
        if rows.is_empty() {
            continue;
        }
        let losses: Vec<f64> = rows.iter().map(|r| r.final_loss).collect();
        let lo = losses.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = losses.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let first = median(
            rows.iter()
                .filter_map(|r| r.first_solved.map(|s| s as f64))
                .collect(),
        )
        .map(|m| format!("{m:.0}"))
        .unwrap_or_else(|| "–".into());
        let seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
        let _ = writeln!(
            s,
            "| {outcome} | {} | {:.0} % | {:.4} ({:.4} – {:.4}) | {first} | {} |",
            rows.len(),
            100.0 * rows.len() as f64 / n as f64,
            median(losses).unwrap_or(f64::NAN),
            lo,
            hi,
            seed_list(&seeds, 80)
        );
    }
    s
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
    let shards = dir.join(crate::shard::SHARDS);
    if shards.is_dir() {
        std::fs::rename(&shards, tmp.join(crate::shard::SHARDS))
            .with_context(|| format!("cannot keep {}", shards.display()))?;
    }
    let text = summary(plan, results);
    let written = (|| -> Result<()> {
        let write = |name: &str, body: &str| {
            std::fs::write(tmp.join(name), body)
                .with_context(|| format!("cannot write {}", tmp.join(name).display()))
        };
        write("sweep.csv", &sweep_csv(results))?;
        write("summary.md", &text)?;
        let points: Vec<crate::plot::SweepPoint> = results
            .iter()
            .map(|r| crate::plot::SweepPoint {
                final_loss: r.final_loss,
                outcome: &r.outcome,
            })
            .collect();
        let title = format!(
            "{}: final loss of seeds {}..{} ({} {})",
            plan.exp.name, plan.first, plan.last, plan.steps, plan.exp.step_unit
        );
        crate::plot::sweep_histogram(&points, &title, &tmp.join("sweep.svg"))
    })();
    if let Err(err) = written {
        let _ = std::fs::rename(tmp.join(crate::shard::SHARDS), &shards);
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
