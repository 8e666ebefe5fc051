//! `--machine`, `machines` and `identify`, held against the real libraries:
//! - every known machine this host can be — its libraries, under some of their own switches
//!   (and MKL's vendor shim), take that machine's paths — is run with `--machine` and without
//!   switches, and held bit for bit against the Python reference run under those switches;
//!   the machines it cannot be are named as NOT checked here;
//! - the measured outputs of real machines (`tests/data/machines/NAME/`, recorded by
//!   `scripts/record_machine.sh` on each CPU kind the project ran on) come out of `run
//!   --machine NAME` bit for bit, on any host;
//! - notebook 002's TensorFlow printout (notebooks/printed/tf-relu10-mse.txt) comes out line for
//!   line of the baseline build, and `identify` names that build for it.

mod common;

use common::{switch_cases, xor_repro, SwitchCase};
use std::path::{Path, PathBuf};
use xor_repro::experiments::{self, Framework};
use xor_repro::kernels::machine::{self, Machine};
use xor_repro::kernels::{Paths, Switches};

/// Steps for the held runs: enough for every kernel of a notebook, short enough for Python.
const STEPS: &str = "300";

/// Each path of `framework`'s libraries by name, for grouping machines with switch cases.
fn path_names(paths: &Paths, framework: Framework) -> Vec<(String, String)> {
    paths
        .for_libraries(framework.kernel_libraries())
        .into_iter()
        .map(|(k, p)| (k, p.path))
        .collect()
}

/// `xor-repro ARGS` with every library switch removed.
fn run_clean(args: &[&str]) -> std::process::Output {
    let mut cmd = common::bin();
    cmd.args(args);
    SwitchCase::of(Vec::new()).apply(&mut cmd);
    cmd.output().expect("xor-repro runs")
}

#[test]
fn every_machine_this_host_can_be_is_held_to_python() {
    let mut checked: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    for framework in [Framework::NumPy, Framework::TensorFlow, Framework::PyTorch] {
        let exp = experiments::all()
            .iter()
            .find(|e| e.framework == framework)
            .unwrap();
        let (cases, _) = switch_cases(framework);
        let mut done: Vec<Vec<(String, String)>> = Vec::new();
        for case in &cases {
            let host = path_names(&case.paths(), framework);
            if done.contains(&host) || case.not_emulated(framework).is_some() {
                continue;
            }
            let same: Vec<Machine> = machine::every_machine_and_build()
                .into_iter()
                .filter(|m| {
                    path_names(&Paths::of_machine(m, Switches::default()), framework) == host
                })
                .collect();
            let Some(first) = same.first() else {
                continue;
            };
            done.push(host);
            let dir = common::out_dir();
            let out = dir.path().to_str().unwrap();
            let seed = exp.default_seed.to_string();
            let name = first.name();
            let ran = run_clean(&[
                "run",
                exp.name,
                "--machine",
                &name,
                "--seed",
                &seed,
                "--steps",
                STEPS,
                "--out",
                out,
            ]);
            assert!(
                ran.status.success(),
                "run --machine {name}: {}",
                String::from_utf8_lossy(&ran.stderr)
            );
            let mut reference = common::bin();
            reference.args([
                "reference",
                exp.name,
                "--seed",
                &seed,
                "--steps",
                STEPS,
                "--out",
                out,
            ]);
            case.apply(&mut reference);
            let r = reference.output().unwrap();
            assert!(
                r.status.success(),
                "reference under {}: {}",
                case.label,
                String::from_utf8_lossy(&r.stderr)
            );
            let a = common::side(dir.path(), exp.name, exp.default_seed, "rust");
            let b = common::side(dir.path(), exp.name, exp.default_seed, "python");
            let diff = xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
            let text = String::from_utf8_lossy(&diff.stdout);
            let total = text.lines().last().unwrap_or("").to_string();
            let names: Vec<String> = same.iter().map(Machine::name).collect();
            let line = format!(
                "{}: --machine {name} (as {}) against Python under `{}`: {total}",
                exp.name,
                names.join(", "),
                case.label
            );
            println!("{line}");
            if diff.status.code() != Some(0) {
                failures.push(format!("{line}\n{text}"));
            }
            checked.extend(names.into_iter().map(|n| format!("{}:{n}", exp.name)));
        }
    }
    for m in machine::known() {
        let missing: Vec<&str> = [Framework::NumPy, Framework::TensorFlow, Framework::PyTorch]
            .iter()
            .filter_map(|f| {
                let exp = experiments::all()
                    .iter()
                    .find(|e| e.framework == *f)
                    .unwrap();
                (!checked.contains(&format!("{}:{}", exp.name, m.name()))).then_some(exp.name)
            })
            .collect();
        if !missing.is_empty() {
            println!(
                "NOT checked on this host (its libraries cannot take these paths here): {} for {}",
                m.name(),
                missing.join(", ")
            );
        }
    }
    assert!(!checked.is_empty(), "no machine was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The recorded outputs of real machines: `tests/data/machines/NAME/EXPERIMENT/seed-S/`.
fn recorded_runs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/machines");
    let mut runs = Vec::new();
    for machine in std::fs::read_dir(&root).expect("tests/data/machines") {
        let machine = machine.unwrap().path();
        if !machine.is_dir() {
            continue;
        }
        let name = machine.file_name().unwrap().to_string_lossy().into_owned();
        for exp in std::fs::read_dir(&machine).unwrap() {
            let exp = exp.unwrap().path();
            if !exp.is_dir() {
                continue;
            }
            for seed in std::fs::read_dir(&exp).unwrap() {
                runs.push((name.clone(), seed.unwrap().path()));
            }
        }
    }
    runs.sort();
    runs
}

#[test]
fn real_machines_outputs_come_out_of_run_machine() {
    let runs = recorded_runs();
    assert!(!runs.is_empty(), "no recorded machine outputs");
    let mut failures = Vec::new();
    for (name, recorded) in &runs {
        let info = xor_repro::record::read_info(recorded).unwrap();
        let dir = common::out_dir();
        let out = dir.path().to_str().unwrap();
        let (seed, steps) = (
            info.seed.to_string(),
            info.steps
                .expect("a notebook run records its steps")
                .to_string(),
        );
        let lr = format!("{:?}", info.lr);
        let ran = run_clean(&[
            "run",
            &info.experiment,
            "--machine",
            name,
            "--seed",
            &seed,
            "--steps",
            &steps,
            "--lr",
            &lr,
            "--out",
            out,
        ]);
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let ours = common::side(dir.path(), &info.experiment, info.seed, "rust");
        let diff = xor_repro(&["diff", recorded.to_str().unwrap(), ours.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&diff.stdout);
        let line = format!(
            "{name} {} seed {}: {}",
            info.experiment,
            info.seed,
            text.lines().last().unwrap_or("")
        );
        println!("{line}");
        if diff.status.code() != Some(0) {
            failures.push(format!("{line}\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn notebook_002s_tensorflow_printout_is_the_baseline_builds() {
    let printed = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/printed/tf-relu10-mse.txt");
    let expected: Vec<String> = std::fs::read_to_string(&printed)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for (machine, every_line) in [
        ("zen3+tf-baseline", true),
        ("zen4+tf-baseline", true),
        ("zen3", false),
    ] {
        let dir = common::out_dir();
        let ran = run_clean(&[
            "run",
            "tf-relu10-mse",
            "--machine",
            machine,
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let transcript = std::fs::read_to_string(
            common::side(dir.path(), "tf-relu10-mse", 1, "rust").join("transcript.txt"),
        )
        .unwrap();
        let actual: Vec<String> = transcript
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let same = expected.iter().zip(&actual).filter(|(a, b)| a == b).count();
        println!(
            "--machine {machine}: {same} of {} printed lines",
            expected.len()
        );
        assert_eq!(actual.len(), expected.len());
        assert_eq!(same == expected.len(), every_line, "{machine}");
    }
    let out = run_clean(&["identify", printed.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert_eq!(out.status.code(), Some(0));
    let found = text.split("not by:").next().unwrap();
    assert!(
        found.contains("zen3+tf-baseline")
            && !found.contains("zen3,")
            && !found.contains("  zen3 ")
    );
}

#[test]
fn bad_machine_names_and_misplaced_flags_are_one_line_errors() {
    for args in [
        &["run", "tf-relu10-mse", "--machine", "zen9"][..],
        &["run", "tf-relu10-mse", "--machine", "zen3+tf-avx9"],
        &["diff", "a", "b", "--machine", "zen3"],
        &["run", "torch-relu4-mse", "--machine", "granite-rapids"],
        &[
            "run",
            "torch-relu4-mse",
            "--engine",
            "tch",
            "--machine",
            "zen4",
        ],
    ] {
        let out = run_clean(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}

#[test]
fn identify_names_the_machine_of_a_run_folder_and_of_a_csv() {
    // A run computed as a Zen 4 is a Zen 4's (and its group's), not a Zen 3's.
    let dir = common::out_dir();
    let out = dir.path().to_str().unwrap();
    let ran = run_clean(&[
        "run",
        "tf-relu10-mse",
        "--machine",
        "zen4",
        "--steps",
        "200",
        "--out",
        out,
    ]);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let folder = common::side(dir.path(), "tf-relu10-mse", 1, "rust");
    let loss = folder.join("loss.csv");
    for (evidence, extra) in [
        (folder.to_str().unwrap(), &[][..]),
        (
            loss.to_str().unwrap(),
            &[
                "--experiment",
                "tf-relu10-mse",
                "--seed",
                "1",
                "--steps",
                "200",
            ][..],
        ),
    ] {
        let mut args = vec!["identify", evidence, "--only", "zen3,zen4,zen4+tf-baseline"];
        args.extend_from_slice(extra);
        let said = run_clean(&args);
        let text = String::from_utf8_lossy(&said.stdout);
        println!("{text}");
        assert_eq!(
            said.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&said.stderr)
        );
        let (found, not) = text.split_once("not by:").unwrap();
        assert!(found.contains("zen4 ("), "{text}");
        assert!(
            not.contains("zen3") && not.contains("first differing"),
            "{text}"
        );
    }
    let none = run_clean(&["identify", loss.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2), "a CSV needs its experiment");
}
