//! Running one experiment on any side (the exact engine, the plain tch port, or Python) into
//! its run folder `DIR/NAME/seed-S/{rust,tch,python}/`, with the settings a user gave or the
//! notebook's own.

pub mod engine;
pub mod python;

use crate::console::progress::Progress;
use crate::experiments::{Config, Engine, Experiment};
use crate::record::{self, InitialParams, RunInfo, RunRecord};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What the user asked for; `None` means the notebook's own value.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub seed: Option<u64>,
    pub steps: Option<usize>,
    pub lr: Option<f64>,
    pub init_from: Option<PathBuf>,
    pub out: PathBuf,
    /// Which Rust code trains (the Python side ignores it).
    pub engine: Engine,
    /// The steps to trace into `trace.csv`, if any.
    pub trace: Option<crate::record::trace::StepRange>,
}

impl Settings {
    pub fn seed(&self, exp: &Experiment) -> u64 {
        self.seed.unwrap_or(exp.default_seed)
    }
    pub fn steps(&self, exp: &Experiment) -> usize {
        self.steps.unwrap_or(exp.steps)
    }
    pub fn lr(&self, exp: &Experiment) -> f64 {
        self.lr.unwrap_or(exp.lr)
    }

    /// The command line of `exp`'s reference script: the experiment's name and notebook, and
    /// every setting, so the scripts repeat none of the registry.
    pub fn reference_args(&self, exp: &Experiment) -> Vec<String> {
        let mut args = vec![
            "--experiment".to_string(),
            exp.name.to_string(),
            "--notebook".to_string(),
            exp.notebook.to_string(),
            "--seed".to_string(),
            self.seed(exp).to_string(),
            "--steps".to_string(),
            self.steps(exp).to_string(),
            "--lr".to_string(),
            record::number(self.lr(exp)),
            "--out".to_string(),
            self.out.display().to_string(),
        ];
        if let Some(path) = &self.init_from {
            args.push("--init-from".to_string());
            args.push(path.display().to_string());
        }
        if let Some(steps) = &self.trace {
            args.push("--trace-steps".to_string());
            args.push(format!("{}..{}", steps.start(), steps.end()));
        }
        args
    }

    /// Rejects a seed the experiment's framework cannot take and an unreadable
    /// `--init-from`, before any work is done.
    pub fn check(&self, exp: &Experiment) -> Result<()> {
        exp.framework.check_seed(self.seed(exp))?;
        if let Some(path) = &self.init_from {
            InitialParams::read(path)?;
        }
        Ok(())
    }
}

/// Versions recorded in the Rust side's `run.json`: ours, and the libraries `exp` trained on.
pub fn rust_versions(exp: &Experiment, engine: Engine) -> BTreeMap<String, String> {
    let mut versions = BTreeMap::from([(
        "xor-repro".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
    )]);
    if let (true, Some(libtorch)) = (
        exp.needs_libtorch_on(engine),
        crate::run::engine::libtorch(),
    ) {
        versions.extend((libtorch.versions)(exp));
    }
    if let (Engine::Exact, Some(settings)) = (engine, exp.recorded_settings) {
        versions.extend(settings().into_iter().map(|(k, v)| (k.to_string(), v)));
    }
    versions
}

/// Fails early, with the folder's name, when `out` cannot be written.
pub fn ensure_writable(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let probe = out.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("output folder {} cannot be written", out.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Runs `exp` in Rust and writes its record; returns the record and its folder. With
/// `print_transcript`, the notebook's transcript is printed as it goes, under a progress bar.
pub fn run_rust(
    exp: &Experiment,
    settings: &Settings,
    print_transcript: bool,
) -> Result<(RunRecord, PathBuf)> {
    let progress = if print_transcript {
        Progress::new(settings.steps(exp) as u64, exp.name)
    } else {
        Progress::hidden()
    };
    run_rust_with(exp, settings, print_transcript, progress)
}

/// `run_rust` with the caller's progress bar (commands that show progress without printing
/// the transcript: `compare`, `reproduce`, `explain`).
pub fn run_rust_with(
    exp: &Experiment,
    settings: &Settings,
    print_transcript: bool,
    progress: Progress,
) -> Result<(RunRecord, PathBuf)> {
    settings.check(exp)?;
    let seed = settings.seed(exp);
    let steps = settings.steps(exp);
    let init = settings
        .init_from
        .as_deref()
        .map(InitialParams::read)
        .transpose()?;
    let cfg = Config {
        seed,
        steps,
        lr: settings.lr(exp),
        init,
        print_transcript,
        trace: settings.trace.clone(),
        progress: progress.clone(),
    };
    let engine = settings.engine;
    let run = crate::run::engine::run_fn_on(exp, engine)?;
    let kernels = kernel_paths(exp, engine);
    if let Some(machine) = &crate::kernels::this_machine().machine {
        if engine == Engine::Tch {
            // The port runs this host's libtorch: it is the machine's only where the host is.
            host_computes_as_machine(exp)?;
        }
        let missing = crate::kernels::not_emulated_note(&kernels);
        if let Some(why) = exp.framework.not_reproduced().or(missing) {
            bail!("{} cannot run as {machine}: {why}", exp.name);
        }
    }
    if let Some(note) = crate::kernels::not_emulated_note(&kernels) {
        crate::errln!("{}: {note}", exp.name);
    }
    let start = Instant::now();
    let record = run(&cfg).with_context(|| format!("{} failed", exp.name))?;
    let wall_seconds = start.elapsed().as_secs_f64();
    progress.finish();
    let info = RunInfo {
        experiment: exp.name.to_string(),
        notebook: exp.notebook.to_string(),
        seed,
        steps: Some(steps),
        losses_recorded: None,
        lr: cfg.lr,
        init_from: settings.init_from.as_ref().map(|p| p.display().to_string()),
        implementation: engine.run_folder().to_string(),
        versions: rust_versions(exp, engine),
        kernels,
        wall_seconds,
        build: Some(crate::build_info::BuildInfo::of_this_binary()),
        ops: Default::default(),
        machine: crate::kernels::this_machine()
            .machine
            .clone()
            .map(|emulated| record::MachineRecord {
                emulated,
                host: crate::kernels::cpu::CpuFeatures::detect().summary(),
            }),
    };
    let dir = record::run_dir(&settings.out, exp.name, seed, engine.run_folder());
    // The surface plot goes in before the rename, so a run folder is complete or absent.
    record::write_run_with(&dir, &record, &info, |tmp| {
        if record.surface.is_empty() {
            return Ok(());
        }
        let who = match engine {
            Engine::Exact => "Rust",
            Engine::Tch => "plain tch",
        };
        let title = format!("{} seed {seed} ({who})", exp.name);
        crate::plot::surface(&record.surface, &title, &tmp.join("surface.svg"))
    })?;
    Ok((record, dir))
}

/// The kernel paths `run.json` records for a run of `exp` on `engine`. The exact engine
/// emulates the paths of the notebook's libraries, or, where a PyTorch notebook trains on the
/// libtorch-backed engine, runs libtorch's own kernels on them; a plain tch port runs
/// libtorch's own kernels, on the path ATen picks here.
pub fn kernel_paths(
    exp: &Experiment,
    engine: Engine,
) -> BTreeMap<String, crate::kernels::KernelPath> {
    let paths = crate::kernels::this_machine();
    match engine {
        Engine::Exact
            if exp.framework == crate::experiments::Framework::PyTorch && exp.needs_libtorch() =>
        {
            paths.libtorchs_own(
                exp.framework.kernel_libraries(),
                "libtorch's own kernels (the libtorch-backed exact engine)",
            )
        }
        Engine::Exact => paths.for_libraries(exp.framework.kernel_libraries()),
        Engine::Tch => paths.libtorchs_own(&["aten"], "libtorch's own kernels"),
    }
}

/// Under `--machine`, refuses what runs on this host's own libraries (a Python side, a plain
/// tch port on libtorch) where they would compute other bits than the machine: the host is
/// that machine only where its libraries, under the same switches, take the machine's paths
/// for `exp`.
pub fn host_computes_as_machine(exp: &Experiment) -> Result<()> {
    let paths = crate::kernels::this_machine();
    let Some(machine) = &paths.machine else {
        return Ok(());
    };
    let keys = exp.framework.kernel_libraries();
    let host = crate::kernels::host();
    let (ours, theirs) = (paths.for_libraries(keys), host.for_libraries(keys));
    let differ: Vec<String> = ours
        .iter()
        .filter(|(k, p)| theirs.get(*k).map(|t| &t.path) != Some(&p.path))
        .map(|(k, p)| {
            format!(
                "{} {} there, {} here",
                crate::kernels::label(k),
                p.path,
                theirs.get(k).map_or("none", |t| t.path.as_str())
            )
        })
        .collect();
    if paths.builds != crate::kernels::machine::Builds::default() || !differ.is_empty() {
        let why = if differ.is_empty() {
            "its library builds are not the ones installed here".to_string()
        } else {
            differ.join(", ")
        };
        anyhow::bail!(
            "{} would run on this host's own libraries (Python, or libtorch for a tch port), which do not compute as {machine} ({why}): `xor-repro run {} --machine {machine}` computes the exact engine's side; diff it against a run recorded there",
            exp.name,
            exp.name
        );
    }
    Ok(())
}

/// Runs the Python reference of `exp` (it prints the notebook's transcript itself) and
/// returns its run folder.
pub fn run_python(exp: &Experiment, settings: &Settings) -> Result<PathBuf> {
    run_python_with(exp, settings, true)
}

/// `run_python`, with the script's printout discarded unless `print_transcript` (its
/// `transcript.txt` keeps it either way).
pub fn run_python_with(
    exp: &Experiment,
    settings: &Settings,
    print_transcript: bool,
) -> Result<PathBuf> {
    settings.check(exp)?;
    let seed = settings.seed(exp);
    let args = settings.reference_args(exp);
    crate::run::python::run_reference_with(exp.reference_script, &args, print_transcript)?;
    Ok(record::run_dir(&settings.out, exp.name, seed, "python"))
}
