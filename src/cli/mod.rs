//! The command line (docs/CONTRACT.md#command-line): the schema of commands, which process
//! runs a command, and the dispatch to the command's module. Exit codes: 0 success, 1 a
//! difference or missed target, 2 bad input or failure.
//!
//! - `args`: the flags several commands share (the training flags, flattened into each
//!   command that trains), their parsers, and a training command's opening steps.
//! - `run` (`run`, `reference`), `compare`, `explain`, `diff`, `sweep` (`sweep`,
//!   `sweep-worker`), `kernels`, `bench`, `list`: each command's flags and body, and the
//!   report it prints as a `Display` value.

mod args;
mod bench;
mod bench_proof;
mod compare;
mod diff;
mod explain;
mod export;
mod identify;
mod kernels;
mod list;
mod machines;
mod run;
mod sweep;

use crate::experiments::{self, Engine, Experiment};
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "xor-repro",
    version = crate::build_info::VERSION,
    about = "Reproduces five published XOR notebooks exactly in Rust and diffs them against Python"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Compute as the pinned Python libraries compute on this known machine (`xor-repro
    /// machines` lists them; `NAME+BUILD` for another library build), whatever machine this
    /// is. For run, reference, compare, explain, reproduce, sweep, kernels and bench.
    #[arg(long, global = true, value_name = "NAME")]
    machine: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List the experiments: notebook, framework, net, length, default seed.
    List,
    /// Run experiments in Rust into DIR/NAME/seed-S/rust/, printing each notebook's transcript.
    Run(run::RunArgs),
    /// Run the Python reference of experiments into DIR/NAME/seed-S/python/.
    Reference(run::RunArgs),
    /// Compare two run folders or two data files (CSV, .npy, .npz) number by number.
    Diff(diff::DiffArgs),
    /// Where two runs part and why: the first traced value that differs. Give two traced run
    /// folders, or an experiment name to run both sides, trace them around the first
    /// difference and explain it; writes explain.md and explain.svg into the pair's folder.
    Explain(explain::ExplainArgs),
    /// Run both sides of experiments and judge them against their fidelity target, writing
    /// compare.csv, compare.svg and verdict.json into DIR/NAME/seed-S/.
    Compare(compare::CompareArgs),
    /// The main job: every experiment at its notebook's seed, both sides, compared, with
    /// the notebooks' printouts checked; writes DIR/REPORT.md.
    Reproduce(ReproduceArgs),
    /// Run many seeds of one experiment in parallel and summarise how training ends, into
    /// DIR/sweeps/NAME/.
    Sweep(sweep::SweepArgs),
    /// Per library, the kernel path this machine selects and why, whether it is emulated,
    /// and what the Python libraries themselves report (exit 1 on a disagreement).
    Kernels(kernels::KernelsArgs),
    /// Which known machines and builds reproduce a run folder, a data file or a printout, bit
    /// for bit or line for line; where none does, each one's first difference (exit 1).
    Identify(identify::IdentifyArgs),
    /// The known machines `--machine` takes, and each library's path on each.
    Machines(machines::MachinesArgs),
    /// Time experiments in Rust against their Python references (whole processes,
    /// alternated, median of several runs); writes DIR/bench.md.
    Bench(bench::BenchArgs),
    /// Write a port's run folder's params.npz and trace.npz as params.csv and trace.csv.
    Export(export::ExportArgs),
    /// What the proof costs at the size of a real model: a recorded script (1.6M-parameter
    /// MLP, or an 11M-parameter ResNet-18 shape) traced and not, then diff and explain of a
    /// planted 1-ulp change, timed with their peak memory against `cmp` of the bytes.
    BenchProof(bench_proof::BenchProofArgs),
    /// One sweep worker: runs the given seeds, one sweep.csv row each (used by `sweep`).
    #[command(hide = true)]
    SweepWorker(sweep::SweepWorkerArgs),
}

#[derive(Args)]
struct ReproduceArgs {
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

/// Parses the command line and runs the command, here or, when it trains on libtorch and
/// this process has none, in `xor-repro-torch`.
pub fn main() -> Result<ExitCode> {
    let command = match Cli::try_parse() {
        Ok(cli) => {
            if let Some(name) = &cli.machine {
                cli.command.takes_machine()?;
                crate::kernels::emulate(name)?;
            }
            cli.command
        }
        Err(err) if !err.use_stderr() => {
            // --help, --version
            crate::out!("{}", err.render());
            return Ok(ExitCode::SUCCESS);
        }
        Err(err) => {
            // clap's first line says what is wrong; the usage block after it is noise here.
            let text = err.render().to_string();
            let first = text.lines().next().unwrap_or("invalid command line");
            crate::errln!("{first} (try --help)");
            return Ok(ExitCode::from(2));
        }
    };
    let needs_libtorch = command
        .trainings()
        .into_iter()
        .any(|(exp, engine)| exp.needs_libtorch_on(engine));
    if needs_libtorch && crate::run::engine::libtorch().is_none() {
        return crate::run::engine::hand_over();
    }
    match command {
        Command::List => list::list(),
        Command::Run(args) => run::run(&args),
        Command::Reference(args) => run::reference(&args),
        Command::Diff(args) => diff::diff(&args),
        Command::Explain(args) => explain::explain(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Reproduce(args) => Ok(args::exit_code(crate::reproduce::reproduce(&args.out)?)),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::SweepWorker(args) => sweep::sweep_worker(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::BenchProof(args) => bench_proof::bench_proof(&args),
        Command::Export(args) => export::export(&args),
        Command::Kernels(args) => kernels::kernels(&args),
        Command::Machines(args) => machines::machines(&args),
        Command::Identify(args) => identify::identify(&args),
    }
}

impl Command {
    /// Refuses `--machine` on a command that computes nothing a machine decides.
    fn takes_machine(&self) -> Result<()> {
        let name = match self {
            Command::List => "list",
            Command::Diff(_) => "diff",
            Command::Export(_) => "export",
            Command::BenchProof(_) => "bench-proof",
            Command::Machines(_) => "machines",
            Command::Identify(_) => "identify",
            _ => return Ok(()),
        };
        anyhow::bail!("--machine does not apply to `{name}`: it computes nothing a machine decides")
    }

    /// The trainings the command runs in this process, each an experiment on an engine;
    /// whether one needs libtorch is the registry's word ([`Experiment::needs_libtorch_on`]).
    /// Names that are not experiments give none: the command then reports them itself.
    fn trainings(&self) -> Vec<(&'static Experiment, Engine)> {
        match self {
            Command::Run(args) => args.trainings(),
            Command::Compare(args) => args.trainings(),
            Command::Explain(args) => args.trainings(),
            Command::SweepWorker(args) => args.trainings(),
            // Every experiment on the exact engine, and every plain tch port.
            Command::Reproduce(_) => [Engine::Exact, Engine::Tch]
                .into_iter()
                .flat_map(|engine| experiments::all().iter().map(move |exp| (exp, engine)))
                .collect(),
            // `reference` runs Python; `sweep` trains in `sweep-worker` processes.
            Command::Reference(_)
            | Command::Sweep(_)
            | Command::List
            | Command::Diff(_)
            | Command::Bench(_)
            | Command::BenchProof(_)
            | Command::Export(_)
            | Command::Kernels(_)
            | Command::Machines(_)
            | Command::Identify(_) => Vec::new(),
        }
    }
}
