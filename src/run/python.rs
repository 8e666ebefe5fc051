//! The project's Python side: finding the pinned environment that `scripts/setup.sh` made,
//! and running a reference script from `scripts/reference/` in it.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The project folder (scripts and the `.venv` link live there).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python interpreter of the project's environment: `$XOR_REPRO_PYTHON`, else the
/// `.venv` that `scripts/setup.sh` links into the project folder.
pub fn interpreter() -> Result<PathBuf> {
    let python = match std::env::var_os("XOR_REPRO_PYTHON") {
        Some(python) => PathBuf::from(python),
        None => project_root().join(".venv/bin/python"),
    };
    if !python.exists() {
        bail!(
            "the project's Python environment is missing ({}); run ./scripts/setup.sh to create it",
            python.display()
        );
    }
    Ok(python)
}

/// `PYTHONPATH` with this clone's `python/` first, so a reference script imports this clone's
/// `xor_repro_record` even when the shared environment's `.pth` points at another clone.
pub fn python_path() -> std::ffi::OsString {
    let mut paths = vec![project_root().join("python")];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Runs `scripts/reference/<script>` with `args`, streaming its output; fails with the
/// script's last error line if it fails.
pub fn run_reference(script: &str, args: &[String]) -> Result<()> {
    run_reference_with(script, args, true)
}

/// `run_reference`, discarding the script's standard output unless `print_transcript`.
pub fn run_reference_with(script: &str, args: &[String], print_transcript: bool) -> Result<()> {
    let python = interpreter()?;
    let path = project_root().join("scripts/reference").join(script);
    run_script(&python, &path, args, print_transcript)
}

fn run_script(python: &Path, script: &Path, args: &[String], print_transcript: bool) -> Result<()> {
    let stdout = if print_transcript {
        std::process::Stdio::inherit()
    } else {
        std::process::Stdio::null()
    };
    let mut cmd = Command::new(python);
    crate::kernels::mkl::shim::preload(&mut cmd)?;
    let output = cmd
        .arg(script)
        .args(args)
        .stdout(stdout)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("TF_CPP_MIN_LOG_LEVEL", "3")
        .env("PYTHONPATH", python_path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", python.display()))?
        .wait_with_output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = last_error(&stderr);
        bail!(
            "{} failed: {}",
            script.display(),
            message.strip_prefix("error: ").unwrap_or(&message)
        );
    }
    Ok(())
}

/// The message a failed Python process ended on, as one line: its last exception (whose text
/// may run over several lines, as NumPy's refusal of a CPU-feature switch does) or, failing
/// that, its last non-blank line.
fn last_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let is_exception = |l: &str| {
        let head = l.split(':').next().unwrap_or("");
        !l.starts_with(' ')
            && l.contains(": ")
            && (head.ends_with("Error") || head.ends_with("Exception") || head == "error")
    };
    match lines.iter().rposition(|l| is_exception(l)) {
        Some(i) => lines[i..]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        None => lines
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or("no message".to_string(), |l| l.trim().to_string()),
    }
}
