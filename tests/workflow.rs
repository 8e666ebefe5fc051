//! The diffing workflow end to end: `compare` judging a pair and naming where a perturbed
//! Python side departs, `sweep` agreeing with separate `run`s, bad input, and the printout
//! check. Every expected number comes from a real run at test time.

mod common;

use common::{out_dir, side, xor_repro, xor_repro_ok};
use std::path::Path;
use xor_repro::compare::{check_printout, Printout};

const EXP: &str = "torch-relu4-mse";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_quiet(stderr: &[u8]) {
    let stderr = String::from_utf8_lossy(stderr);
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "control characters on a non-terminal standard error: {stderr:?}"
    );
}

#[test]
fn compare_passes_then_names_the_perturbed_step() {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    let args = ["compare", EXP, "--seed", "3", "--epochs", "200", "--out", o];
    let run = xor_repro(&args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_quiet(&run.stderr);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("PASS"), "{stdout}");
    let pair = out.path().join(EXP).join("seed-3");
    for file in ["compare.csv", "compare.svg", "verdict.json"] {
        assert!(pair.join(file).exists(), "no {file}");
    }
    let csv = read(&pair.join("compare.csv"));
    assert!(csv.starts_with("kind,key,rust,python,abs_diff,rel_diff,ulps\n"));
    assert_eq!(csv.lines().filter(|l| l.starts_with("loss,")).count(), 200);
    assert!(read(&pair.join("compare.svg")).contains("bit-identical"));

    // Change one loss of the Python side by a relative 1e-6, then judge the folders again.
    let loss_csv = side(out.path(), EXP, 3, "python").join("loss.csv");
    let text = read(&loss_csv);
    let perturbed: String = text
        .lines()
        .map(|line| match line.strip_prefix("137,") {
            Some(v) => {
                let v: f64 = v.parse().unwrap();
                format!("137,{}\n", v * (1.0 + 1e-6))
            }
            None => format!("{line}\n"),
        })
        .collect();
    assert_ne!(perturbed, text);
    std::fs::write(&loss_csv, perturbed).unwrap();
    let mut judge = args.to_vec();
    judge.push("--no-run");
    let judged = xor_repro(&judge);
    assert_eq!(judged.status.code(), Some(1), "a perturbed pair must fail");
    let stdout = String::from_utf8_lossy(&judged.stdout);
    assert!(
        stdout.contains("FAIL") && stdout.contains("step 137"),
        "{stdout}"
    );
    let verdict: serde_json::Value =
        serde_json::from_str(&read(&pair.join("verdict.json"))).unwrap();
    assert_eq!(verdict["status"], "fail");
    assert!(read(&pair.join("compare.svg")).contains("first difference: step 137"));
    let row = read(&pair.join("compare.csv"))
        .lines()
        .find(|l| l.starts_with("loss,step=137,"))
        .map(str::to_string)
        .unwrap();
    let ulps: u64 = row.rsplit(',').next().unwrap().parse().unwrap();
    assert!(ulps > 0, "{row}");
}

#[test]
fn compare_without_runs_is_a_one_line_error() {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    let r = xor_repro(&["compare", EXP, "--out", o, "--no-run"]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// One `sweep.csv` row, by column name.
fn rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn sweep_agrees_with_separate_runs() {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    let r = xor_repro(&[
        "sweep", EXP, "--seeds", "0..2", "--epochs", "300", "--jobs", "2", "--out", o,
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_quiet(&r.stderr);
    let dir = out.path().join("sweeps").join(EXP);
    let sweep = rows(&read(&dir.join("sweep.csv")));
    assert_eq!(sweep.len(), 3);
    assert!(dir.join("sweep.svg").exists());
    let summary = read(&dir.join("summary.md"));
    assert!(String::from_utf8_lossy(&r.stdout).contains(summary.lines().next().unwrap()));

    let runs = out_dir();
    let mut solved = 0;
    for (seed, row) in sweep.iter().enumerate() {
        assert_eq!(row["seed"], seed.to_string());
        xor_repro_ok(&[
            "run",
            EXP,
            "--seed",
            &seed.to_string(),
            "--epochs",
            "300",
            "--out",
            runs.path().to_str().unwrap(),
        ]);
        let run = side(runs.path(), EXP, seed as u64, "rust");
        let losses = read(&run.join("loss.csv"));
        let last = losses.lines().last().unwrap().split(',').nth(1).unwrap();
        assert_eq!(
            row["final_loss"].parse::<f64>().unwrap(),
            last.parse::<f64>().unwrap(),
            "seed {seed}"
        );
        let predictions: Vec<f64> = read(&run.join("predictions.csv"))
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect();
        for (i, column) in [
            "prediction_00",
            "prediction_01",
            "prediction_10",
            "prediction_11",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(
                row[*column].parse::<f64>().unwrap(),
                predictions[i],
                "seed {seed}"
            );
        }
        let right = predictions
            .iter()
            .zip([0.0, 1.0, 1.0, 0.0])
            .filter(|(p, t)| (**p >= 0.5) == (*t == 1.0))
            .count();
        assert_eq!(row["accuracy"].parse::<f64>().unwrap(), right as f64 / 4.0);
        solved += (right == 4) as usize;
    }
    assert!(
        summary.contains(&format!("accuracy 100 %: {solved} of 3 seeds")),
        "{summary}"
    );
}

#[test]
fn sweep_rejects_bad_input_in_one_line() {
    for args in [
        vec!["sweep", EXP, "--seeds", "5..2"],
        vec!["sweep", EXP, "--seeds", "abc"],
        vec!["sweep", "no-such-experiment", "--seeds", "0..2"],
        vec![
            "sweep",
            "numpy-relu10-mse",
            "--seeds",
            "4294967295..4294967296",
        ],
        vec!["sweep", EXP, "--seeds", "0..2", "--jobs", "0"],
    ] {
        let r = xor_repro(&args);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn printout_check_names_the_differing_line() {
    let tf = xor_repro::experiments::find("tf-relu10-mse").unwrap();
    let expected: Vec<String> = [
        "Epoch 0, Loss: 0.3051",
        "Epoch 20, Loss: 0.0828",
        "Accuracy: 1.0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let same = check_printout(
        &expected,
        "Epoch 0, Loss: 0.3051\n\nEpoch 20, Loss: 0.0828\n  Accuracy: 1.0\n",
        Printout::Every,
        tf.prints_loss,
    );
    assert!(same.reproduced && same.differing.is_empty());
    let changed = check_printout(
        &expected,
        "Epoch 0, Loss: 0.3051\nEpoch 20, Loss: 0.0829\nAccuracy: 1.0\n",
        Printout::Every,
        tf.prints_loss,
    );
    assert!(!changed.reproduced);
    assert_eq!(changed.differing.len(), 1);
    assert_eq!(changed.differing[0].notebook.as_ref().unwrap().0, 2);
    let extra = check_printout(&expected, "TensorFlow version: 2.19.0\nEpoch 0, Loss: 0.3051\nEpoch 20, Loss: 0.0828\nAccuracy: 1.0\n", Printout::Losses, tf.prints_loss);
    assert!(
        extra.reproduced,
        "a non-loss line does not count for Printout::Losses"
    );
    assert_eq!(extra.differing.len(), 1);
}
