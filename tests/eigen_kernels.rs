//! `kernels::eigen` against the real TensorFlow 2.19.0 on its Eigen back-end
//! (`TF_ENABLE_ONEDNN_OPTS=0`), run once at test time: one Python process draws every input
//! (with a seed picked now, printed), computes every op, and writes inputs and TensorFlow's
//! outputs as float32. Each value must be bit-identical; a failure names the first one that is
//! not. `ONEDNN_MAX_CPU_ISA`, when set, reaches both sides (it picks the ISA of the oneDNN
//! `sgemm` behind TensorFlow's contractions); a product whose order is not reproduced at that
//! ISA is skipped with a note naming it.

mod common;
use xor_repro::kernels::eigen::{self, Operands};
use xor_repro::kernels::tensorflow::Backend;

/// One op on inputs of given sizes, as Python computes it (`ins` are the input tensors'
/// shapes; the output's length is what the op returns).
struct Case {
    label: String,
    /// Python expression drawing each input (float32 arrays).
    ins: Vec<(String, Vec<usize>)>,
    /// Python expression of TensorFlow's output, from `a`, `b`.
    op: String,
}

const DRAW: &str = r#"
import os, sys
import numpy as np
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
import tensorflow as tf
rng = np.random.default_rng(int(sys.argv[2]))
SPECIAL = np.array([-104.0, np.nextafter(np.float32(-104), 0), np.nextafter(np.float32(-104), -200),
    16.6355324, 16.64, -0.0, 0.0, 88.7, -88.7, 1e-30, -1e-30, np.inf, -np.inf, 1e-45, -52.0, -60.0,
    1e4, -1e4], dtype=np.float32)
def logistic_input(n):
    x = (rng.standard_normal(n) * rng.choice([1.0, 6.0, 30.0], n)).astype(np.float32)
    k = min(n, len(SPECIAL))
    at = rng.choice(n, k, replace=False)
    x[at] = SPECIAL[rng.choice(len(SPECIAL), k, replace=False)]
    return x
def unit(n):
    return rng.random(n).astype(np.float32)
def normal(*shape):
    a = rng.standard_normal(shape).astype(np.float32)
    zeros = rng.random(shape) < 0.05
    a[zeros] = np.where(rng.random(shape)[zeros] < 0.5, 0.0, -0.0)
    return a
def relu_like(*shape):
    return np.maximum(normal(*shape), np.float32(0))
def binary(*shape):
    return rng.integers(0, 2, shape).astype(np.float32)
out = open(sys.argv[1], "wb")
def put(a):
    out.write(np.ascontiguousarray(a, dtype=np.float32).tobytes())
"#;

fn case(label: &str, ins: &[(&str, &[usize])], op: &str) -> Case {
    Case {
        label: label.to_string(),
        ins: ins
            .iter()
            .map(|(e, s)| (e.to_string(), s.to_vec()))
            .collect(),
        op: op.to_string(),
    }
}

fn python_program(cases: &[Case]) -> String {
    let mut code = DRAW.to_string();
    for c in cases {
        let names = ["a", "b"];
        for (name, (expr, _)) in names.iter().zip(&c.ins) {
            code.push_str(&format!("{name} = {expr}\nput({name})\n"));
        }
        code.push_str(&format!("put(({}).numpy())\n", c.op));
    }
    code.push_str("out.close()\n");
    code
}

/// Counts bit-identical values; returns the failure line if any differ.
fn compare(what: &str, ours: &[f32], theirs: &[f32]) -> Result<String, String> {
    common::bit_identity(what, ours, theirs, "TensorFlow").map_err(|(message, _)| message)
}

fn sgemm_isa() -> xor_repro::kernels::tensorflow::OneDnnIsa {
    // The Eigen back-end's pick under this process's switches, TF_ENABLE_ONEDNN_OPTS=0.
    let mut switches = xor_repro::kernels::Switches::from_env();
    switches.tf_enable_onednn_opts = Some("0".to_string());
    let cpu = xor_repro::kernels::cpu::CpuFeatures::detect();
    match Backend::select(&cpu, Default::default(), &switches).path {
        Some(Backend::Eigen { sgemm }) => sgemm,
        other => panic!("TensorFlow's Eigen back-end not reproduced here: {other:?}"),
    }
}

#[test]
fn eigen_kernels_are_tensorflows_bit_for_bit() {
    let sizes = [1usize, 4, 7, 8, 9, 15, 16, 17, 33, 100, 2500, 100_003];
    let mut cases = Vec::new();
    for n in sizes {
        cases.push(case(
            &format!("sigmoid n={n}"),
            &[(&format!("logistic_input({n})"), &[n])],
            "tf.nn.sigmoid(a)",
        ));
    }
    for n in [1usize, 4, 8, 9, 17, 2500, 10_001] {
        cases.push(case(
            &format!("SigmoidGrad n={n}"),
            &[
                (&format!("unit({n})"), &[n]),
                (&format!("normal({n})"), &[n]),
            ],
            "tf.raw_ops.SigmoidGrad(y=a, dy=b)",
        ));
    }
    for n in [1usize, 2, 3, 4, 5, 8, 9, 31, 32, 33, 100, 1000, 8192] {
        cases.push(case(
            &format!("reduce_mean n={n}"),
            &[(&format!("normal({n})"), &[n])],
            "tf.reduce_mean(a)",
        ));
        cases.push(case(
            &format!("reduce_sum n={n}"),
            &[(&format!("normal({n})"), &[n])],
            "tf.reduce_sum(a)",
        ));
    }
    for (r, c) in [(4usize, 10usize), (4, 1), (3, 17), (5, 8), (1, 10)] {
        cases.push(case(
            &format!("reduce_sum axis 0 of {r}×{c}"),
            &[(&format!("normal({r}, {c})"), &[r, c])],
            "tf.reduce_sum(a, axis=0)",
        ));
    }
    // (a shape, transpose_a, b shape, how a is drawn)
    let products: [(&[usize], bool, &[usize], &str); 15] = [
        (&[4, 10], false, &[10, 1], "relu_like"),
        (&[1, 10], false, &[10, 1], "relu_like"),
        (&[8, 10], false, &[10, 1], "relu_like"),
        (&[9, 10], false, &[10, 1], "relu_like"),
        (&[2500, 10], false, &[10, 1], "relu_like"),
        (&[2001, 12], false, &[12, 1], "normal"),
        (&[1000, 7], false, &[7, 1], "normal"),
        (&[3000, 21], false, &[21, 1], "normal"),
        (&[4, 10], true, &[4, 1], "relu_like"),
        (&[2500, 2], false, &[2, 10], "unit_2d"),
        (&[4, 2], false, &[2, 10], "binary"),
        (&[4, 2], true, &[4, 10], "binary"),
        (&[20, 8], false, &[8, 20], "normal"),
        (&[100, 40], false, &[40, 30], "normal"),
        (&[10, 40], true, &[10, 7], "normal"),
    ];
    for (a, ta, b, kind) in products {
        let draw_a = match kind {
            "unit_2d" => format!("unit({}).reshape({}, {})", a[0] * a[1], a[0], a[1]),
            _ => format!("{kind}({}, {})", a[0], a[1]),
        };
        cases.push(case(
            &format!(
                "matmul ({}×{}){} @ ({}×{})",
                a[0],
                a[1],
                if ta { "ᵀ" } else { "" },
                b[0],
                b[1]
            ),
            &[(&draw_a, a), (&format!("normal({}, {})", b[0], b[1]), b)],
            &format!(
                "tf.matmul(a, b, transpose_a={})",
                if ta { "True" } else { "False" }
            ),
        ));
    }

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 1_000_000;
    eprintln!("inputs drawn with seed {seed}");
    let dir = common::out_dir();
    let file = dir.path().join("values.f32");
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(python_program(&cases))
        .arg(&file)
        .arg(seed.to_string())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values: Vec<f32> = std::fs::read(&file)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();

    let isa = sgemm_isa();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut at = 0;
    let mut take = |n: usize| {
        let v = values[at..at + n].to_vec();
        at += n;
        v
    };
    let mut failures = Vec::new();
    for c in &cases {
        let ins: Vec<Vec<f32>> = c
            .ins
            .iter()
            .map(|(_, shape)| take(shape.iter().product()))
            .collect();
        let ours: Option<Vec<f32>> = if c.label.starts_with("sigmoid") {
            Some(eigen::sigmoid(&ins[0]))
        } else if c.label.starts_with("SigmoidGrad") {
            Some(eigen::sigmoid_grad(&ins[0], &ins[1]))
        } else if c.label.starts_with("reduce_mean") {
            Some(vec![eigen::mean(&ins[0])])
        } else if c.label.starts_with("reduce_sum axis 0") {
            let shape = &c.ins[0].1;
            Some(eigen::sum_rows(&ins[0], shape[0], shape[1]))
        } else if c.label.starts_with("reduce_sum") {
            Some(vec![eigen::sum(&ins[0])])
        } else {
            let (a, b) = (&c.ins[0].1, &c.ins[1].1);
            let ops = Operands {
                a: &ins[0],
                a_rows: a[0],
                a_cols: a[1],
                transpose_a: c.op.contains("transpose_a=True"),
                b: &ins[1],
                b_cols: b[1],
            };
            eigen::matmul(ops, isa, threads)
        };
        let (rows, cols) = {
            let (a, b) = (&c.ins[0].1, c.ins.get(1).map(|s| &s.1));
            match (c.label.starts_with("matmul"), b) {
                (true, Some(b)) => {
                    let rows = if c.op.contains("transpose_a=True") {
                        a[1]
                    } else {
                        a[0]
                    };
                    (rows, b[1])
                }
                _ => (0, 0),
            }
        };
        let theirs_len = match &ours {
            Some(v) => v.len(),
            None => rows * cols,
        };
        let theirs = take(theirs_len);
        match ours {
            None => eprintln!(
                "SKIPPED {}: its order at oneDNN sgemm {} is not reproduced",
                c.label,
                isa.name()
            ),
            Some(ours) => match compare(&c.label, &ours, &theirs) {
                Ok(line) => eprintln!("{line}"),
                Err(line) => {
                    eprintln!("{line}");
                    failures.push(line)
                }
            },
        }
    }
    assert_eq!(at, values.len(), "every value Python wrote was read");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
