//! Where an experiment trains. Every exact engine is plain Rust and trains in any process.
//! libtorch is needed only by the plain tch ports (`--engine tch`, and `reproduce`, which runs
//! every one) and by the PyTorch notebooks' fallback, the libtorch-backed exact engine, where
//! libtorch's kernel paths on this machine are not reproduced (Intel MKL).
//! libtorch's start-up alone (about 0.17 s of static operator registration) takes longer than
//! a whole plain-Rust run, so only the `xor-repro-torch` binary (`torch/`) loads it: it
//! registers its trainings here when it starts, and `xor-repro` hands any command that would
//! train on libtorch over to it, whole (`cli` asks the registry which would).

use crate::experiments::{Engine, Experiment, RunFn};
use anyhow::{bail, Context, Result};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::OnceLock;

/// What `xor-repro-torch` adds to the shared command line.
pub struct Libtorch {
    /// The exact engine's training of a libtorch experiment, by name.
    pub run: fn(&str) -> Option<RunFn>,
    /// The plain tch port of an experiment (every notebook has one), by name.
    pub port: fn(&str) -> Option<RunFn>,
    /// What `run.json` records about the libraries a run of this experiment used.
    pub versions: fn(&Experiment) -> Vec<(String, String)>,
    /// Called once by a sweep worker, which runs one libtorch thread (the machine's cores
    /// go to the workers).
    pub single_thread: fn(),
}

static LIBTORCH: OnceLock<&'static Libtorch> = OnceLock::new();

/// Called by `xor-repro-torch` before it parses its command line.
pub fn register(libtorch: &'static Libtorch) {
    let _ = LIBTORCH.set(libtorch);
}

/// The libtorch experiments, when this process is `xor-repro-torch`.
pub fn libtorch() -> Option<&'static Libtorch> {
    LIBTORCH.get().copied()
}

/// The training of `exp` on the exact engine, in this process.
pub fn run_fn(exp: &Experiment) -> Result<RunFn> {
    run_fn_on(exp, Engine::Exact)
}

/// The training of `exp` on `engine`, in this process.
pub fn run_fn_on(exp: &Experiment, engine: Engine) -> Result<RunFn> {
    let found = match engine {
        Engine::Exact if !exp.needs_libtorch() => exp.run,
        Engine::Exact => {
            if let Some(machine) = &crate::kernels::this_machine().machine {
                // libtorch computes this host's bits, not the machine's.
                let why = exp.framework.not_reproduced().unwrap_or_default();
                bail!("{} cannot run as {machine}: {why}", exp.name);
            }
            if exp.run.is_some() {
                if let Some(why) = exp.framework.not_reproduced() {
                    crate::errln!(
                        "{}: {why}; training on the libtorch-backed exact engine",
                        exp.name
                    );
                }
            }
            libtorch().and_then(|l| (l.run)(exp.name))
        }
        Engine::Tch => libtorch().and_then(|l| (l.port)(exp.name)),
    };
    match found {
        Some(run) => Ok(run),
        None if exp.needs_libtorch_on(engine) && libtorch().is_none() => bail!(
            "{} on the {} engine needs libtorch, which only xor-repro-torch loads",
            exp.name,
            engine.name()
        ),
        None => bail!("{} has no {} engine", exp.name, engine.name()),
    }
}

/// The `xor-repro-torch` binary, next to this one (cargo builds both into one folder).
pub fn torch_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the xor-repro executable")?;
    let bin = exe.with_file_name("xor-repro-torch");
    if !bin.is_file() {
        bail!(
            "{} is missing; build it with `cargo build --release` in the project folder \
             (./scripts/setup.sh does)",
            bin.display()
        );
    }
    Ok(bin)
}

/// Replaces this process with `xor-repro-torch`, given this process's arguments: its output,
/// progress bars and exit code are the command's.
pub fn hand_over() -> Result<ExitCode> {
    let bin = torch_binary()?;
    let mut cmd = Command::new(&bin);
    crate::kernels::mkl::shim::preload(&mut cmd)?;
    let err = cmd.args(std::env::args_os().skip(1)).exec();
    bail!("cannot start {}: {err}", bin.display())
}
