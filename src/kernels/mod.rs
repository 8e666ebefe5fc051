//! Each Python library's kernel paths: which one the pinned library takes on this machine
//! (decided here as the library decides it, from the CPU's features and the library's own
//! switches), and the kernels themselves, bit for bit, for the steps whose bits depend on the
//! kernel.
//!
//! - [`cpu`]: the CPU features the libraries read.
//! - [`numpy_exp`]: NumPy's float64 `exp` (SVML, NumPy's AVX512F kernel, libm).
//! - [`openblas`]: OpenBLAS's products for each core (SkylakeX, Haswell, Sandybridge, older).
//! - [`onednn`]: oneDNN's f32 products at each instruction-set level.
//! - [`tensorflow`]: which CPU back-end TensorFlow runs (Eigen or oneDNN, and oneDNN's ISA).
//! - [`aten`]: which of libtorch's kernel sets (`ATEN_CPU_CAPABILITY`) PyTorch runs.
//!
//! A path that is not reproduced (another architecture, a library build these ports were not
//! measured against) is `None`: runs on it are judged by tolerances and say so.

pub mod aten;
pub mod cpu;
pub mod numpy_exp;
pub mod onednn;
pub mod openblas;
pub mod tensorflow;

use cpu::CpuFeatures;
use std::sync::OnceLock;

/// The libraries' own switches, as this process sees them (an unset or empty variable is
/// `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Switches {
    pub npy_disable_cpu_features: Option<String>,
    pub npy_enable_cpu_features: Option<String>,
    pub openblas_coretype: Option<String>,
    pub tf_enable_onednn_opts: Option<String>,
    pub onednn_max_cpu_isa: Option<String>,
    pub aten_cpu_capability: Option<String>,
}

/// The variables [`Switches`] reads, in its field order.
pub const SWITCH_VARIABLES: [&str; 6] = [
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
    "OPENBLAS_CORETYPE",
    "TF_ENABLE_ONEDNN_OPTS",
    "ONEDNN_MAX_CPU_ISA",
    "ATEN_CPU_CAPABILITY",
];

impl Switches {
    pub fn from_env() -> Switches {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let [_, _, c, d, e, f] = SWITCH_VARIABLES.map(var);
        // NumPy counts a variable as set unless it is empty: `NPY_ENABLE_CPU_FEATURES=" "`
        // turns every dispatched feature off (measured), so only "" is unset for these two.
        let numpy_var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let [a, b] = [SWITCH_VARIABLES[0], SWITCH_VARIABLES[1]].map(numpy_var);
        Switches {
            npy_disable_cpu_features: a,
            npy_enable_cpu_features: b,
            openblas_coretype: c,
            tf_enable_onednn_opts: d,
            onednn_max_cpu_isa: e,
            aten_cpu_capability: f,
        }
    }

    /// The switches that are set, as `NAME=value`, for reports.
    pub fn set(&self) -> Vec<String> {
        let values = [
            &self.npy_disable_cpu_features,
            &self.npy_enable_cpu_features,
            &self.openblas_coretype,
            &self.tf_enable_onednn_opts,
            &self.onednn_max_cpu_isa,
            &self.aten_cpu_capability,
        ];
        SWITCH_VARIABLES
            .iter()
            .zip(values)
            .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name}={v}")))
            .collect()
    }
}

/// One library's choice: the path (`None` when it is one not reproduced here) and why it is
/// taken, naming the CPU feature or switch that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick<P> {
    pub path: Option<P>,
    /// The library's own name for the path, also when it is not reproduced.
    pub name: String,
    pub why: String,
}

impl<P> Pick<P> {
    pub fn emulated(&self) -> bool {
        self.path.is_some()
    }
}

/// Every library's pick on one machine under one set of switches.
#[derive(Debug, Clone)]
pub struct Paths {
    pub cpu: CpuFeatures,
    pub switches: Switches,
    pub numpy_exp: Pick<numpy_exp::ExpPath>,
    pub openblas: Pick<openblas::Core>,
    pub tensorflow: Pick<tensorflow::Backend>,
    pub aten: Pick<aten::Capability>,
}

impl Paths {
    pub fn select(cpu: CpuFeatures, switches: Switches) -> Paths {
        Paths {
            numpy_exp: numpy_exp::ExpPath::select(&cpu, &switches),
            openblas: openblas::Core::select(&cpu, &switches),
            tensorflow: tensorflow::Backend::select(&cpu, &switches),
            aten: aten::Capability::select(&cpu, &switches),
            cpu,
            switches,
        }
    }
}

/// The paths of this machine and this process's environment, decided once (each library
/// decides once, when it is loaded).
pub fn this_machine() -> &'static Paths {
    static PATHS: OnceLock<Paths> = OnceLock::new();
    PATHS.get_or_init(|| Paths::select(CpuFeatures::detect(), Switches::from_env()))
}
