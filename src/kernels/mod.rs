//! Each Python library's kernel paths: which one the pinned library takes on this machine
//! (decided here as the library decides it, from the CPU's features and the library's own
//! switches), and the kernels themselves, bit for bit, for the steps whose bits depend on the
//! kernel.
//!
//! - [`cpu`]: the CPU features the libraries read.
//! - [`numpy_exp`]: NumPy's float64 `exp` (SVML, NumPy's AVX512F kernel, libm).
//! - [`openblas`]: OpenBLAS's products for each core (SkylakeX, Haswell, Sandybridge, older).
//! - [`eigen`]: TensorFlow's Eigen kernels (logistic, its gradient, products, reductions).
//! - [`onednn`]: oneDNN's f32 products at each instruction-set level.
//! - [`tensorflow`]: which CPU back-end TensorFlow runs (Eigen or oneDNN, and oneDNN's ISA).
//! - [`aten`]: which of libtorch's kernel sets (`ATEN_CPU_CAPABILITY`) PyTorch runs, and
//!   [`aten::ops`], its element-wise kernels and reductions at the notebooks' sizes.
//! - [`mkl`]: which `sgemm` path MKL runs under libtorch, and its small products.
//! - [`probe`]: what the Python libraries themselves say, for `xor-repro kernels`.
//!
//! A path that is not reproduced (another architecture, a library build these ports were not
//! measured against) is `None`: runs on it are judged by tolerances and say so.

pub mod aten;
pub mod cpu;
pub mod eigen;
pub mod machine;
pub mod mkl;
pub mod numpy_exp;
pub mod onednn;
pub mod openblas;
pub mod probe;
pub mod tensorflow;

use cpu::CpuFeatures;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    pub mkl_enable_instructions: Option<String>,
    pub mkl_cbwr: Option<String>,
    /// xor-repro's own `XOR_REPRO_MKL_AS_INTEL=1` ([`mkl::MKL_AS_INTEL`]).
    pub mkl_as_intel: bool,
}

/// The variables [`Switches`] reads, in its field order.
pub const SWITCH_VARIABLES: [&str; 8] = [
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
    "OPENBLAS_CORETYPE",
    "TF_ENABLE_ONEDNN_OPTS",
    "ONEDNN_MAX_CPU_ISA",
    "ATEN_CPU_CAPABILITY",
    "MKL_ENABLE_INSTRUCTIONS",
    "MKL_CBWR",
];

impl Switches {
    pub fn from_env() -> Switches {
        Switches::from_lookup(|name| std::env::var(name).ok())
    }

    /// The switches as `lookup` gives each variable's value (an environment of one's own,
    /// for a process to be started with it).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Switches {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let [_, _, c, d, e, f, g, h] = SWITCH_VARIABLES.map(var);
        // NumPy counts a variable as set unless it is empty: `NPY_ENABLE_CPU_FEATURES=" "`
        // turns every dispatched feature off (measured), so only "" is unset for these two.
        let numpy_var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let [a, b] = [SWITCH_VARIABLES[0], SWITCH_VARIABLES[1]].map(numpy_var);
        Switches {
            npy_disable_cpu_features: a,
            npy_enable_cpu_features: b,
            openblas_coretype: c,
            tf_enable_onednn_opts: d,
            // oneDNN still honours its older name when the new one is unset (measured).
            onednn_max_cpu_isa: e.or_else(|| var("DNNL_MAX_CPU_ISA")),
            aten_cpu_capability: f,
            mkl_enable_instructions: g,
            mkl_cbwr: h,
            mkl_as_intel: lookup(mkl::MKL_AS_INTEL).is_some_and(|v| v.trim() == "1"),
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
            &self.mkl_enable_instructions,
            &self.mkl_cbwr,
        ];
        SWITCH_VARIABLES
            .iter()
            .zip(values)
            .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name}={v}")))
            .chain(
                self.mkl_as_intel
                    .then(|| format!("{}=1", mkl::MKL_AS_INTEL)),
            )
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

    /// `library` on a CPU that is not x86-64: none of its x86 kernels is reproduced.
    pub fn not_x86_64(cpu: &CpuFeatures, library: &str) -> Pick<P> {
        Pick {
            path: None,
            name: format!("{library}'s {} build", cpu.arch),
            why: format!("not x86-64 ({})", cpu.arch),
        }
    }
}

/// Every library's pick on one machine under one set of switches.
#[derive(Debug, Clone)]
pub struct Paths {
    pub cpu: CpuFeatures,
    /// The library builds where more than one is reproduced.
    pub builds: machine::Builds,
    /// The machine emulated (`--machine`), `None` for this machine.
    pub machine: Option<String>,
    pub switches: Switches,
    pub numpy_exp: Pick<numpy_exp::ExpPath>,
    pub openblas: Pick<openblas::Core>,
    pub tensorflow: Pick<tensorflow::Backend>,
    pub aten: Pick<aten::Capability>,
    pub mkl: Pick<mkl::MklPath>,
}

impl Paths {
    /// The paths of the pinned wheels on `cpu` under `switches`.
    pub fn select(cpu: CpuFeatures, switches: Switches) -> Paths {
        Paths::select_builds(cpu, machine::Builds::default(), switches)
    }

    /// The paths of the library builds `builds` on `cpu` under `switches`.
    pub fn select_builds(cpu: CpuFeatures, builds: machine::Builds, switches: Switches) -> Paths {
        Paths {
            numpy_exp: numpy_exp::ExpPath::select(&cpu, &switches),
            openblas: openblas::Core::select(&cpu, &switches),
            tensorflow: tensorflow::Backend::select(&cpu, builds.tensorflow, &switches),
            aten: aten::Capability::select(&cpu, &switches),
            mkl: mkl::MklPath::select(&cpu, &switches),
            cpu,
            builds,
            machine: None,
            switches,
        }
    }

    /// The paths of a known machine under `switches`, as if they were set on it.
    pub fn of_machine(machine: &machine::Machine, switches: Switches) -> Paths {
        Paths {
            machine: Some(machine.name()),
            ..Paths::select_builds(machine.cpu.clone(), machine.builds, switches)
        }
    }
}

/// The variable `--machine` sets for this process and the processes it starts (sweep workers,
/// `xor-repro-torch`): the known machine ([`machine::find`]) whose paths they compute with.
pub const MACHINE_VARIABLE: &str = "XOR_REPRO_MACHINE";

/// Makes this process, and every process it starts, compute as `name` computes
/// (`--machine NAME`). Call it before anything asks for the paths: it fails once they were
/// decided.
pub fn emulate(name: &str) -> anyhow::Result<()> {
    let machine = machine::find(name)?;
    if PATHS.get().is_some() {
        anyhow::bail!("the paths were decided before --machine {name} was read");
    }
    // Set while the process is still single-threaded: at the start of `main`.
    std::env::set_var(MACHINE_VARIABLE, machine.name());
    Ok(())
}

/// The known machine this process computes as (`--machine`, [`MACHINE_VARIABLE`]), `None` for
/// the host.
pub fn emulated_machine() -> anyhow::Result<Option<machine::Machine>> {
    match std::env::var(MACHINE_VARIABLE) {
        Ok(name) if !name.trim().is_empty() => machine::find(name.trim()).map(Some),
        _ => Ok(None),
    }
}

/// The paths of the host under this process's environment (the machine a Python side runs
/// on), whatever `--machine` says.
pub fn host() -> Paths {
    Paths::select(CpuFeatures::detect(), Switches::from_env())
}

static PATHS: OnceLock<Paths> = OnceLock::new();

/// The paths this process computes with, under this process's environment, decided once (each
/// library decides once, when it is loaded): those of the machine `--machine` named
/// ([`emulate`]), or the host's. An unknown name in [`MACHINE_VARIABLE`] is refused where the
/// command line is read, so here it falls back to the host.
pub fn this_machine() -> &'static Paths {
    PATHS.get_or_init(|| match emulated_machine() {
        Ok(Some(machine)) => Paths::of_machine(&machine, Switches::from_env()),
        _ => host(),
    })
}

/// The library builds whose kernels are ported here: another version of one is a build these
/// ports were not measured against.
pub const PINNED: [(&str, &str); 3] = [
    ("numpy", "2.1.3"),
    ("tensorflow", "2.19.0"),
    ("torch", "2.13.0"),
];

/// One line naming each library in a Python run's `versions` that is not the pinned build.
pub fn unpinned_note(versions: &BTreeMap<String, String>) -> Option<String> {
    let other: Vec<String> = PINNED
        .iter()
        .filter_map(|(name, pin)| {
            let v = versions.get(*name)?;
            // A local label (`2.13.0+cu130`: the CUDA wheel) is the same CPU build.
            let release = v.split('+').next().unwrap_or(v);
            (release != *pin).then(|| format!("{name} {v} (ported from {pin})"))
        })
        .collect();
    (!other.is_empty()).then(|| {
        format!(
            "another library build on the Python side: {}",
            other.join(", ")
        )
    })
}

/// The libraries, in the order reports list them: `run.json`'s key and a label.
pub const LIBRARIES: [(&str, &str); 5] = [
    ("numpy-exp", "NumPy exp"),
    ("openblas", "OpenBLAS"),
    ("tensorflow", "TensorFlow"),
    ("aten", "PyTorch"),
    ("mkl", "MKL"),
];

/// One library's path as `run.json` records it: on the Rust side the path picked, why and
/// whether it is emulated; on the Python side what the library itself reports, and from where.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KernelPath {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<P> Pick<P> {
    fn record(&self) -> KernelPath {
        KernelPath {
            path: self.name.clone(),
            why: Some(self.why.clone()),
            emulated: Some(self.emulated()),
            ..KernelPath::default()
        }
    }
}

impl Paths {
    /// Every library's pick, keyed as in [`LIBRARIES`].
    pub fn records(&self) -> BTreeMap<String, KernelPath> {
        [
            ("numpy-exp", self.numpy_exp.record()),
            ("openblas", self.openblas.record()),
            ("tensorflow", self.tensorflow.record()),
            ("aten", self.aten.record()),
            ("mkl", self.mkl.record()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The picks of the libraries `keys` names (a framework's, for `run.json`).
    pub fn for_libraries(&self, keys: &[&str]) -> BTreeMap<String, KernelPath> {
        let mut all = self.records();
        keys.iter().filter_map(|k| all.remove_entry(*k)).collect()
    }

    /// The paths of `keys` as a run on libtorch's own kernels records them (a tch port, the
    /// libtorch-backed engine): picked here, computed by libtorch, so neither emulated nor
    /// not; `source` says which.
    pub fn libtorchs_own(&self, keys: &[&str], source: &str) -> BTreeMap<String, KernelPath> {
        self.for_libraries(keys)
            .into_iter()
            .map(|(key, mut path)| {
                path.emulated = None;
                path.source = Some(source.to_string());
                (key, path)
            })
            .collect()
    }
}

/// One line naming the paths in `paths` that are not emulated, if any: such a run is judged
/// by the tolerances (docs/CONTRACT.md#tolerances) and claims no bit identity.
pub fn not_emulated_note(paths: &BTreeMap<String, KernelPath>) -> Option<String> {
    let missing: Vec<String> = paths
        .iter()
        .filter(|(_, p)| p.emulated == Some(false))
        .map(|(key, p)| {
            format!(
                "{} {} ({})",
                label(key),
                p.path,
                p.why.as_deref().unwrap_or("")
            )
        })
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "not emulated on this machine: {}; judged by tolerances, not bit identity",
            missing.join(", ")
        )
    })
}

/// The label of a library key of [`LIBRARIES`].
pub fn label(key: &str) -> &str {
    LIBRARIES
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| label)
}

impl Paths {
    /// The machine, the switches set, and one row per library: path, emulated, why.
    pub fn table(&self) -> String {
        let switches = self.switches.set();
        let machine = match &self.machine {
            Some(name) => format!("{name} (emulated): {}", self.cpu.summary()),
            None => self.cpu.summary(),
        };
        let mut out = format!(
            "machine: {}\nswitches: {}\n\n{:<12} {:<50} {:<9} why\n",
            machine,
            if switches.is_empty() {
                "none set".to_string()
            } else {
                switches.join(" ")
            },
            "library",
            "path",
            "emulated"
        );
        let records = self.records();
        for (key, label) in LIBRARIES {
            let r = &records[key];
            let emulated = if r.emulated == Some(true) {
                "yes"
            } else {
                "NO"
            };
            out.push_str(&format!(
                "{label:<12} {:<50} {emulated:<9} {}\n",
                r.path,
                r.why.as_deref().unwrap_or("")
            ));
        }
        out
    }
}
