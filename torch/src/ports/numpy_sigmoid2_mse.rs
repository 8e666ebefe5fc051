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
//! Traced (`--trace`) under the Python side's names: `W1 b1 W2 b2`, the forward values with
//! `exp(-hidden_input)` and `exp(-final_input)`, `loss`, each `d_…` gradient, then
//! `W2.updated b2.updated W1.updated b1.updated`.

use super::tensor_trace::trace;
use crate::tensors::{self, InitialTensors};
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::rng::numpy::RandomState;
use xor_repro::{pyfmt, xor};

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
    let drawn = vec![
        (PARAMS[0], w1),
        (PARAMS[1], b1),
        (PARAMS[2], w2),
        (PARAMS[3], b2),
    ];
    let [mut w1, mut b1, mut w2, mut b2]: [Tensor; 4] = cfg
        .initial_params(&mut record, drawn)?
        .try_into()
        .expect("four parameters");

    // Step 4: Training hyperparameters
    let lr = cfg.lr;
    let epochs = cfg.steps;

    // Step 5: Training loop (Gradient Descent using Backpropagation)
    let mut y_pred = Tensor::zeros([4, 1], F64);
    for epoch in 0..epochs {
        trace(
            &mut record,
            epoch,
            &[("W1", &w1), ("b1", &b1), ("W2", &w2), ("b2", &b2)],
        );

        // ---------- Forward pass ----------
        let hidden_input = x.matmul(&w1) + &b1;
        let hidden_output = sigmoid(&hidden_input);
        let final_input = hidden_output.matmul(&w2) + &b2;
        y_pred = sigmoid(&final_input);
        record.track_solved(epoch, || tensors::values(&y_pred));

        // ---------- Loss computation ----------
        let loss = (&y - &y_pred).square().mean(Kind::Double);
        record.losses.push(loss.double_value(&[]));

        // ---------- Backpropagation (compute gradients) ----------
        let d_loss_y_pred = 2.0 * (&y_pred - &y);
        let d_y_pred_final = sigmoid_derivative(&y_pred);
        let d_final_input = &d_loss_y_pred * &d_y_pred_final;
        let d_hidden_to_output = hidden_output.tr().matmul(&d_final_input);
        let d_b2 = d_final_input.sum_dim_intlist(0, true, Kind::Double);
        let d_hidden_input = d_final_input.matmul(&w2.tr()) * sigmoid_derivative(&hidden_output);
        let d_input_to_hidden = x.tr().matmul(&d_hidden_input);
        let d_b1 = d_hidden_input.sum_dim_intlist(0, true, Kind::Double);

        if record.trace.on(epoch) {
            let exp_neg_hidden_input = (-&hidden_input).exp();
            let exp_neg_final_input = (-&final_input).exp();
            trace(
                &mut record,
                epoch,
                &[
                    ("hidden_input", &hidden_input),
                    ("exp(-hidden_input)", &exp_neg_hidden_input),
                    ("hidden_output", &hidden_output),
                    ("final_input", &final_input),
                    ("exp(-final_input)", &exp_neg_final_input),
                    ("y_pred", &y_pred),
                    ("loss", &loss),
                    ("d_loss_y_pred", &d_loss_y_pred),
                    ("d_y_pred_final", &d_y_pred_final),
                    ("d_final_input", &d_final_input),
                    ("d_hidden_to_output", &d_hidden_to_output),
                    ("d_b2", &d_b2),
                    ("d_hidden_input", &d_hidden_input),
                    ("d_input_to_hidden", &d_input_to_hidden),
                    ("d_b1", &d_b1),
                ],
            );
        }

        // ---------- Parameter updates (Gradient Descent) ----------
        w2 -= lr * &d_hidden_to_output;
        b2 -= lr * &d_b2;
        w1 -= lr * &d_input_to_hidden;
        b1 -= lr * &d_b1;
        trace(
            &mut record,
            epoch,
            &[
                ("W2.updated", &w2),
                ("b2.updated", &b2),
                ("W1.updated", &w1),
                ("b1.updated", &b1),
            ],
        );

        if epoch % 1000 == 0 {
            let loss = pyfmt::fixed(loss.double_value(&[]), 4);
            record.print(format!("Epoch {epoch}, Loss: {loss}"));
        }
        cfg.tick(epoch);
    }
    for (name, p) in PARAMS.iter().zip([&w1, &b1, &w2, &b2]) {
        record.push_param(Stage::Final, name, tensors::values(p));
    }

    // After training, y_pred contains predictions on the training set (of the last epoch).
    record.print("\nFinal Predictions (rounded):");
    let rounded: Vec<f64> = tensors::values(&y_pred)
        .iter()
        .map(|p| pyfmt::np_round(*p, 3))
        .collect();
    record.print(pyfmt::ndarray(&rounded, &[4, 1]));
    let pred_binary: Vec<i64> = Vec::try_from(&y_pred.ge(0.5).to_kind(Kind::Int64).view([-1]))?;
    record.print(format!(
            "Predicted classes:\n {}",
            pyfmt::ndarray_int(&pred_binary, &[4, 1])
        ),
    );
    let y_values: Vec<i64> = Vec::try_from(&y_int.view([-1]))?;
    record.print(format!("True classes:\n {}", pyfmt::ndarray_int(&y_values, &[4, 1])),
    );
    record.last_epoch_predictions = xor::predictions(&tensors::values(&y_pred));

    // The trained network's output, for predictions.csv (the notebook does not compute it).
    let trained = sigmoid(&(sigmoid(&(x.matmul(&w1) + &b1)).matmul(&w2) + &b2));
    record.predictions = xor::predictions(&tensors::values(&trained));
    Ok(record)
}
