//! The experiments, registered here with what `list` shows: one module per notebook, whose
//! `run` reads like its notebook, top to bottom, and returns a [`RunRecord`]; everything around
//! it (seeding checks, timing, writing) is shared.
//!
//! Every notebook's exact engine is here, in plain Rust, on ports of the kernels its library
//! runs (`crate::kernels`). The PyTorch notebooks also have a libtorch-backed exact engine in
//! `torch/src/libtorch_engine/` (the `xor-repro-torch` binary), which trains them where
//! libtorch's kernel paths on the machine are not reproduced ([`crate::run::engine`]).

use crate::console::progress::Progress;
use crate::record::{InitialParams, RunRecord};
use anyhow::{bail, Result};
pub use network::Network;

pub mod network;
pub mod numpy_array;
pub mod numpy_relu10_mse;
pub mod numpy_sigmoid2_mse;
pub mod run_files;
pub mod tf_relu10_mse;
pub mod torch_net;
pub mod torch_relu4_mse;
pub mod torch_sigmoid2_mse;
pub mod torch_sigmoid4_bce_online;

/// What a run records beside the library versions: (key, value) pairs.
pub type RecordedSettings = fn() -> Vec<(&'static str, String)>;

/// An experiment's training: the notebook's code, in Rust.
pub type RunFn = fn(&Config) -> Result<RunRecord>;

/// The library a notebook was written for, which fixes what "exactly" means (docs/CONTRACT.md#fidelity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    PyTorch,
    NumPy,
    TensorFlow,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::PyTorch => "PyTorch",
            Framework::NumPy => "NumPy",
            Framework::TensorFlow => "TensorFlow",
        }
    }

    /// The libraries whose kernel paths decide the framework's bits, keyed as in
    /// [`crate::kernels::LIBRARIES`].
    pub fn kernel_libraries(self) -> &'static [&'static str] {
        match self {
            Framework::NumPy => &["numpy-exp", "openblas"],
            Framework::TensorFlow => &["tensorflow"],
            Framework::PyTorch => &["aten", "mkl"],
        }
    }

    /// Why the exact engine in plain Rust cannot train this framework's notebooks here, when
    /// it cannot: a PyTorch notebook needs libtorch's kernel paths (ATen's set and MKL's
    /// `sgemm`) reproduced, or it trains on the libtorch-backed engine, which runs them.
    pub fn not_reproduced(self) -> Option<String> {
        if self != Framework::PyTorch {
            return None;
        }
        let paths = crate::kernels::this_machine();
        let mut missing = Vec::new();
        // What a machine whose paths are not reproduced runs, asked for on any machine (to
        // hold the two engines against each other).
        if std::env::var_os(FORCE_LIBTORCH_ENGINE).is_some() {
            missing.push(format!("{FORCE_LIBTORCH_ENGINE} is set"));
        }
        if !paths.aten.emulated() {
            missing.push(format!(
                "ATen {} is not reproduced ({})",
                paths.aten.name, paths.aten.why
            ));
        }
        if !paths.mkl.emulated() {
            missing.push(format!(
                "MKL {} is not reproduced ({})",
                paths.mkl.name, paths.mkl.why
            ));
        }
        (!missing.is_empty()).then(|| missing.join("; "))
    }

    /// Rejects seeds the framework's own seeding call would reject (docs/CONTRACT.md#seeds).
    pub fn check_seed(self, seed: u64) -> Result<()> {
        match self {
            Framework::NumPy if seed > u32::MAX as u64 => {
                bail!("seed {seed} is outside NumPy's range 0..=4294967295")
            }
            Framework::TensorFlow if seed > i64::MAX as u64 => {
                bail!("seed {seed} is outside TensorFlow's range 0..=9223372036854775807")
            }
            _ => Ok(()),
        }
    }
}

/// Set (to anything), the PyTorch notebooks' exact engine is the libtorch-backed one, as on a
/// machine whose kernel paths are not reproduced.
pub const FORCE_LIBTORCH_ENGINE: &str = "XOR_REPRO_LIBTORCH_ENGINE";

/// Which Rust code trains a notebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Engine {
    /// The notebook reproduced bit for bit, on ports of the kernels its library runs.
    #[default]
    Exact,
    /// The plain tch port: what a person would write in tch, on libtorch's own kernels.
    Tch,
}

impl Engine {
    /// The name of the run folder it trains into: `rust` for the exact engine, `tch` for the
    /// plain port (both are Rust; the names are the run folders' since the start).
    pub fn run_folder(self) -> &'static str {
        match self {
            Engine::Exact => "rust",
            Engine::Tch => "tch",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Exact => "exact",
            Engine::Tch => "tch",
        }
    }
}

/// How one run is set up.
#[derive(Clone)]
pub struct Config {
    pub seed: u64,
    /// Epochs, or samples for online training.
    pub steps: usize,
    pub lr: f64,
    /// Initial parameters to start from instead of the seeded draw.
    pub init: Option<InitialParams>,
    /// Print the transcript while running.
    pub print_transcript: bool,
    /// The steps to trace (`--trace`), if any.
    pub trace: Option<crate::record::trace::StepRange>,
    pub progress: Progress,
}

/// A parameter as an engine holds it (a NumPy-like array, a float32 buffer of a shape, a
/// TensorFlow or libtorch tensor): what [`Config::initial_params`] needs to record the
/// notebook's draw and to put `--init-from`'s values in its place.
pub trait Parameter: Sized {
    /// Its shape, which `--init-from`'s values must have.
    fn shape(&self) -> Vec<usize>;
    /// Its values, row-major, widened exactly to f64.
    fn values(&self) -> Vec<f64>;
    /// What it holds: values given for it are rounded to this once.
    fn precision(&self) -> crate::diff::Precision;
    /// The same parameter holding `values` (already of its precision) instead.
    fn with_values(self, values: &[f64]) -> Self;
}

/// A float32 parameter of a given shape, as the plain-Rust PyTorch engines hold them.
pub struct Float32 {
    pub shape: &'static [usize],
    pub values: Vec<f32>,
}

/// `values` as a float32 parameter of `shape`.
pub fn float32(shape: &'static [usize], values: Vec<f32>) -> Float32 {
    Float32 { shape, values }
}

impl Parameter for Float32 {
    fn shape(&self) -> Vec<usize> {
        self.shape.to_vec()
    }
    fn values(&self) -> Vec<f64> {
        self.values.iter().map(|&v| v as f64).collect()
    }
    fn precision(&self) -> crate::diff::Precision {
        crate::diff::Precision::Float32
    }
    fn with_values(self, values: &[f64]) -> Float32 {
        float32(self.shape, values.iter().map(|&v| v as f32).collect())
    }
}

/// A traced value whose bits a library kernel decides: what `explain` names, with the kernel
/// each side ran, when it is the first value to differ.
#[derive(Debug, Clone, Copy)]
pub struct TracedOp {
    /// The name in `trace.csv`.
    pub name: &'static str,
    /// The notebook's code that computes it.
    pub code: &'static str,
    /// The library whose kernel path decides it, keyed as in [`crate::kernels::LIBRARIES`].
    pub library: &'static str,
}

/// One notebook, as `list` shows it and `run` runs it.
pub struct Experiment {
    pub name: &'static str,
    pub notebook: &'static str,
    pub framework: Framework,
    pub net: &'static str,
    pub objective: &'static str,
    pub steps: usize,
    /// "epochs" or "samples".
    pub step_unit: &'static str,
    pub lr: f64,
    pub default_seed: u64,
    /// The Python reference, in `scripts/reference/`.
    pub reference_script: &'static str,
    /// The exact engine's training in plain Rust (`None` for a notebook that has only a
    /// libtorch-backed one; none has today). The PyTorch notebooks also have a libtorch-backed
    /// engine, in `xor-repro-torch`, for machines whose paths are not reproduced (see
    /// [`crate::run::engine`]).
    pub run: Option<RunFn>,
    /// The notebook's paragraph in `REPORT.md`, with figures read from its runs.
    pub notes: fn(&run_files::RunFiles) -> run_files::Notes,
    /// Whether a line the notebook printed prints a loss (the lines a printout target of
    /// losses only requires).
    pub prints_loss: fn(&str) -> bool,
    /// The traced values a library kernel decides (see [`TracedOp`]).
    pub traced_ops: &'static [TracedOp],
    /// What the exact engine's `run.json` records beside the library versions, when there
    /// is more (the back-end a TensorFlow run reproduced).
    pub recorded_settings: Option<RecordedSettings>,
}

impl Experiment {
    /// Whether the exact engine's training needs libtorch: the PyTorch notebooks' does where
    /// libtorch's kernel paths here are not reproduced (it then runs on the libtorch-backed
    /// engine); no other does.
    pub fn needs_libtorch(&self) -> bool {
        self.run.is_none() || self.framework.not_reproduced().is_some()
    }

    /// Whether training on `engine` needs libtorch: every plain tch port does.
    pub fn needs_libtorch_on(&self, engine: Engine) -> bool {
        engine == Engine::Tch || self.needs_libtorch()
    }
}

impl Experiment {
    /// The traced value called `name`, if a library kernel decides it.
    pub fn traced_op(&self, name: &str) -> Option<&'static TracedOp> {
        self.traced_ops.iter().find(|op| op.name == name)
    }
}

/// Every experiment, in notebook order.
pub fn all() -> &'static [Experiment] {
    EXPERIMENTS
}

const EXPERIMENTS: &[Experiment] = &[
    torch_relu4_mse::EXPERIMENT,
    torch_sigmoid2_mse::EXPERIMENT,
    numpy_relu10_mse::EXPERIMENT,
    tf_relu10_mse::EXPERIMENT,
    torch_sigmoid4_bce_online::EXPERIMENT,
    numpy_sigmoid2_mse::EXPERIMENT,
];

/// The experiment called `name`, or an error listing the valid names.
pub fn find(name: &str) -> Result<&'static Experiment> {
    all().iter().find(|e| e.name == name).ok_or_else(|| {
        let names: Vec<_> = all().iter().map(|e| e.name).collect();
        anyhow::anyhow!("unknown experiment {name:?} (valid: {})", names.join(", "))
    })
}

impl Config {
    /// A run that prints nothing and draws no progress (sweeps, tests): the seeded draw,
    /// `steps` steps at learning rate `lr`.
    pub fn quiet(seed: u64, steps: usize, lr: f64) -> Config {
        Config {
            seed,
            steps,
            lr,
            init: None,
            print_transcript: false,
            trace: None,
            progress: Progress::hidden(),
        }
    }

    /// An empty record of this run, tracing the steps asked for.
    pub fn record(&self) -> RunRecord {
        RunRecord {
            trace: crate::record::trace::Trace::new(self.trace.clone()),
            progress: Some(self.progress.clone()),
            ..RunRecord::printing(self.print_transcript)
        }
    }

    /// Every initial parameter, named as in the notebook: the notebook's own draw `drawn`,
    /// or the values `--init-from` gives, rounded once to each parameter's precision; the
    /// names checked, the values recorded as stage `initial`. The one way every engine sets
    /// its parameters up, whatever it holds them in ([`Parameter`]).
    pub fn initial_params<P: Parameter, const N: usize>(
        &self,
        record: &mut RunRecord,
        drawn: [(&str, P); N],
    ) -> Result<[P; N]> {
        self.check_init_names(&drawn.each_ref().map(|(name, _)| *name))?;
        let mut params = Vec::with_capacity(N);
        for (name, param) in drawn {
            let values = match self.init_values(name, &param.shape())? {
                Some(given) => match param.precision() {
                    crate::diff::Precision::Float32 => {
                        given.iter().map(|&v| v as f32 as f64).collect()
                    }
                    crate::diff::Precision::Float64 => given,
                },
                None => param.values(),
            };
            record.push_param(crate::record::Stage::Initial, name, values.clone());
            params.push(param.with_values(&values));
        }
        Ok(params
            .try_into()
            .unwrap_or_else(|_| unreachable!("one parameter in, one out")))
    }

    /// The values `--init-from` gives for parameter `name` of `shape`, or `None` to keep the
    /// notebook's own draw. The notebook's draws still happen first, so any random stream
    /// after them is where the notebook has it.
    pub fn init_values(&self, name: &str, shape: &[usize]) -> Result<Option<Vec<f64>>> {
        match &self.init {
            Some(init) => init.take(name, shape).map(Some),
            None => Ok(None),
        }
    }

    /// Fails when `--init-from` names a parameter the experiment does not have.
    pub fn check_init_names(&self, names: &[&str]) -> Result<()> {
        match &self.init {
            Some(init) => init.check_names(names),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `explain`'s table of kernel-decided values names values the engines trace: a name
    /// that drifts on either side would leave a first difference unexplained.
    #[test]
    fn every_traced_op_is_traced_by_its_exact_engine() {
        for exp in all() {
            let Some(run) = exp.run else { continue };
            if let Some(why) = exp.framework.not_reproduced() {
                eprintln!("{}: not checked here ({why})", exp.name);
                continue;
            }
            let cfg = Config {
                trace: Some(0..=0),
                ..Config::quiet(exp.default_seed, 1, exp.lr)
            };
            let record = run(&cfg).unwrap_or_else(|e| panic!("{}: {e:#}", exp.name));
            let traced: Vec<String> = record.trace.values().into_iter().map(|v| v.name).collect();
            for op in exp.traced_ops {
                assert!(
                    traced.iter().any(|name| name == op.name),
                    "{}: explain names {:?}, which the engine does not trace (it traces {traced:?})",
                    exp.name,
                    op.name
                );
            }
        }
    }
}
