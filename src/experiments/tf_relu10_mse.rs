//! Notebook 002 (`002_537c36a4ddaa79e8.txt`), TensorFlow part ("1.6. TensorFlot comparison"):
//! TensorFlow 2 eager, 2→10 ReLU→1 sigmoid in float32, `tf.random.set_seed(1)`,
//! `W1 = tf.random.normal([2, 10])`, `W2 = tf.random.normal([10, 1])`, zero biases of shape
//! (1, 10) and (1, 1), loss `reduce_mean(square(Y − A2))` under a `GradientTape`, updates
//! `assign_sub(lr * grad)` with lr 1.5, 500 epochs.
//!
//! Plain float32 Rust, op by op as TensorFlow runs them: the initial weights are TensorFlow's
//! own draw ([`crate::rng::tensorflow`]); the forward pass, then the gradients TensorFlow's tape
//! computes, each from its registered gradient function and in its order (`math_grad.py`,
//! `nn_grad.py`): Mean → Square → Sub → Sigmoid → AddV2 → MatMul → Relu → AddV2 → MatMul. Ops
//! whose bits depend on the kernel go to TensorFlow's kernels for the back-end it runs here
//! ([`kernels::this_machine`]): the logistic, its gradient and the reductions are Eigen's on
//! either back-end ([`eigen`]); the products are Eigen's with `TF_ENABLE_ONEDNN_OPTS=0` (or
//! unset on a CPU without neural-network features) and oneDNN's ([`onednn::matmul`]) with it
//! on. The products whose left factor is the 0/1 input X (and `dZ2 · W2ᵀ`, one product per
//! value) are exact in any order, so they are computed here directly on both back-ends.
//! Everything else is one IEEE float32 operation per value, in TensorFlow's floating-point
//! mode (subnormals read and written as zero, [`eigen::flush`]).
//!
//! Quirks kept: the notebook prints `TensorFlow version: 2.19.0` first; we print the version
//! whose generator and kernels we reproduce, so the transcripts read alike. `lr * grad`
//! multiplies by lr rounded to float32, then `assign_sub` subtracts (two roundings). Losses are
//! printed with `{loss:.4f}` at epochs 0, 20, …; the per-input lines print NumPy float32 arrays
//! (`Input: [0. 1.]`), `Final XOR preds:` prints the (4, 1) float32 array NumPy's way.
//! `predictions.csv` holds `predict(X)` after training (what "Final XOR preds" prints), and
//! `surface.csv` the network on the 50×50 grid `np.meshgrid(linspace(0,1,50), …)` in `pts`
//! order (x1 varies fastest). On the grid TensorFlow's logistic takes Eigen's packet path for
//! all but the last four points, and `A1g · W2` Eigen's `gemv`.
//!
//! `--trace` records what each line of the loop taps, in program order, under the notebook's
//! names (the same on every side).

use super::network::{record_trained, Network};
use super::Config;
use crate::kernels::eigen::{self, Operands, Packets};
use crate::kernels::onednn;
use crate::kernels::tensorflow::Backend;
use crate::record::trace::Traced;
use crate::record::RunRecord;
use crate::rng::tensorflow::TfRandom;
use crate::{kernels, pyfmt, xor};
use anyhow::{anyhow, bail, Result};

/// The TensorFlow release whose `tf.random.normal` stream and kernels are reproduced.
pub const TENSORFLOW_VERSION: &str = "2.19.0";

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];
/// `tape.gradient(loss, [W1, b1, W2, b2])`'s results, as the notebook names them.
pub const GRADS: [&str; 4] = ["grads[0]", "grads[1]", "grads[2]", "grads[3]"];

/// A row-major float32 tensor of rank 2, as the notebook's tensors all are.
#[derive(Debug, Clone, PartialEq)]
struct Tensor {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
}

impl Tensor {
    fn new(rows: usize, cols: usize, data: Vec<f32>) -> Tensor {
        assert_eq!(data.len(), rows * cols, "tensor shape");
        Tensor { data, rows, cols }
    }

    fn zeros(rows: usize, cols: usize) -> Tensor {
        Tensor::new(rows, cols, vec![0.0; rows * cols])
    }

    fn map(&self, f: impl Fn(f32) -> f32) -> Tensor {
        Tensor::new(
            self.rows,
            self.cols,
            self.data.iter().map(|&v| f(v)).collect(),
        )
    }

    /// An element-wise binary op with TensorFlow's broadcasting of a (1, n) or (1, 1) operand.
    fn zip(&self, other: &Tensor, f: impl Fn(f32, f32) -> f32) -> Tensor {
        let at = |t: &Tensor, i: usize, j: usize| {
            t.data[(if t.rows == 1 { 0 } else { i }) * t.cols + if t.cols == 1 { 0 } else { j }]
        };
        let rows = self.rows.max(other.rows);
        let cols = self.cols.max(other.cols);
        let data = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .map(|(i, j)| f(at(self, i, j), at(other, i, j)))
            .collect();
        Tensor::new(rows, cols, data)
    }

    fn values(&self) -> Vec<f64> {
        self.data.iter().map(|&v| v as f64).collect()
    }
}

impl std::ops::Add for &Tensor {
    type Output = Tensor;
    fn add(self, other: &Tensor) -> Tensor {
        self.zip(other, eigen::add)
    }
}

impl std::ops::Sub for &Tensor {
    type Output = Tensor;
    fn sub(self, other: &Tensor) -> Tensor {
        self.zip(other, eigen::sub)
    }
}

impl std::ops::Mul for &Tensor {
    type Output = Tensor;
    fn mul(self, other: &Tensor) -> Tensor {
        self.zip(other, eigen::mul)
    }
}

/// TensorFlow's CPU kernels for the back-end this process's TensorFlow would run.
struct Kernels {
    backend: Backend,
    /// Eigen's packets in the build that runs.
    packets: Packets,
    /// TensorFlow's intra-op thread pool size, which splits Eigen's large products.
    threads: usize,
}

impl Kernels {
    fn this_machine() -> Result<Kernels> {
        let pick = &kernels::this_machine().tensorflow;
        let backend = pick.path.ok_or_else(|| {
            anyhow!(
                "TensorFlow's {} is not reproduced ({})",
                pick.name,
                pick.why
            )
        })?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let packets = kernels::this_machine().builds.tensorflow.packets();
        Ok(Kernels {
            backend,
            packets,
            threads,
        })
    }

    /// `tf.matmul(a, b, transpose_a=…)`.
    fn matmul(&self, a: &Tensor, transpose_a: bool, b: &Tensor) -> Result<Tensor> {
        let ops = Operands {
            a: &a.data,
            a_rows: a.rows,
            a_cols: a.cols,
            transpose_a,
            b: &b.data,
            b_cols: b.cols,
        };
        let (rows, inner, cols) = ops.shape();
        let out = match self.backend {
            // Eigen's own products are measured on the wheel's AVX packets only.
            Backend::Eigen { .. } if self.packets != Packets::Avx8 && ops.is_matrix_product() => {
                None
            }
            Backend::Eigen { sgemm } => eigen::matmul(ops, sgemm, self.threads),
            Backend::OneDnn(isa) => {
                onednn::matmul(isa, &a.data, a.rows, a.cols, transpose_a, &b.data, b.cols)
                    .map_err(|why| anyhow!("{why}"))
                    .map(Some)?
            }
        };
        match out {
            Some(out) => Ok(Tensor::new(rows, cols, out)),
            None => bail!(
                "TensorFlow's {} order of a ({rows}×{inner}{})·({inner}×{cols}) product is not reproduced",
                self.backend.name(),
                if transpose_a { ", transposed" } else { "" }
            ),
        }
    }

    /// `tf.matmul(a, b, transpose_a=…)` where `a` holds only zeros and ones (X) and each value
    /// has at most two nonzero products, or where the inner dimension is 1: every product is
    /// exact, so every kernel's order gives the same sum.
    fn order_free_matmul(
        &self,
        a: &Tensor,
        transpose_a: bool,
        b: &Tensor,
        transpose_b: bool,
    ) -> Tensor {
        let (rows, inner) = if transpose_a {
            (a.cols, a.rows)
        } else {
            (a.rows, a.cols)
        };
        let cols = if transpose_b { b.rows } else { b.cols };
        let left = |i: usize, k: usize| {
            if transpose_a {
                a.data[k * a.cols + i]
            } else {
                a.data[i * a.cols + k]
            }
        };
        let right = |k: usize, j: usize| {
            if transpose_b {
                b.data[j * b.cols + k]
            } else {
                b.data[k * b.cols + j]
            }
        };
        let data = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .map(|(i, j)| {
                (0..inner).fold(0.0f32, |s, k| {
                    eigen::add(s, eigen::mul(left(i, k), right(k, j)))
                })
            })
            .collect();
        Tensor::new(rows, cols, data)
    }
}

// Activation functions (the notebook's `relu` and `sigmoid`).
// `tf.nn.relu` is Eigen's `cwiseMax(0)`, `std::max(x, 0)`: −0 stays −0.
fn relu(z: &Tensor) -> Tensor {
    z.map(|v| if 0.0 > v { 0.0 } else { v })
}
fn square(z: &Tensor) -> Tensor {
    z * z
}
impl Kernels {
    /// `tf.nn.sigmoid`, in this build's packets.
    fn sigmoid(&self, z: &Tensor) -> Tensor {
        Tensor::new(z.rows, z.cols, self.packets.sigmoid(&z.data))
    }
}

impl Traced for Tensor {
    fn traced(&self) -> Vec<f64> {
        self.values()
    }
}

/// `tf.Variable(…)`: a float32 tensor whose initial value `--init-from` may give.
impl super::Parameter for Tensor {
    fn shape(&self) -> Vec<usize> {
        vec![self.rows, self.cols]
    }
    fn values(&self) -> Vec<f64> {
        Tensor::values(self)
    }
    fn precision(&self) -> crate::diff::Precision {
        crate::diff::Precision::Float32
    }
    fn with_values(self, values: &[f64]) -> Tensor {
        Tensor::new(
            self.rows,
            self.cols,
            values.iter().map(|&v| v as f32).collect(),
        )
    }
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let tf = Kernels::this_machine()?;
    let mut record = cfg.record();

    record.print(format!("TensorFlow version: {TENSORFLOW_VERSION}"));

    // XOR input and output
    let x = Tensor::new(
        4,
        2,
        xor::INPUTS.iter().flatten().map(|&v| v as f32).collect(),
    );
    let y = Tensor::new(4, 1, xor::TARGETS.iter().map(|&v| v as f32).collect());

    // Initialize weights and biases
    let mut rng = TfRandom::new(cfg.seed);
    let (input_dim, hidden_dim, output_dim) = (2, 10, 1);
    let w1 = Tensor::new(input_dim, hidden_dim, rng.normal(&[input_dim, hidden_dim]));
    let b1 = Tensor::zeros(1, hidden_dim);
    let w2 = Tensor::new(
        hidden_dim,
        output_dim,
        rng.normal(&[hidden_dim, output_dim]),
    );
    let b2 = Tensor::zeros(1, output_dim);
    let drawn = [
        (PARAMS[0], w1),
        (PARAMS[1], b1),
        (PARAMS[2], w2),
        (PARAMS[3], b2),
    ];
    let [mut w1, mut b1, mut w2, mut b2] = cfg.initial_params(&mut record, drawn)?;

    // Training Loop
    let epochs = cfg.steps;
    // `lr * grads[i]`: the Python float becomes a float32 tensor first.
    let lr = Tensor::new(1, 1, vec![cfg.lr as f32]);
    for epoch in 0..epochs {
        let t = record.trace.step(epoch);
        t.tap_each("", &PARAMS, [&w1, &b1, &w2, &b2]);
        // with tf.GradientTape() as tape:
        let z1 = t.tap("Z1", &tf.order_free_matmul(&x, false, &w1, false) + &b1);
        let a1 = t.tap("A1", relu(&z1));
        let z2 = t.tap("Z2", &tf.matmul(&a1, false, &w2)? + &b2);
        let a2 = t.tap("A2", tf.sigmoid(&z2));
        let loss = t.tap("loss", tf.packets.mean(&square(&(&y - &a2)).data)) as f64;
        let grads = tape_gradient(&tf, &x, &y, &w2, &a1, &a2)?; // tape.gradient(loss, [W1, …])
        t.tap_each("", &GRADS, &grads);
        // Compute gradients and update
        w1 = &w1 - &(&lr * &grads[0]);
        b1 = &b1 - &(&lr * &grads[1]);
        w2 = &w2 - &(&lr * &grads[2]);
        b2 = &b2 - &(&lr * &grads[3]);
        t.tap_each(".updated", &PARAMS, [&w1, &b1, &w2, &b2]);
        if epoch % 20 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", pyfmt::fixed(loss, 4)));
        }
        record.end_step(epoch, loss, || a2.values());
    }
    let mut trained = Net {
        tf,
        params: [w1, b1, w2, b2],
    };
    epilogue(&mut record, &mut trained)?;
    Ok(record)
}

/// `tape.gradient(loss, [W1, b1, W2, b2])` for `loss = reduce_mean(square(Y - A2))`: each
/// registered gradient function, in the tape's order.
fn tape_gradient(
    tf: &Kernels,
    x: &Tensor,
    y: &Tensor,
    w2: &Tensor,
    a1: &Tensor,
    a2: &Tensor,
) -> Result<[Tensor; 4]> {
    let diff = y - a2;
    // Mean: the upstream 1 broadcast, divided by the element count as a float32.
    let n = diff.data.len();
    let d_squared = Tensor::new(n, 1, vec![eigen::div(1.0, n as f32); n]);
    // Square: grad * (x * 2).
    let d_diff = &d_squared * &diff.map(|v| eigen::mul(v, 2.0));
    // Sub: the second input's gradient is -grad.
    let d_a2 = d_diff.map(|v| -v);
    // Sigmoid: SigmoidGrad(y, dy).
    let d_z2 = Tensor::new(n, 1, tf.packets.sigmoid_grad(&a2.data, &d_a2.data));
    // AddV2 with b2 broadcast: reduce_sum over the broadcast rows.
    let d_b2 = Tensor::new(1, 1, vec![tf.packets.sum(&d_z2.data)]);
    // MatMul: dA1 = dZ2 · W2ᵀ (one product per value), dW2 = A1ᵀ · dZ2.
    let d_a1 = tf.order_free_matmul(&d_z2, false, w2, true);
    let d_w2 = tf.matmul(a1, true, &d_z2)?;
    // Relu: ReluGrad(grad, output), grad · (A1 > 0).
    let d_z1 = d_a1.zip(a1, |g, a| eigen::mul(g, if a > 0.0 { 1.0 } else { 0.0 }));
    // AddV2 with b1 broadcast, then MatMul: dW1 = Xᵀ · dZ1.
    let d_b1 = Tensor::new(1, a1.cols, eigen::sum_rows(&d_z1.data, n, a1.cols));
    let d_w1 = tf.order_free_matmul(x, true, &d_z1, false);
    Ok([d_w1, d_b1, d_w2, d_b2])
}

/// The trained network and the kernels it runs on.
struct Net {
    tf: Kernels,
    params: [Tensor; 4],
}

impl Network for Net {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.params.iter().map(Tensor::values).collect()
    }

    /// The notebook's `predict(x)`, which is also its surface plot's forward pass. `x @ W1`
    /// of 0/1 inputs is exact in any order; other inputs take TensorFlow's product.
    fn predict(&mut self, inputs: &[[f64; 2]]) -> Result<Vec<f64>> {
        let (tf, [w1, b1, w2, b2]) = (&self.tf, &self.params);
        let x: Vec<f32> = inputs.iter().flatten().map(|&v| v as f32).collect();
        let binary = x.iter().all(|&v| v == 0.0 || v == 1.0);
        let x = Tensor::new(inputs.len(), 2, x);
        let z1 = if binary {
            &tf.order_free_matmul(&x, false, w1, false) + b1
        } else {
            &tf.matmul(&x, false, w1)? + b1
        };
        let z2 = &tf.matmul(&relu(&z1), false, w2)? + b2;
        Ok(self.tf.sigmoid(&z2).values())
    }
}

/// After training, shared by the notebook's engines: "Predictions after training" (one
/// `predict` per input), `Final XOR preds` with the accuracy, and the surface plot's grid.
pub fn epilogue(record: &mut RunRecord, net: &mut dyn Network) -> Result<()> {
    record.print("\nPredictions after training:");
    for (input, target) in xor::INPUTS.iter().zip(xor::TARGETS) {
        let row = input.map(|v| v as f32);
        // tf.round rounds half to even.
        let pred = net.predict(&[*input])?;
        let rounded: Vec<f32> = pred.iter().map(|&p| (p as f32).round_ties_even()).collect();
        record.print(format!(
            "Input: {}, Predicted: {}, True: {}",
            pyfmt::ndarray_f32(&row, &[2]),
            pyfmt::ndarray_f32(&rounded, &[rounded.len()]),
            pyfmt::ndarray_f32(&[target as f32], &[1]),
        ));
    }

    // Accuracy
    let preds: Vec<f32> = record_trained(record, &PARAMS, net)?
        .iter()
        .map(|&p| p as f32)
        .collect();
    let hits: Vec<f32> = preds
        .iter()
        .zip(xor::TARGETS)
        .map(|(p, t)| (p.round_ties_even() == t as f32) as u8 as f32)
        .collect();
    let acc = eigen::mean(&hits);
    record.print(format!(
        "Final XOR preds: {}",
        pyfmt::ndarray_f32(&preds, &[4, 1])
    ));
    // A mean of four 0/1 values is one of 0, 0.25, 0.5, 0.75, 1, whose float32 and float64
    // shortest reprs agree, so Python's float repr prints what NumPy prints.
    record.print(format!("Accuracy: {}", pyfmt::float_repr(acc as f64)));

    // Surface plot: pts = column_stack([Xg.ravel(), Yg.ravel()]), cast to float32.
    let grid = super::numpy_relu10_mse::surface_grid();
    let surface = net.predict(&grid)?;
    record.surface = grid
        .iter()
        .zip(surface)
        .map(|([x1, x2], z)| [*x1, *x2, z])
        .collect();
    Ok(())
}

/// The back-end a run reproduces, as `run.json` records it beside the versions (the Python
/// side records TensorFlow's own answer): `Eigen` or `oneDNN`.
pub fn backend_name() -> &'static str {
    match kernels::this_machine().tensorflow.path {
        Some(Backend::OneDnn(_)) => "oneDNN",
        Some(Backend::Eigen { .. }) => "Eigen",
        None => "not reproduced",
    }
}

// The registry entry and the report's notes.
use super::run_files::{Notes, RunFiles};
use super::{Experiment, Framework, TracedOp};

/// The registry entry (`list` shows it).
pub const EXPERIMENT: Experiment = Experiment {
    name: "tf-relu10-mse",
    notebook: "002_537c36a4ddaa79e8.txt",
    framework: Framework::TensorFlow,
    net: "2→10 ReLU→1 sigmoid",
    objective: "reduce_mean(square), assign_sub lr 1.5",
    steps: 500,
    step_unit: "epochs",
    lr: 1.5,
    default_seed: 1,
    reference_script: "tf_relu10_mse.py",
    run: Some(run),
    notes,
    prints_loss: |line| line.contains("Loss:"),
    traced_ops: &[
        TracedOp {
            name: "Z1",
            code: "Z1 = tf.matmul(X, W1) + b1",
            library: "tensorflow",
        },
        TracedOp {
            name: "Z2",
            code: "Z2 = tf.matmul(A1, W2) + b2",
            library: "tensorflow",
        },
        TracedOp {
            name: "A2",
            code: "A2 = tf.nn.sigmoid(Z2)",
            library: "tensorflow",
        },
        TracedOp {
            name: "loss",
            code: "loss = tf.reduce_mean(tf.square(Y - A2))",
            library: "tensorflow",
        },
        TracedOp {
            name: "grads[0]",
            code: "tape.gradient: dW1 = X.T @ dZ1",
            library: "tensorflow",
        },
        TracedOp {
            name: "grads[2]",
            code: "tape.gradient: dW2 = A1.T @ dZ2",
            library: "tensorflow",
        },
    ],
    recorded_settings: Some(|| vec![("tensorflow-backend", backend_name().to_string())]),
};

/// The notes in `REPORT.md`.
fn notes(_run: &RunFiles) -> Notes {
    Notes::text(
        "The TensorFlow part's interpretation does agree with its printout (0.0072 at epoch \
         100 against NumPy's 0.0078; 0.0008 against 0.0009 at 480). It runs in float32 on \
         TensorFlow's own kernels, which the Rust side ports for the back-end and ISA \
         TensorFlow takes on this machine (Eigen's packet logistic and `gemv`, oneDNN's \
         products); its initial weights, drawn by TensorFlow's Philox generator, are \
         reproduced bit for bit. It too evaluates the trained net on the 50×50 grid.",
    )
}
