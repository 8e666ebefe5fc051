//! `identify`: which known machines and library builds ([`crate::kernels::machine`]) reproduce
//! a piece of evidence — a run folder, a data file someone recorded, or a notebook's printout —
//! bit for bit or line for line. Machines whose libraries take the same paths for the
//! experiment compute the same bits, so each group of them is run once (`run --machine`, in a
//! child process: a process computes as one machine) and held against the evidence.

use crate::compare::{self, PrintoutCheck};
use crate::diff::columns::{diff_paths, KeyChoice, Report};
use crate::diff::Tolerance;
use crate::experiments::Experiment;
use crate::kernels::machine::{self, Machine};
use crate::kernels::{Paths, Switches};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What is to be identified.
pub enum Evidence {
    /// A run folder (its `run.json` names the experiment, seed, length and learning rate).
    RunFolder(PathBuf),
    /// One data file (CSV, `.npy`, `.npz`), compared with the candidate run's file of the same
    /// name.
    DataFile(PathBuf),
    /// A printout: the lines a notebook (or a script) printed.
    Printout(PathBuf),
}

impl Evidence {
    /// A run folder if `path` is a folder, a data file by its extension, else a printout.
    pub fn of(path: &Path) -> Result<Evidence> {
        if !path.exists() {
            bail!("{} does not exist", path.display());
        }
        if path.is_dir() {
            return Ok(Evidence::RunFolder(path.to_path_buf()));
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Ok(match ext {
            "csv" | "npy" | "npz" => Evidence::DataFile(path.to_path_buf()),
            _ => Evidence::Printout(path.to_path_buf()),
        })
    }
}

/// The run a candidate machine is asked to make: the evidence's experiment and settings.
#[derive(Clone)]
pub struct Request {
    pub exp: &'static Experiment,
    pub seed: u64,
    pub steps: usize,
    pub lr: f64,
}

/// Machines that take the same paths for one experiment, so compute the same bits.
pub struct Group {
    pub machines: Vec<Machine>,
    /// Each library's path, `library path` (`TensorFlow oneDNN AVX2`), for the report.
    pub paths: Vec<String>,
    /// Why the group was not run: a path on it is not reproduced.
    pub not_reproduced: Option<String>,
}

impl Group {
    pub fn names(&self) -> String {
        self.machines
            .iter()
            .map(Machine::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The known machines and builds grouped by the paths `exp`'s libraries take on them (under
/// this process's switches, as if set on each), in [`machine::every_machine_and_build`]'s
/// order. Builds that change none of `exp`'s libraries fold into their machine's group.
pub fn groups(exp: &Experiment, only: Option<&[String]>) -> Result<Vec<Group>> {
    let keys = exp.framework.kernel_libraries();
    let switches = Switches::from_env();
    let mut groups: Vec<Group> = Vec::new();
    let mut seen_names = Vec::new();
    for m in machine::every_machine_and_build() {
        if let Some(only) = only {
            if !only.iter().any(|n| *n == m.name()) {
                continue;
            }
        }
        let paths = Paths::of_machine(&m, switches.clone());
        let records = paths.for_libraries(keys);
        let described: Vec<String> = records
            .iter()
            .map(|(k, p)| format!("{} {}", crate::kernels::label(k), p.path))
            .collect();
        // A build that changes nothing here is the same machine twice.
        if m.builds != machine::Builds::default()
            && seen_names.contains(&(m.cpu_name, described.clone()))
        {
            continue;
        }
        seen_names.push((m.cpu_name, described.clone()));
        let missing: Vec<String> = records
            .iter()
            .filter(|(_, p)| p.emulated == Some(false))
            .map(|(k, p)| {
                let why = p.why.as_deref().unwrap_or("");
                format!(
                    "{} path {} is not reproduced ({why})",
                    crate::kernels::label(k),
                    p.path
                )
            })
            .collect();
        let not_reproduced = (!missing.is_empty()).then(|| missing.join("; "));
        match groups.iter_mut().find(|g| g.paths == described) {
            Some(g) => g.machines.push(m),
            None => groups.push(Group {
                machines: vec![m],
                paths: described,
                not_reproduced,
            }),
        }
    }
    if let Some(only) = only {
        for name in only {
            machine::find(name)?;
        }
    }
    Ok(groups)
}

/// Runs `request` as the first machine of `group` into `out/<machine>/`, in a child process,
/// and returns the run folder.
pub fn run_as(group: &Group, request: &Request, out: &Path) -> Result<PathBuf> {
    let machine = group.machines[0].name();
    let dir = out.join(&machine);
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let status = Command::new(exe)
        .args(["run", request.exp.name, "--machine", &machine])
        .args(["--seed", &request.seed.to_string()])
        .args(["--steps", &request.steps.to_string()])
        .args(["--lr", &format!("{:?}", request.lr)])
        .arg("--out")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .context("cannot start xor-repro run")?;
    if !status.status.success() {
        let err = String::from_utf8_lossy(&status.stderr);
        bail!(
            "run --machine {machine} failed: {}",
            err.lines().last().unwrap_or("")
        );
    }
    Ok(crate::record::run_dir(
        &dir,
        request.exp.name,
        request.seed,
        "rust",
    ))
}

/// How one group's run held against the evidence.
pub enum Outcome {
    /// Data compared: the diff report (identical when it has no difference).
    Data(Report),
    /// A printout compared line for line.
    Lines(PrintoutCheck),
    /// Not run.
    Skipped(String),
}

impl Outcome {
    pub fn reproduces(&self) -> bool {
        match self {
            Outcome::Data(r) => r.within_tolerance() && r.compared() > 0,
            Outcome::Lines(c) => c.differing.is_empty(),
            Outcome::Skipped(_) => false,
        }
    }
}

/// Holds `evidence` against a candidate's run folder `run`.
pub fn hold(evidence: &Evidence, run: &Path) -> Result<Outcome> {
    let exact = Tolerance::default();
    Ok(match evidence {
        Evidence::RunFolder(dir) => {
            Outcome::Data(diff_paths(dir, run, &KeyChoice::Default, &exact)?)
        }
        Evidence::DataFile(file) => {
            let name = file.file_name().context("a data file has a name")?;
            let theirs = run.join(name);
            if !theirs.exists() {
                bail!(
                    "a run here writes no {} to compare {} with (it writes loss.csv, params.csv, predictions.csv)",
                    name.to_string_lossy(),
                    file.display()
                );
            }
            Outcome::Data(diff_paths(file, &theirs, &KeyChoice::Default, &exact)?)
        }
        Evidence::Printout(file) => {
            Outcome::Lines(hold_printout(&compare::read_printout(file)?, run, |_| {
                false
            })?)
        }
    })
}

/// Holds a candidate's transcript (in `run`) against `expected` printed lines, every line
/// required; `prints_loss` marks the loss lines, as [`compare::check_printout`] takes it.
pub fn hold_printout(
    expected: &[String],
    run: &Path,
    prints_loss: fn(&str) -> bool,
) -> Result<PrintoutCheck> {
    let transcript = std::fs::read_to_string(run.join("transcript.txt"))
        .with_context(|| format!("cannot read {}/transcript.txt", run.display()))?;
    Ok(compare::check_printout(
        expected,
        &transcript,
        compare::Printout::Every,
        prints_loss,
    ))
}
