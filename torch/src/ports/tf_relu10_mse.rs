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
//! Traced (`--trace`) under the Python side's names, one tap per line of the loop.

use xor_repro_port::TapTensor;
use super::{fixed_item, Trained};
use crate::tensors::{values, Param};
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::tf_relu10_mse::{epilogue, GRADS, TENSORFLOW_VERSION};
use xor_repro::experiments::Config;
use xor_repro::record::RunRecord;
use xor_repro::rng::tensorflow::TfRandom;

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];
const F32: (Kind, Device) = (Kind::Float, Device::Cpu);

fn normal(rng: &mut TfRandom, rows: usize, cols: usize) -> Tensor {
    Tensor::from_slice(&rng.normal(&[rows, cols])).reshape([rows as i64, cols as i64])
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    record.print(format!("TensorFlow version: {TENSORFLOW_VERSION}"));

    // XOR input and output
    let (x, y) = crate::tensors::xor(Kind::Float);

    // Initialize weights and biases: tf.Variable(...) is a leaf that autograd tracks.
    let mut rng = TfRandom::new(cfg.seed);
    let (input_dim, hidden_dim, output_dim) = (2, 10, 1);
    let w1 = normal(&mut rng, input_dim, hidden_dim);
    let b1 = Tensor::zeros([1, hidden_dim as i64], F32);
    let w2 = normal(&mut rng, hidden_dim, output_dim);
    let b2 = Tensor::zeros([1, output_dim as i64], F32);
    let drawn = [
        (PARAMS[0], Param(w1)),
        (PARAMS[1], Param(b1)),
        (PARAMS[2], Param(w2)),
        (PARAMS[3], Param(b2)),
    ];
    let [mut w1, mut b1, mut w2, mut b2]: [Tensor; 4] = cfg
        .initial_params(&mut record, drawn)?
        .map(|p| p.0.set_requires_grad(true));

    // Training Loop
    let epochs = cfg.steps;
    let lr = cfg.lr;
    for epoch in 0..epochs {
        let t = record.trace.step(epoch);
        t.tensor_each("", &PARAMS, [&w1, &b1, &w2, &b2]);
        // with tf.GradientTape() as tape:
        let z1 = t.tensor("Z1", x.matmul(&w1) + &b1);
        let a1 = t.tensor("A1", z1.relu());
        let z2 = t.tensor("Z2", a1.matmul(&w2) + &b2);
        let a2 = t.tensor("A2", z2.sigmoid());
        let loss = t.tensor("loss", (&y - &a2).square().mean(Kind::Float));
        // Compute gradients and update
        let grads = Tensor::run_backward(&[&loss], &[&w1, &b1, &w2, &b2], false, false);
        t.tensor_each("", &GRADS, &grads);
        tch::no_grad(|| {
            w1 -= lr * &grads[0];
            b1 -= lr * &grads[1];
            w2 -= lr * &grads[2];
            b2 -= lr * &grads[3];
        });
        t.tensor_each(".updated", &PARAMS, [&w1, &b1, &w2, &b2]);
        if epoch % 20 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", fixed_item(&loss, 4)));
        }
        record.end_step(epoch, loss.double_value(&[]), || values(&a2));
    }
    let mut trained = Trained {
        params: [w1, b1, w2, b2],
        kind: Kind::Float,
        forward: predict,
    };
    epilogue(&mut record, &mut trained)?;
    Ok(record)
}

/// The notebook's `predict(x)`, outside the tape; its inputs are float32, as `tf.constant(pts)`
/// casts the surface grid.
fn predict(x: &Tensor, [w1, b1, w2, b2]: [&Tensor; 4]) -> Tensor {
    ((x.matmul(w1) + b1).relu().matmul(w2) + b2).sigmoid()
}
