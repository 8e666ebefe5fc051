//! `kernels::numpy_exp` against the real NumPy 2.1.3: each float64 `exp` path this CPU can run,
//! forced with the switch that selects it, on about a million arguments NumPy draws here and now
//! (the notebooks' range, the whole float64 range, the thresholds of every kernel and the
//! special values), each required bit-identical; and `ExpPath::select` against NumPy's own
//! dispatch (`numpy.lib.introspect.opt_func_info`) under each switch value.
//!
//! A path this CPU cannot run is skipped with a note naming it.

mod common;
use std::path::Path;
use std::process::Command;
use xor_repro::kernels::cpu::CpuFeatures;
use xor_repro::kernels::numpy_exp::{self, ExpPath};
use xor_repro::kernels::Switches;

/// Draws the arguments, writes them and `np.exp` of them, then `np.exp` of short slices (lengths
/// 1 to 17, so that every masked tail of an 8-lane kernel shows) and of a strided view. Prints
/// the target NumPy dispatches `exp(dd)` to.
const NUMPY_EXP: &str = r#"
import sys, numpy as np
from numpy.lib.introspect import opt_func_info
rng = np.random.default_rng(int(sys.argv[2]))
def signs(n): return rng.choice([-1.0, 1.0], n)
thresholds = np.array([
    709.782712893384, 707.7032713517042, 708.3964185322641, 745.1332191019411,
    745.1332191019413, 709.0895657128241, 708.39641853226408, 2.0 ** -54, 2.0 ** -53,
    2.0 ** -1022, 5e-324, 1.0, 0.5, np.log(2.0), 1e-300])
edges = np.concatenate([thresholds, -thresholds])
edges = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf)])
special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan,
                    np.frombuffer(np.uint64(0x7ff0000000000001).tobytes())[0],
                    np.frombuffer(np.uint64(0xfff8000000000123).tobytes())[0],
                    np.finfo(np.float64).max, -np.finfo(np.float64).max])
x = np.concatenate([
    rng.uniform(-50, 50, 400000),                       # the notebooks' range
    rng.uniform(-5, 5, 100000),
    rng.uniform(-760, 760, 150000),                     # overflow to underflow
    rng.uniform(-746, -707, 100000),                    # subnormal results
    rng.uniform(705, 710, 50000),                       # near overflow
    signs(150000) * 2.0 ** rng.uniform(-1075, 10, 150000),  # every magnitude
    np.tile(edges, 200), np.tile(special, 400),
])
rng.shuffle(x)
with open(sys.argv[1], 'wb') as f:
    f.write(x.tobytes())
    f.write(np.exp(x).tobytes())
    for n in range(1, 18):
        start = int(rng.integers(0, len(x) - n))
        f.write(np.array([start, n], dtype=np.float64).tobytes())
        f.write(np.exp(x[start:start + n]).tobytes())
    strided = x[1:200001:2]
    f.write(np.exp(strided).tobytes())
print(opt_func_info(func_name='^exp$', signature='d')['exp']['dd']['current'])
"#;

/// The switches of a Python child: only NumPy's two, as given.
fn numpy_env(cmd: &mut Command, disable: Option<&str>, enable: Option<&str>) {
    cmd.env_remove("NPY_DISABLE_CPU_FEATURES")
        .env_remove("NPY_ENABLE_CPU_FEATURES");
    if let Some(v) = disable {
        cmd.env("NPY_DISABLE_CPU_FEATURES", v);
    }
    if let Some(v) = enable {
        cmd.env("NPY_ENABLE_CPU_FEATURES", v);
    }
}

fn switches(disable: Option<&str>, enable: Option<&str>) -> Switches {
    Switches {
        npy_disable_cpu_features: disable.map(str::to_string),
        npy_enable_cpu_features: enable.map(str::to_string),
        ..Switches::default()
    }
}

fn read_f64s(path: &Path) -> Vec<f64> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// Counts bit-identical values and panics at the first that is not, naming its argument.
fn require_identical(what: &str, args: &[f64], ours: &[f64], numpy: &[f64]) {
    match common::bit_identity(what, ours, numpy, "NumPy") {
        Ok(line) => eprintln!("{line}"),
        Err((message, i)) => panic!(
            "{message}; the argument: exp({:e} = {:#018x})",
            args[i],
            args[i].to_bits()
        ),
    }
}

/// NumPy forced onto `path` with NPY_DISABLE_CPU_FEATURES=`disable`, against the port.
fn path_matches_numpy(path: ExpPath, target: &str, disable: Option<&str>, seed: u64) {
    let cpu = CpuFeatures::detect();
    let pick = ExpPath::select(&cpu, &switches(disable, None));
    if pick.path != Some(path) || !pick.name.contains(target) {
        eprintln!(
            "note: skipped {} ({target} target): this CPU ({}) does not run it under \
             NPY_DISABLE_CPU_FEATURES={disable:?} ({}: {})",
            path.name(),
            cpu.summary(),
            pick.name,
            pick.why
        );
        return;
    }
    let dir = common::out_dir();
    let out = dir.path().join("exp.f64");
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(NUMPY_EXP).arg(&out).arg(seed.to_string());
    numpy_env(&mut cmd, disable, None);
    let run = cmd.output().expect("python runs");
    assert!(
        run.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let current = String::from_utf8_lossy(&run.stdout).trim().to_string();
    assert!(
        current.starts_with(target),
        "NumPy runs exp(dd) on {current}, select expected {target} ({})",
        pick.why
    );

    let values = read_f64s(&out);
    let strided_len = 100_000;
    let slices_len: usize = (1..18).map(|n| 2 + n).sum();
    let n = (values.len() - slices_len - strided_len) / 2;
    let (x, rest) = values.split_at(n);
    let (numpy_whole, rest) = rest.split_at(n);
    let (slices, numpy_strided) = rest.split_at(slices_len);
    let what = format!("np.exp on {} ({target})", path.name());
    let ours: Vec<f64> = x.iter().map(|&v| numpy_exp::exp(path, v)).collect();
    require_identical(&what, x, &ours, numpy_whole);

    // The same arguments in arrays of 1 to 17 elements: no result may depend on the length.
    let (mut short_args, mut short_numpy) = (Vec::new(), Vec::new());
    let mut at = 0;
    for len in 1..18 {
        let start = slices[at] as usize;
        assert_eq!(slices[at + 1] as usize, len);
        short_args.extend_from_slice(&x[start..start + len]);
        short_numpy.extend_from_slice(&slices[at + 2..at + 2 + len]);
        at += 2 + len;
    }
    let short_ours: Vec<f64> = short_args
        .iter()
        .map(|&v| numpy_exp::exp(path, v))
        .collect();
    require_identical(
        &format!("{what}, arrays of 1..17"),
        &short_args,
        &short_ours,
        &short_numpy,
    );
    let strided_args: Vec<f64> = x[1..200_001].iter().step_by(2).copied().collect();
    let strided_ours: Vec<f64> = strided_args
        .iter()
        .map(|&v| numpy_exp::exp(path, v))
        .collect();
    require_identical(
        &format!("{what}, strided input"),
        &strided_args,
        &strided_ours,
        numpy_strided,
    );
}

#[test]
fn svml_path_matches_numpy() {
    path_matches_numpy(ExpPath::Svml, "AVX512_SKX", None, 21);
}

#[test]
fn numpy_avx512f_path_matches_numpy() {
    // AVX512CD is the one dispatched feature the AVX512_SKX target checks and AVX512F does not.
    path_matches_numpy(ExpPath::Avx512f, "AVX512F", Some("AVX512CD"), 22);
}

#[test]
fn avx2_target_is_libm() {
    path_matches_numpy(ExpPath::Libm, "AVX2", Some("AVX512F"), 23);
}

#[test]
fn baseline_is_libm() {
    path_matches_numpy(ExpPath::Libm, "baseline", Some("AVX512F AVX2"), 24);
}

/// NumPy's target for `exp(dd)` under the switches, or the exception its import raises.
const NUMPY_TARGET: &str = r#"
try:
    from numpy.lib.introspect import opt_func_info
except BaseException as e:
    print('refused', type(e).__name__)
else:
    print('target', opt_func_info(func_name='^exp$', signature='d')['exp']['dd']['current'])
"#;

#[test]
fn select_decides_as_numpy_under_each_switch() {
    let cpu = CpuFeatures::detect();
    let cases: [(Option<&str>, Option<&str>); 25] = [
        (None, None),
        (Some("AVX512_SKX"), None),
        (Some("AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"), None),
        (Some("AVX512CD"), None),
        (Some("AVX512_SKX,AVX512CD"), None),
        (Some("AVX512F"), None),
        (Some("avx512f"), None),
        (Some("FOO"), None),
        (Some("AVX512VL"), None),
        (Some("AVX512_SPR"), None),
        (Some("AVX512F POPCNT"), None),
        (Some("AVX512F\tF16C"), None),
        (Some("AVX512F AVX2"), None),
        (Some("AVX512F AVX2 FMA3 AVX F16C"), None),
        (Some("SSE3"), None),
        (None, Some("AVX512F")),
        (None, Some("AVX512F AVX512CD")),
        (None, Some("AVX512_SKX")),
        (None, Some("AVX2")),
        (None, Some("POPCNT AVX F16C FMA3 AVX2")),
        (None, Some("SSE3")),
        (None, Some("FOO")),
        (None, Some(" ")),
        (None, Some("AVX512_KNL")),
        (Some("AVX2"), Some("AVX2")),
    ];
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let mut agree = 0;
    for (disable, enable) in cases {
        let mut cmd = Command::new(&python);
        cmd.arg("-W").arg("ignore").arg("-c").arg(NUMPY_TARGET);
        numpy_env(&mut cmd, disable, enable);
        let out = cmd.output().expect("python runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (kind, numpy) = stdout
            .trim()
            .split_once(' ')
            .expect("python prints its answer");
        let ours = numpy_exp::dispatch(&cpu, &switches(disable, enable));
        let label =
            format!("NPY_DISABLE_CPU_FEATURES={disable:?} NPY_ENABLE_CPU_FEATURES={enable:?}");
        match (kind, &ours) {
            ("target", Ok(d)) if numpy.starts_with(d.target) => {}
            ("refused", Err(why)) if why.contains(numpy) => {}
            _ => panic!("{label}: NumPy {kind} {numpy}, select says {ours:?}"),
        }
        eprintln!("{label}: NumPy {kind} {numpy}; select agrees");
        agree += 1;
    }
    eprintln!(
        "select agrees with NumPy on {agree} of {} switch values",
        cases.len()
    );
}
