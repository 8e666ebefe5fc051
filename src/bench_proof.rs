//! `bench-proof`: what the proof costs at the size of a real model (issue 29), against the
//! bytes' own limit. A model script (`scripts/bench/mlp.py`: a 1.6M-parameter MLP, 3 steps;
//! `scripts/bench/resnet.py`: an 11M-parameter ResNet-18-shaped CNN, 10 steps) is run bare
//! (the recorder's calls no-ops), recorded untraced and recorded traced, alternated; a copy of
//! the traced run gets a planted 1-ulp change (the last traced step's `PLANTED` parameter, one
//! element); then `diff` of the two identical copies, `diff` and `explain` of the planted
//! pair, each a whole process timed with its peak resident memory (`/usr/bin/time`), beside
//! what reading the bytes takes (`cmp` of the two folders' archives).

use crate::record::npz::NpzIndex;
use crate::run::python;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A benchmark model: its script, run name, traced steps and where the change is planted.
pub struct Model {
    pub name: &'static str,
    pub script: &'static str,
    pub experiment: &'static str,
    pub steps: usize,
    /// The traced value a 1-ulp change is planted in, at the last traced step.
    pub planted: &'static str,
    pub what: &'static str,
}

pub const MODELS: [Model; 2] = [
    Model {
        name: "mlp",
        script: "mlp.py",
        experiment: "bench-mlp",
        steps: 3,
        planted: "2.weight",
        what: "MLP 512-1024-1024-10 (1.6M parameters), CrossEntropyLoss, Adam, batch 256",
    },
    Model {
        name: "resnet",
        script: "resnet.py",
        experiment: "bench-resnet",
        steps: 10,
        planted: "layers.3.1.conv2.weight",
        what: "ResNet-18-shaped CNN (11.2M parameters), 32x32 images, SGD with momentum, batch 32",
    },
];

/// One child process: wall seconds, CPU seconds (user and system; less moved by other work
/// on a shared machine than the wall) and peak resident memory (MB), when measured.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub seconds: f64,
    pub cpu_seconds: Option<f64>,
    pub peak_mb: Option<f64>,
}

/// Everything measured, every run.
#[derive(Default)]
pub struct Figures {
    /// The tch port of the model (`port/examples/bench-mlp.rs`), when built: bare, recorded
    /// untraced, recorded traced.
    pub tch_bare: Vec<Measured>,
    pub tch_untraced: Vec<Measured>,
    pub tch_traced: Vec<Measured>,
    /// What `diff` said of the tch port's traced run against the script's.
    pub tch_against_script: String,
    pub bare: Vec<Measured>,
    pub untraced: Vec<Measured>,
    pub traced: Vec<Measured>,
    pub diff_same: Vec<Measured>,
    pub diff_planted: Vec<Measured>,
    pub explain: Vec<Measured>,
    pub cmp: Vec<Measured>,
    /// Bytes of the traced run folder, numbers in its trace, and in its params.
    pub folder_bytes: u64,
    pub traced_numbers: u64,
    pub param_numbers: u64,
    /// What `explain` printed first for the planted pair, and where it was planted.
    pub explain_headline: String,
    pub planted_at: String,
}

/// Runs `command` under `/usr/bin/time` when there is one (for its peak memory); fails
/// unless it exits with one of `ok` codes. Returns what it measured and its standard output.
fn measure(mut command: Command, ok: &[i32]) -> Result<(Measured, String)> {
    let time = Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("xor-repro-bench-time-{}", std::process::id()));
    let mut timed = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M %U %S").arg("-o").arg(&report);
        c.arg(command.get_program()).args(command.get_args());
        for (k, v) in command.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            c.current_dir(dir);
        }
        c
    } else {
        std::mem::replace(&mut command, Command::new("true"))
    };
    let start = Instant::now();
    let out = timed
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start {command:?}"))?;
    let seconds = start.elapsed().as_secs_f64();
    let code = out.status.code().unwrap_or(-1);
    if !ok.contains(&code) {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{command:?} exited with {code}: {}",
            err.lines().last().unwrap_or("")
        );
    }
    let fields: Vec<f64> = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| {
            let last = s.lines().last()?.to_string();
            last.split_whitespace().map(|f| f.parse().ok()).collect()
        })
        .unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    let (peak_mb, cpu_seconds) = match fields.as_slice() {
        [kb, user, system] => (Some(kb / 1024.0), Some(user + system)),
        _ => (None, None),
    };
    Ok((
        Measured {
            seconds,
            cpu_seconds,
            peak_mb,
        },
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

fn script(model: &Model, out: &Path, extra: &[&str]) -> Result<Command> {
    let mut c = Command::new(python::interpreter()?);
    c.arg(
        python::project_root()
            .join("scripts/bench")
            .join(model.script),
    )
    .arg("--out")
    .arg(out)
    .args(extra)
    .env("PYTHONPATH", python::python_path());
    Ok(c)
}

fn folder_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

/// Numbers in an archive: the sum of its arrays' elements.
fn numbers_in(path: &Path) -> Result<u64> {
    let index = NpzIndex::open(path)?;
    (0..index.entries.len())
        .map(|i| Ok(index.open_array(i)?.elements()))
        .sum()
}

fn copy_folder(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to)?;
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Measures `model` `runs` times into `work` (a scratch folder).
pub fn run(model: &Model, runs: usize, work: &Path, bin: &Path) -> Result<Figures> {
    let mut f = Figures::default();
    let last = model.steps - 1;
    let trace_steps = format!("0..{last}");
    let side = |out: &Path| out.join(model.experiment).join("seed-0").join("python");
    let (bare_out, untraced_out, traced_out) = (
        work.join("bare"),
        work.join("untraced"),
        work.join("traced"),
    );
    let planted = work.join("planted");
    let same = work.join("same");
    let tch = python::project_root().join("target/release/examples/bench-mlp");
    for _ in 0..runs {
        if model.name == "mlp" && tch.exists() {
            let port = |out: &Path, extra: &[&str]| {
                let mut c = Command::new(&tch);
                c.arg("--out").arg(out).args(extra);
                c
            };
            f.tch_bare
                .push(measure(port(&bare_out, &["--bare"]), &[0])?.0);
            f.tch_untraced
                .push(measure(port(&untraced_out, &[]), &[0])?.0);
            let traced = port(&traced_out, &["--trace-steps", &trace_steps]);
            f.tch_traced.push(measure(traced, &[0])?.0);
        }
        f.bare
            .push(measure(script(model, &bare_out, &["--bare"])?, &[0])?.0);
        f.untraced
            .push(measure(script(model, &untraced_out, &[])?, &[0])?.0);
        let traced = script(model, &traced_out, &["--trace-steps", &trace_steps])?;
        f.traced.push(measure(traced, &[0])?.0);
    }
    let a = side(&traced_out);
    let tch_side = traced_out.join(model.experiment).join("seed-0").join("tch");
    if tch_side.is_dir() {
        let mut diff = Command::new(bin);
        diff.arg("diff").arg(&a).arg(&tch_side);
        let (_, printed) = measure(diff, &[0, 1])?;
        f.tch_against_script = printed.lines().last().unwrap_or("").to_string();
    }
    copy_folder(&a, &same)?;
    copy_folder(&a, &planted)?;
    f.folder_bytes = folder_bytes(&a)?;
    f.traced_numbers = numbers_in(&a.join("trace.npz"))?;
    f.param_numbers = numbers_in(&a.join("params.npz"))?;
    let index = NpzIndex::open(&planted.join("trace.npz"))?;
    let entry = index
        .entries
        .iter()
        .find(|e| {
            crate::record::trace::parse_entry_name(&e.name)
                .is_some_and(|(step, _, name)| step == last && name == model.planted)
        })
        .with_context(|| format!("no {} at step {last} in the trace", model.planted))?
        .name
        .clone();
    let element = 12345;
    let (before, after) = index.nudge(&entry, element)?;
    f.planted_at = format!(
        "step {last}, {}, element {element}: {before:e} -> {after:e}",
        model.planted
    );
    let arg = |p: &Path| p.to_string_lossy().into_owned();
    for _ in 0..runs {
        let mut cmp = Command::new("cmp");
        cmp.arg(a.join("trace.npz")).arg(same.join("trace.npz"));
        let (m1, _) = measure(cmp, &[0])?;
        let mut cmp = Command::new("cmp");
        cmp.arg(a.join("params.npz")).arg(same.join("params.npz"));
        let (m2, _) = measure(cmp, &[0])?;
        f.cmp.push(Measured {
            seconds: m1.seconds + m2.seconds,
            cpu_seconds: m1.cpu_seconds.zip(m2.cpu_seconds).map(|(x, y)| x + y),
            peak_mb: m1.peak_mb.zip(m2.peak_mb).map(|(x, y)| x.max(y)),
        });
        let mut diff = Command::new(bin);
        diff.args(["diff", &arg(&a), &arg(&same)]);
        f.diff_same.push(measure(diff, &[0])?.0);
        let mut diff = Command::new(bin);
        diff.args(["diff", &arg(&a), &arg(&planted)]);
        f.diff_planted.push(measure(diff, &[1])?.0);
        let mut explain = Command::new(bin);
        explain.args(["explain", &arg(&a), &arg(&planted)]);
        let (m, printed) = measure(explain, &[1])?;
        f.explain.push(m);
        f.explain_headline = printed.lines().next().unwrap_or("").to_string();
    }
    Ok(f)
}

/// Median wall and CPU seconds, and the largest peak memory.
fn median(xs: &[Measured]) -> Measured {
    let middle = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let mut p: Vec<f64> = xs.iter().filter_map(|m| m.peak_mb).collect();
    p.sort_by(f64::total_cmp);
    Measured {
        seconds: middle(xs.iter().map(|m| m.seconds).collect()).unwrap_or(f64::NAN),
        cpu_seconds: middle(xs.iter().filter_map(|m| m.cpu_seconds).collect()),
        peak_mb: p.last().copied(),
    }
}

/// The Markdown report of one model's figures.
pub fn table(model: &Model, runs: usize, f: &Figures) -> String {
    let traced_mb = f.traced_numbers as f64 / 1e6;
    let mut s = format!(
        "{} traced for {} steps: {:.1}M traced numbers, {:.1}M parameter values in params.npz. \
         Median of {runs} run(s) on {}; peak resident memory is the largest of the runs.\n\n\
         | | wall s | CPU s | peak MB |\n|---|---:|---:|---:|\n",
        model.what,
        model.steps,
        traced_mb,
        f.param_numbers as f64 / 1e6,
        crate::bench::machine()
    );
    let row = |s: &mut String, what: &str, xs: &[Measured]| {
        let m = median(xs);
        let peak = m.peak_mb.map_or("?".to_string(), |p| format!("{p:.0}"));
        let cpu = m.cpu_seconds.map_or("?".to_string(), |c| format!("{c:.2}"));
        let _ = writeln!(s, "| {what} | {:.2} | {cpu} | {peak} |", m.seconds);
    };
    if !f.tch_bare.is_empty() {
        row(&mut s, "its tch port, bare (no `Run`)", &f.tch_bare);
        row(&mut s, "its tch port, recorded untraced", &f.tch_untraced);
        row(&mut s, "its tch port, recorded traced", &f.tch_traced);
    }
    row(&mut s, "the script, bare (recorder calls no-ops)", &f.bare);
    row(&mut s, "recorded, untraced", &f.untraced);
    row(&mut s, "recorded, traced", &f.traced);
    row(
        &mut s,
        "`cmp` of the two folders' archives (the bytes' limit)",
        &f.cmp,
    );
    row(&mut s, "`diff A A'` (identical copies)", &f.diff_same);
    row(
        &mut s,
        "`diff A B` (one planted 1-ulp change)",
        &f.diff_planted,
    );
    row(&mut s, "`explain A B`", &f.explain);
    let (bare, untraced, traced) = (median(&f.bare), median(&f.untraced), median(&f.traced));
    let numbers = f.traced_numbers.max(1) as f64;
    let cpu = |m: Measured| m.cpu_seconds.unwrap_or(f64::NAN);
    let _ = writeln!(
        s,
        "\n- recorder's cost over the bare script: untraced {:+.2} s wall ({:+.2} s CPU), \
         traced {:+.2} s wall ({:+.2} s CPU)",
        untraced.seconds - bare.seconds,
        cpu(untraced) - cpu(bare),
        traced.seconds - bare.seconds,
        cpu(traced) - cpu(bare)
    );
    let _ = writeln!(
        s,
        "- run folder: {:.1} MB, {:.2} bytes per traced number (params.npz included)",
        f.folder_bytes as f64 / 1e6,
        f.folder_bytes as f64 / numbers
    );
    if !f.tch_bare.is_empty() {
        let (b, u, t) = (
            median(&f.tch_bare),
            median(&f.tch_untraced),
            median(&f.tch_traced),
        );
        let _ = writeln!(
            s,
            "- `Run`'s cost over the bare tch port: untraced {:+.2} s wall ({:+.2} s CPU), \
             traced {:+.2} s wall ({:+.2} s CPU)",
            u.seconds - b.seconds,
            cpu(u) - cpu(b),
            t.seconds - b.seconds,
            cpu(t) - cpu(b)
        );
    }
    let per_million = |m: Measured| m.seconds / traced_mb.max(1e-9);
    let _ = writeln!(
        s,
        "- per million traced values: diff {:.3} s, explain {:.3} s",
        per_million(median(&f.diff_same)),
        per_million(median(&f.explain))
    );
    if !f.tch_against_script.is_empty() {
        let _ = writeln!(
            s,
            "- the tch port's traced run against the script's: {}",
            f.tch_against_script
        );
    }
    let _ = writeln!(s, "- planted: {}", f.planted_at);
    let _ = writeln!(s, "- explain said: `{}`", f.explain_headline);
    s
}

/// The model called `name`.
pub fn find(name: &str) -> Result<&'static Model> {
    MODELS.iter().find(|m| m.name == name).with_context(|| {
        let names: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
        format!(
            "no benchmark model {name:?} (there are: {})",
            names.join(", ")
        )
    })
}

/// Where the scratch runs go: `DIR/bench-proof-NAME/`.
pub fn work_dir(out: &Path, model: &Model) -> PathBuf {
    out.join(format!("bench-proof-{}", model.name))
}
