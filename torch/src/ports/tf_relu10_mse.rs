//! Notebook 002, TensorFlow part (`002_537c36a4ddaa79e8.txt`, "1.6. TensorFlot comparison"),
//! the plain tch port: 2→10 ReLU→1 sigmoid in float32, `reduce_mean(square(Y − A2))`,
//! gradients by autograd, `assign_sub(lr * grad)` with lr 1.5, 500 epochs.
//!
//! It shares with the exact engine only what is not a kernel: TensorFlow's
//! `tf.random.normal` draw after `tf.random.set_seed(1)` ([`xor_repro::rng::tensorflow`]), the
//! surface grid and the printing. Everything else is libtorch's own: `matmul`, `relu`,
//! `sigmoid`, `mean`, and autograd's backward kernels where TensorFlow's tape runs its
//! registered gradients on Eigen or oneDNN; `explain` shows where the two part.
//! `Tensor::run_backward(loss, [W1, b1, W2, b2])` is autograd's answer to the notebook's
//! `tape.gradient(loss, [W1, b1, W2, b2])`: the gradients of this step alone, nothing
//! accumulated. The notebook's quirks, kept:
//! - It prints `TensorFlow version: 2.19.0` first; so does the port, so the transcripts line
//!   up line for line (the version is of the notebook's run, not of anything run here).
//! - `lr * grads[i]` multiplies in float32 by lr rounded to float32, then `assign_sub`
//!   subtracts (two roundings).
//! - `{loss:.4f}` at epochs 0, 20, …; per input `tf.round(pred)` (half to even) printed as
//!   NumPy float32 arrays; `Final XOR preds:` is `predict(X)` after training
//!   (`predictions.csv`); `surface.csv` is the network on the 50×50 grid, cast to float32.
//!
//! Traced (`--trace`) under the Python side's names: `W1 b1 W2 b2`, `Z1 A1 Z2 A2 loss`, the
//! gradients as `grads[0]` … `grads[3]`, then `W1.updated` … `b2.updated`.

use super::tensor_trace::trace;
use crate::tensors::{self, InitialTensors};
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::tf_relu10_mse::TENSORFLOW_VERSION;
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::rng::tensorflow::TfRandom;
use xor_repro::{pyfmt, xor};

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];
const F32: (Kind, Device) = (Kind::Float, Device::Cpu);

fn normal(rng: &mut TfRandom, rows: usize, cols: usize) -> Tensor {
    Tensor::from_slice(&rng.normal(&[rows, cols])).reshape([rows as i64, cols as i64])
}

/// A tensor's values as the float32s they are.
fn values_f32(t: &Tensor) -> Vec<f32> {
    tensors::values(t).iter().map(|&v| v as f32).collect()
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    record.print(format!("TensorFlow version: {TENSORFLOW_VERSION}"),
    );

    // XOR input and output
    let (x, y) = tensors::xor(Kind::Float);

    // Initialize weights and biases: tf.Variable(...) is a leaf that autograd tracks.
    let mut rng = TfRandom::new(cfg.seed);
    let (input_dim, hidden_dim, output_dim) = (2, 10, 1);
    let w1 = normal(&mut rng, input_dim, hidden_dim);
    let b1 = Tensor::zeros([1, hidden_dim as i64], F32);
    let w2 = normal(&mut rng, hidden_dim, output_dim);
    let b2 = Tensor::zeros([1, output_dim as i64], F32);
    let drawn = vec![
        (PARAMS[0], w1),
        (PARAMS[1], b1),
        (PARAMS[2], w2),
        (PARAMS[3], b2),
    ];
    let [mut w1, mut b1, mut w2, mut b2]: [Tensor; 4] = cfg
        .initial_params(&mut record, drawn)?
        .into_iter()
        .map(|p| p.set_requires_grad(true))
        .collect::<Vec<_>>()
        .try_into()
        .expect("four parameters");

    // Training Loop
    let epochs = cfg.steps;
    let lr = cfg.lr;
    for epoch in 0..epochs {
        trace(
            &mut record,
            epoch,
            &[("W1", &w1), ("b1", &b1), ("W2", &w2), ("b2", &b2)],
        );

        // with tf.GradientTape() as tape:
        let z1 = x.matmul(&w1) + &b1;
        let a1 = z1.relu();
        let z2 = a1.matmul(&w2) + &b2;
        let a2 = z2.sigmoid();
        record.track_solved(epoch, || tensors::values(&a2));

        let loss = (&y - &a2).square().mean(Kind::Float);
        record.losses.push(loss.double_value(&[]));

        // Compute gradients and update
        let grads = Tensor::run_backward(&[&loss], &[&w1, &b1, &w2, &b2], false, false);
        if record.trace.on(epoch) {
            trace(
                &mut record,
                epoch,
                &[
                    ("Z1", &z1),
                    ("A1", &a1),
                    ("Z2", &z2),
                    ("A2", &a2),
                    ("loss", &loss),
                    ("grads[0]", &grads[0]),
                    ("grads[1]", &grads[1]),
                    ("grads[2]", &grads[2]),
                    ("grads[3]", &grads[3]),
                ],
            );
        }
        tch::no_grad(|| {
            w1 -= lr * &grads[0];
            b1 -= lr * &grads[1];
            w2 -= lr * &grads[2];
            b2 -= lr * &grads[3];
        });
        trace(
            &mut record,
            epoch,
            &[
                ("W1.updated", &w1),
                ("b1.updated", &b1),
                ("W2.updated", &w2),
                ("b2.updated", &b2),
            ],
        );

        if epoch % 20 == 0 {
            let loss = pyfmt::fixed(loss.double_value(&[]), 4);
            record.print(format!("Epoch {epoch}, Loss: {loss}"));
        }
        cfg.tick(epoch);
    }
    for (name, p) in PARAMS.iter().zip([&w1, &b1, &w2, &b2]) {
        record.push_param(Stage::Final, name, tensors::values(p));
    }

    // Prediction function (outside the tape: nothing to differentiate).
    let predict = |x: &Tensor| {
        tch::no_grad(|| {
            let z1 = x.matmul(&w1) + &b1;
            let a1 = z1.relu();
            let z2 = a1.matmul(&w2) + &b2;
            z2.sigmoid()
        })
    };

    record.print("\nPredictions after training:");
    for (i, target) in xor::TARGETS.iter().enumerate() {
        let xi = x.get(i as i64).reshape([1, -1]);
        let rounded = values_f32(&predict(&xi).round());
        record.print(format!(
                "Input: {}, Predicted: {}, True: {}",
                pyfmt::ndarray_f32(&values_f32(&xi), &[2]),
                pyfmt::ndarray_f32(&rounded, &[rounded.len()]),
                pyfmt::ndarray_f32(&[*target as f32], &[1]),
            ),
        );
    }

    // Accuracy
    let preds = predict(&x);
    let acc = preds
        .round()
        .eq_tensor(&y)
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[]);
    record.print(format!(
            "Final XOR preds: {}",
            pyfmt::ndarray_f32(&values_f32(&preds), &[4, 1])
        ),
    );
    record.print(format!("Accuracy: {}", pyfmt::float_repr(acc)));
    record.predictions = xor::predictions(&tensors::values(&preds));

    // Surface plot: the notebook's grid points, cast to float32 as tf.constant(pts) does.
    let grid = xor_repro::experiments::numpy_relu10_mse::surface_grid();
    let pts: Vec<f64> = grid.iter().flatten().copied().collect();
    let pts_tf = Tensor::from_slice(&pts)
        .reshape([grid.len() as i64, 2])
        .to_kind(Kind::Float);
    let a2g = tensors::values(&predict(&pts_tf));
    record.surface = grid
        .iter()
        .zip(a2g)
        .map(|([x1, x2], z)| [*x1, *x2, z])
        .collect();
    Ok(record)
}
