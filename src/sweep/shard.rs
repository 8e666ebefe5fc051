//! Sweeps that outgrow one machine: `sweep NAME --seeds A..B --shard K/N` runs the K-th of N
//! disjoint, contiguous parts of the seeds into `DIR/sweeps/NAME/shards/K-of-N.csv`, and
//! `sweep NAME --merge` joins the shards into the same `sweep.csv`, `summary.md` and
//! `sweep.svg` an unsharded sweep of those seeds writes.
//!
//! A shard file is `sweep.csv`'s rows under one line of settings (`# xor-repro sweep shard
//! experiment=… seeds=A..B shard=K/N epochs=… lr=… engine=…`), so that a merge can refuse
//! shards that do not belong together instead of mixing them.

use crate::experiments::{self, Engine};
use crate::record::number;
use crate::sweep::{self, Plan, SeedResult};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folder of a sweep's shards, inside `DIR/sweeps/NAME/`.
pub const SHARDS: &str = "shards";
const PREFIX: &str = "# xor-repro sweep shard ";

/// `K/N`, 1 ≤ K ≤ N.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a shard as K/N with 1 ≤ K ≤ N, got {s:?}");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The seeds of shard `k` of `n` of `first..=last`: contiguous parts whose sizes differ by
/// at most one.
pub fn seeds_of(first: u64, last: u64, k: u64, n: u64) -> Vec<u64> {
    let count = last - first + 1;
    let start = |i: u64| first + (count * (i - 1)) / n;
    (start(k)..start(k + 1)).collect()
}

/// The path of shard `k` of `n`.
pub fn shard_path(out: &Path, name: &str, k: u64, n: u64) -> PathBuf {
    sweep::sweep_dir(out, name)
        .join(SHARDS)
        .join(format!("{k}-of-{n}.csv"))
}

/// What a shard must share with the other shards of its sweep.
fn settings_line(plan: &Plan) -> String {
    format!(
        "experiment={} seeds={}..{} epochs={} lr={} engine={}",
        plan.exp.name,
        plan.first,
        plan.last,
        plan.steps,
        number(plan.lr),
        plan.engine.name()
    )
}

/// Writes shard `k` of `n` of `plan`'s sweep; returns its path.
pub fn write(plan: &Plan, k: u64, n: u64, results: &[SeedResult]) -> Result<PathBuf> {
    let path = shard_path(&plan.out, plan.exp.name, k, n);
    let dir = path.parent().expect("has a parent");
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let mut text = format!("{PREFIX}{} shard={k}/{n}\n", settings_line(plan));
    text.push_str(sweep::CSV_HEADER);
    text.push('\n');
    for r in results {
        text.push_str(&sweep::csv_row(r));
        text.push('\n');
    }
    crate::record::write_atomic(&path, text)?;
    Ok(path)
}

/// One shard file read back.
struct Shard {
    path: PathBuf,
    settings: String,
    k: u64,
    n: u64,
    rows: Vec<SeedResult>,
}

fn read_shard(path: &Path) -> Result<Shard> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {shown}"))?;
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let fields = first
        .strip_prefix(PREFIX)
        .with_context(|| format!("{shown} is not a sweep shard (no settings line)"))?;
    let (settings, shard) = fields
        .rsplit_once(" shard=")
        .with_context(|| format!("{shown}: its settings line names no shard"))?;
    let (k, n) = parse_shard(shard).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    if lines.next() != Some(sweep::CSV_HEADER) {
        bail!("{shown}: line 2 is not sweep.csv's header");
    }
    let rows = lines
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| sweep::parse_row(l).with_context(|| format!("{shown}: line {}", i + 3)))
        .collect::<Result<_>>()?;
    Ok(Shard {
        path: path.to_path_buf(),
        settings: settings.to_string(),
        k,
        n,
        rows,
    })
}

/// The value of `key=` in a settings line.
fn setting<'a>(settings: &'a str, key: &str) -> Option<&'a str> {
    settings
        .split(' ')
        .find_map(|f| f.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

/// Joins the shards in `DIR/sweeps/NAME/shards/` into the plan and rows of the whole sweep,
/// refusing a missing shard, overlapping seeds, or shards of different sweeps.
pub fn merge(out: &Path, name: &str, jobs: usize) -> Result<(Plan<'static>, Vec<SeedResult>)> {
    let exp = experiments::find(name)?;
    let dir = sweep::sweep_dir(out, name).join(SHARDS);
    let entries = std::fs::read_dir(&dir)
        .with_context(|| format!("no shards to merge: cannot read {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!("no shards to merge in {}", dir.display());
    }
    let shards: Vec<Shard> = paths.iter().map(|p| read_shard(p)).collect::<Result<_>>()?;
    let first = &shards[0];
    for s in &shards[1..] {
        if s.settings != first.settings || s.n != first.n {
            bail!(
                "shards of different sweeps: {} is {} shard=…/{}, {} is {} shard=…/{}",
                first.path.display(),
                first.settings,
                first.n,
                s.path.display(),
                s.settings,
                s.n
            );
        }
    }
    if setting(&first.settings, "experiment") != Some(name) {
        bail!(
            "{} is a shard of {}, not of {name}",
            first.path.display(),
            setting(&first.settings, "experiment").unwrap_or("?")
        );
    }
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for s in &shards {
        for r in &s.rows {
            if let Some(other) = seen.insert(r.seed, &s.path) {
                bail!(
                    "overlapping seeds: seed {} is in {} and {}",
                    r.seed,
                    other.display(),
                    s.path.display()
                );
            }
        }
    }
    let n = first.n;
    if let Some(k) = (1..=n).find(|k| !shards.iter().any(|s| s.k == *k)) {
        bail!(
            "missing shard {k} of {n}: {} (run it with --shard {k}/{n})",
            shard_path(out, name, k, n).display()
        );
    }
    let bad =
        |what: &str| anyhow::anyhow!("{}: bad {what} in its settings line", first.path.display());
    let (a, b) = setting(&first.settings, "seeds")
        .and_then(|s| sweep::parse_seed_range(s).ok())
        .ok_or_else(|| bad("seeds"))?;
    let steps = setting(&first.settings, "epochs")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("epochs"))?;
    let lr = setting(&first.settings, "lr")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("lr"))?;
    let engine = match setting(&first.settings, "engine") {
        Some("exact") => Engine::Exact,
        Some("tch") => Engine::Tch,
        _ => return Err(bad("engine")),
    };
    for s in &shards {
        let expected = seeds_of(a, b, s.k, n);
        let got: Vec<u64> = s.rows.iter().map(|r| r.seed).collect();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        if sorted != expected {
            bail!(
                "{} holds {} of its {} seeds (an interrupted shard? run it again)",
                s.path.display(),
                got.len(),
                expected.len()
            );
        }
    }
    let mut rows: Vec<SeedResult> = shards.into_iter().flat_map(|s| s.rows).collect();
    rows.sort_by_key(|r| r.seed);
    let plan = Plan {
        exp,
        first: a,
        last: b,
        seeds: (a..=b).collect(),
        engine,
        jobs,
        steps,
        lr,
        out: out.to_path_buf(),
    };
    Ok((plan, rows))
}
