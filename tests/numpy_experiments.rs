//! The NumPy notebooks in Rust (`numpy-relu10-mse`, 002's NumPy part; `numpy-sigmoid2-mse`,
//! 004): their printed output reproduced character for character at the default seeds, and
//! every value of a run bit-identical to the Python reference at several seeds over the full
//! length where this machine's NumPy kernel paths are emulated (`xor_repro::kernels`; elsewhere
//! initial weights bit-identical and losses and predictions within the contract's 1e-12 relative (docs/CONTRACT.md#tolerances)),
//! under every path the switches can force here, and NumPy's array printing.
//!
//! `cargo test --release -- --ignored numpy_seed_sweep` runs both over seeds 0..99 and prints
//! the median and worst relative error and the number of bit-identical seeds.

mod common;
use std::path::Path;
use xor_repro::rng::numpy::RandomState;
use xor_repro::{diff, experiments, pyfmt, run};

/// Everything 002_537c36a4ddaa79e8.txt's NumPy part printed (cells 8 and 9), in order. The
/// capture shows the `Final XOR preds` rows as `[[0.04852618]  \n[0.98003239]  …`: its
/// trailing double spaces are Markdown line breaks and it dropped the one-space indent NumPy
/// puts before continuation rows (the TensorFlow part of the same capture drops it too), so
/// the rows are written here as NumPy prints them.
const NOTEBOOK_002: &str = "\
Epoch 0, Loss: 0.3051
Epoch 20, Loss: 0.0828
Epoch 40, Loss: 0.0324
Epoch 60, Loss: 0.0176
Epoch 80, Loss: 0.0110
Epoch 100, Loss: 0.0078
Epoch 120, Loss: 0.0059
Epoch 140, Loss: 0.0047
Epoch 160, Loss: 0.0039
Epoch 180, Loss: 0.0033
Epoch 200, Loss: 0.0029
Epoch 220, Loss: 0.0025
Epoch 240, Loss: 0.0022
Epoch 260, Loss: 0.0020
Epoch 280, Loss: 0.0018
Epoch 300, Loss: 0.0017
Epoch 320, Loss: 0.0015
Epoch 340, Loss: 0.0014
Epoch 360, Loss: 0.0013
Epoch 380, Loss: 0.0012
Epoch 400, Loss: 0.0012
Epoch 420, Loss: 0.0011
Epoch 440, Loss: 0.0010
Epoch 460, Loss: 0.0010
Epoch 480, Loss: 0.0009

Predictions after training:
Input: [0 0], Predicted: [[0.]], True: [0]
Input: [0 1], Predicted: [[1.]], True: [1]
Input: [1 0], Predicted: [[1.]], True: [1]
Input: [1 1], Predicted: [[0.]], True: [0]
Final XOR preds: [[0.04852618]
 [0.98003239]
 [0.97855588]
 [0.01685806]]
Accuracy: 1.0
";

/// Everything 004_64eea6854d56fd8e.txt printed (cell 11), verbatim.
const NOTEBOOK_004: &str = "\
Epoch 0, Loss: 0.2558
Epoch 1000, Loss: 0.2455
Epoch 2000, Loss: 0.1532
Epoch 3000, Loss: 0.1336
Epoch 4000, Loss: 0.1298
Epoch 5000, Loss: 0.1282
Epoch 6000, Loss: 0.1274
Epoch 7000, Loss: 0.1269
Epoch 8000, Loss: 0.1266
Epoch 9000, Loss: 0.1264

Final Predictions (rounded):
[[0.03 ]
 [0.498]
 [0.971]
 [0.501]]
Predicted classes:
 [[0]
 [0]
 [1]
 [1]]
True classes:
 [[0]
 [1]
 [1]
 [0]]
";

fn transcript(experiment: &str, seed: u64) -> String {
    let out = common::out_dir();
    let out_s = out.path().to_str().unwrap();
    let printed = common::xor_repro_ok(&["run", experiment, "--out", out_s]);
    let dir = common::side(out.path(), experiment, seed, "rust");
    let written = std::fs::read_to_string(dir.join("transcript.txt")).unwrap();
    assert!(
        printed.contains(&written),
        "run printed something else than transcript.txt:\n{printed}"
    );
    written
}

#[test]
fn notebook_002_printed_output_is_reproduced() {
    assert_eq!(transcript("numpy-relu10-mse", 1), NOTEBOOK_002);
}

#[test]
fn notebook_004_printed_output_is_reproduced() {
    assert_eq!(transcript("numpy-sigmoid2-mse", 42), NOTEBOOK_004);
}

/// Writes the `initial` rows of a params.csv to `to`.
fn initial_rows(from: &Path, to: &Path) -> usize {
    let text = std::fs::read_to_string(from).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    let mut n = 0;
    for line in lines.filter(|l| l.starts_with("initial,")) {
        out.push_str(line);
        out.push('\n');
        n += 1;
    }
    std::fs::write(to, out).unwrap();
    n
}

/// Runs both sides at `seed`, full length, and checks: every value bit-identical where NumPy
/// takes kernel paths `xor_repro::kernels` emulates; elsewhere initial parameters bit-identical,
/// losses and predictions within `rel_tol` relative. Returns diff's report.
fn check_against_numpy(experiment: &str, seed: u64, params: usize, rel_tol: f64) -> String {
    let out = common::out_dir();
    let (report, code) = common::rust_vs_python(out.path(), experiment, seed, &[]);
    if common::numpy_kernels().reproduced {
        assert_eq!(
            code,
            0,
            "{experiment} seed {seed}: not bit-identical to NumPy ({}):\n{report}",
            common::numpy_kernels().description
        );
        eprintln!("{experiment} seed {seed}:\n{report}");
        return report;
    }
    let rust = common::side(out.path(), experiment, seed, "rust");
    let python = common::side(out.path(), experiment, seed, "python");

    let (a, b) = (
        out.path().join("rust-initial.csv"),
        out.path().join("python-initial.csv"),
    );
    assert_eq!(initial_rows(&rust.join("params.csv"), &a), params);
    assert_eq!(initial_rows(&python.join("params.csv"), &b), params);
    let initial = common::xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    let initial_report = String::from_utf8_lossy(&initial.stdout);
    assert_eq!(
        initial.status.code(),
        Some(0),
        "{experiment} seed {seed}: initial parameters not bit-identical:\n{initial_report}"
    );

    let mut report = String::new();
    let mut files = vec!["loss.csv", "predictions.csv", "last_epoch_predictions.csv"];
    if rust.join("surface.csv").exists() {
        files.push("surface.csv");
    }
    for file in files {
        let (a, b) = (rust.join(file), python.join(file));
        let d = common::xor_repro(&[
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--rel-tol",
            &rel_tol.to_string(),
        ]);
        let text = String::from_utf8_lossy(&d.stdout).into_owned();
        assert_eq!(
            d.status.code(),
            Some(0),
            "{experiment} seed {seed}: {file} outside {rel_tol} relative:\n{text}"
        );
        report.push_str(&text);
    }
    eprintln!("{experiment} seed {seed}:\n{initial_report}{report}");
    report
}

#[test]
fn numpy_relu10_mse_matches_numpy_at_several_seeds() {
    // 1 is the notebook's seed.
    for seed in [1, 0, 7, u32::MAX as u64] {
        check_against_numpy("numpy-relu10-mse", seed, 2 * 10 + 10 + 10 + 1, 1e-12);
    }
    // Seed 86 was the measured worst (docs/CONTRACT.md#tolerances) of 0..99 with libtorch's kernels (1.4e-12): a
    // hidden ReLU input near zero amplifies any last-bit difference. the contract's bound (docs/CONTRACT.md#tolerances) is 1e-11.
    check_against_numpy("numpy-relu10-mse", 86, 2 * 10 + 10 + 10 + 1, 1e-11);
}

#[test]
fn numpy_sigmoid2_mse_matches_numpy_at_several_seeds() {
    for seed in [42, 0, 1, 7, u32::MAX as u64] {
        check_against_numpy("numpy-sigmoid2-mse", seed, 4 + 2 + 2 + 1, 1e-12);
    }
}

#[test]
fn init_from_starts_both_sides_from_the_same_weights() {
    // Initial weights of another seed, given to both sides: the runs must start from them.
    let out = common::out_dir();
    for (experiment, seed) in [("numpy-relu10-mse", 5u64), ("numpy-sigmoid2-mse", 5)] {
        let out_s = out.path().to_str().unwrap();
        common::xor_repro_ok(&[
            "run",
            experiment,
            "--seed",
            &seed.to_string(),
            "--out",
            out_s,
        ]);
        let init = common::side(out.path(), experiment, seed, "rust").join("params.csv");
        let init_s = init.to_str().unwrap().to_string();
        let other = common::out_dir();
        common::rust_vs_python(
            other.path(),
            experiment,
            9,
            &["--init-from", &init_s, "--epochs", "50"],
        );
        let rust = common::side(other.path(), experiment, 9, "rust").join("params.csv");
        let python = common::side(other.path(), experiment, 9, "python").join("params.csv");
        let (a, b, c) = (
            other.path().join("a.csv"),
            other.path().join("b.csv"),
            other.path().join("c.csv"),
        );
        initial_rows(&rust, &a);
        initial_rows(&python, &b);
        initial_rows(&init, &c);
        for (x, y) in [(&a, &c), (&b, &c)] {
            let d = common::xor_repro(&["diff", x.to_str().unwrap(), y.to_str().unwrap()]);
            assert_eq!(
                d.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&d.stdout)
            );
        }
    }
    // A name the experiment does not have is refused with one clear line.
    let bad = out.path().join("bad.csv");
    std::fs::write(&bad, "stage,name,index,value\ninitial,fc1.weight,0,1.0\n").unwrap();
    let r = common::xor_repro(&[
        "run",
        "numpy-sigmoid2-mse",
        "--init-from",
        bad.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("unknown parameter fc1.weight"));
}

#[test]
fn ndarray_printing_matches_numpy() {
    // Arrays in every layout the printer has: fixed and exponent notation, negative values,
    // ragged fraction lengths, wrapped long rows, integer columns; compared with NumPy's str().
    let mut rng = RandomState::new(3);
    let mut cases: Vec<(Vec<f64>, Vec<usize>)> = vec![
        (rng.randn(&[4, 1]), vec![4, 1]),
        (rng.randn(&[2, 10]), vec![2, 10]),
        (rng.randn(&[30]), vec![30]),
        (
            rng.randn(&[3, 4]).iter().map(|v| v * 1e-5).collect(),
            vec![3, 4],
        ),
        (rng.randn(&[5]).iter().map(|v| v * 1e9).collect(), vec![5]),
        (
            rng.randn(&[4, 1])
                .iter()
                .map(|v| pyfmt::np_round(v.abs() / 4.0, 3))
                .collect(),
            vec![4, 1],
        ),
        (vec![0.0, 1.0, 0.25, 1e-7], vec![2, 2]),
        (vec![0.0; 4], vec![4, 1]),
        (vec![1.0], vec![1, 1]),
    ];
    cases.push((rng.randn(&[2, 3, 2]), vec![2, 3, 2]));
    for (values, shape) in cases {
        let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let numpy = common::python(&format!(
            "import numpy as np\nprint(np.array([{}], dtype=np.float64).reshape({}), end='')",
            list.join(", "),
            dims.join(", ")
        ));
        assert_eq!(pyfmt::ndarray(&values, &shape), numpy, "{values:?}");
        let rounded: Vec<f64> = values.iter().map(|v| pyfmt::np_round(*v, 3)).collect();
        let numpy = common::numbers(&common::python(&format!(
            "import numpy as np\nprint(' '.join(repr(v) for v in np.array([{}]).round(3).tolist()))",
            list.join(", ")
        )));
        assert_eq!(rounded, numpy, "round(3) of {values:?}");
    }
    let ints = [0i64, 1, 1, 0, -12, 345];
    let numpy = common::python(
        "import numpy as np\nprint(np.array([0, 1, 1, 0, -12, 345]).reshape(3, 2), end='')",
    );
    assert_eq!(pyfmt::ndarray_int(&ints, &[3, 2]), numpy);
}

/// Largest relative difference over the losses and predictions of two run folders.
fn max_rel(rust: &Path, python: &Path) -> (f64, String) {
    let mut worst = (0.0, String::new());
    for file in [
        "loss.csv",
        "predictions.csv",
        "last_epoch_predictions.csv",
        "surface.csv",
    ] {
        if !rust.join(file).exists() {
            continue;
        }
        let tol = diff::Tolerance::default();
        let d = diff::diff_files(&rust.join(file), &python.join(file), &tol).unwrap();
        assert_eq!(d.rows_a, d.rows_b, "{file}: lengths differ");
        if d.max_rel >= worst.0 {
            worst = (d.max_rel, file.to_string());
        }
    }
    worst
}

/// Seeds 0..99 of both NumPy experiments, Rust against the Python reference: the median and
/// worst relative error over losses and predictions per experiment, and the worst seed.
/// Every seed bit-identical where NumPy takes kernel paths `xor_repro::kernels` emulates; the contract's (docs/CONTRACT.md#tolerances)
/// worst within 1e-11 elsewhere. Run with
/// `cargo test --release --test numpy_experiments -- --ignored numpy_seed_sweep --nocapture`
/// (or `scripts/numpy-sweep.sh`).
#[test]
#[ignore]
fn numpy_seed_sweep() {
    let out = common::out_dir();
    let python = xor_repro::run::python::interpreter().unwrap();
    let scripts = xor_repro::run::python::project_root().join("scripts/reference");
    for name in ["numpy-relu10-mse", "numpy-sigmoid2-mse"] {
        let exp = experiments::find(name).unwrap();
        let mut errors = Vec::new();
        for seed in 0..100u64 {
            let settings = run::Settings {
                seed: Some(seed),
                out: out.path().to_path_buf(),
                ..Default::default()
            };
            let (_, rust) = run::run_rust(exp, &settings, false).unwrap();
            let status = std::process::Command::new(&python)
                .env("PYTHONPATH", xor_repro::run::python::python_path())
                .arg(scripts.join(exp.reference_script))
                .args(settings.reference_args(exp))
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "{name} seed {seed}: reference failed");
            let python_dir = common::side(out.path(), name, seed, "python");
            let (rel, file) = max_rel(&rust, &python_dir);
            errors.push((rel, seed, file));
        }
        errors.sort_by(|a, b| a.0.total_cmp(&b.0));
        let median = (errors[49].0 + errors[50].0) / 2.0;
        let (worst, worst_seed, worst_file) = errors.last().unwrap().clone();
        let exact = errors.iter().filter(|e| e.0 == 0.0).count();
        println!(
            "{name}: seeds 0..99, max relative error over losses and predictions: \
             median {median:.3e}, worst {worst:.3e} at seed {worst_seed} ({worst_file}), \
             {exact} seeds bit-identical"
        );
        let bound = if common::numpy_kernels().reproduced {
            0.0
        } else {
            1e-11
        };
        assert!(
            worst <= bound,
            "{name}: worst {worst:e} at seed {worst_seed} exceeds {bound:e}"
        );
    }
}

/// Both NumPy notebooks under every kernel path this CPU can take (the default, and each one
/// `NPY_DISABLE_CPU_FEATURES` and `OPENBLAS_CORETYPE` can force), both sides under the same
/// switches: every value bit-identical where the path is emulated, else the contract's 1e-11 (docs/CONTRACT.md#tolerances)
/// relative with a note. Paths this CPU cannot execute are named and skipped.
#[test]
fn bit_identical_to_numpy_under_every_path_this_cpu_runs() {
    let (cases, skipped) = common::switch_cases(experiments::Framework::NumPy);
    for note in &skipped {
        eprintln!("note: skipped {note}");
    }
    let mut failures = Vec::new();
    for case in &cases {
        for (experiment, seed) in [("numpy-relu10-mse", 7), ("numpy-sigmoid2-mse", 5)] {
            let out = common::out_dir();
            let note = case.not_emulated(experiments::Framework::NumPy);
            let (report, code) =
                common::rust_vs_python_under(case, out.path(), experiment, seed, &[]);
            let summary = report.lines().last().unwrap_or("").to_string();
            eprintln!("{experiment} seed {seed} under {}: {summary}", case.label);
            match &note {
                None if code != 0 => failures.push(format!(
                    "{experiment} seed {seed} under {}: not bit-identical:\n{report}",
                    case.label
                )),
                None => {}
                Some(note) => {
                    eprintln!("note: {} {note}", case.label);
                    let rust = common::side(out.path(), experiment, seed, "rust");
                    let python = common::side(out.path(), experiment, seed, "python");
                    let (rel, file) = max_rel(&rust, &python);
                    if rel > 1e-11 {
                        failures.push(format!(
                            "{experiment} seed {seed} under {}: {rel:e} relative in {file}",
                            case.label
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
