//! `numpy_kernels` against the real NumPy: every matrix product shape the NumPy notebooks take
//! (and the OpenBLAS kernel paths around them), and `np.exp`, on random inputs NumPy draws
//! here and now. Each value must be bit-identical; a failure names the first one that is not.
//!
//! The kernels reproduce NumPy 2.1.3 with OpenBLAS's Haswell kernels and SVML's AVX-512 `exp`.
//! Where the NumPy under test runs other kernels (see `common::numpy_kernels`), bit identity
//! is not expected and these tests only report the counts; the experiments' tests then hold
//! the runs to SPEC's tolerance instead.

mod common;
use std::path::Path;
use xor_repro::numpy_ops::{dot, exp, sigmoid, Array, View};

/// The inputs, mixed so that every rounding path shows: normals, magnitudes from 2^-25 to
/// 2^25, sums that cancel, ReLU-like rows with zeros, and exact zeros of either sign.
const DRAW: &str = r#"
import numpy as np, sys
rng = np.random.default_rng(int(sys.argv[2]))
def draw(*shape):
    kind = rng.integers(0, 5)
    if kind == 0:
        a = rng.standard_normal(shape)
    elif kind == 1:
        a = rng.choice([-1.0, 1.0], shape) * 2.0 ** rng.uniform(-25, 25, shape)
    elif kind == 2:
        a = np.maximum(0, rng.standard_normal(shape))
    elif kind == 3:
        a = rng.uniform(-1, 1, shape)
        a.flat[-1] = -a.flat[:-1].sum()
    else:
        a = rng.standard_normal(shape) * 1e3
    zeros = rng.random(shape) < 0.05
    a[zeros] = np.where(rng.random(shape)[zeros] < 0.5, 0.0, -0.0)
    return a
"#;

/// Runs `code` (after [`DRAW`]) with `out` as `sys.argv[1]`, then reads the float64s it wrote.
fn numpy(code: &str, seed: u64, out: &Path) -> Vec<f64> {
    let python = xor_repro::python::interpreter().expect("run ./scripts/setup.sh first");
    let status = std::process::Command::new(python)
        .arg("-c")
        .arg(format!("{DRAW}\n{code}"))
        .arg(out)
        .arg(seed.to_string())
        .status()
        .expect("python runs");
    assert!(status.success(), "python failed");
    std::fs::read(out)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// Counts bit-identical values and asserts all are (where NumPy runs the reproduced kernels).
fn check(what: &str, ours: &[f64], numpy: &[f64]) {
    assert_eq!(ours.len(), numpy.len(), "{what}: lengths");
    let same = ours
        .iter()
        .zip(numpy)
        .filter(|(a, b)| a.to_bits() == b.to_bits())
        .count();
    let first = ours
        .iter()
        .zip(numpy)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    eprintln!("{what}: {same} of {} values bit-identical", ours.len());
    if !common::numpy_kernels().reproduced {
        return;
    }
    if let Some(i) = first {
        panic!(
            "{what}: {same} of {} bit-identical; first difference at value {i}: ours {:e} \
             ({:#018x}), NumPy {:e} ({:#018x})",
            ours.len(),
            ours[i],
            ours[i].to_bits(),
            numpy[i],
            numpy[i].to_bits()
        );
    }
}

/// One operand of a product: a `rows`×`cols` array, or (`transposed`) `.T` of a `cols`×`rows`
/// one, as the notebooks write `A1.T` and `W2.T`.
#[derive(Clone, Copy)]
struct Operand {
    rows: usize,
    cols: usize,
    transposed: bool,
}

fn plain(rows: usize, cols: usize) -> Operand {
    Operand {
        rows,
        cols,
        transposed: false,
    }
}

fn transposed(rows: usize, cols: usize) -> Operand {
    Operand {
        rows,
        cols,
        transposed: true,
    }
}

impl Operand {
    /// The shape of the array in memory.
    fn stored(self) -> (usize, usize) {
        if self.transposed {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }

    fn label(self) -> String {
        let (rows, cols) = self.stored();
        let t = if self.transposed { ".T" } else { "" };
        format!("({rows}×{cols}){t}")
    }
}

/// `trials` products `a @ b`, drawn and computed by NumPy, against [`dot`].
fn products(a: Operand, b: Operand, trials: usize, seed: u64) {
    assert_eq!(a.cols, b.rows);
    let dir = common::out_dir();
    let out = dir.path().join("values.f64");
    let (ar, ac) = a.stored();
    let (br, bc) = b.stored();
    let t = |op: Operand| if op.transposed { ".T" } else { "" };
    let code = format!(
        "with open(sys.argv[1], 'wb') as f:\n    for _ in range({trials}):\n        \
         a = draw({ar}, {ac}); b = draw({br}, {bc})\n        \
         f.write(a.tobytes()); f.write(b.tobytes()); f.write((a{} @ b{}).tobytes())\n",
        t(a),
        t(b)
    );
    let values = numpy(&code, seed, &out);
    let (a_len, b_len) = (ar * ac, br * bc);
    let per_trial = a_len + b_len + a.rows * b.cols;
    assert_eq!(values.len(), trials * per_trial);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for trial in values.chunks_exact(per_trial) {
        let (a_values, rest) = trial.split_at(a_len);
        let (b_values, c) = rest.split_at(b_len);
        let a_array = Array::new(ar, ac, a_values.to_vec());
        let b_array = Array::new(br, bc, b_values.to_vec());
        let a_view = if a.transposed {
            a_array.t()
        } else {
            View::from(&a_array)
        };
        let b_view = if b.transposed {
            b_array.t()
        } else {
            View::from(&b_array)
        };
        ours.extend_from_slice(dot(a_view, b_view).values());
        theirs.extend_from_slice(c);
    }
    check(&format!("{} @ {}", a.label(), b.label()), &ours, &theirs);
}

#[test]
fn products_of_the_numpy_notebooks() {
    // 002: Z2 = A1 @ W2, dW2 = A1.T @ dZ2, dA1 = dZ2 @ W2.T, and the surface's two products.
    products(plain(4, 10), plain(10, 1), 20_000, 1);
    products(transposed(10, 4), plain(4, 1), 20_000, 2);
    products(plain(4, 1), transposed(1, 10), 20_000, 8);
    products(plain(2500, 2), plain(2, 10), 20, 3);
    products(plain(2500, 10), plain(10, 1), 20, 4);
    // 002's predict of one input: (1×10) @ (10×1).
    products(plain(1, 10), plain(10, 1), 20_000, 5);
    // 004: final_input = H @ W2, dW2 = H.T @ d, d @ W2.T.
    products(plain(4, 2), plain(2, 1), 20_000, 6);
    products(transposed(2, 4), plain(4, 1), 20_000, 7);
    products(plain(4, 1), transposed(1, 2), 20_000, 9);
}

#[test]
fn every_path_of_the_column_product_kernel() {
    // Seven rows take all three of gemv_t's row kernels (a block of four, two two-lane rows,
    // a last odd row); inner sizes 1..=13 take every tail of 0–3 leftover elements.
    for k in 1..=13 {
        products(plain(7, k), plain(k, 1), 2_000, 100 + k as u64);
    }
    // A row times a column is a dot product: plain in order below 16 terms, 16 FMA lanes
    // from there.
    for k in [2, 4, 15, 16, 20, 33] {
        products(plain(1, k), plain(k, 1), 2_000, 200 + k as u64);
    }
}

#[test]
fn column_sums_and_mean_match_numpy() {
    let dir = common::out_dir();
    let out = dir.path().join("values.f64");
    let code = "\
with open(sys.argv[1], 'wb') as f:
    for _ in range(20000):
        a = draw(4, 10)
        f.write(a.tobytes()); f.write(np.sum(a, axis=0, keepdims=True).tobytes())
        f.write(np.array([np.mean(a[:, :1])]).tobytes())
";
    let values = numpy(code, 11, &out);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for t in values.chunks_exact(40 + 10 + 1) {
        let a = Array::new(4, 10, t[..40].to_vec());
        ours.extend_from_slice(a.sum_rows().values());
        let first_column: Vec<f64> = (0..4).map(|i| t[i * 10]).collect();
        ours.push(Array::new(4, 1, first_column).mean());
        theirs.extend_from_slice(&t[40..]);
    }
    check("np.sum(axis=0) of 4×10 and np.mean of 4×1", &ours, &theirs);
}

#[test]
fn exp_and_sigmoid_match_numpy() {
    let dir = common::out_dir();
    let out = dir.path().join("values.f64");
    let code = "\
x = np.concatenate([rng.uniform(-40, 40, 400000), rng.uniform(-5, 5, 400000),
                    rng.uniform(-707.7, 707.7, 100000), draw(100000),
                    rng.choice([-1.0, 1.0], 100000) * 2.0 ** rng.uniform(-60, 3, 100000)])
with open(sys.argv[1], 'wb') as f:
    f.write(x.tobytes()); f.write(np.exp(x).tobytes()); f.write((1 / (1 + np.exp(-x))).tobytes())
";
    let values = numpy(code, 10, &out);
    let n = values.len() / 3;
    let x = Array::new(n, 1, values[..n].to_vec());
    check("np.exp", exp(&x).values(), &values[n..2 * n]);
    check(
        "1 / (1 + np.exp(-x))",
        sigmoid(&x).values(),
        &values[2 * n..],
    );
}
