//! The three PyTorch notebooks (000, 001, 003) against the Python reference run at test
//! time: every loss, parameter and prediction bit-identical (`diff` with its default
//! tolerance), and the transcripts identical character for character.

mod common;
use common::{out_dir, rust_vs_python, side};
use std::path::Path;

fn assert_bit_identical(experiment: &str, seed: u64, extra: &[&str]) {
    let out = out_dir();
    let (report, code) = rust_vs_python(out.path(), experiment, seed, extra);
    assert_eq!(
        code, 0,
        "{experiment} seed {seed} {extra:?} differs from Python:\n{report}"
    );
    assert!(report.contains("within tolerance"), "{report}");
    let rust =
        std::fs::read_to_string(side(out.path(), experiment, seed, "rust").join("transcript.txt"))
            .unwrap();
    let python = std::fs::read_to_string(
        side(out.path(), experiment, seed, "python").join("transcript.txt"),
    )
    .unwrap();
    assert_eq!(rust, python, "{experiment} seed {seed}: transcripts differ");
}

fn loss_rows(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("loss.csv"))
        .unwrap()
        .lines()
        .count()
        - 1
}

#[test]
fn torch_relu4_mse_is_bit_identical_at_three_seeds() {
    for seed in [0, 1, 2024] {
        assert_bit_identical("torch-relu4-mse", seed, &[]);
    }
}

#[test]
fn torch_sigmoid2_mse_is_bit_identical_over_all_100000_epochs() {
    let out = out_dir();
    let (report, code) = rust_vs_python(out.path(), "torch-sigmoid2-mse", 0, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        loss_rows(&side(out.path(), "torch-sigmoid2-mse", 0, "rust")),
        100_000
    );
    assert!(report.contains("100000 bit-identical"), "{report}");
}

#[test]
fn torch_sigmoid2_mse_is_bit_identical_at_other_seeds() {
    for seed in [1, 77] {
        assert_bit_identical("torch-sigmoid2-mse", seed, &["--epochs", "8000"]);
    }
}

#[test]
fn torch_sigmoid4_bce_online_is_bit_identical_at_three_seeds() {
    for seed in [0, 3, 4_294_967_296] {
        assert_bit_identical("torch-sigmoid4-bce-online", seed, &[]);
    }
}

/// Notebook 003 prints `running_loss/1000` before adding sample i's loss when
/// `i % 1000 == 999`: its first figure sums samples 0..998 (999 of them), in float32.
#[test]
fn first_running_loss_of_003_is_the_999_sample_window() {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    common::xor_repro_ok(&[
        "run",
        "torch-sigmoid4-bce-online",
        "--seed",
        "5",
        "--out",
        o,
    ]);
    let dir = side(out.path(), "torch-sigmoid4-bce-online", 5, "rust");
    let losses: Vec<f32> = std::fs::read_to_string(dir.join("loss.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap() as f32)
        .collect();
    let window = |n: usize| {
        format!(
            "{:.3}",
            (losses[..n].iter().fold(0f32, |s, l| s + l) / 1000.0) as f64
        )
    };
    let transcript = std::fs::read_to_string(dir.join("transcript.txt")).unwrap();
    let figures: Vec<&str> = transcript
        .lines()
        .filter(|l| l.len() == 5 && l.parse::<f64>().is_ok())
        .collect();
    assert_eq!(figures.len(), 10, "ten running-loss lines:\n{transcript}");
    assert_eq!(figures[0], window(999));
    // The second window holds samples 999..1998: a full thousand.
    let second: f32 = losses[999..1999].iter().fold(0f32, |s, l| s + l) / 1000.0;
    assert_eq!(figures[1], format!("{:.3}", second as f64));
}

const SHIPPED_003: &str = "notebooks/initial/torch-sigmoid4-bce-online.csv";

/// `--init-from` with the weights notebook 003 printed starts both sides from exactly those
/// values (rounded once to float32) and stays bit-identical.
#[test]
fn init_from_the_weights_notebook_003_printed() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join(SHIPPED_003);
    let shipped = shipped.to_str().unwrap();
    let out = out_dir();
    let (report, code) = rust_vs_python(
        out.path(),
        "torch-sigmoid4-bce-online",
        0,
        &["--init-from", shipped],
    );
    assert_eq!(code, 0, "{report}");
    let given: Vec<f64> = std::fs::read_to_string(shipped)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let params = std::fs::read_to_string(
        side(out.path(), "torch-sigmoid4-bce-online", 0, "rust").join("params.csv"),
    )
    .unwrap();
    let initial: Vec<f64> = params
        .lines()
        .filter(|l| l.starts_with("initial,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(initial.len(), 17);
    for (got, want) in initial.iter().zip(&given) {
        assert_eq!(*got, *want as f32 as f64);
    }
    // The notebook's displayed W1 row, as it printed it (003, In [3]).
    let transcript = std::fs::read_to_string(
        side(out.path(), "torch-sigmoid4-bce-online", 0, "rust").join("transcript.txt"),
    )
    .unwrap();
    assert!(
        transcript.starts_with("(tensor([[0.6701, 0.6276, 0.0528, 0.1514],"),
        "{transcript}"
    );
}

#[test]
fn init_from_rejects_bad_files() {
    let out = out_dir();
    let write = |name: &str, text: &str| {
        let p = out.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let wrong_shape = write(
        "shape.csv",
        "stage,name,index,value\ninitial,fc1.weight,0,1.0\n",
    );
    let unknown = write("unknown.csv", "stage,name,index,value\ninitial,W9,0,1.0\n");
    let text = write("text.csv", "stage,name,index,value\ninitial,W1,0,abc\n");
    let header = write("header.csv", "a,b\n1,2\n");
    let o = out.path().to_str().unwrap();
    for (file, experiment, needle) in [
        (
            &wrong_shape,
            "torch-relu4-mse",
            "fc1.weight has 1 values, the experiment needs 8",
        ),
        (
            &unknown,
            "torch-sigmoid4-bce-online",
            "unknown parameter W9",
        ),
        (
            &text,
            "torch-sigmoid4-bce-online",
            "line 2: value \"abc\" is not a number",
        ),
        (
            &header,
            "torch-relu4-mse",
            "expected the header stage,name,index,value",
        ),
    ] {
        for command in ["run", "reference"] {
            let r = common::xor_repro(&[
                command,
                experiment,
                "--init-from",
                file,
                "--out",
                o,
                "--epochs",
                "3",
            ]);
            let err = String::from_utf8_lossy(&r.stderr);
            assert_eq!(r.status.code(), Some(2), "{command} {file}: {err}");
            assert!(
                err.contains(needle),
                "{command} {file}: expected {needle:?} in {err}"
            );
            assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
        }
    }
}
