//! Bringing outside data and runs to xor-repro (issue 13): `diff` on CSVs, `.npy` and `.npz`
//! files made by the real libraries, a run recorded by a script outside the project with
//! `xor_repro_record`, sharded sweeps, and commands whose standard output is closed early.

mod common;
use common::{out_dir, python, side, xor_repro, xor_repro_ok};
use std::path::Path;
use std::process::Command;

/// `diff A B`: exit code and standard output.
fn diff(a: &Path, b: &Path) -> (Option<i32>, String) {
    let out = xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code(), text + &err)
}

/// Writes `same` and `planted` files with `writer` (Python, given the folder, a random
/// generator `rng`, `bump`, which moves one float one ulp up in its own dtype, and `ulps64`,
/// the float64 ulps between two floats), and checks that diff finds the planted difference
/// where Python says it put it (its row or element, and its ulps in the data's dtype), and
/// nothing between identical files.
fn check_planted(files: &str, writer: &str) {
    let dir = out_dir();
    let d = dir.path().to_str().unwrap();
    let code = format!(
        "import numpy as np, os\n\
         d = {d:?}\n\
         rng = np.random.default_rng(int.from_bytes(os.urandom(4), 'little'))\n\
         def bump(x): return np.nextafter(x, np.inf).astype(x.dtype)\n\
         def ulps64(x, y): return abs(int(np.float64(y).view(np.int64)) - int(np.float64(x).view(np.int64)))\n\
         {writer}"
    );
    // The writer prints where it planted the difference, as diff should name it.
    let printed = python(&code);
    let expected: Vec<&str> = printed.lines().collect();
    let [a, same, planted] = [0, 1, 2].map(|i| dir.path().join(format!("{files}{i}")));
    let (code, text) = diff(&a, &same);
    assert_eq!(code, Some(0), "identical files: {text}");
    assert!(text.contains("within tolerance"), "{text}");
    let (code, text) = diff(&a, &planted);
    assert_eq!(code, Some(1), "planted one ulp: {text}");
    for needle in &expected {
        assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
    }
    assert!(text.contains("max ulps"), "{text}");
}

#[test]
fn diff_finds_one_ulp_in_a_pandas_csv_with_an_index_column() {
    // pandas' to_csv when pandas is installed; otherwise its exact format written by hand
    // (an empty first header cell, the index, then repr of each float64).
    check_planted(
        "frame.csv.",
        r#"
n = 50
values = {"loss": rng.random(n), "val_loss": rng.random(n)}
row = int(rng.integers(n)); col = ["loss", "val_loss"][int(rng.integers(2))]
planted = {k: v.copy() for k, v in values.items()}
planted[col][row] = bump(planted[col][row])
def write(path, cols):
    try:
        import pandas as pd
        pd.DataFrame(cols).to_csv(path)
    except ImportError:
        with open(path, "w") as f:
            f.write(",loss,val_loss\n")
            for i in range(n):
                f.write(f"{i},{float(cols['loss'][i])!r},{float(cols['val_loss'][i])!r}\n")
for i, cols in enumerate([values, values, planted]):
    write(f"{d}/frame.csv.{i}", cols)
print(f"rows matched by index")
print(f"line {row + 2} (index {row}): {float(values[col][row])!r} vs {float(planted[col][row])!r}")
print(f"  {col} ")
print(f"max ulps 1 ({planted[col].dtype})")
"#,
    );
}

#[test]
fn diff_finds_one_ulp_in_an_epoch_loss_accuracy_csv() {
    check_planted(
        "history.csv.",
        r#"
n = 40
loss = rng.random(n); acc = rng.random(n).astype(np.float32)
row = int(rng.integers(n))
acc2 = acc.copy(); acc2[row] = bump(acc2[row])
for i, a in enumerate([acc, acc, acc2]):
    with open(f"{d}/history.csv.{i}", "w") as f:
        f.write("epoch,loss,accuracy\n")
        for e in range(n):
            f.write(f"{e + 1},{float(loss[e])!r},{float(a[e])!r}\n")
print("rows matched by epoch")
print(f"line {row + 2} (epoch {row + 1}): {float(acc[row])!r} vs {float(acc2[row])!r}")
print("max ulps 1 (float32)")
"#,
    );
}

#[test]
fn diff_finds_one_ulp_in_an_npy_pair() {
    check_planted(
        "weights.npy.",
        r#"
w = rng.standard_normal((6, 5)).astype(np.float32)
i, j = int(rng.integers(6)), int(rng.integers(5))
w2 = w.copy(); w2[i, j] = bump(w2[i, j])
for k, a in enumerate([w, w, w2]):
    with open(f"{d}/weights.npy.{k}", "wb") as f:
        np.save(f, a)
print(f"element [{i}, {j}]: {float(w[i, j])!r} vs {float(w2[i, j])!r}")
print(f"max ulps 1 ({w.dtype})")
"#,
    );
}

#[test]
fn diff_counts_ulps_of_a_float64_npy_pair_in_float64() {
    // Float64 arrays holding float32 values: their dtype, not their values, sets the unit.
    let writer = |change: &str| {
        format!(
            r#"
w = rng.standard_normal((4, 3)).astype(np.float32).astype(np.float64)
i, j = int(rng.integers(4)), int(rng.integers(3))
w2 = w.copy(); w2[i, j] = {change}
for k, a in enumerate([w, w, w2]):
    with open(f"{{d}}/series.npy.{{k}}", "wb") as f:
        np.save(f, a)
print(f"element [{{i}}, {{j}}]: {{float(w[i, j])!r}} vs {{float(w2[i, j])!r}}")
print(f"max ulps {{ulps64(w[i, j], w2[i, j])}} ({{w2.dtype}})")
"#
        )
    };
    // One float64 ulp: 1 ulp, in float64.
    check_planted("series.npy.", &writer("bump(w2[i, j])"));
    // One float32 ulp apart, still float64 arrays: counted in float64 ulps, not as 1.
    check_planted(
        "series.npy.",
        &writer("np.float64(bump(np.float32(w2[i, j])))"),
    );
}

#[test]
fn diff_finds_one_ulp_in_an_npz_member() {
    check_planted(
        "arrays.npz.",
        r#"
arrays = {"W1": rng.standard_normal((2, 2)), "b1": rng.standard_normal(2).astype(np.float32), "loss": rng.random(30)}
name = ["W1", "b1", "loss"][int(rng.integers(3))]
flat = arrays[name].reshape(-1)
k = int(rng.integers(flat.size))
planted = {n: a.copy() for n, a in arrays.items()}
planted[name].reshape(-1)[k] = bump(flat[k])
for i, members in enumerate([arrays, arrays, planted]):
    with open(f"{d}/arrays.npz.{i}", "wb") as f:
        np.savez(f, **members)
index = list(np.unravel_index(k, arrays[name].shape))
print(f"{name} (rows matched by position)")
print(f"element {[int(x) for x in index]}: {float(flat[k])!r} vs {float(planted[name].reshape(-1)[k])!r}")
print(f"max ulps 1 ({arrays[name].dtype})")
"#,
    );
}

#[test]
fn diff_reports_keys_in_one_file_and_rejects_bad_data() {
    let dir = out_dir();
    let write = |name: &str, text: &str| -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let a = write("a.csv", "epoch,loss\n1,0.5\n2,0.25\n3,0.125\n");
    let fewer = write("b.csv", "epoch,loss\n1,0.5\n3,0.125\n");
    let (code, text) = diff(&a, &fewer);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("1 rows only in the first file, the first: epoch 2"),
        "{text}"
    );
    let bad = |p: &Path, needle: &str| {
        let (code, text) = diff(&a, p);
        assert_eq!(code, Some(2), "{text}");
        assert!(text.contains(needle), "{needle:?} not in {text}");
        assert_eq!(text.trim().lines().count(), 1, "not one line: {text}");
    };
    bad(
        &write("dup.csv", "epoch,loss\n1,0.5\n2,0.25\n2,0.125\n"),
        "duplicate key epoch 2",
    );
    bad(
        &write("text.csv", "epoch,loss\n1,0.5\n2,oops\n3,0.125\n"),
        "text.csv: line 3: loss \"oops\" is not a number",
    );
    bad(
        &write("other.csv", "epoch,accuracy\n1,0.5\n"),
        "no shared numeric column",
    );
    // A column named twice would be compared on one of the two without a word.
    let twice = write(
        "twice.csv",
        "epoch,loss,loss\n1,0.5,0.5\n2,0.25,0.2\n3,0.125,0.1\n",
    );
    let out = xor_repro(&["diff", a.to_str().unwrap(), twice.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(
        err.contains("twice.csv: column loss appears more than once"),
        "{err}"
    );
}

/// The notebook's NumPy code (notebook 004, numpy-sigmoid2-mse) as a user would run it
/// outside the project, recording with `xor_repro_record`.
const OUTSIDE_SCRIPT: &str = r#"
import sys
import numpy as np
import xor_repro_record as xrr

out, epochs = sys.argv[1], int(sys.argv[2])
rec = xrr.Run("numpy-sigmoid2-mse", out=out, seed=42, steps=epochs, lr=0.1)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([[0], [1], [1], [0]])
np.random.seed(42)
W1 = np.random.randn(2, 2)
b1 = np.zeros((1, 2))
W2 = np.random.randn(2, 1)
b2 = np.zeros((1, 1))
for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
    rec.param("initial", name, p)
sigmoid = lambda x: 1 / (1 + np.exp(-x))
for epoch in range(epochs):
    h = sigmoid(np.dot(X, W1) + b1)
    y_pred = sigmoid(np.dot(h, W2) + b2)
    rec.loss(epoch, np.mean((y - y_pred) ** 2))
    d_final = 2 * (y_pred - y) * (y_pred * (1 - y_pred))
    d_W2 = np.dot(h.T, d_final)
    d_b2 = np.sum(d_final, axis=0, keepdims=True)
    d_hidden = np.dot(d_final, W2.T) * (h * (1 - h))
    d_W1 = np.dot(X.T, d_hidden)
    d_b1 = np.sum(d_hidden, axis=0, keepdims=True)
    W2 -= 0.1 * d_W2
    b2 -= 0.1 * d_b2
    W1 -= 0.1 * d_W1
    b1 -= 0.1 * d_b1
for name, p in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]:
    rec.param("final", name, p)
rec.last_epoch_predictions = xrr.xor_rows(y_pred)
rec.predictions = xrr.xor_rows(sigmoid(np.dot(sigmoid(np.dot(X, W1) + b1), W2) + b2))
print(rec.write())
"#;

#[test]
fn a_script_outside_the_project_records_a_run_that_diffs_against_rust() {
    let dir = out_dir();
    let script = dir.path().join("my_notebook.py");
    std::fs::write(&script, OUTSIDE_SCRIPT).unwrap();
    let out = dir.path().join("results");
    let epochs = "2000";
    // The project's environment as ./scripts/setup.sh leaves it (its .pth makes the module
    // importable), from a folder outside the project.
    let ran = Command::new(xor_repro::run::python::interpreter().unwrap())
        .arg(&script)
        .arg(&out)
        .arg(epochs)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "the outside script failed (run ./scripts/setup.sh):\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let o = out.to_str().unwrap();
    xor_repro_ok(&["run", "numpy-sigmoid2-mse", "--epochs", epochs, "--out", o]);
    let rust = side(&out, "numpy-sigmoid2-mse", 42, "rust");
    let python_side = side(&out, "numpy-sigmoid2-mse", 42, "python");
    let (code, text) = diff(&rust, &python_side);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("{epochs} rows compared")), "{text}");
    // And the diff can fail: one loss changed by a ulp is found.
    let loss = python_side.join("loss.csv");
    let original = std::fs::read_to_string(&loss).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    let (step, value) = lines[101].split_once(',').unwrap();
    let step = step.to_string();
    let bumped = f64::from_bits(value.parse::<f64>().unwrap().to_bits() + 1);
    lines[101] = format!("{step},{bumped:?}");
    std::fs::write(&loss, lines.join("\n") + "\n").unwrap();
    let (code, text) = diff(&rust, &python_side);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(&format!("(step {step})")), "{text}");
}

#[test]
fn a_run_of_losses_only_diffs_on_its_losses() {
    let dir = out_dir();
    let out = dir.path().join("results");
    let o = out.to_str().unwrap();
    // The same losses as the Rust run, through the recorder's other spelling (a `with`
    // block and `losses.append`), keeping nothing else.
    xor_repro_ok(&["run", "numpy-sigmoid2-mse", "--epochs", "50", "--out", o]);
    let rust = side(&out, "numpy-sigmoid2-mse", 42, "rust");
    let losses = std::fs::read_to_string(rust.join("loss.csv")).unwrap();
    let values: Vec<&str> = losses
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    python(&format!(
        "import xor_repro_record as xrr\n\
         with xrr.Run('numpy-sigmoid2-mse', out={o:?}, seed=42, echo=False) as rec:\n\
         \x20   rec.losses.extend(float(v) for v in {values:?})\n"
    ));
    let python_side = side(&out, "numpy-sigmoid2-mse", 42, "python");
    let (code, text) = diff(&rust, &python_side);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("50 rows compared"), "{text}");
    assert!(text.contains("not compared: params.csv"), "{text}");
}

#[test]
fn sharded_sweep_merges_into_the_unsharded_sweep() {
    let whole = out_dir();
    let sharded = out_dir();
    let w: &'static str = whole.path().to_str().unwrap().to_string().leak();
    let s: &'static str = sharded.path().to_str().unwrap().to_string().leak();
    let sweep = ["sweep", "torch-relu4-mse", "--seeds", "0..9", "--jobs", "2"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { [&sweep[..], extra].concat() };
    xor_repro_ok(&with(&["--out", w]));
    xor_repro_ok(&with(&["--shard", "2/2", "--out", s]));
    let missing = xor_repro(&["sweep", "torch-relu4-mse", "--merge", "--out", s]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing shard 1 of 2"));
    xor_repro_ok(&with(&["--shard", "1/2", "--out", s]));
    xor_repro_ok(&["sweep", "torch-relu4-mse", "--merge", "--out", s]);
    let dir = |root: &Path| root.join("sweeps/torch-relu4-mse");
    for file in ["sweep.csv", "summary.md", "sweep.svg"] {
        let a = std::fs::read_to_string(dir(whole.path()).join(file)).unwrap();
        let b = std::fs::read_to_string(dir(sharded.path()).join(file)).unwrap();
        assert_eq!(a, b, "{file} of the merged shards differs");
    }
    // A shard of another sweep (other epochs) is refused.
    xor_repro_ok(&[
        "sweep",
        "torch-relu4-mse",
        "--seeds",
        "0..9",
        "--shard",
        "1/3",
        "--epochs",
        "50",
        "--out",
        s,
    ]);
    let mixed = xor_repro(&["sweep", "torch-relu4-mse", "--merge", "--out", s]);
    assert_eq!(mixed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("shards of different sweeps"));
}

#[test]
fn a_run_piped_into_head_finishes_without_a_panic() {
    let dir = out_dir();
    let d = dir.path().join("D");
    let exe = env!("CARGO_BIN_EXE_xor-repro");
    // The Rust run, and the Python reference whose prints go through the recorder's tee.
    for (command, which) in [("run", "rust"), ("reference", "python")] {
        let shell = format!(
            "{exe:?} {command} torch-relu4-mse --out {:?} | head -1; echo status=${{PIPESTATUS[0]}} >&2",
            d.to_str().unwrap()
        );
        let out = Command::new("bash").arg("-c").arg(&shell).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        for bad in ["panicked", "Broken pipe", "BrokenPipeError", "Traceback"] {
            assert!(!err.contains(bad), "{command}: {err}");
        }
        assert!(
            err.contains("status=141") || err.contains("status=0"),
            "{command}: {err}"
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
        let run = side(&d, "torch-relu4-mse", 0, which);
        let loss = std::fs::read_to_string(run.join("loss.csv")).unwrap();
        assert_eq!(loss.lines().count(), 10_001, "{command}");
    }
    // The Rust transcript is kept apart from the stream; the Python one is the tee's copy, and
    // must not have stopped where the pipe closed.
    let transcript = |which| {
        std::fs::read_to_string(side(&d, "torch-relu4-mse", 0, which).join("transcript.txt"))
            .unwrap()
    };
    assert_eq!(transcript("python"), transcript("rust"));
}
