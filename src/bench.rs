//! `bench`: whole-process wall time of each experiment in Rust (`xor-repro run`) against its
//! Python reference, alternated run by run so both see the same machine, several runs each;
//! medians and their ratio, for each experiment and for the whole suite.

use crate::experiments::Experiment;
use crate::run::python;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Median whole-process seconds of both sides of one experiment.
pub struct Timing {
    pub experiment: &'static str,
    pub rust: Vec<f64>,
    pub python: Vec<f64>,
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

impl Timing {
    pub fn rust_median(&self) -> f64 {
        median(&self.rust)
    }
    pub fn python_median(&self) -> f64 {
        median(&self.python)
    }
    pub fn ratio(&self) -> f64 {
        self.python_median() / self.rust_median()
    }
}

fn time(mut command: Command) -> Result<f64> {
    let start = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start {command:?}"))?;
    let seconds = start.elapsed().as_secs_f64();
    if !status.status.success() {
        let err = String::from_utf8_lossy(&status.stderr);
        bail!("{command:?} failed: {}", err.lines().last().unwrap_or(""));
    }
    Ok(seconds)
}

fn rust_command(names: &[&str], out: &Path) -> Result<Command> {
    let mut c = Command::new(std::env::current_exe()?);
    c.arg("run").args(names).arg("--out").arg(out);
    Ok(c)
}

fn python_command(exp: &Experiment, out: &Path) -> Result<Command> {
    let mut c = Command::new(python::interpreter()?);
    crate::kernels::mkl::shim::preload(&mut c)?;
    c.arg(
        python::project_root()
            .join("scripts/reference")
            .join(exp.reference_script),
    )
    .args(
        crate::run::Settings {
            out: out.to_path_buf(),
            ..Default::default()
        }
        .reference_args(exp),
    )
    .env("TF_CPP_MIN_LOG_LEVEL", "3")
    .env("PYTHONPATH", python::python_path());
    Ok(c)
}

/// Times each experiment `runs` times per side, alternating Rust and Python.
pub fn measure(
    exps: &[&'static Experiment],
    runs: usize,
    progress: &crate::console::progress::Progress,
) -> Result<Vec<Timing>> {
    let out: PathBuf = std::env::temp_dir().join(format!("xor-repro-bench-{}", std::process::id()));
    let result = (|| {
        let mut timings = Vec::new();
        for exp in exps {
            let mut t = Timing {
                experiment: exp.name,
                rust: vec![],
                python: vec![],
            };
            for _ in 0..runs {
                t.rust.push(time(rust_command(&[exp.name], &out)?)?);
                progress.inc(1);
                t.python.push(time(python_command(exp, &out)?)?);
                progress.inc(1);
            }
            timings.push(t);
        }
        Ok(timings)
    })();
    let _ = std::fs::remove_dir_all(&out);
    result
}

/// Times the whole suite: one `run` of every experiment against every reference in turn.
pub fn measure_suite(
    exps: &[&'static Experiment],
    runs: usize,
    progress: &crate::console::progress::Progress,
) -> Result<Timing> {
    let out: PathBuf =
        std::env::temp_dir().join(format!("xor-repro-bench-suite-{}", std::process::id()));
    let names: Vec<&str> = exps.iter().map(|e| e.name).collect();
    let result = (|| {
        let mut t = Timing {
            experiment: "all (run --all)",
            rust: vec![],
            python: vec![],
        };
        for _ in 0..runs {
            t.rust.push(time(rust_command(&names, &out)?)?);
            progress.inc(1);
            let mut total = 0.0;
            for exp in exps {
                total += time(python_command(exp, &out)?)?;
            }
            t.python.push(total);
            progress.inc(1);
        }
        Ok(t)
    })();
    let _ = std::fs::remove_dir_all(&out);
    result
}

/// What the machine is, for the table's caption.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cpu}, {cores} cores")
}

/// The Markdown table of timings.
pub fn table(timings: &[Timing], runs: usize) -> String {
    let mut s = format!(
        "Median whole-process wall time of {runs} alternated runs per side on {}.\n\n\
         | experiment | Rust s | Python s | Python / Rust |\n|---|---:|---:|---:|\n",
        machine()
    );
    for t in timings {
        let _ = writeln!(
            s,
            "| `{}` | {:.3} | {:.3} | {:.1}x |",
            t.experiment,
            t.rust_median(),
            t.python_median(),
            t.ratio()
        );
    }
    s
}
