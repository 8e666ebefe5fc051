//! Judging a run against its Python reference: `compare.csv` (every value side by side) and
//! a one-line verdict stored in `verdict.json`, in `DIR/NAME/seed-S/` beside the two runs.
//!
//! `compare.csv` has the columns `kind,key,rust,python,abs_diff,rel_diff,ulps`. `kind` is
//! `loss`, `initial-param`, `final-param`, `prediction`, `last-epoch-prediction` or
//! `surface`; `key` names the row as `name=value` pairs separated by spaces (`step=17`,
//! `name=fc1.weight index=3`, `x1=0 x2=1 target=1`). Values are written as the shortest
//! decimal that reads back to the same float64; `ulps` counts in float32 when both sides'
//! values of that kind are all float32, else in float64.

use super::target::{target, Check, Target};
use super::{output_name, pair_dir};
use crate::diff::{self, Difference, FileDiff, Table};
use crate::experiments::{Engine, Experiment, Framework};
use crate::record::{self, number};
use anyhow::{bail, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The comparison of one kind of value.
#[derive(Debug, Clone, Serialize)]
pub struct KindResult {
    pub kind: &'static str,
    pub check: Check,
    pub rows_rust: usize,
    pub rows_python: usize,
    pub compared: usize,
    pub identical: usize,
    pub max_abs: f64,
    pub max_rel: f64,
    pub max_ulps: u64,
    /// The first row outside the check, as a sentence naming it.
    pub first_outside: Option<String>,
    /// Which row that is (`step 17`, `stage final, name W1, index 3`, …).
    pub first_outside_key: Option<String>,
    /// The first row that differs at all (`step 17`, `name fc1.weight, index 3`, …).
    pub first_difference: Option<String>,
}

impl KindResult {
    pub fn passes(&self) -> bool {
        self.check == Check::Report
            || (self.rows_rust == self.rows_python && self.first_outside.is_none())
    }
}

/// Pass, fail, or (no judged values) reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Reported,
}

/// `verdict.json`: the judgement of one pair of runs.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub experiment: String,
    pub notebook: String,
    pub framework: String,
    pub seed: u64,
    pub steps: usize,
    pub target: Target,
    pub status: Status,
    /// The one line `compare` prints.
    pub line: String,
    pub kinds: Vec<KindResult>,
    pub values_compared: usize,
    pub values_identical: usize,
    pub max_abs: f64,
    pub max_rel: f64,
    /// The kernel paths the Rust side emulated (its `run.json`).
    pub kernels: std::collections::BTreeMap<String, crate::kernels::KernelPath>,
    /// A path that is not emulated, or one the Python side reports otherwise, in one line.
    pub kernel_note: Option<String>,
    /// Whether the two sides' `transcript.txt` are the same text.
    pub transcripts_identical: bool,
    pub rust_seconds: f64,
    pub python_seconds: f64,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.status != Status::Fail
    }
}

/// Splits a `params.csv` table into its initial and final rows.
fn split_params(t: &Table) -> [Table; 2] {
    let part = |stage: &str| {
        let prefix = format!("stage {stage},");
        let rows: Vec<usize> = (0..t.keys.len())
            .filter(|&i| t.keys[i].starts_with(&prefix))
            .collect();
        Table {
            path: t.path.clone(),
            schema: t.schema,
            keys: rows.iter().map(|&i| t.keys[i].clone()).collect(),
            values: rows.iter().map(|&i| t.values[i]).collect(),
        }
    };
    [part("initial"), part("final")]
}

/// `step 17, name x` → `step=17 name=x` (no commas, so the key needs no CSV quoting).
fn csv_key(key: &str) -> String {
    key.split(", ")
        .map(|kv| kv.replacen(' ', "=", 1))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything `judge` reads of one pair.
struct Side {
    dir: PathBuf,
    info: record::RunInfo,
}

fn side(pair: &Path, name: &str, exp: &Experiment) -> Result<Side> {
    let dir = pair.join(name);
    if !dir.is_dir() {
        bail!(
            "{} does not exist: run `xor-repro {} {}` first (or compare without --no-run)",
            dir.display(),
            match name {
                "python" => "reference",
                "tch" => "run --engine tch",
                _ => "run",
            },
            exp.name
        );
    }
    let info = record::read_info(&dir)?;
    if info.experiment != exp.name {
        bail!(
            "{} holds a run of {}, not {}",
            dir.display(),
            info.experiment,
            exp.name
        );
    }
    Ok(Side { dir, info })
}

/// Judges the runs in `DIR/NAME/seed-S/{rust,python}` against the experiment's target and
/// writes `compare.csv` and `verdict.json` beside them (`draw` adds the plots).
pub fn judge(exp: &Experiment, out: &Path, seed: u64) -> Result<Verdict> {
    judge_on(exp, out, seed, Engine::Exact)
}

/// `judge` for the run of `engine` (`rust/` or `tch/`). A plain tch port runs libtorch's own
/// kernels, so outside PyTorch it is held to the tolerances, never to bit identity.
pub fn judge_on(exp: &Experiment, out: &Path, seed: u64, engine: Engine) -> Result<Verdict> {
    let pair = pair_dir(out, exp, seed);
    let rust = side(&pair, engine.run_folder(), exp)?;
    let python = side(&pair, "python", exp)?;
    if rust.info.steps != python.info.steps || rust.info.seed != python.info.seed {
        bail!(
            "{} ran {} steps at seed {}, {} ran {} steps at seed {}: run both sides with the same settings",
            rust.dir.display(),
            steps_of(&rust.info),
            rust.info.seed,
            python.dir.display(),
            steps_of(&python.info),
            python.info.seed
        );
    }
    let note = match engine {
        Engine::Exact => crate::kernels::not_emulated_note(&rust.info.kernels),
        Engine::Tch if exp.framework != Framework::PyTorch => Some(format!(
            "the plain tch port runs libtorch's own kernels, not {}'s: judged by tolerances",
            exp.framework.name()
        )),
        Engine::Tch => None,
    }
    .or_else(|| crate::kernels::unpinned_note(&python.info.versions));
    let target = target(exp.framework, seed, exp.default_seed, note.is_none());
    let mut csv = String::from("kind,key,rust,python,abs_diff,rel_diff,ulps\n");
    let mut kinds = Vec::new();
    for file in diff::RUN_FILES {
        let (a, b) = (rust.dir.join(file), python.dir.join(file));
        match (a.exists(), b.exists()) {
            (false, false) => continue,
            (true, false) => bail!(
                "{} has no {file} ({} has)",
                python.dir.display(),
                rust.dir.display()
            ),
            (false, true) => bail!(
                "{} has no {file} ({} has)",
                rust.dir.display(),
                python.dir.display()
            ),
            (true, true) => {}
        }
        let (ta, tb) = (Table::read(&a)?, Table::read(&b)?);
        let parts: Vec<(&'static str, Check, Table, Table)> = match file {
            "loss.csv" => vec![("loss", target.losses_and_predictions, ta, tb)],
            "params.csv" => {
                let [ia, fa] = split_params(&ta);
                let [ib, fb] = split_params(&tb);
                vec![
                    ("initial-param", target.initial_params, ia, ib),
                    ("final-param", target.final_params, fa, fb),
                ]
            }
            "predictions.csv" => vec![("prediction", target.losses_and_predictions, ta, tb)],
            "last_epoch_predictions.csv" => vec![(
                "last-epoch-prediction",
                target.losses_and_predictions,
                ta,
                tb,
            )],
            "surface.csv" => vec![("surface", target.losses_and_predictions, ta, tb)],
            other => bail!("{other}: no kind of value to judge it as"),
        };
        for (kind, check, ta, tb) in parts {
            if ta.values.is_empty() && tb.values.is_empty() {
                continue;
            }
            let d = diff::compare(&ta, &tb, &check.tolerance())?;
            kinds.push(kind_result(kind, check, &ta, &tb, &d, &mut csv));
        }
    }
    let transcript = |dir: &Path| std::fs::read_to_string(dir.join("transcript.txt")).ok();
    let transcripts_identical = transcript(&rust.dir) == transcript(&python.dir);
    let mut verdict = Verdict {
        experiment: exp.name.to_string(),
        notebook: exp.notebook.to_string(),
        framework: exp.framework.name().to_string(),
        seed,
        steps: rust.info.steps.unwrap_or(0),
        status: Status::Pass,
        line: String::new(),
        values_compared: kinds.iter().map(|k| k.compared).sum(),
        values_identical: kinds.iter().map(|k| k.identical).sum(),
        max_abs: kinds.iter().map(|k| k.max_abs).fold(0.0, f64::max),
        max_rel: kinds.iter().map(|k| k.max_rel).fold(0.0, f64::max),
        kinds,
        target,
        kernels: rust.info.kernels.clone(),
        kernel_note: note.clone().or_else(|| match engine {
            Engine::Exact => kernel_disagreement(&rust.info, &python.info),
            Engine::Tch => None,
        }),
        transcripts_identical,
        rust_seconds: rust.info.wall_seconds,
        python_seconds: python.info.wall_seconds,
    };
    verdict.status = if !verdict.kinds.iter().all(KindResult::passes) {
        Status::Fail
    } else if verdict
        .kinds
        .iter()
        .any(|k| k.check != Check::Report && k.kind != "initial-param")
    {
        Status::Pass
    } else {
        Status::Reported
    };
    verdict.line = verdict_line(&verdict);
    record::write_atomic(&pair.join(output_name(engine, "compare", "csv")), csv)?;
    record::write_atomic(
        &pair.join(output_name(engine, "verdict", "json")),
        serde_json::to_string_pretty(&verdict)? + "\n",
    )?;
    Ok(verdict)
}

fn kind_result(
    kind: &'static str,
    check: Check,
    a: &Table,
    b: &Table,
    d: &FileDiff,
    csv: &mut String,
) -> KindResult {
    let mut first_difference = None;
    for row in 0..d.compared {
        let (x, y) = (a.values[row], b.values[row]);
        let diff = Difference::between(x, y, d.precision);
        if !diff.identical && first_difference.is_none() {
            first_difference = Some(a.keys[row].clone());
        }
        let _ = writeln!(
            csv,
            "{kind},{},{},{},{},{},{}",
            csv_key(&a.keys[row]),
            number(x),
            number(y),
            number(diff.abs),
            number(diff.rel),
            diff.ulps
        );
    }
    let first_outside = d.first_outside.as_ref().map(|o| {
        format!(
            "{kind} first outside target at {}: rust {} vs python {} (abs {}, rel {}, {} ulps)",
            o.key,
            number(o.a),
            number(o.b),
            diff::short(o.difference.abs),
            diff::short(o.difference.rel),
            o.difference.ulps
        )
    });
    KindResult {
        kind,
        check,
        rows_rust: d.rows_a,
        rows_python: d.rows_b,
        compared: d.compared,
        identical: d.identical,
        max_abs: d.max_abs,
        max_rel: d.max_rel,
        max_ulps: d.max_ulps,
        first_outside,
        first_outside_key: d.first_outside.as_ref().map(|o| o.key.clone()),
        first_difference,
    }
}

/// One line when the Python side's libraries report another back-end than the Rust side
/// emulated (run with other switches, or on another machine): compare names it.
fn kernel_disagreement(rust: &record::RunInfo, python: &record::RunInfo) -> Option<String> {
    let paths = crate::kernels::this_machine();
    let this_process = paths.records();
    let differing: Vec<String> = rust
        .kernels
        .iter()
        .filter_map(|(key, ours)| {
            let theirs = python.kernels.get(key)?;
            // Judged by the rule of `xor-repro kernels`, which needs the pick itself: when the
            // Rust run was made under other switches than this process's (`compare --no-run`),
            // our names and the library's cannot be held against each other, and nothing is
            // said.
            let agree = this_process.get(key).map(|p| &p.path) != Some(&ours.path)
                || crate::kernels::probe::agrees(paths, key, theirs) != Some(false);
            (!agree).then(|| {
                format!(
                    "{}: Rust emulated {}, Python's library reports {}",
                    crate::kernels::label(key),
                    ours.path,
                    theirs.path
                )
            })
        })
        .collect();
    (!differing.is_empty()).then(|| format!("kernel paths differ: {}", differing.join("; ")))
}

fn verdict_line(v: &Verdict) -> String {
    let head = format!("{} seed {}:", v.experiment, v.seed);
    let counts = format!(
        "{} of {} values bit-identical, max abs {}, max rel {}",
        v.values_identical,
        v.values_compared,
        diff::short(v.max_abs),
        diff::short(v.max_rel)
    );
    match v.status {
        Status::Pass => format!("{head} PASS ({}): {counts}", v.target.description),
        Status::Reported => format!("{head} REPORTED ({}): {counts}", v.target.description),
        Status::Fail => {
            let mut reasons = Vec::new();
            for k in v.kinds.iter().filter(|k| !k.passes()) {
                if k.rows_rust != k.rows_python {
                    reasons.push(format!(
                        "{} lengths differ: {} rust rows vs {} python rows",
                        k.kind, k.rows_rust, k.rows_python
                    ));
                }
                if let Some(s) = &k.first_outside {
                    reasons.push(s.clone());
                }
            }
            format!(
                "{head} FAIL (target: {}): {}; {counts}",
                v.target.description,
                reasons.join("; ")
            )
        }
    }
}

/// A run's `--steps` for a message (`?` when its `run.json` does not say).
fn steps_of(info: &crate::record::RunInfo) -> String {
    info.steps.map_or("?".to_string(), |s| s.to_string())
}
