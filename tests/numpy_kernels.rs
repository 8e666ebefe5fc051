//! `kernels::openblas` against the real NumPy: every matrix product shape the NumPy notebooks
//! take (and the OpenBLAS kernel paths around them), and `np.exp` on this machine's path, on
//! random inputs NumPy draws here and now. Each value must be bit-identical; a failure names the first one that is not.
//!
//! The products run once per OpenBLAS core this CPU can execute, NumPy forced to it with
//! `OPENBLAS_CORETYPE` (threadpoolctl must report it) and `openblas::mm` called with it; a
//! core this CPU cannot execute is skipped with a note. `Core::select` is held against the
//! core the library reports for every `OPENBLAS_CORETYPE` value.
//!
//! The `exp` and column-sum tests run on this machine's default paths; where one is not
//! emulated (see `common::numpy_kernels`), they only report the counts.

mod common;
use std::path::Path;
use xor_repro::experiments::numpy_array::{exp, sigmoid, Array, View};
use xor_repro::kernels::cpu::CpuFeatures;
use xor_repro::kernels::openblas::{self, Core};
use xor_repro::kernels::Switches;

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
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
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
    match common::bit_identity(what, ours, numpy, "NumPy") {
        Ok(line) => eprintln!("{line}"),
        Err((message, _)) if common::numpy_kernels().reproduced => panic!("{message}"),
        Err((message, _)) => eprintln!("{message}"),
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

    fn view(self, array: &Array) -> View<'_> {
        if self.transposed {
            array.t()
        } else {
            View::from(array)
        }
    }
}

/// `trials` products `a @ b`.
struct Product {
    a: Operand,
    b: Operand,
    trials: usize,
}

fn product(a: Operand, b: Operand, trials: usize) -> Product {
    assert_eq!(a.cols, b.rows, "{} @ {}", a.label(), b.label());
    Product { a, b, trials }
}

/// The cores this CPU can execute; a note names each one it cannot.
fn runnable_cores() -> Vec<Core> {
    let cpu = CpuFeatures::detect();
    Core::ALL
        .into_iter()
        .filter(|core| {
            let runs = core.runs_on(&cpu);
            if !runs {
                eprintln!(
                    "note: OpenBLAS core {} skipped: this CPU ({}) lacks {}",
                    core.name(),
                    cpu.summary(),
                    core.needs()
                );
            }
            runs
        })
        .collect()
}

/// Draws every product's operands in NumPy with `OPENBLAS_CORETYPE` = `core` (checking with
/// threadpoolctl that OpenBLAS took it), computes `a @ b` and `np.dot(a, b)` there and
/// [`openblas::mm`] here, and requires every value of both to be bit-identical. Returns the
/// number of values compared.
fn products_on(core: Core, products: &[Product], seed: u64) -> Result<usize, String> {
    let dir = common::out_dir();
    let out = dir.path().join("values.f64");
    let specs: Vec<String> = products
        .iter()
        .map(|p| {
            let ((ar, ac), (br, bc)) = (p.a.stored(), p.b.stored());
            let t = |op: Operand| if op.transposed { "True" } else { "False" };
            format!(
                "({ar}, {ac}, {}, {br}, {bc}, {}, {})",
                t(p.a),
                t(p.b),
                p.trials
            )
        })
        .collect();
    let code = format!(
        "import threadpoolctl\n\
         arch = [i['architecture'] for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas']\n\
         if arch != [sys.argv[3]]:\n    sys.exit(f'OpenBLAS runs {{arch}}, not {{sys.argv[3]}}')\n\
         with open(sys.argv[1], 'wb') as f:\n\
         \x20   for ar, ac, at, br, bc, bt, trials in [{}]:\n\
         \x20       for _ in range(trials):\n\
         \x20           a = draw(ar, ac); b = draw(br, bc)\n\
         \x20           A = a.T if at else a; B = b.T if bt else b\n\
         \x20           f.write(a.tobytes()); f.write(b.tobytes())\n\
         \x20           f.write((A @ B).tobytes()); f.write(np.dot(A, B).tobytes())\n",
        specs.join(", ")
    );
    let values = numpy_on(Some(core), &code, seed, &out);
    let mut rest = &values[..];
    let mut failures = Vec::new();
    let mut compared = 0;
    for p in products {
        let ((ar, ac), (br, bc)) = (p.a.stored(), p.b.stored());
        let c_len = p.a.rows * p.b.cols;
        let (mut ours, mut matmul, mut dot) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..p.trials {
            let (a_values, r) = rest.split_at(ar * ac);
            let (b_values, r) = r.split_at(br * bc);
            let (c_matmul, r) = r.split_at(c_len);
            let (c_dot, r) = r.split_at(c_len);
            rest = r;
            let a_array = Array::new(ar, ac, a_values.to_vec());
            let b_array = Array::new(br, bc, b_values.to_vec());
            let c = openblas::mm(core, &p.a.view(&a_array), &p.b.view(&b_array));
            ours.extend_from_slice(&c);
            matmul.extend_from_slice(c_matmul);
            dot.extend_from_slice(c_dot);
        }
        let what = format!("{} {} @ {}", core.name(), p.a.label(), p.b.label());
        for (op, theirs) in [("@", &matmul), ("np.dot", &dot)] {
            compared += ours.len();
            if let Err(e) = count_identical(&format!("{what} ({op})"), &ours, theirs) {
                failures.push(e);
            }
        }
    }
    assert!(rest.is_empty(), "values left over");
    if failures.is_empty() {
        eprintln!(
            "{}: {compared} values compared, all bit-identical",
            core.name()
        );
        Ok(compared)
    } else {
        Err(failures.join("\n"))
    }
}

/// [`products_on`] for every core this CPU runs; fails after all of them with every
/// difference.
fn products_on_every_core(products: &[Product], seed: u64) {
    let failures: Vec<String> = runnable_cores()
        .into_iter()
        .enumerate()
        .filter_map(|(n, core)| products_on(core, products, seed + n as u64).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Counts bit-identical values, printing the count; the first difference as an error.
fn count_identical(what: &str, ours: &[f64], theirs: &[f64]) -> Result<(), String> {
    let line = common::bit_identity(what, ours, theirs, "NumPy").map_err(|(message, _)| message)?;
    eprintln!("{line}");
    Ok(())
}

/// Runs `code` (after [`DRAW`]) with `out` as `sys.argv[1]`, the seed as `sys.argv[2]` and
/// the core OpenBLAS must report as `sys.argv[3]`, under `OPENBLAS_CORETYPE` = `core` (unset
/// for `None`), then reads the float64s it wrote.
fn numpy_on(core: Option<Core>, code: &str, seed: u64, out: &Path) -> Vec<f64> {
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let mut command = std::process::Command::new(python);
    command
        .arg("-c")
        .arg(format!("{DRAW}\n{code}"))
        .arg(out)
        .arg(seed.to_string());
    match core {
        Some(core) => command
            .arg(core.reported_name())
            .env("OPENBLAS_CORETYPE", core.name()),
        None => command.arg("").env_remove("OPENBLAS_CORETYPE"),
    };
    let status = command.status().expect("python runs");
    assert!(status.success(), "python failed");
    std::fs::read(out)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// Every product the NumPy notebooks take whose operands are not the 0/1 XOR input
/// (`numpy_array::dot` computes those exactly).
fn notebook_products() -> Vec<Product> {
    vec![
        // 002: Z2 = A1 @ W2 (and predict's np.dot), dW2 = A1.T @ dZ2, dA1 = dZ2 @ W2.T.
        product(plain(4, 10), plain(10, 1), 3_000),
        product(transposed(10, 4), plain(4, 1), 3_000),
        product(plain(4, 1), transposed(1, 10), 1_000),
        // 002's surface: pts @ W1, A1g @ W2.
        product(plain(2500, 2), plain(2, 10), 2),
        product(plain(2500, 10), plain(10, 1), 4),
        // 002's predict of one input: np.dot((1×10), (10×1)).
        product(plain(1, 10), plain(10, 1), 5_000),
        // 004: H @ W2, H.T @ d, d @ W2.T.
        product(plain(4, 2), plain(2, 1), 5_000),
        product(transposed(2, 4), plain(4, 1), 5_000),
        product(plain(4, 1), transposed(1, 2), 3_000),
    ]
}

#[test]
fn products_of_the_numpy_notebooks_on_every_core() {
    products_on_every_core(&notebook_products(), 1);
}

#[test]
fn every_path_of_the_product_kernels_on_every_core() {
    let mut products = Vec::new();
    // dgemv_t: seven outputs take every row kernel (a block of four, two, one); inner sizes
    // 1..=13 every tail of 0–3 left-over terms.
    for k in 1..=13 {
        products.push(product(plain(7, k), plain(k, 1), 300));
    }
    // dgemv_n: outputs 1..=9 take the blocks of four rows and every tail (and `lda == m3`);
    // inner sizes 1..=9 every column kernel.
    for rows in 1..=9 {
        // (Not 1×1 @ 1×1: np.dot multiplies two scalars itself, without adding +0.)
        for k in [1, 2, 3, 4, 5, 6, 7, 9]
            .into_iter()
            .filter(|&k| rows > 1 || k > 1)
        {
            products.push(product(transposed(rows, k), plain(k, 1), 60));
        }
    }
    // A row times a matrix (dgemv_n and, for a transposed matrix, dgemv_t).
    products.push(product(plain(1, 6), plain(6, 5), 300));
    products.push(product(plain(1, 6), transposed(6, 5), 300));
    // ddot: in order below 16 terms, the micro-kernels' lanes from 16, 32 (SkylakeX's
    // AVX-512 blocks), and the tails after them.
    for k in [2, 3, 4, 7, 8, 9, 15, 16, 17, 20, 31, 32, 33, 48, 50, 64, 71] {
        products.push(product(plain(1, k), plain(k, 1), 300));
    }
    // dgemm, inner sizes 1 and 2 (mm reproduces no more), several block shapes.
    for (m, k, n) in [
        (2, 2, 2),
        (5, 2, 7),
        (9, 2, 3),
        (17, 2, 11),
        (3, 1, 4),
        (33, 2, 9),
    ] {
        products.push(product(plain(m, k), plain(k, n), 100));
    }
    products_on_every_core(&products, 100);
}

/// Which core OpenBLAS reports here, for `OPENBLAS_CORETYPE` unset or `value`.
fn reported_core(value: Option<&str>) -> String {
    let mut command =
        std::process::Command::new(xor_repro::run::python::interpreter().expect("run setup.sh"));
    command.arg("-c").arg(
        "import numpy, threadpoolctl\n\
         print(*[i['architecture'] for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas'])",
    );
    match value {
        Some(v) => command.env("OPENBLAS_CORETYPE", v),
        None => command.env_remove("OPENBLAS_CORETYPE"),
    };
    let out = command.output().expect("python runs");
    assert!(out.status.success(), "python failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn core_select_agrees_with_the_library_for_every_coretype() {
    let cpu = CpuFeatures::detect();
    let names = [
        "Katmai",
        "Coppermine",
        "Northwood",
        "Prescott",
        "Banias",
        "Atom",
        "Core2",
        "Penryn",
        "Dunnington",
        "Nehalem",
        "Athlon",
        "Opteron",
        "Opteron_SSE3",
        "Barcelona",
        "Nano",
        "Sandybridge",
        "Bobcat",
        "Bulldozer",
        "Piledriver",
        "Haswell",
        "Steamroller",
        "Excavator",
        "Zen",
        "SkylakeX",
        "Cooperlake",
        "SapphireRapids",
        "haswell",
        "SKYLAKEX",
        "Haswell ",
        "bogus",
    ];
    let mut values: Vec<Option<&str>> = vec![None];
    values.extend(names.iter().map(|n| Some(*n)));
    let mut wrong = Vec::new();
    for value in values {
        let switches = Switches {
            openblas_coretype: value.map(str::to_string),
            ..Switches::default()
        };
        let pick = Core::select(&cpu, &switches);
        let ours = pick.path.map(Core::reported_name).unwrap_or("none");
        let theirs = reported_core(value);
        eprintln!(
            "OPENBLAS_CORETYPE={value:?}: OpenBLAS {theirs}, Core::select {ours} ({})",
            pick.why
        );
        if ours != theirs {
            wrong.push(format!("{value:?}: OpenBLAS {theirs}, ours {ours}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
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
