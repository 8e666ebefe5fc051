//! Predictions at the size of a real model's (issue 29): more than
//! `PREDICTIONS_CSV_LIMIT` numbers go to `predictions.npz` on both sides, in each tensor's
//! own dtype and shape, byte-identical for the same tensors, and `diff` compares them like
//! the other arrays of a run (a planted ulp found, named by array and element).

use std::path::Path;
use std::process::Command;
use tch::{Device, Kind, Tensor};
use xor_repro_port::{Args, Run, PREDICTIONS_CSV_LIMIT};

const SEED: u64 = 5;
const ROWS: i64 = 300;
const CLASSES: i64 = 400;

fn tch_side(out: &Path) {
    tch::manual_seed(SEED as i64);
    let logits = Tensor::randn([ROWS, CLASSES], (Kind::Float, Device::Cpu));
    let target = Tensor::randint(10, [ROWS], (Kind::Int64, Device::Cpu));
    let args = Args {
        seed: SEED,
        out: out.to_path_buf(),
        ..Args::default()
    };
    let mut run = Run::new("predictions-large", args);
    run.loss(0, 1.0);
    run.predictions_from(&[("logits", &logits), ("target", &target)])
        .unwrap();
    run.write().unwrap();
}

fn python_side(out: &Path) {
    let script = format!(
        "import torch\n\
         import xor_repro_record as xrr\n\
         rec = xrr.Run.from_args('predictions-large', argv=['--seed', '{SEED}', '--out', {out:?}])\n\
         torch.manual_seed({SEED})\n\
         logits = torch.randn({ROWS}, {CLASSES})\n\
         target = torch.randint(10, ({ROWS},))\n\
         rec.loss(0, 1.0)\n\
         rec.predictions_from([('logits', logits), ('target', target)])\n\
         rec.write()\n",
        out = out.to_str().unwrap()
    );
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let ran = Command::new(python)
        .args(["-c", &script])
        .env("PYTHONPATH", xor_repro::run::python::python_path())
        .output()
        .expect("python runs");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

fn xor_repro(args: &[&Path]) -> (Option<i32>, String) {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/xor-repro");
    let out = Command::new(bin)
        .arg("diff")
        .args(args)
        .output()
        .expect("xor-repro runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn large_predictions_are_npz_byte_identical_on_both_sides_and_diffed() {
    assert!((ROWS * CLASSES) as usize > PREDICTIONS_CSV_LIMIT);
    let out = tempfile::tempdir().unwrap();
    tch_side(out.path());
    python_side(out.path());
    let run = out.path().join(format!("predictions-large/seed-{SEED}"));
    let (tch, python) = (run.join("tch"), run.join("python"));
    for side in [&tch, &python] {
        assert!(side.join("predictions.npz").is_file(), "{}", side.display());
        assert!(!side.join("predictions.csv").exists(), "{}", side.display());
    }
    let bytes = |dir: &Path| std::fs::read(dir.join("predictions.npz")).unwrap();
    assert!(
        bytes(&tch) == bytes(&python),
        "predictions.npz differ in bytes"
    );
    let (code, said) = xor_repro(&[&python, &tch]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("predictions.npz"), "{said}");
    let numbers = (ROWS * CLASSES + ROWS) as usize;
    assert!(
        said.contains(&format!("{numbers} rows compared, {numbers} bit-identical")),
        "{said}"
    );

    // One ulp planted in logits[7, 3]: found and named.
    let planted = run.join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    for f in std::fs::read_dir(&tch).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, planted.join(f.file_name().unwrap())).unwrap();
    }
    let npz = xor_repro::record::npz::NpzIndex::open(&planted.join("predictions.npz")).unwrap();
    npz.nudge("logits", 7 * CLASSES as u64 + 3).unwrap();
    let (code, said) = xor_repro(&[&python, &planted]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("logits"), "{said}");
}
