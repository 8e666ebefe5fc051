//! `kernels::onednn::matmul` against the real TensorFlow 2.19.0 with oneDNN on: every product
//! notebook 002's TensorFlow part takes (forward, gradients, the 50×50 surface, the one-row
//! predictions), plus shapes around them that pin each kernel's order, at every oneDNN ISA
//! this CPU runs (`ONEDNN_MAX_CPU_ISA`). Inputs are drawn by NumPy here and now, like the
//! notebook's (weights N(0,1), ReLU outputs with zeros, gradients near 1e-3, points in [0,1]),
//! with signed zeros and wide magnitudes mixed in so that every association and every fused
//! multiply-add shows. Every value must be bit-identical; a failure names the first that is not.
//!
//! One Python process per ISA computes every shape (importing TensorFlow is slow). It also runs
//! with `ONEDNN_VERBOSE=1`, and the test checks that oneDNN reports the ISA asked for and that
//! every product went through `dnnl_sgemm` (`gemm_api`).

mod common;
use xor_repro::kernels::cpu::CpuFeatures;
use xor_repro::kernels::onednn::matmul;
use xor_repro::kernels::tensorflow::OneDnnIsa;

/// Draws each case's operands, runs `tf.matmul` and appends a, b and the result (float32) to
/// `sys.argv[1]`. Cases come one per line on standard input:
/// `name rows inner cols transpose_a transpose_b a_kind b_kind repeats`.
const TENSORFLOW: &str = r#"
import sys
import numpy as np
import tensorflow as tf
rng = np.random.default_rng(int(sys.argv[2]))

def draw(kind, shape):
    if kind == "weights":
        v = rng.standard_normal(shape)
    elif kind == "relu":
        v = np.maximum(0, rng.standard_normal(shape))
    elif kind == "grad":
        v = rng.standard_normal(shape) * 1e-3
    elif kind == "unit":
        v = rng.random(shape)
    elif kind == "grid":
        xs = np.linspace(0, 1, 50)
        gx, gy = np.meshgrid(xs, xs)
        v = np.column_stack([gx.ravel(), gy.ravel()])
        assert v.shape == shape
    elif kind == "xor":
        v = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
        assert v.shape == shape
    elif kind == "wide":
        v = rng.choice([-1.0, 1.0], shape) * 2.0 ** rng.uniform(-20, 20, shape)
    else:
        raise SystemExit("unknown kind " + kind)
    if kind not in ("grid", "xor"):
        zeros = rng.random(shape) < 0.05
        v[zeros] = np.where(rng.random(shape)[zeros] < 0.5, 0.0, -0.0)
    return v.astype(np.float32)

with open(sys.argv[1], "wb") as out:
    for line in sys.stdin.read().splitlines():
        name, rows, inner, cols, ta, tb, ak, bk, reps = line.split()
        rows, inner, cols, reps = int(rows), int(inner), int(cols), int(reps)
        ta, tb = ta == "1", tb == "1"
        for _ in range(reps):
            a = draw(ak, (inner, rows) if ta else (rows, inner))
            b = draw(bk, (cols, inner) if tb else (inner, cols))
            c = tf.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy()
            assert c.dtype == np.float32 and c.shape == (rows, cols)
            for v in (a, b, c):
                out.write(np.ascontiguousarray(v).tobytes())
"#;

/// One product shape as TensorFlow is asked for it.
struct Case {
    name: String,
    rows: usize,
    inner: usize,
    cols: usize,
    transpose_a: bool,
    /// Only with `inner == 1`, where `b`'s memory is the same either way.
    transpose_b: bool,
    a_kind: &'static str,
    b_kind: &'static str,
    repeats: usize,
}

#[allow(clippy::too_many_arguments)]
fn case(
    name: &str,
    rows: usize,
    inner: usize,
    cols: usize,
    transpose_a: bool,
    transpose_b: bool,
    kinds: (&'static str, &'static str),
    repeats: usize,
) -> Case {
    assert!(!transpose_b || inner == 1 || cols == 1);
    Case {
        name: name.to_string(),
        rows,
        inner,
        cols,
        transpose_a,
        transpose_b,
        a_kind: kinds.0,
        b_kind: kinds.1,
        repeats,
    }
}

/// Notebook 002's products, then shapes around them (each kernel's tails and blocks).
fn cases() -> Vec<Case> {
    let mut cases = vec![
        case("X @ W1", 4, 2, 10, false, false, ("xor", "weights"), 100),
        case("A1 @ W2", 4, 10, 1, false, false, ("relu", "weights"), 500),
        case(
            "dZ2 @ W2^T",
            4,
            1,
            10,
            false,
            true,
            ("grad", "weights"),
            200,
        ),
        case("A1^T @ dZ2", 10, 4, 1, true, false, ("relu", "grad"), 500),
        case("X^T @ dZ1", 2, 4, 10, true, false, ("xor", "grad"), 200),
        case(
            "pts @ W1",
            2500,
            2,
            10,
            false,
            false,
            ("grid", "weights"),
            2,
        ),
        case(
            "pts @ W1, random points",
            2500,
            2,
            10,
            false,
            false,
            ("unit", "weights"),
            2,
        ),
        case(
            "A1g @ W2",
            2500,
            10,
            1,
            false,
            false,
            ("relu", "weights"),
            4,
        ),
        case(
            "x @ W1, one row",
            1,
            2,
            10,
            false,
            false,
            ("unit", "weights"),
            200,
        ),
        case(
            "a1 @ W2, one row",
            1,
            10,
            1,
            false,
            false,
            ("relu", "weights"),
            500,
        ),
    ];
    let wide = ("wide", "wide");
    // GEMV with the dot product along memory: every tail of 16 (8 on SSE4.1).
    for inner in [1, 3, 5, 8, 9, 15, 16, 17, 23, 31, 32, 40, 47] {
        cases.push(case(
            &format!("gemv_t k={inner}"),
            20,
            inner,
            1,
            false,
            false,
            wide,
            20,
        ));
    }
    // GEMV summing columns, and the one-row products.
    for inner in [2, 3, 7, 10, 33] {
        cases.push(case(
            &format!("gemv_n k={inner}"),
            12,
            inner,
            1,
            true,
            false,
            wide,
            20,
        ));
        cases.push(case(
            &format!("one row k={inner}"),
            1,
            inner,
            9,
            false,
            false,
            wide,
            20,
        ));
    }
    // GEMM: row counts around AVX2's blocks of 6 and chunks of 48, column counts around
    // its 16 and 8, every k tail.
    for inner in [1, 2, 3, 4, 5, 8, 11, 17, 32, 47] {
        for rows in [2, 3, 4, 5, 7, 8, 13, 50, 100, 1000] {
            cases.push(case(
                &format!("gemm {rows}x{inner}x10"),
                rows,
                inner,
                10,
                false,
                false,
                wide,
                2,
            ));
        }
        for cols in [2, 7, 8, 9, 17, 24] {
            cases.push(case(
                &format!("gemm 9x{inner}x{cols}"),
                9,
                inner,
                cols,
                false,
                false,
                wide,
                3,
            ));
        }
        cases.push(case(
            &format!("gemm^T 14x{inner}x10"),
            14,
            inner,
            10,
            true,
            false,
            wide,
            3,
        ));
    }
    cases
}

/// oneDNN's own name of the ISA in `ONEDNN_VERBOSE`'s `isa:` line.
fn verbose_isa_name(isa: OneDnnIsa) -> &'static str {
    match isa {
        OneDnnIsa::Sse41 => "Intel SSE4.1",
        OneDnnIsa::Avx => "Intel AVX",
        OneDnnIsa::Avx2 => "Intel AVX2",
        // This CPU has VNNI: capped at AVX512_CORE it reports the plain AVX-512 core.
        OneDnnIsa::Avx512Core => "Intel AVX-512 with AVX512BW, AVX512VL, and AVX512DQ extensions",
    }
}

fn check_isa(isa: OneDnnIsa) {
    let cpu = CpuFeatures::detect();
    match OneDnnIsa::widest(&cpu) {
        Some(widest) if widest >= isa => {}
        widest => {
            eprintln!(
                "note: skipped oneDNN {}: this CPU runs at most {} ({})",
                isa.name(),
                widest.map_or("none", OneDnnIsa::name),
                cpu.summary()
            );
            return;
        }
    }
    let cases = cases();
    let input: String = cases
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {} {} {} {} {} {}\n",
                c.name.replace(' ', "_"),
                c.rows,
                c.inner,
                c.cols,
                c.transpose_a as u8,
                c.transpose_b as u8,
                c.a_kind,
                c.b_kind,
                c.repeats
            )
        })
        .collect();
    let dir = common::out_dir();
    let data = dir.path().join("products.f32");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        % 1_000_000;
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let mut child = std::process::Command::new(python)
        .arg("-c")
        .arg(TENSORFLOW)
        .arg(&data)
        .arg(seed.to_string())
        .env("TF_CPP_MIN_LOG_LEVEL", "3")
        .env("TF_ENABLE_ONEDNN_OPTS", "1")
        .env("ONEDNN_MAX_CPU_ISA", isa.name())
        .env("ONEDNN_VERBOSE", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verbose = String::from_utf8_lossy(&out.stdout);
    let isa_line = verbose
        .lines()
        .find(|l| l.starts_with("onednn_verbose,info,cpu,isa:"))
        .expect("oneDNN prints its ISA");
    assert_eq!(
        isa_line.trim_start_matches("onednn_verbose,info,cpu,isa:"),
        verbose_isa_name(isa),
        "ONEDNN_MAX_CPU_ISA={} did not take",
        isa.name()
    );
    let executed: Vec<&str> = verbose
        .lines()
        .filter(|l| l.starts_with("onednn_verbose,primitive,exec"))
        .collect();
    let products: usize = cases.iter().map(|c| c.repeats).sum();
    assert_eq!(executed.len(), products, "one oneDNN call per tf.matmul");
    assert!(
        executed
            .iter()
            .all(|l| l.starts_with("onednn_verbose,primitive,exec,cpu,gemm_api,")),
        "every product through dnnl_sgemm"
    );

    let bytes = std::fs::read(&data).unwrap();
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let mut at = 0;
    let mut take = |n: usize| {
        let v = &values[at..at + n];
        at += n;
        v
    };
    let (mut total, mut total_same) = (0, 0);
    let mut failures = Vec::new();
    for c in &cases {
        let (mut count, mut same, mut first) = (0, 0, None);
        for _ in 0..c.repeats {
            let a = take(c.rows * c.inner);
            let b = take(c.inner * c.cols);
            let tf = take(c.rows * c.cols);
            let (a_rows, a_cols) = if c.transpose_a {
                (c.inner, c.rows)
            } else {
                (c.rows, c.inner)
            };
            let ours = matmul(isa, a, a_rows, a_cols, c.transpose_a, b, c.cols)
                .expect("a reproduced shape");
            for (i, (x, y)) in ours.iter().zip(tf).enumerate() {
                count += 1;
                if x.to_bits() == y.to_bits() {
                    same += 1;
                } else if first.is_none() {
                    first = Some(format!(
                        "row {} col {}: ours {x:e} ({:#010x}), TensorFlow {y:e} ({:#010x})",
                        i / c.cols,
                        i % c.cols,
                        x.to_bits(),
                        y.to_bits()
                    ));
                }
            }
        }
        total += count;
        total_same += same;
        if let Some(first) = first {
            eprintln!(
                "oneDNN {} {}: {same} of {count} bit-identical; first: {first}",
                isa.name(),
                c.name
            );
            failures.push(format!("{} ({same}/{count}; first {first})", c.name));
        }
    }
    assert_eq!(at, values.len(), "TensorFlow wrote what was asked");
    eprintln!(
        "oneDNN {}: {total_same} of {total} values bit-identical over {} shapes ({} products, seed {seed})",
        isa.name(),
        cases.len(),
        products
    );
    assert!(
        failures.is_empty(),
        "oneDNN {} differs: {}",
        isa.name(),
        failures.join("; ")
    );
}

#[test]
fn avx512_core() {
    check_isa(OneDnnIsa::Avx512Core);
}

#[test]
fn avx2() {
    check_isa(OneDnnIsa::Avx2);
}

#[test]
fn avx() {
    check_isa(OneDnnIsa::Avx);
}

#[test]
fn sse41() {
    check_isa(OneDnnIsa::Sse41);
}

/// The level oneDNN names in `ONEDNN_VERBOSE`'s `isa:` line.
fn level_of_verbose_name(name: &str) -> Option<OneDnnIsa> {
    if name.starts_with("Intel AVX-512") {
        Some(OneDnnIsa::Avx512Core)
    } else if name.starts_with("Intel AVX2") {
        Some(OneDnnIsa::Avx2)
    } else if name == "Intel AVX" {
        Some(OneDnnIsa::Avx)
    } else if name == "Intel SSE4.1" {
        Some(OneDnnIsa::Sse41)
    } else {
        None
    }
}

/// `OneDnnIsa::widest` and `parse_cap` against the ISA TensorFlow's oneDNN reports under
/// values of `ONEDNN_MAX_CPU_ISA` it takes, rounds down, and ignores.
#[test]
fn max_cpu_isa_cap() {
    let cpu = CpuFeatures::detect();
    let widest = OneDnnIsa::widest(&cpu).expect("an x86-64 CPU with SSE4.1");
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let values = [
        "avx2_vnni",
        "Avx",
        "AVX512_CORE_FP16",
        " AVX2",
        "ALL",
        "SSE4.1",
    ];
    let children: Vec<_> = values
        .iter()
        .map(|value| {
            std::process::Command::new(&python)
                .arg("-c")
                .arg(
                    "import numpy as np, tensorflow as tf\n\
                      tf.matmul(np.ones((4, 2), np.float32), np.ones((2, 3), np.float32))",
                )
                .env("TF_CPP_MIN_LOG_LEVEL", "3")
                .env("TF_ENABLE_ONEDNN_OPTS", "1")
                .env("ONEDNN_MAX_CPU_ISA", value)
                .env("ONEDNN_VERBOSE", "1")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("python runs")
        })
        .collect();
    for (value, child) in values.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "python failed under ONEDNN_MAX_CPU_ISA={value:?}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = stdout
            .lines()
            .find_map(|l| l.strip_prefix("onednn_verbose,info,cpu,isa:"))
            .expect("oneDNN prints its ISA");
        let expected = match OneDnnIsa::parse_cap(value) {
            Some(Some(cap)) => cap.min(widest),
            _ => widest,
        };
        eprintln!(
            "ONEDNN_MAX_CPU_ISA={value:?}: oneDNN runs {name:?}, expected {}",
            expected.name()
        );
        assert_eq!(
            level_of_verbose_name(name),
            Some(expected),
            "ONEDNN_MAX_CPU_ISA={value:?}"
        );
    }
}
