//! Notebook 004 (`004_64eea6854d56fd8e.txt`), the plain tch port: the notebook's hand-written
//! 2→2 sigmoid→1 sigmoid network in float64 tensors, mean squared error, full-batch gradient
//! descent lr 0.1 for 10 000 epochs after `np.random.seed(42)`.
//!
//! It shares with the exact engine only what is not a kernel: NumPy's legacy
//! `RandomState.randn` draw ([`xor_repro::rng::numpy`]) and the printing. Every computation is
//! libtorch's own (`matmul`, `exp`, `sum_dim_intlist`, `mean`), so it parts from NumPy in the
//! last bits; `explain` shows where. The notebook's quirks, kept:
//! - `X` and `y` are integer arrays, promoted to float64 where they meet floats (here
//!   explicitly: libtorch's `matmul` does not promote).
//! - The output gradient is `2 * (y_pred - y)`, without the mean's 1/N.
//! - Sigmoid derivatives are taken from the outputs (`s * (1 - s)` of `y_pred` and of
//!   `hidden_output`).
//! - Updates go `W2, b2, W1, b1`, each `W -= lr * dW` (two roundings).
//! - `{loss:.4f}` every 1000 epochs; "Final Predictions (rounded)" prints `y_pred.round(3)` of
//!   the last training epoch (`last_epoch_predictions.csv`); `predictions.csv` is the trained
//!   network's output, which the notebook never computes.
//!
//! Traced (`--trace`) under the Python side's names, one tap per line of the loop.

use xor_repro_port::TapTensor;
use super::{fixed_item, Trained};
use crate::tensors::{self, values, Param};
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::numpy_sigmoid2_mse::epilogue;
use xor_repro::experiments::Config;
use xor_repro::record::RunRecord;
use xor_repro::rng::numpy::RandomState;

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];
const F64: (Kind, Device) = (Kind::Double, Device::Cpu);

/// `1 / (1 + np.exp(-x))`; `reciprocal` is the `1 /`, one IEEE division.
fn sigmoid(x: &Tensor) -> Tensor {
    (1f64 + (-x).exp()).reciprocal()
}

// Derivative of sigmoid given sigmoid(x) output.
fn sigmoid_derivative(sigmoid_output: &Tensor) -> Tensor {
    sigmoid_output * (1.0 - sigmoid_output)
}

/// `np.sum(t, axis=0, keepdims=True)`.
fn sum_rows(t: &Tensor) -> Tensor {
    t.sum_dim_intlist(0, true, Kind::Double)
}

fn randn(rng: &mut RandomState, rows: usize, cols: usize) -> Tensor {
    Tensor::from_slice(&rng.randn(&[rows, cols])).reshape([rows as i64, cols as i64])
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();

    // Step 1: Dataset (XOR), integer arrays; NumPy promotes them to float64.
    let (x_int, y_int) = tensors::xor(Kind::Int64);
    let (x, y) = (x_int.to_kind(Kind::Double), y_int.to_kind(Kind::Double));

    // Step 2: Initialize weights & biases
    let mut rng = RandomState::new(cfg.seed as u32);
    let w1 = randn(&mut rng, 2, 2);
    let b1 = Tensor::zeros([1, 2], F64);
    let w2 = randn(&mut rng, 2, 1);
    let b2 = Tensor::zeros([1, 1], F64);
    let drawn = [
        (PARAMS[0], Param(w1)),
        (PARAMS[1], Param(b1)),
        (PARAMS[2], Param(w2)),
        (PARAMS[3], Param(b2)),
    ];
    let [mut w1, mut b1, mut w2, mut b2]: [Tensor; 4] =
        cfg.initial_params(&mut record, drawn)?.map(|p| p.0);

    // Step 4: Training hyperparameters
    let lr = cfg.lr;
    let epochs = cfg.steps;

    // Step 5: Training loop (Gradient Descent using Backpropagation)
    let mut y_pred = Tensor::zeros([4, 1], F64);
    for epoch in 0..epochs {
        let t = record.trace.step(epoch);
        t.tensor_each("", &PARAMS, [&w1, &b1, &w2, &b2]);
        // ---------- Forward pass ----------
        let hidden_input = t.tensor("hidden_input", x.matmul(&w1) + &b1);
        t.tap_with("exp(-hidden_input)", || values(&(-&hidden_input).exp())); // sigmoid's exp
        let hidden_output = t.tensor("hidden_output", sigmoid(&hidden_input));
        let final_input = t.tensor("final_input", hidden_output.matmul(&w2) + &b2);
        t.tap_with("exp(-final_input)", || values(&(-&final_input).exp()));
        y_pred = t.tensor("y_pred", sigmoid(&final_input));
        // ---------- Loss computation ----------
        let loss = t.tensor("loss", (&y - &y_pred).square().mean(Kind::Double));
        // ---------- Backpropagation (compute gradients) ----------
        let d_loss_y_pred = t.tensor("d_loss_y_pred", 2.0 * (&y_pred - &y));
        let d_y_pred_final = t.tensor("d_y_pred_final", sigmoid_derivative(&y_pred));
        let d_final_input = t.tensor("d_final_input", &d_loss_y_pred * &d_y_pred_final);
        let d_hidden_to_output = hidden_output.tr().matmul(&d_final_input);
        let d_hidden_to_output = t.tensor("d_hidden_to_output", d_hidden_to_output);
        let d_b2 = t.tensor("d_b2", sum_rows(&d_final_input));
        let d_hidden_input = d_final_input.matmul(&w2.tr()) * sigmoid_derivative(&hidden_output);
        let d_hidden_input = t.tensor("d_hidden_input", d_hidden_input);
        let d_input_to_hidden = t.tensor("d_input_to_hidden", x.tr().matmul(&d_hidden_input));
        let d_b1 = t.tensor("d_b1", sum_rows(&d_hidden_input));
        // ---------- Parameter updates (Gradient Descent) ----------
        w2 -= lr * &d_hidden_to_output;
        b2 -= lr * &d_b2;
        w1 -= lr * &d_input_to_hidden;
        b1 -= lr * &d_b1;
        t.tensor_each(".updated", &["W2", "b2", "W1", "b1"], [&w2, &b2, &w1, &b1]);
        if epoch % 1000 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", fixed_item(&loss, 4)));
        }
        record.end_step(epoch, loss.double_value(&[]), || values(&y_pred));
    }
    let mut trained = Trained {
        params: [w1, b1, w2, b2],
        kind: Kind::Double,
        forward,
    };
    epilogue(&mut record, &mut trained, &values(&y_pred))?;
    Ok(record)
}

/// The notebook's forward pass (it never runs it after training; `predictions.csv` does).
fn forward(x: &Tensor, [w1, b1, w2, b2]: [&Tensor; 4]) -> Tensor {
    sigmoid(&(sigmoid(&(x.matmul(w1) + b1)).matmul(w2) + b2))
}
