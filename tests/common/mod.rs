//! Shared test helpers: running the built command line and the project's Python. Also
//! `torch/tests/`'s (through `#[path]`), where the command line is `xor-repro-torch`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary cargo built for these tests: `xor-repro`, which hands libtorch work over to
/// `xor-repro-torch` as a user's would, or in `torch/`'s tests `xor-repro-torch` itself.
pub fn bin() -> Command {
    let exe = option_env!("CARGO_BIN_EXE_xor-repro")
        .or(option_env!("CARGO_BIN_EXE_xor-repro-torch"))
        .expect("a test of a package with a binary");
    Command::new(exe)
}

/// Runs `xor-repro ARGS` and returns its output (never panics on a non-zero exit).
pub fn xor_repro(args: &[&str]) -> Output {
    bin().args(args).output().expect("xor-repro runs")
}

/// Runs `xor-repro ARGS`, panicking with its standard error unless it exits 0.
pub fn xor_repro_ok(args: &[&str]) -> String {
    let out = xor_repro(args);
    assert!(
        out.status.success(),
        "xor-repro {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a Python snippet in the project's environment and returns what it printed.
pub fn python(code: &str) -> String {
    let interpreter = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let out = Command::new(interpreter)
        .arg("-c")
        .arg(code)
        .env("TF_CPP_MIN_LOG_LEVEL", "3")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parses whitespace-separated numbers Python printed (`repr` of floats or ints).
pub fn numbers(text: &str) -> Vec<f64> {
    text.split_whitespace()
        .map(|t| t.parse().unwrap_or_else(|_| panic!("not a number: {t}")))
        .collect()
}

/// A fresh output folder for one test.
pub fn out_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

/// The run folder of one side.
pub fn side(out: &Path, experiment: &str, seed: u64, side: &str) -> PathBuf {
    out.join(experiment).join(format!("seed-{seed}")).join(side)
}

/// Runs `run` and `reference` of one experiment into `out` with extra arguments, then
/// `diff` with default tolerance; returns diff's output and exit code.
pub fn rust_vs_python(out: &Path, experiment: &str, seed: u64, extra: &[&str]) -> (String, i32) {
    let out_s = out.to_str().unwrap();
    let seed_s = seed.to_string();
    let mut args = vec![experiment, "--seed", &seed_s, "--out", out_s];
    args.extend_from_slice(extra);
    let mut run = vec!["run"];
    run.extend_from_slice(&args);
    xor_repro_ok(&run);
    let mut reference = vec!["reference"];
    reference.extend_from_slice(&args);
    xor_repro_ok(&reference);
    let a = side(out, experiment, seed, "rust");
    let b = side(out, experiment, seed, "python");
    let diff = xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    (
        String::from_utf8_lossy(&diff.stdout).into_owned(),
        diff.status.code().unwrap_or(-1),
    )
}

/// The kernels the project's NumPy runs on this machine.
pub struct NumpyKernels {
    /// The paths picked and what NumPy reports.
    pub description: String,
    /// Whether the paths picked are emulated and NumPy itself reports the same ones: then
    /// bit identity is asserted.
    pub reproduced: bool,
}

/// Asks NumPy once which kernels it runs and holds that against the paths picked here.
pub fn numpy_kernels() -> &'static NumpyKernels {
    static KERNELS: std::sync::OnceLock<NumpyKernels> = std::sync::OnceLock::new();
    KERNELS.get_or_init(|| {
        let paths = xor_repro::kernels::this_machine();
        let picked =
            paths.for_libraries(xor_repro::experiments::Framework::NumPy.kernel_libraries());
        let said = xor_repro::kernels::probe::ask_libraries(&[]).expect("the libraries answer");
        let disagreements = xor_repro::kernels::probe::disagreements(paths, &said);
        let note = xor_repro::kernels::not_emulated_note(&picked);
        let description = picked
            .iter()
            .map(|(k, p)| format!("{} {}", xor_repro::kernels::label(k), p.path))
            .collect::<Vec<_>>()
            .join(", ");
        let relevant: Vec<&String> = disagreements
            .iter()
            .filter(|d| d.contains("NumPy exp") || d.contains("OpenBLAS"))
            .collect();
        assert!(relevant.is_empty(), "{relevant:?}");
        if let Some(note) = &note {
            eprintln!("note: NumPy {note}");
        }
        NumpyKernels {
            description,
            reproduced: note.is_none(),
        }
    })
}

/// One setting of the libraries' switches, applied to both sides of a run.
#[derive(Debug, Clone)]
pub struct SwitchCase {
    /// `default` or the switches, `NAME=value ...`.
    pub label: String,
    pub env: Vec<(&'static str, String)>,
}

impl SwitchCase {
    fn new(env: &[(&'static str, &str)]) -> SwitchCase {
        SwitchCase::of(env.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    /// The case that sets `env`, labelled by it.
    pub fn of(env: Vec<(&'static str, String)>) -> SwitchCase {
        let label = if env.is_empty() {
            "default".to_string()
        } else {
            env.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        SwitchCase { label, env }
    }

    /// The paths this machine takes under these switches (this process's own switches are
    /// ignored: every case states all of its own).
    pub fn paths(&self) -> xor_repro::kernels::Paths {
        let switches = xor_repro::kernels::Switches::from_lookup(|name| {
            self.env
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        });
        xor_repro::kernels::Paths::select(xor_repro::kernels::cpu::CpuFeatures::detect(), switches)
    }

    /// `None` when every path deciding `framework`'s bits is emulated under these switches
    /// (bit identity is then required), else the one-line note saying which is not.
    pub fn not_emulated(&self, framework: xor_repro::experiments::Framework) -> Option<String> {
        xor_repro::kernels::not_emulated_note(
            &self.paths().for_libraries(framework.kernel_libraries()),
        )
    }

    /// A command with these switches set and every other library switch removed.
    pub fn apply(&self, cmd: &mut Command) {
        for name in xor_repro::kernels::SWITCH_VARIABLES {
            cmd.env_remove(name);
        }
        cmd.env_remove("DNNL_MAX_CPU_ISA");
        cmd.env_remove(xor_repro::kernels::mkl::MKL_AS_INTEL);
        for (name, value) in &self.env {
            cmd.env(name, value);
        }
    }
}

/// The switch settings under which `framework`'s notebooks are held to Python on this CPU:
/// the default path and every other path the switches can force that this CPU can execute.
/// The second list names each path skipped because this CPU cannot execute it.
pub fn switch_cases(
    framework: xor_repro::experiments::Framework,
) -> (Vec<SwitchCase>, Vec<String>) {
    use xor_repro::experiments::Framework;
    let cpu = xor_repro::kernels::cpu::CpuFeatures::detect();
    let mut cases = vec![SwitchCase::new(&[])];
    let mut skipped = Vec::new();
    let mut offer = |runs: bool, env: &[(&'static str, &str)], needs: &str| {
        let case = SwitchCase::new(env);
        if runs {
            cases.push(case);
        } else {
            skipped.push(format!("{}: this CPU lacks {needs}", case.label));
        }
    };
    match framework {
        Framework::NumPy => {
            // NumPy's AVX512_SKX target checks AVX512CD among others, so switching that off
            // reaches NumPy's own AVX512F kernel; AVX512F off reaches libm through the AVX2
            // target, AVX2 off too through the baseline.
            offer(
                cpu.avx512_skx(),
                &[("NPY_DISABLE_CPU_FEATURES", "AVX512CD")],
                "AVX512_SKX (nothing to disable)",
            );
            offer(
                cpu.avx512f,
                &[("NPY_DISABLE_CPU_FEATURES", "AVX512F")],
                "AVX512F (nothing to disable)",
            );
            offer(
                cpu.avx512f && cpu.avx2,
                &[("NPY_DISABLE_CPU_FEATURES", "AVX512F AVX2")],
                "AVX512F and AVX2 (nothing to disable)",
            );
            offer(
                cpu.avx512f,
                &[("OPENBLAS_CORETYPE", "SkylakeX")],
                "AVX-512 (SkylakeX kernels)",
            );
            offer(
                cpu.avx2 && cpu.fma,
                &[("OPENBLAS_CORETYPE", "Haswell")],
                "AVX2 and FMA (Haswell kernels)",
            );
            offer(
                cpu.avx,
                &[("OPENBLAS_CORETYPE", "Sandybridge")],
                "AVX (Sandybridge kernels)",
            );
            offer(
                cpu.ssse3,
                &[("OPENBLAS_CORETYPE", "Nehalem")],
                "SSSE3 (Nehalem kernels)",
            );
            offer(
                cpu.sse3,
                &[("OPENBLAS_CORETYPE", "Prescott")],
                "SSE3 (Prescott kernels)",
            );
            // What an AVX2 EPYC takes by default: libm's exp and the Haswell kernels.
            offer(
                cpu.avx2 && cpu.fma,
                &[
                    ("NPY_DISABLE_CPU_FEATURES", "AVX512F"),
                    ("OPENBLAS_CORETYPE", "Haswell"),
                ],
                "AVX2 and FMA (an AVX2 EPYC's default)",
            );
        }
        Framework::TensorFlow => {
            let isa = xor_repro::kernels::tensorflow::OneDnnIsa::widest(&cpu);
            offer(true, &[("TF_ENABLE_ONEDNN_OPTS", "0")], "");
            // An AVX2 EPYC's default: Eigen, whose contractions go to oneDNN's sgemm at AVX2.
            offer(
                cpu.avx2,
                &[
                    ("TF_ENABLE_ONEDNN_OPTS", "0"),
                    ("ONEDNN_MAX_CPU_ISA", "AVX2"),
                ],
                "AVX2 (an AVX2 EPYC's default)",
            );
            offer(
                isa.is_some(),
                &[("TF_ENABLE_ONEDNN_OPTS", "1")],
                "SSE4.1 (oneDNN)",
            );
            for (cap, needs) in [("AVX2", cpu.avx2), ("AVX", cpu.avx), ("SSE41", cpu.sse41)] {
                offer(
                    needs,
                    &[("TF_ENABLE_ONEDNN_OPTS", "1"), ("ONEDNN_MAX_CPU_ISA", cap)],
                    cap,
                );
            }
        }
        Framework::PyTorch => {
            use xor_repro::kernels::aten::Capability;
            let widest = Capability::widest(&cpu);
            for capability in [Capability::Default, Capability::Avx2, Capability::Avx512] {
                offer(
                    capability <= widest,
                    &[("ATEN_CPU_CAPABILITY", capability.name())],
                    &format!("the {} kernels' features", capability.name()),
                );
            }
            // MKL: the path of processors that are not Intel's (MKL_CBWR=COMPATIBLE gives it
            // on Intel's too), then Intel's dispatch, natively on an Intel CPU and through
            // XOR_REPRO_MKL_AS_INTEL elsewhere: its default, its levels, its strict mode.
            use xor_repro::kernels::mkl::{dispatch::Isa, MKL_AS_INTEL};
            offer(true, &[("MKL_CBWR", "COMPATIBLE")], "");
            let intel = cpu.vendor == "GenuineIntel";
            let with_switch = |env: &[(&'static str, &'static str)]| {
                let mut env = env.to_vec();
                if !intel {
                    env.push((MKL_AS_INTEL, "1"));
                }
                env
            };
            if !intel {
                offer(true, &with_switch(&[]), "");
            }
            for isa in [Isa::Avx512E1, Isa::Avx512, Isa::Avx2, Isa::Sse42] {
                offer(
                    isa.runs_on(&cpu),
                    &with_switch(&[("MKL_ENABLE_INSTRUCTIONS", isa.name())]),
                    &format!("MKL's {} level", isa.name()),
                );
            }
            offer(
                Isa::Avx2.runs_on(&cpu),
                &with_switch(&[("MKL_CBWR", "AVX2,STRICT")]),
                "MKL's AVX2 level",
            );
            offer(
                cpu.sse42,
                &with_switch(&[
                    ("ATEN_CPU_CAPABILITY", "default"),
                    ("MKL_ENABLE_INSTRUCTIONS", "SSE4_2"),
                ]),
                "SSE4_2",
            );
        }
    }
    (cases, skipped)
}

/// [`rust_vs_python`] with both sides run under `case`'s switches.
pub fn rust_vs_python_under(
    case: &SwitchCase,
    out: &Path,
    experiment: &str,
    seed: u64,
    extra: &[&str],
) -> (String, i32) {
    let out_s = out.to_str().unwrap();
    let seed_s = seed.to_string();
    let mut args = vec![experiment, "--seed", &seed_s, "--out", out_s];
    args.extend_from_slice(extra);
    for command in ["run", "reference"] {
        let mut cmd = bin();
        cmd.arg(command).args(&args);
        case.apply(&mut cmd);
        let output = cmd.output().expect("xor-repro runs");
        assert!(
            output.status.success(),
            "xor-repro {command} {args:?} under {} failed:\n{}",
            case.label,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let a = side(out, experiment, seed, "rust");
    let b = side(out, experiment, seed, "python");
    let diff = xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    (
        String::from_utf8_lossy(&diff.stdout).into_owned(),
        diff.status.code().unwrap_or(-1),
    )
}

/// A float both sides computed, compared by its bits.
pub trait Bits: Copy + std::fmt::LowerExp {
    fn bits(self) -> u64;
    /// Hex digits of the bits, with `0x`.
    const HEX_WIDTH: usize;
}

impl Bits for f32 {
    fn bits(self) -> u64 {
        self.to_bits() as u64
    }
    const HEX_WIDTH: usize = 10;
}

impl Bits for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
    const HEX_WIDTH: usize = 18;
}

/// Counts the values of `ours` bit-identical to `theirs`: `Ok("WHAT: N of M values
/// bit-identical")`, or an error with that count, the first differing value (its index) and
/// both values in decimal and hex, `theirs` named `library`.
pub fn bit_identity<T: Bits>(
    what: &str,
    ours: &[T],
    theirs: &[T],
    library: &str,
) -> Result<String, (String, usize)> {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let same = ours
        .iter()
        .zip(theirs)
        .filter(|(a, b)| a.bits() == b.bits())
        .count();
    let line = format!("{what}: {same} of {} values bit-identical", ours.len());
    match ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a.bits() != b.bits())
    {
        None => Ok(line),
        Some(i) => {
            let w = T::HEX_WIDTH;
            Err((
                format!(
                    "{line}; first difference at value {i}: ours {:e} ({:#0w$x}), {library} {:e} ({:#0w$x})",
                    ours[i],
                    ours[i].bits(),
                    theirs[i],
                    theirs[i].bits()
                ),
                i,
            ))
        }
    }
}
