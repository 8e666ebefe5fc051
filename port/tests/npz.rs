//! Tensors in their own bytes: the `.npz` the Rust side writes (`xor_repro::record::npz`,
//! through `xor_repro_port::array_bytes`) and the one the Python recorder writes
//! (`xor_repro_record._NpzWriter`, from torch tensors) are byte-identical for the same
//! tensors (float32 and float64, 0-d to 3-d, empty, with -0, NaN and infinities); NumPy's
//! `np.load` reads the Rust-written archive, and tch's `Tensor::read_npz` the Python one.

use std::path::Path;
use std::process::Command;
use tch::{Kind, Tensor};
use xor_repro::record::npz::NpzWriter;

/// The shapes written, as Python and Rust spell them.
const SHAPES: [(&str, &[i64]); 7] = [
    ("()", &[]),
    ("(1,)", &[1]),
    ("(5,)", &[5]),
    ("(3, 4)", &[3, 4]),
    ("(2, 3, 4)", &[2, 3, 4]),
    ("(0,)", &[0]),
    ("(1000, 7)", &[1000, 7]),
];

/// Element `i` of every array: `i * 0.37 - 3`, computed in float64 (then rounded to the
/// array's dtype, as NumPy's `astype` rounds), with -0, NaN, +inf and -inf at the front.
fn value(i: usize) -> f64 {
    match i {
        0 => -0.0,
        1 => f64::NAN,
        2 => f64::INFINITY,
        3 => f64::NEG_INFINITY,
        _ => i as f64 * 0.37 - 3.0,
    }
}

fn tensor(shape: &[i64], kind: Kind) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n as usize).map(value).collect();
    Tensor::from_slice(&values).to_kind(kind).reshape(shape)
}

fn arrays() -> Vec<(String, Tensor)> {
    let mut out = Vec::new();
    for (kind, dtype) in [(Kind::Float, "float32"), (Kind::Double, "float64")] {
        for (k, (_, shape)) in SHAPES.iter().enumerate() {
            out.push((format!("{dtype}/{k}"), tensor(shape, kind)));
        }
    }
    out
}

/// The same arrays built by NumPy, handed to the recorder as torch tensors.
const PYTHON_ARRAYS: &str = r#"
import numpy as np, torch
def value(n):
    v = np.arange(n, dtype=np.float64) * 0.37 - 3.0
    v[:4] = [-0.0, np.nan, np.inf, -np.inf][:n]
    return v
def arrays():
    out = []
    for dtype in ["float32", "float64"]:
        for k, shape in enumerate(SHAPES):
            n = int(np.prod(shape))
            out.append((f"{dtype}/{k}", torch.from_numpy(value(n).astype(dtype).reshape(shape))))
    return out
"#;

fn python(code: &str) -> String {
    let interpreter = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let shapes: Vec<&str> = SHAPES.iter().map(|(py, _)| *py).collect();
    let program = format!("SHAPES = [{}]\n{PYTHON_ARRAYS}\n{code}", shapes.join(", "));
    let ran = Command::new(interpreter)
        .args(["-c", &program])
        .env("PYTHONPATH", xor_repro::run::python::python_path())
        .output()
        .expect("python runs");
    assert!(
        ran.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    String::from_utf8_lossy(&ran.stdout).into_owned()
}

fn write_rust(path: &Path) {
    let mut w = NpzWriter::create(path).unwrap();
    for (name, t) in arrays() {
        let a = xor_repro_port::array_bytes(&t);
        w.add(&name, a.dtype, &a.shape, &a.data).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn rust_and_the_recorder_write_the_same_bytes_and_each_reads_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let (rust, py) = (dir.path().join("rust.npz"), dir.path().join("python.npz"));
    write_rust(&rust);
    python(&format!(
        "import xor_repro_record as xrr\n\
         w = xrr._NpzWriter({:?})\n\
         for name, t in arrays():\n    w.add(name, xrr._array(name, t))\n\
         w.finish()",
        py.to_str().unwrap()
    ));
    let (a, b) = (std::fs::read(&rust).unwrap(), std::fs::read(&py).unwrap());
    assert_eq!(a.len(), b.len(), "sizes differ");
    if let Some(at) = a.iter().zip(&b).position(|(x, y)| x != y) {
        panic!("the archives differ first at byte {at} of {}", a.len());
    }

    // NumPy reads the Rust-written archive: names, dtypes, shapes and every bit.
    let said = python(&format!(
        "import numpy as np\n\
         z = np.load({:?})\n\
         want = dict((n, t.numpy()) for n, t in arrays())\n\
         assert sorted(z.files) == sorted(want), (z.files, list(want))\n\
         for n, w in want.items():\n\
         \x20   got = z[n]\n\
         \x20   assert got.dtype == w.dtype and got.shape == w.shape, (n, got.dtype, got.shape)\n\
         \x20   assert got.tobytes() == w.tobytes(), n\n\
         print('read', len(want))",
        rust.to_str().unwrap()
    ));
    assert_eq!(said.trim(), "read 14");

    // tch reads the Python-written one.
    let read = Tensor::read_npz(&py).unwrap();
    let expected = arrays();
    assert_eq!(read.len(), expected.len());
    for (name, t) in &expected {
        let (_, got) = read
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("tch did not read {name}"));
        assert_eq!(got.kind(), t.kind(), "{name}");
        assert_eq!(got.size(), t.size(), "{name}");
        let (x, y) = (
            xor_repro_port::array_bytes(got),
            xor_repro_port::array_bytes(t),
        );
        assert!(x.data == y.data, "{name}: other bits");
    }
}

/// More arrays than a zip's 16-bit counts hold (a long trace): the archive carries zip64
/// end records, which NumPy and xor-repro's reader both follow.
#[test]
fn an_archive_of_more_than_65535_arrays_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.npz");
    let n = 70_000usize;
    let mut w = NpzWriter::create(&path).unwrap();
    for i in 0..n {
        let v = i as f32;
        w.add(
            &xor_repro::record::trace::entry_name(i / 100, i % 100, "v"),
            xor_repro::record::npz::Dtype::F32,
            &[],
            &v.to_le_bytes(),
        )
        .unwrap();
    }
    w.finish().unwrap();
    let index = xor_repro::record::npz::NpzIndex::open(&path).unwrap();
    assert_eq!(index.entries.len(), n);
    let last = index.open_array(n - 1).unwrap().read_f64().unwrap();
    assert_eq!(last, [(n - 1) as f64]);
    let said = python(&format!(
        "import numpy as np\n\
         z = np.load({:?})\n\
         print(len(z.files), float(z['000699/00099/v']))",
        path.to_str().unwrap()
    ));
    assert_eq!(said.trim(), format!("{n} {}.0", n - 1));
}
