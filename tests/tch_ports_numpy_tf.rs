//! Traces and plain tch ports of the NumPy notebooks (002's NumPy part `numpy-relu10-mse`, 004
//! `numpy-sigmoid2-mse`) and of 002's TensorFlow part (`tf-relu10-mse`), against the real
//! Python libraries run at test time:
//! - the exact engine's `trace.csv` is bit-identical to the Python reference's, at the first
//!   steps and a late one (where this machine's kernel paths are emulated);
//! - tracing changes no bit of a run: the exact engine, the tch port and the Python reference
//!   write the same files with and without `--trace`;
//! - each tch port starts from Python's initial weights bit for bit and stays within the contract's (docs/CONTRACT.md#tolerances)
//!   tolerances (NumPy: losses and predictions 1e-12 relative; TensorFlow: 1e-6 absolute) at
//!   seeds no other test uses; it prints how many values are bit-identical, the largest
//!   errors, that it is NOT bit-identical where it is not, and where its trace first parts
//!   from Python's (step, value, elements, ulps);
//! - at the notebooks' seeds, the NumPy ports print every line the notebooks printed, the
//!   TensorFlow port its loss lines.
//!
//! The ports run in `xor-repro-torch`: build both binaries first (`cargo build --release`).

mod common;
use std::path::{Path, PathBuf};
use xor_repro::diff::{self, Difference, Precision, Tolerance};
use xor_repro::experiments::Framework;
use xor_repro::record::trace::{self, TracedValue};

/// One experiment of this file: its name, framework, and a step late in its run.
struct Case {
    experiment: &'static str,
    framework: Framework,
    late_step: usize,
}

const CASES: [Case; 3] = [
    Case {
        experiment: "numpy-relu10-mse",
        framework: Framework::NumPy,
        late_step: 499,
    },
    Case {
        experiment: "numpy-sigmoid2-mse",
        framework: Framework::NumPy,
        late_step: 9999,
    },
    Case {
        experiment: "tf-relu10-mse",
        framework: Framework::TensorFlow,
        late_step: 499,
    },
];

/// Seeds no other test runs these experiments at.
const PORT_SEEDS: [u64; 3] = [3, 13, 2024];

/// Which side of a run: the exact engine, the plain tch port, or the Python reference.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Exact,
    Tch,
    Python,
}

impl Side {
    fn folder(self) -> &'static str {
        match self {
            Side::Exact => "rust",
            Side::Tch => "tch",
            Side::Python => "python",
        }
    }
}

/// Runs one side of `experiment` at `seed` into `out` with `extra` arguments; returns its folder.
fn run(side: Side, out: &Path, experiment: &str, seed: u64, extra: &[&str]) -> PathBuf {
    let seed_s = seed.to_string();
    let command = if side == Side::Python {
        "reference"
    } else {
        "run"
    };
    let mut args = vec![
        command,
        experiment,
        "--seed",
        &seed_s,
        "--out",
        out.to_str().unwrap(),
    ];
    if side == Side::Tch {
        args.extend(["--engine", "tch"]);
    }
    args.extend_from_slice(extra);
    common::xor_repro_ok(&args);
    common::side(out, experiment, seed, side.folder())
}

/// Whether the exact engine emulates every kernel path `framework` takes on this machine (then
/// it must be bit-identical to Python); otherwise the one-line note saying which is not.
fn not_emulated(framework: Framework) -> Option<String> {
    let paths = xor_repro::kernels::this_machine();
    xor_repro::kernels::not_emulated_note(&paths.for_libraries(framework.kernel_libraries()))
}

/// Two traces walked side by side.
struct TraceComparison {
    values: usize,
    identical: usize,
    max_abs: f64,
    max_rel: f64,
    /// The first traced tensor that differs: step, name, elements differing, ulps.
    first_divergence: Option<String>,
}

/// Compares two `trace.csv` files, which must trace the same names in the same order.
fn compare_traces(ours: &Path, theirs: &Path) -> TraceComparison {
    let a = trace::read(&ours.join("trace.csv")).unwrap();
    let b = trace::read(&theirs.join("trace.csv")).unwrap();
    let layout = |t: &[TracedValue]| -> Vec<(usize, usize, String, usize)> {
        t.iter()
            .map(|v| (v.step, v.seq, v.name.clone(), v.values.len()))
            .collect()
    };
    assert_eq!(
        layout(&a),
        layout(&b),
        "{} and {} trace different values",
        ours.display(),
        theirs.display()
    );
    assert!(!a.is_empty(), "{}: empty trace", ours.display());
    let mut cmp = TraceComparison {
        values: 0,
        identical: 0,
        max_abs: 0.0,
        max_rel: 0.0,
        first_divergence: None,
    };
    for (x, y) in a.iter().zip(&b) {
        let all: Vec<f64> = x.values.iter().chain(&y.values).copied().collect();
        let precision = Precision::of(&all);
        let diffs: Vec<Difference> = x
            .values
            .iter()
            .zip(&y.values)
            .map(|(p, q)| Difference::between(*p, *q, precision))
            .collect();
        cmp.values += diffs.len();
        cmp.identical += diffs.iter().filter(|d| d.identical).count();
        for d in &diffs {
            cmp.max_abs = cmp.max_abs.max(d.abs);
            cmp.max_rel = cmp.max_rel.max(d.rel);
        }
        let differing: Vec<&Difference> = diffs.iter().filter(|d| !d.identical).collect();
        if cmp.first_divergence.is_none() && !differing.is_empty() {
            let i = diffs.iter().position(|d| !d.identical).unwrap();
            cmp.first_divergence = Some(format!(
                "step {}, {} (value {} of the step): {} of {} elements differ, up to {} ulps \
                 ({}); first at [{i}]: {:e} vs {:e}",
                x.step,
                x.name,
                x.seq,
                differing.len(),
                diffs.len(),
                differing.iter().map(|d| d.ulps).max().unwrap(),
                if precision == Precision::Float32 {
                    "float32"
                } else {
                    "float64"
                },
                x.values[i],
                y.values[i]
            ));
        }
    }
    cmp
}

#[test]
fn exact_engine_traces_are_bit_identical_to_python() {
    let mut failures = Vec::new();
    for case in &CASES {
        let note = not_emulated(case.framework);
        let seed = xor_repro::experiments::find(case.experiment)
            .unwrap()
            .default_seed;
        for steps in ["0..2".to_string(), case.late_step.to_string()] {
            let out = common::out_dir();
            let extra = ["--trace-steps", steps.as_str()];
            let ours = run(Side::Exact, out.path(), case.experiment, seed, &extra);
            let theirs = run(Side::Python, out.path(), case.experiment, seed, &extra);
            let cmp = compare_traces(&ours, &theirs);
            eprintln!(
                "{} seed {seed}, steps {steps}: {} of {} traced values bit-identical",
                case.experiment, cmp.identical, cmp.values
            );
            match (&cmp.first_divergence, &note) {
                (None, _) => {}
                (Some(first), None) => failures.push(format!(
                    "{} seed {seed}, steps {steps}: the exact engine parts from Python at {first}",
                    case.experiment
                )),
                (Some(first), Some(note)) => eprintln!(
                    "note: {} is not bit-identical here ({note}): {first}",
                    case.experiment
                ),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every file of a run folder but `run.json` (wall time) and `trace.csv`, by name.
fn run_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name != "run.json" && name != "trace.csv"
        })
        .map(|p| {
            (
                p.file_name().unwrap().to_str().unwrap().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn tracing_changes_no_bit_of_a_run() {
    for case in &CASES {
        // 004's 10 000 epochs would trace a million rows; 1000 epochs show the same.
        let epochs = if case.late_step > 1000 {
            vec!["--epochs", "1000"]
        } else {
            vec![]
        };
        for side in [Side::Exact, Side::Tch, Side::Python] {
            let (plain, traced) = (common::out_dir(), common::out_dir());
            let mut with_trace = epochs.clone();
            with_trace.push("--trace");
            let a = run(side, plain.path(), case.experiment, 5, &epochs);
            let b = run(side, traced.path(), case.experiment, 5, &with_trace);
            let what = format!("{} on {}", case.experiment, side.folder());
            assert!(!a.join("trace.csv").exists(), "{what}: traced untold");
            let traced_steps = trace::read(&b.join("trace.csv"))
                .unwrap()
                .iter()
                .map(|v| v.step)
                .max();
            let steps = if epochs.is_empty() { 500 } else { 1000 };
            assert_eq!(
                traced_steps,
                Some(steps - 1),
                "{what}: --trace traces every step"
            );
            let (fa, fb) = (run_files(&a), run_files(&b));
            let names =
                |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            assert_eq!(names(&fa), names(&fb), "{what}: files");
            for ((name, x), (_, y)) in fa.iter().zip(&fb) {
                assert!(x == y, "{what}: {name} changes with --trace");
            }
            eprintln!(
                "{what}: {} files identical with and without --trace",
                fa.len()
            );
        }
    }
}

/// Compares a port's run with Python's; returns the report and any failure.
fn check_port(case: &Case, seed: u64, out: &Path) -> (String, Vec<String>) {
    let extra = ["--trace-steps", "0..2"];
    let ours = run(Side::Tch, out, case.experiment, seed, &extra);
    let theirs = run(Side::Python, out, case.experiment, seed, &extra);
    let what = format!("{} seed {seed}", case.experiment);
    let mut report = format!("{what}, plain tch port against Python:\n");
    let mut failures = Vec::new();

    // Both draw the notebook's initial weights through the same generator.
    let initial = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("params.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("initial,"))
            .map(str::to_string)
            .collect()
    };
    if initial(&ours) != initial(&theirs) {
        failures.push(format!("{what}: initial parameters differ"));
    }

    let (tolerance, library, bound) = match case.framework {
        Framework::NumPy => (
            Tolerance {
                rel: 1e-12,
                ..Default::default()
            },
            "NumPy",
            "1e-12 relative",
        ),
        _ => (
            Tolerance {
                abs: 1e-6,
                ..Default::default()
            },
            "TensorFlow",
            "1e-6 absolute",
        ),
    };
    let mut identical = true;
    for file in [
        "loss.csv",
        "predictions.csv",
        "last_epoch_predictions.csv",
        "surface.csv",
        "params.csv",
    ] {
        if !theirs.join(file).exists() {
            continue;
        }
        let judged = file != "params.csv";
        let tol = if judged {
            tolerance
        } else {
            Tolerance::default()
        };
        let d = diff::diff_files(&ours.join(file), &theirs.join(file), &tol).unwrap();
        identical &= d.identical == d.compared && d.rows_a == d.rows_b;
        report.push_str(&format!(
            "  {file}: {} of {} bit-identical, max abs {:.3e}, max rel {:.3e}, max ulps {}{}\n",
            d.identical,
            d.compared,
            d.max_abs,
            d.max_rel,
            d.max_ulps,
            if judged { "" } else { " (not judged)" }
        ));
        if judged && !d.within_tolerance() {
            let first = d.first_outside.as_ref().map_or_else(
                || format!("{} rows against {}", d.rows_a, d.rows_b),
                |f| format!("first at {}: {} vs {}", f.key, f.a, f.b),
            );
            failures.push(format!(
                "{what}: {file} outside {bound} of {library}: {first}"
            ));
        }
    }
    let cmp = compare_traces(&ours, &theirs);
    report.push_str(&format!(
        "  trace of steps 0..2: {} of {} bit-identical, max abs {:.3e}, max rel {:.3e}\n",
        cmp.identical, cmp.values, cmp.max_abs, cmp.max_rel
    ));
    match &cmp.first_divergence {
        Some(first) => report.push_str(&format!("  first parts from {library} at {first}\n")),
        None => report.push_str("  traces identical over steps 0..2\n"),
    }
    let judged = if failures.is_empty() {
        format!("within {bound} where judged")
    } else {
        format!("OUTSIDE {bound}")
    };
    report.push_str(&if identical {
        format!("  bit-identical to {library} (losses, predictions, parameters)\n")
    } else {
        format!("  NOT bit-identical to {library}: {judged}\n")
    });
    (report, failures)
}

#[test]
fn tch_ports_are_within_spec_tolerances_of_python() {
    let mut failures = Vec::new();
    for case in &CASES {
        for seed in PORT_SEEDS {
            let out = common::out_dir();
            let (report, failed) = check_port(case, seed, out.path());
            eprint!("{report}");
            failures.extend(failed);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tch_ports_print_what_the_notebooks_printed() {
    // At the notebooks' own seeds, against the lines they printed (`notebooks/printed/`): the
    // NumPy ports every line, the TensorFlow port its loss lines (docs/CONTRACT.md#fidelity holds TensorFlow to
    // 1e-6, which an eight-digit float32 printout can show).
    use xor_repro::compare::{check_printout, printed_lines, Printout};
    for case in &CASES {
        let exp = xor_repro::experiments::find(case.experiment).unwrap();
        let out = common::out_dir();
        let dir = run(Side::Tch, out.path(), exp.name, exp.default_seed, &[]);
        let transcript = std::fs::read_to_string(dir.join("transcript.txt")).unwrap();
        let expected = printed_lines(exp)
            .unwrap()
            .expect("the notebook's printed lines");
        let rule = match case.framework {
            Framework::TensorFlow => Printout::Losses,
            _ => Printout::Every,
        };
        let check = check_printout(&expected, &transcript, rule, exp.prints_loss);
        for d in &check.differing {
            eprintln!(
                "{}: notebook {:?}, port {:?}",
                exp.name,
                d.notebook.as_ref().map(|(_, l)| l),
                d.transcript.as_ref().map(|(_, l)| l)
            );
        }
        eprintln!(
            "{} seed {}: {} of {} printed lines differ",
            exp.name,
            exp.default_seed,
            check.differing.len(),
            check.expected
        );
        assert!(
            check.reproduced,
            "{}: the port's printout misses the notebook's",
            exp.name
        );
    }
}
