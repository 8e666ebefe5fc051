//! The data a port reads: the recorder's `rec.save_data(NAME, array)` writes `NAME.npy`
//! beside the run folders, and `Run::data(NAME)` reads it back as a tensor, bytes, dtype and
//! shape unchanged; a missing file is an error naming it and the call that writes it.

use std::process::Command;
use tch::Kind;
use xor_repro_port::{Args, Run};

const SCRIPT: &str = r#"
import numpy as np, torch
import xor_repro_record as xrr

rec = xrr.Run.from_args("own-data")
rng = np.random.default_rng(rec.seed)
X = rec.save_data("X", rng.normal(size=(7, 3)))                     # float64, NumPy
w = rec.save_data("w", torch.randn(4, 2, generator=torch.Generator().manual_seed(1)))
labels = rec.save_data("labels", torch.arange(5) * 3)               # int64 tensor
assert X.dtype == np.float64 and tuple(w.shape) == (4, 2)
for name, a in [("X", X), ("w", w.numpy()), ("labels", labels.numpy())]:
    print(name, a.dtype.str, ",".join(str(d) for d in a.shape), a.tobytes().hex())
rec.loss(0, 0.0)
rec.write()
"#;

#[test]
fn run_data_reads_what_save_data_wrote() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("own_data.py");
    std::fs::write(&file, SCRIPT).unwrap();
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let ran = Command::new(python)
        .arg(&file)
        .args(["--out", out.path().to_str().unwrap(), "--seed", "3"])
        .env("PYTHONPATH", xor_repro::run::python::python_path())
        .output()
        .expect("python runs");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let stdout = String::from_utf8_lossy(&ran.stdout);

    let args = Args {
        out: out.path().to_path_buf(),
        seed: 3,
        ..Args::default()
    };
    let run = Run::new("own-data", args);
    assert_eq!(run.data_dir(), out.path().join("own-data/seed-3/data"));
    let mut compared = 0;
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let [name, dtype, shape, hex] = fields[..] else {
            panic!("{line}")
        };
        let t = run.data(name).unwrap();
        let kind = match dtype {
            "<f8" => Kind::Double,
            "<f4" => Kind::Float,
            "<i8" => Kind::Int64,
            other => panic!("{other}"),
        };
        assert_eq!(t.kind(), kind, "{name}");
        let shape: Vec<i64> = shape.split(',').map(|d| d.parse().unwrap()).collect();
        assert_eq!(t.size(), shape, "{name}");
        let bytes = xor_repro_port::array_bytes(&t).data.to_vec();
        let hex_rust: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex_rust, hex, "{name}: the bytes the script holds");
        compared += t.numel();
    }
    println!("run.data: {compared} numbers, every byte as the script holds them");
    assert_eq!(compared, 21 + 8 + 5);

    let missing = run.data("nope").unwrap_err().to_string();
    assert!(
        missing.contains("own-data/seed-3/data/nope.npy does not exist")
            && missing.contains("rec.save_data(\"nope\", …)"),
        "{missing}"
    );
    let other_seed = Run::new(
        "own-data",
        Args {
            out: out.path().to_path_buf(),
            seed: 4,
            ..Args::default()
        },
    );
    assert!(
        other_seed.data("X").is_err(),
        "another seed's data is not this run's"
    );
}
