//! The command line's contract (docs/CONTRACT.md#command-line): `diff` finds what differs and where; bad input gets
//! a clear one-line error and exit 2; an interrupted run leaves nothing that looks complete.

mod common;
use common::{out_dir, side, xor_repro, xor_repro_ok};
use std::path::{Path, PathBuf};

/// Asserts a one-line error containing `needle` and exit code 2.
fn assert_bad_input(args: &[&str], needle: &str) {
    let out = xor_repro(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should fail with exit 2: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in {err:?}"
    );
    assert_eq!(
        err.trim().lines().count(),
        1,
        "{args:?}: not a one-line error: {err:?}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// A short Rust run of torch-relu4-mse, the loss file of which tests then tamper with.
fn short_run(out: &Path, seed: u64) -> PathBuf {
    let s = seed.to_string();
    xor_repro_ok(&[
        "run",
        "torch-relu4-mse",
        "--epochs",
        "3000",
        "--seed",
        &s,
        "--out",
        out.to_str().unwrap(),
    ]);
    side(out, "torch-relu4-mse", seed, "rust")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// The float32 one ulp above `x`.
fn next_up(x: f32) -> f32 {
    f32::from_bits(x.to_bits() + 1)
}

#[test]
fn diff_finds_a_planted_one_ulp_difference_at_its_step() {
    let out = out_dir();
    let run = short_run(out.path(), 0);
    let original = std::fs::read_to_string(run.join("loss.csv")).unwrap();
    let planted_step = 1234;
    let mut planted_value = 0.0;
    let tampered: String = original
        .lines()
        .map(|line| match line.split_once(',') {
            Some((step, loss)) if step == planted_step.to_string() => {
                let v = next_up(loss.parse::<f64>().unwrap() as f32);
                planted_value = v as f64;
                format!("{step},{}\n", v as f64)
            }
            _ => format!("{line}\n"),
        })
        .collect();
    let a = run.join("loss.csv");
    let b = write(out.path(), "tampered.csv", &tampered);
    let r = xor_repro(&["diff", a.to_str().unwrap(), &b]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{text}");
    assert!(text.contains("2999 bit-identical"), "{text}");
    assert!(text.contains(&format!("(step {planted_step})")), "{text}");
    assert!(text.contains(&planted_value.to_string()), "{text}");
    assert!(text.contains("max ulps 1 (float32)"), "{text}");
    // One ulp is within --ulps 1, and within a relative tolerance of 1e-6.
    assert_eq!(
        xor_repro(&["diff", a.to_str().unwrap(), &b, "--ulps", "1"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        xor_repro(&["diff", a.to_str().unwrap(), &b, "--rel-tol", "1e-6"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        xor_repro(&["diff", a.to_str().unwrap(), &b, "--abs-tol", "1e-12"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn diff_of_different_lengths_is_a_difference_naming_both() {
    let out = out_dir();
    let run = short_run(out.path(), 1);
    let original = std::fs::read_to_string(run.join("loss.csv")).unwrap();
    let shorter: String = original
        .lines()
        .take(2001)
        .map(|l| format!("{l}\n"))
        .collect();
    let b = write(out.path(), "short.csv", &shorter);
    let r = xor_repro(&["diff", run.join("loss.csv").to_str().unwrap(), &b]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{text}");
    assert!(text.contains("3000 rows against 2000 rows"), "{text}");
}

#[test]
fn diff_of_identical_runs_exits_zero() {
    let out = out_dir();
    let a = short_run(out.path(), 2);
    let other = out_dir();
    let b = short_run(other.path(), 2);
    let text = xor_repro_ok(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(text.contains("within tolerance"), "{text}");
}

#[test]
fn diff_rejects_bad_input() {
    let out = out_dir();
    let run = short_run(out.path(), 3);
    let loss = run.join("loss.csv");
    let loss = loss.to_str().unwrap();
    let d = out.path();
    let empty = write(d, "empty.csv", "");
    let no_header = write(d, "noheader.csv", "0,0.25\n1,0.24\n");
    let text = write(d, "text.csv", "step,loss\n0,0.25\n1,zero\n");
    let params = run.join("params.csv");
    assert_bad_input(
        &["diff", loss, "/no/such/file.csv"],
        "/no/such/file.csv does not exist",
    );
    assert_bad_input(&["diff", loss, &empty], "empty.csv is empty");
    assert_bad_input(&["diff", loss, &no_header], "unrecognised header");
    assert_bad_input(
        &["diff", loss, &text],
        "text.csv: line 3: loss \"zero\" is not a number",
    );
    assert_bad_input(
        &["diff", loss, params.to_str().unwrap()],
        "no shared numeric column",
    );
    assert_bad_input(&["diff", run.to_str().unwrap(), loss], "not one of each");
    // Run folders of different experiments.
    let o = d.to_str().unwrap();
    xor_repro_ok(&[
        "run",
        "torch-sigmoid2-mse",
        "--epochs",
        "10",
        "--seed",
        "3",
        "--out",
        o,
    ]);
    let other = side(d, "torch-sigmoid2-mse", 3, "rust");
    assert_bad_input(
        &["diff", run.to_str().unwrap(), other.to_str().unwrap()],
        "run folders of different experiments",
    );
}

#[test]
fn run_rejects_bad_input() {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    assert_bad_input(
        &["run", "no-such-experiment", "--out", o],
        "valid: torch-relu4-mse",
    );
    assert_bad_input(&["run", "--out", o], "name an experiment or use --all");
    for epochs in ["0", "-5", "ten", "1.5"] {
        assert_bad_input(
            &["run", "torch-relu4-mse", "--epochs", epochs, "--out", o],
            "must be a positive whole number",
        );
    }
    for lr in ["0", "-0.1", "nan", "inf", "fast"] {
        assert_bad_input(
            &["run", "torch-relu4-mse", "--lr", lr, "--out", o],
            "must be a finite positive number",
        );
    }
    assert_bad_input(
        &["run", "torch-relu4-mse", "--seed", "-1", "--out", o],
        "a seed is a whole number",
    );
    assert_bad_input(
        &[
            "run",
            "torch-relu4-mse",
            "--seed",
            "18446744073709551616",
            "--out",
            o,
        ],
        "a seed is a whole number",
    );
    let file = write(out.path(), "a-file", "");
    assert_bad_input(
        &["run", "torch-relu4-mse", "--out", &format!("{file}/sub")],
        "cannot create output folder",
    );
    assert_bad_input(&["frobnicate"], "unrecognized subcommand");
    assert_bad_input(
        &["reference", "no-such-experiment"],
        "valid: torch-relu4-mse",
    );
}

#[test]
fn seeds_outside_a_frameworks_range_are_rejected() {
    for numpy in ["numpy-relu10-mse", "numpy-sigmoid2-mse"] {
        assert_bad_input(
            &["run", numpy, "--seed", "4294967296", "--out", "/tmp"],
            "outside NumPy's range",
        );
    }
    assert_bad_input(
        &[
            "run",
            "tf-relu10-mse",
            "--seed",
            "9223372036854775808",
            "--out",
            "/tmp",
        ],
        "outside TensorFlow's range",
    );
    assert_bad_input(
        &[
            "sweep",
            "numpy-sigmoid2-mse",
            "--seeds",
            "4294967290..4294967299",
            "--out",
            "/tmp",
        ],
        "outside NumPy's range",
    );
}

#[test]
fn reference_without_the_python_environment_says_how_to_make_it() {
    let out = xor_repro_with_env(&[
        "reference",
        "torch-relu4-mse",
        "--epochs",
        "2",
        "--out",
        "/tmp/xor-repro-test",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("./scripts/setup.sh"), "{err}");
}

fn xor_repro_with_env(args: &[&str]) -> std::process::Output {
    common::bin()
        .args(args)
        .env("XOR_REPRO_PYTHON", "/no/such/python")
        .output()
        .unwrap()
}

/// Killing a run midway leaves no run folder behind (files are written to a temporary folder
/// and renamed into place only when complete).
#[test]
fn an_interrupted_run_leaves_no_complete_looking_files() {
    let out = out_dir();
    let mut child = common::bin()
        .args([
            "run",
            "torch-sigmoid2-mse",
            // Long enough (about 6 s) to be killed midway: 100 000 epochs take 0.03 s.
            "--epochs",
            "20000000",
            "--out",
            out.path().to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let rust = side(out.path(), "torch-sigmoid2-mse", 0, "rust");
    assert!(
        !rust.join("loss.csv").exists(),
        "a killed run left {}",
        rust.display()
    );
}

#[test]
fn numpy_runs_need_no_libtorch_and_a_missing_torch_binary_is_named() {
    // `xor-repro` alone in a folder: it carries no rpath to libtorch and has no
    // `xor-repro-torch` beside it, so an exact run that loaded libtorch or handed over would
    // fail; a plain tch port needs the missing binary and says so.
    let dir = out_dir();
    let lonely = dir.path().join("xor-repro");
    std::fs::copy(env!("CARGO_BIN_EXE_xor-repro"), &lonely).unwrap();
    let out_s = dir.path().join("results");
    let out_s = out_s.to_str().unwrap();
    let run = |name: &str, engine: &str| {
        std::process::Command::new(&lonely)
            .args([
                "run", name, "--epochs", "3", "--engine", engine, "--out", out_s,
            ])
            .env_remove("XOR_REPRO_LIBTORCH_ENGINE")
            .output()
            .unwrap()
    };
    for name in [
        "numpy-relu10-mse",
        "tf-relu10-mse",
        "torch-relu4-mse",
        "torch-sigmoid4-bce-online",
    ] {
        let exact = run(name, "exact");
        // Where this machine's libtorch paths are not reproduced, a PyTorch notebook trains
        // on the libtorch-backed engine, which needs the missing binary.
        if xor_repro::experiments::find(name).unwrap().needs_libtorch() {
            println!("note: {name} needs libtorch on this machine; its lonely run was not checked");
            continue;
        }
        assert!(
            exact.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&exact.stderr)
        );
    }
    let torch = run("torch-relu4-mse", "tch");
    assert_eq!(torch.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&torch.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("xor-repro-torch is missing"),
        "names the missing binary: {stderr}"
    );
}

/// `kernels` names the machine, the switches and one row per library; a forced switch shows
/// up as the reason; without the Python environment it says the libraries were not asked and
/// still exits 0.
#[test]
fn kernels_names_each_librarys_path_and_why() {
    let out = common::bin()
        .args(["kernels"])
        .env("XOR_REPRO_PYTHON", "/no/such/python")
        .env("OPENBLAS_CORETYPE", "Haswell")
        .env("TF_ENABLE_ONEDNN_OPTS", "0")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for needle in [
        "machine: ",
        "switches: OPENBLAS_CORETYPE=Haswell TF_ENABLE_ONEDNN_OPTS=0",
        "NumPy exp",
        "OpenBLAS     Haswell",
        "TensorFlow   Eigen",
        "TF_ENABLE_ONEDNN_OPTS=0",
        "PyTorch",
        "the libraries were not asked",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
}

/// An `.npy` file of float64 values, written by hand (NumPy's version 1.0 header).
fn npy_f64(dir: &Path, name: &str, values: &[f64]) -> String {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        values.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn diff_counts_the_sign_of_zero_as_a_difference_unless_a_tolerance_admits_it() {
    let out = out_dir();
    let a = write(out.path(), "a.csv", "step,loss\n0,0.5\n1,0\n2,nan\n");
    let b = write(out.path(), "b.csv", "step,loss\n0,0.5\n1,-0\n2,nan\n");
    let r = xor_repro(&["diff", &a, &b]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(
        r.status.code(),
        Some(1),
        "+0 against -0 is a difference: {text}"
    );
    assert!(text.contains("2 bit-identical"), "NaN equals NaN: {text}");
    assert!(
        text.contains(
            "first difference, outside tolerance: line 3 (step 1): 0.0 vs -0.0 (the sign of zero)"
        ),
        "{text}"
    );
    assert!(text.contains("outside tolerance: 2 of 3 values"), "{text}");
    let r = xor_repro(&["diff", &a, &b, "--abs-tol", "1e-30"]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(0), "a tolerance admits it: {text}");
    assert!(
        text.contains("2 of 3 values bit-identical; the other 1 differ, admitted by the tolerance"),
        "{text}"
    );
    // In an .npy the bits are there: NaNs of other payloads are still equal, as in a CSV.
    let quiet = f64::NAN;
    let payload = f64::from_bits(quiet.to_bits() | 0x1234);
    let a = npy_f64(out.path(), "a.npy", &[1.0, quiet, 0.0]);
    let b = npy_f64(out.path(), "b.npy", &[1.0, payload, 0.0]);
    let r = xor_repro(&["diff", &a, &b]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
    let c = npy_f64(out.path(), "c.npy", &[1.0, quiet, -0.0]);
    let r = xor_repro(&["diff", &a, &c]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{text}");
    assert!(text.contains("the sign of zero"), "{text}");
}
