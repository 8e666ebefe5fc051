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
    let interpreter = xor_repro::python::interpreter().expect("run ./scripts/setup.sh first");
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
    /// NumPy's version, OpenBLAS's core and whether SVML's AVX-512 `exp` is in use.
    pub description: String,
    /// Whether they are the ones `xor_repro::numpy_kernels` reproduces bit for bit: NumPy
    /// 2.1.3, OpenBLAS's Haswell kernels, AVX-512 (SKX) for `exp`.
    pub reproduced: bool,
}

/// Asks the project's NumPy once which kernels it runs.
pub fn numpy_kernels() -> &'static NumpyKernels {
    static KERNELS: std::sync::OnceLock<NumpyKernels> = std::sync::OnceLock::new();
    KERNELS.get_or_init(|| {
        let out = python(
            "import ctypes, glob, os, numpy as np\n\
             from numpy._core._multiarray_umath import __cpu_features__ as cpu\n\
             libs = glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', '*openblas*'))\n\
             core = 'unknown'\n\
             if libs:\n\
             \x20   name = ctypes.CDLL(libs[0]).scipy_openblas_get_corename64_\n\
             \x20   name.restype = ctypes.c_char_p\n\
             \x20   core = name().decode()\n\
             print(np.__version__, core, 'AVX512_SKX' if cpu.get('AVX512_SKX') else 'no-AVX512_SKX')\n",
        );
        let fields: Vec<&str> = out.split_whitespace().collect();
        let reproduced = fields == ["2.1.3", "Haswell", "AVX512_SKX"];
        let description = format!("NumPy {}", fields.join(" "));
        if !reproduced {
            eprintln!(
                "note: this NumPy runs other kernels ({description}) than numpy_kernels \
                 reproduces (NumPy 2.1.3 Haswell AVX512_SKX): bit identity is not asserted"
            );
        }
        NumpyKernels {
            description,
            reproduced,
        }
    })
}
