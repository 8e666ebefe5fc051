//! The command line (docs/CONTRACT.md#command-line): argument parsing, input checks, and each command's output.
//! Exit codes: 0 success, 1 a difference or missed target, 2 bad input or failure.

use crate::console::progress::Progress;
use crate::diff::columns::KeyChoice;
use crate::diff::Tolerance;
use crate::experiments::{self, Engine, Experiment};
use crate::run::{self, Settings};
use anyhow::{bail, Context, Result};
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
}

#[derive(Subcommand)]
enum Command {
    /// List the experiments: notebook, framework, net, length, default seed.
    List,
    /// Run experiments in Rust into DIR/NAME/seed-S/rust/, printing each notebook's transcript.
    Run(RunArgs),
    /// Run the Python reference of experiments into DIR/NAME/seed-S/python/.
    Reference(RunArgs),
    /// Compare two run folders or two data files (CSV, .npy, .npz) number by number.
    Diff(DiffArgs),
    /// Where two runs part and why: the first traced value that differs. Give two traced run
    /// folders, or an experiment name to run both sides, trace them around the first
    /// difference and explain it; writes explain.md and explain.svg into the pair's folder.
    Explain(ExplainArgs),
    /// Run both sides of experiments and judge them against their fidelity target, writing
    /// compare.csv, compare.svg and verdict.json into DIR/NAME/seed-S/.
    Compare(CompareArgs),
    /// The main job: every experiment at its notebook's seed, both sides, compared, with
    /// the notebooks' printouts checked; writes DIR/REPORT.md.
    Reproduce(ReproduceArgs),
    /// Run many seeds of one experiment in parallel and summarise how training ends, into
    /// DIR/sweeps/NAME/.
    Sweep(SweepArgs),
    /// Per library, the kernel path this machine selects and why, whether it is emulated,
    /// and what the Python libraries themselves report (exit 1 on a disagreement).
    Kernels(KernelsArgs),
    /// Time experiments in Rust against their Python references (whole processes,
    /// alternated, median of several runs); writes DIR/bench.md.
    Bench(BenchArgs),
    /// One sweep worker: runs the given seeds, one sweep.csv row each (used by `sweep`).
    #[command(hide = true)]
    SweepWorker(SweepWorkerArgs),
}

#[derive(Args)]
struct BenchArgs {
    /// Experiment names (default: all).
    names: Vec<String>,
    /// Runs per side and experiment.
    #[arg(long, default_value = "5", value_parser = parse_steps)]
    runs: usize,
    /// Where bench.md goes.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

#[derive(Args)]
struct KernelsArgs {
    /// Do not ask the Python libraries (only what xor-repro picks).
    #[arg(long)]
    no_python: bool,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Judge the runs already in DIR instead of running them again.
    #[arg(long)]
    no_run: bool,
}

#[derive(Args)]
struct ReproduceArgs {
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

#[derive(Args)]
struct SweepArgs {
    /// Experiment name (see `list`).
    name: String,
    /// Seeds A..B, both included (0..99 is 100 seeds).
    #[arg(long, value_parser = parse_seed_range, required_unless_present = "merge")]
    seeds: Option<(u64, u64)>,
    /// Run only the K-th of N disjoint parts of the seeds (K from 1), into
    /// DIR/sweeps/NAME/shards/K-of-N.csv; join them with --merge.
    #[arg(long, value_name = "K/N", value_parser = crate::sweep::shard::parse_shard)]
    shard: Option<(u64, u64)>,
    /// Join the shards in DIR/sweeps/NAME/shards/ into the sweep of all their seeds.
    #[arg(long, conflicts_with_all = ["seeds", "shard", "epochs", "lr", "engine"])]
    merge: bool,
    /// Which Rust code trains each seed: the exact engine or the plain tch port.
    #[arg(long, value_enum)]
    engine: Option<Engine>,
    /// Worker processes (default: the machine's cores).
    #[arg(long, value_parser = parse_steps)]
    jobs: Option<usize>,
    /// Epochs, or samples for online training (default: the notebook's).
    #[arg(long, value_parser = parse_steps, allow_hyphen_values = true)]
    epochs: Option<usize>,
    /// Learning rate (default: the notebook's).
    #[arg(long, value_parser = parse_lr, allow_hyphen_values = true)]
    lr: Option<f64>,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

#[derive(Args)]
struct SweepWorkerArgs {
    name: String,
    /// Comma-separated seeds.
    #[arg(long, value_delimiter = ',', required = true)]
    seeds: Vec<u64>,
    #[arg(long, value_parser = parse_steps)]
    epochs: usize,
    #[arg(long, value_parser = parse_lr)]
    lr: f64,
    #[arg(long, value_enum, default_value = "exact")]
    engine: Engine,
}

#[derive(Args, Clone)]
struct RunArgs {
    /// Experiment names (see `list`).
    names: Vec<String>,
    /// Every experiment.
    #[arg(long)]
    all: bool,
    /// Seed (default: the notebook's own).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Epochs, or samples for online training (default: the notebook's).
    #[arg(long, value_parser = parse_steps, allow_hyphen_values = true)]
    epochs: Option<usize>,
    /// Learning rate (default: the notebook's).
    #[arg(long, value_parser = parse_lr, allow_hyphen_values = true)]
    lr: Option<f64>,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Start from the initial parameters in this params.csv-schema file.
    #[arg(long, value_name = "PARAMS.csv")]
    init_from: Option<PathBuf>,
    /// Which Rust code trains: the exact engine (into rust/) or the plain tch port (into
    /// tch/). The Python reference ignores it.
    #[arg(long, value_enum, default_value = "exact")]
    engine: Engine,
    /// Write trace.csv: every named value of each traced step, in program order.
    #[arg(long)]
    trace: bool,
    /// The steps to trace, A..B (both included) or one step; implies --trace (default: all).
    #[arg(long, value_name = "A..B", value_parser = crate::record::trace::parse_step_range)]
    trace_steps: Option<crate::record::trace::StepRange>,
}

impl RunArgs {
    fn experiments(&self) -> Result<Vec<&'static Experiment>> {
        if self.all {
            if !self.names.is_empty() {
                bail!("give experiment names or --all, not both");
            }
            return Ok(experiments::all().iter().collect());
        }
        if self.names.is_empty() {
            let names: Vec<_> = experiments::all().iter().map(|e| e.name).collect();
            bail!(
                "name an experiment or use --all (valid: {})",
                names.join(", ")
            );
        }
        self.names.iter().map(|n| experiments::find(n)).collect()
    }

    fn settings(&self) -> Settings {
        Settings {
            seed: self.seed,
            steps: self.epochs,
            lr: self.lr,
            init_from: self.init_from.clone(),
            out: self.out.clone(),
            engine: self.engine,
            trace: match (&self.trace_steps, self.trace) {
                (Some(steps), _) => Some(steps.clone()),
                (None, true) => Some(0..=usize::MAX),
                (None, false) => None,
            },
        }
    }
}

#[derive(Args)]
struct ExplainArgs {
    /// Two run folders with trace.csv, or one experiment name.
    #[arg(required = true, num_args = 1..=2, value_name = "NAME | A B")]
    operands: Vec<String>,
    /// Seed (default: the notebook's own).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Epochs, or samples for online training (default: the notebook's).
    #[arg(long, value_parser = parse_steps, allow_hyphen_values = true)]
    epochs: Option<usize>,
    /// Which Rust code to hold against the notebook: the exact engine or the plain tch port.
    #[arg(long, value_enum, default_value = "exact")]
    engine: Engine,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

impl ExplainArgs {
    /// The experiment, when one name is given.
    fn experiment(&self) -> Option<Result<&'static Experiment>> {
        match self.operands.as_slice() {
            [name] => Some(experiments::find(name)),
            _ => None,
        }
    }
}

#[derive(Args)]
struct DiffArgs {
    /// A run folder or data file (CSV with a header, .npy, .npz).
    a: PathBuf,
    /// Another run folder or data file.
    b: PathBuf,
    /// Match rows by these columns (comma-separated), or by position with `none` (default:
    /// the project's own keys, pandas' index, else the first integer-valued column).
    #[arg(long, value_name = "COLUMN")]
    key: Option<String>,
    /// Accept rows whose absolute difference is at most this.
    #[arg(long, value_parser = parse_tolerance, default_value = "0")]
    abs_tol: f64,
    /// Accept rows whose relative difference is at most this.
    #[arg(long, value_parser = parse_tolerance, default_value = "0")]
    rel_tol: f64,
    /// Accept rows at most this many ulps apart.
    #[arg(long, default_value = "0")]
    ulps: u64,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("a seed is a whole number from 0 to {}, got {s:?}", u64::MAX))
}

fn parse_seed_range(s: &str) -> Result<(u64, u64), String> {
    crate::sweep::parse_seeds(s)
}

fn parse_steps(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("must be a positive whole number, got {s:?}")),
    }
}

fn parse_lr(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("must be a finite positive number, got {s:?}")),
    }
}

fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("must be a finite number ≥ 0, got {s:?}")),
    }
}

/// Parses the command line and runs the command.
pub fn main() -> Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
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
    if cli.command.needs_libtorch() && crate::run::engine::libtorch().is_none() {
        return crate::run::engine::hand_over();
    }
    match cli.command {
        Command::List => list(),
        Command::Run(args) => run(&args),
        Command::Reference(args) => reference(&args),
        Command::Diff(args) => diff(&args),
        Command::Explain(args) => explain(&args),
        Command::Compare(args) => compare(&args),
        Command::Reproduce(args) => reproduce(&args),
        Command::Sweep(args) => sweep(&args),
        Command::SweepWorker(args) => sweep_worker(&args),
        Command::Bench(args) => bench(&args),
        Command::Kernels(args) => kernels(&args),
    }
}

impl Command {
    /// Whether the command trains a PyTorch or TensorFlow notebook in this process (see
    /// [`crate::run::engine`]). Bad names answer `false`: the command then reports them itself.
    fn needs_libtorch(&self) -> bool {
        let any = |args: &RunArgs| {
            args.experiments()
                .is_ok_and(|exps| exps.iter().any(|e| e.needs_libtorch_on(args.engine)))
        };
        match self {
            Command::Run(args) => any(args),
            Command::Compare(args) => !args.no_run && any(&args.run),
            // It runs every notebook's plain tch port too.
            Command::Reproduce(_) => experiments::all()
                .iter()
                .any(|e| e.needs_libtorch_on(Engine::Tch)),
            Command::Sweep(_) => false,
            Command::Explain(args) => args
                .experiment()
                .is_some_and(|e| e.is_ok_and(|e| e.needs_libtorch_on(args.engine))),
            Command::SweepWorker(args) => {
                experiments::find(&args.name).is_ok_and(|e| e.needs_libtorch_on(args.engine))
            }
            Command::List
            | Command::Reference(_)
            | Command::Diff(_)
            | Command::Bench(_)
            | Command::Kernels(_) => false,
        }
    }
}

fn compare(args: &CompareArgs) -> Result<ExitCode> {
    let exps = args.run.experiments()?;
    let settings = args.run.settings();
    for exp in &exps {
        settings.check(exp)?;
    }
    if !args.no_run {
        crate::run::python::interpreter()?;
        run::ensure_writable(&settings.out)?;
    }
    let mut all_pass = true;
    for exp in exps {
        let seed = settings.seed(exp);
        if !args.no_run {
            let steps = settings.steps(exp) as u64;
            let label = match settings.engine {
                Engine::Exact => format!("{} (Rust)", exp.name),
                Engine::Tch => format!("{} (plain tch port)", exp.name),
            };
            run::run_rust_with(exp, &settings, false, Progress::new(steps, &label))?;
            let spinner = Progress::spinner(&format!("{} (Python reference)", exp.name));
            let python = run::run_python_with(exp, &settings, false);
            spinner.finish();
            python?;
        }
        let verdict = crate::compare::judge_on(exp, &settings.out, seed, settings.engine)?;
        crate::compare::draw(exp, &settings.out, seed, settings.engine, &verdict)?;
        crate::outln!("{}", verdict.line);
        if let Some(note) = &verdict.kernel_note {
            crate::outln!("  {note}");
        }
        let dir = crate::compare::pair_dir(&settings.out, exp, seed);
        let name = |stem, ext| crate::compare::output_name(settings.engine, stem, ext);
        crate::errln!(
            "wrote {}/{{{},{},{}}}",
            dir.display(),
            name("compare", "csv"),
            name("compare", "svg"),
            name("verdict", "json")
        );
        all_pass &= verdict.passed();
    }
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn reproduce(args: &ReproduceArgs) -> Result<ExitCode> {
    Ok(if crate::reproduce::reproduce(&args.out)? {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if args.merge {
        let (plan, results) = crate::sweep::shard::merge(&args.out, &args.name, jobs)?;
        return finish_sweep(&plan, &results);
    }
    let exp = experiments::find(&args.name)?;
    let (first, last) = args.seeds.context("--seeds A..B is required")?;
    for seed in [first, last] {
        exp.framework.check_seed(seed)?;
    }
    let engine = args.engine.unwrap_or(Engine::Exact);
    run::ensure_writable(&args.out)?;
    let seeds = match args.shard {
        Some((k, n)) => {
            let seeds = crate::sweep::shard::seeds_of(first, last, k, n);
            if seeds.is_empty() {
                bail!(
                    "shard {k}/{n} of seeds {first}..{last} has no seeds (more shards than seeds)"
                );
            }
            seeds
        }
        None => (first..=last).collect(),
    };
    let plan = crate::sweep::Plan {
        exp,
        first,
        last,
        seeds,
        engine,
        jobs,
        steps: args.epochs.unwrap_or(exp.steps),
        lr: args.lr.unwrap_or(exp.lr),
        out: args.out.clone(),
    };
    let results = crate::sweep::run(&plan)?;
    if let Some((k, n)) = args.shard {
        let path = crate::sweep::shard::write(&plan, k, n, &results)?;
        crate::errln!(
            "wrote {} (seeds {}..{}); join the shards with `sweep {} --merge --out {}`",
            path.display(),
            plan.seeds[0],
            plan.seeds[plan.seeds.len() - 1],
            exp.name,
            args.out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    finish_sweep(&plan, &results)
}

/// Writes a whole sweep's files and prints its summary.
fn finish_sweep(
    plan: &crate::sweep::Plan,
    results: &[crate::sweep::SeedResult],
) -> Result<ExitCode> {
    let (dir, summary) = crate::sweep::write(plan, results)?;
    crate::out!("{summary}");
    crate::errln!("wrote {}/{{sweep.csv,summary.md,sweep.svg}}", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn sweep_worker(args: &SweepWorkerArgs) -> Result<ExitCode> {
    let exp = experiments::find(&args.name)?;
    crate::sweep::worker(exp, args.engine, &args.seeds, args.epochs, args.lr)?;
    Ok(ExitCode::SUCCESS)
}

fn list() -> Result<ExitCode> {
    crate::outln!(
        "{:<26} {:<26} {:<10} {:<22} {:>14} {:>5}",
        "name",
        "notebook",
        "framework",
        "net",
        "length",
        "seed"
    );
    for e in experiments::all() {
        crate::outln!(
            "{:<26} {:<26} {:<10} {:<22} {:>14} {:>5}",
            e.name,
            e.notebook,
            e.framework.name(),
            e.net,
            format!("{} {}", e.steps, e.step_unit),
            e.default_seed
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn kernels(args: &KernelsArgs) -> Result<ExitCode> {
    let paths = crate::kernels::this_machine();
    crate::out!("{}", paths.table());
    if args.no_python {
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(err) = crate::run::python::interpreter() {
        crate::outln!("\nthe libraries were not asked: {err:#}");
        return Ok(ExitCode::SUCCESS);
    }
    let said = crate::kernels::probe::ask_libraries(&[])?;
    crate::outln!("\nwhat the Python libraries report (scripts/reference/kernels.py):");
    for (key, label) in crate::kernels::LIBRARIES {
        let Some(answer) = said.get(key) else {
            continue;
        };
        let verdict = match crate::kernels::probe::agrees(paths, key, answer) {
            Some(true) => "agrees".to_string(),
            Some(false) => "DISAGREES".to_string(),
            None => format!("not asked: {}", answer.error.as_deref().unwrap_or("")),
        };
        crate::outln!(
            "{label:<12} {:<50} {verdict} ({})",
            answer.path,
            answer.source.as_deref().unwrap_or("")
        );
    }
    let disagreements = crate::kernels::probe::disagreements(paths, &said);
    for line in &disagreements {
        crate::outln!("{line}");
    }
    Ok(if disagreements.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run(args: &RunArgs) -> Result<ExitCode> {
    let exps = args.experiments()?;
    let settings = args.settings();
    for exp in &exps {
        settings.check(exp)?;
    }
    run::ensure_writable(&settings.out)?;
    for exp in exps {
        if args.all || args.names.len() > 1 {
            crate::outln!("== {} (seed {})", exp.name, settings.seed(exp));
        }
        let (_, dir) = run::run_rust(exp, &settings, true)?;
        crate::errln!("wrote {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn reference(args: &RunArgs) -> Result<ExitCode> {
    if args.engine != Engine::Exact {
        bail!(
            "reference runs the Python notebook; --engine chooses the Rust side of run and compare"
        );
    }
    let exps = args.experiments()?;
    let settings = args.settings();
    for exp in &exps {
        settings.check(exp)?;
    }
    crate::run::python::interpreter()?;
    run::ensure_writable(&settings.out)?;
    for exp in exps {
        if args.all || args.names.len() > 1 {
            crate::outln!("== {} (seed {})", exp.name, settings.seed(exp));
        }
        let dir = run::run_python(exp, &settings)?;
        crate::errln!("wrote {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let tol = Tolerance {
        abs: args.abs_tol,
        rel: args.rel_tol,
        ulps: args.ulps,
    };
    let key = args
        .key
        .as_deref()
        .map_or(KeyChoice::Default, KeyChoice::parse);
    let report = crate::diff::columns::diff_paths(&args.a, &args.b, &key, &tol)?;
    for d in &report.tables {
        crate::outln!("{d}");
    }
    for (side, members) in [
        ("first", &report.members_only_a),
        ("second", &report.members_only_b),
    ] {
        if !members.is_empty() {
            crate::outln!("arrays only in the {side} archive: {}", members.join(", "));
        }
    }
    if !report.files_only.is_empty() {
        crate::outln!("not compared: {}", report.files_only.join(", "));
    }
    let (compared, identical) = (report.compared(), report.identical());
    if report.within_tolerance() {
        crate::outln!("within tolerance: {identical} of {compared} values bit-identical");
        Ok(ExitCode::SUCCESS)
    } else {
        crate::outln!("outside tolerance: {identical} of {compared} values bit-identical");
        Ok(ExitCode::from(1))
    }
}

fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let outcome = match args.experiment() {
        Some(_) if std::path::Path::new(&args.operands[0]).is_dir() => {
            bail!(
                "{} is a folder: give two run folders, or an experiment name",
                args.operands[0]
            );
        }
        Some(exp) => {
            let exp = exp?;
            let settings = Settings {
                seed: args.seed,
                steps: args.epochs,
                out: args.out.clone(),
                engine: args.engine,
                ..Default::default()
            };
            settings.check(exp)?;
            crate::run::python::interpreter()?;
            run::ensure_writable(&settings.out)?;
            crate::explain::run::experiment(exp, &settings)?
        }
        None => {
            let (a, b) = (
                PathBuf::from(&args.operands[0]),
                PathBuf::from(&args.operands[1]),
            );
            crate::explain::run::folders(&a, &b, "steps")?
        }
    };
    crate::outln!("{}", outcome.headline);
    if let Some(op) =
        crate::explain::render::operation(&outcome.explanation, &outcome.a, &outcome.b)
    {
        crate::outln!("  operation {op}");
    }
    crate::outln!(
        "  {}: {}",
        outcome.a.label,
        crate::explain::render::kernels_of(&outcome.a)
    );
    crate::outln!(
        "  {}: {}",
        outcome.b.label,
        crate::explain::render::kernels_of(&outcome.b)
    );
    crate::errln!(
        "wrote {} and {}",
        outcome.markdown.display(),
        outcome.svg.display()
    );
    Ok(if outcome.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn bench(args: &BenchArgs) -> Result<ExitCode> {
    let exps: Vec<&'static Experiment> = if args.names.is_empty() {
        experiments::all().iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| experiments::find(n))
            .collect::<Result<_>>()?
    };
    crate::run::python::interpreter()?;
    run::ensure_writable(&args.out)?;
    let steps = 2 * args.runs * (exps.len() + 1);
    let progress = crate::console::progress::Progress::new(steps as u64, "bench");
    let mut timings = crate::bench::measure(&exps, args.runs, &progress)?;
    timings.push(crate::bench::measure_suite(&exps, args.runs, &progress)?);
    progress.finish();
    let table = crate::bench::table(&timings, args.runs);
    crate::out!("{table}");
    let path = args.out.join("bench.md");
    crate::record::write_atomic(&path, &table)?;
    crate::errln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
