//! Notebook 004 (`004_64eea6854d56fd8e.txt`): a hand-written NumPy network 2→2 sigmoid→1
//! sigmoid in float64, mean squared error, full-batch gradient descent lr 0.1 for 10 000
//! epochs after `np.random.seed(42)`.
//!
//! Quirks kept:
//! - `X` and `y` are integer arrays; NumPy promotes them to float64 where they meet floats.
//! - The gradient at the output is `2 * (y_pred - y)`, without the 1/N of the mean the loss
//!   has ("we omit dividing by N explicitly"), so the effective step is 4× an MSE step.
//! - Sigmoid derivatives are taken from the outputs (`s * (1 - s)` of `y_pred` and of
//!   `hidden_output`), not recomputed from the inputs.
//! - Products are `np.dot`; updates go `W2, b2, W1, b1`, each `W -= lr * dW` (two roundings).
//! - Loss printed `{loss:.4f}` every 1000 epochs. "Final Predictions (rounded)" prints
//!   `y_pred.round(3)`, the forward pass of the *last training epoch* (before its update):
//!   that is `last_epoch_predictions.csv`, and the predicted classes `y_pred >= 0.5` are
//!   taken from it too. `predictions.csv` holds the trained network's output, which the
//!   notebook never computes.
//!
//! `--trace` records what each line of the loop taps, in program order, under the notebook's
//! names (the same on every side).

use super::network::{record_trained, Network};
use super::Config;
use crate::experiments::numpy_array::{dot, exp, sigmoid, xor_int, Array, Trained};
use crate::record::RunRecord;
use crate::rng::numpy::RandomState;
use crate::{pyfmt, xor};
use anyhow::Result;

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];

// In [9]: derivative of sigmoid given sigmoid(x) output.
fn sigmoid_derivative(sigmoid_output: &Array) -> Array {
    sigmoid_output * (1.0 - sigmoid_output)
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();

    // Step 1: Dataset (XOR), integer arrays.
    let (x, y) = xor_int();

    // Step 2: Initialize weights & biases
    let mut rng = RandomState::new(cfg.seed as u32);
    let w1 = Array::new(2, 2, rng.randn(&[2, 2]));
    let b1 = Array::zeros(1, 2);
    let w2 = Array::new(2, 1, rng.randn(&[2, 1]));
    let b2 = Array::zeros(1, 1);
    let [mut w1, mut b1, mut w2, mut b2] = cfg.initial_params(
        &mut record,
        [
            (PARAMS[0], w1),
            (PARAMS[1], b1),
            (PARAMS[2], w2),
            (PARAMS[3], b2),
        ],
    )?;

    // Step 4: Training hyperparameters
    let lr = cfg.lr;
    let epochs = cfg.steps;

    // Step 5: Training loop (Gradient Descent using Backpropagation)
    let mut y_pred = Array::zeros(4, 1);
    for epoch in 0..epochs {
        let t = record.trace.step(epoch);
        t.tap_each("", &PARAMS, [&w1, &b1, &w2, &b2]);
        // ---------- Forward pass ----------
        let hidden_input = t.tap("hidden_input", dot(&x, &w1) + &b1);
        t.tap_with("exp(-hidden_input)", || exp(&-&hidden_input)); // sigmoid's np.exp
        let hidden_output = t.tap("hidden_output", sigmoid(&hidden_input));
        let final_input = t.tap("final_input", dot(&hidden_output, &w2) + &b2);
        t.tap_with("exp(-final_input)", || exp(&-&final_input));
        y_pred = t.tap("y_pred", sigmoid(&final_input));
        // ---------- Loss computation ----------
        let loss = t.tap("loss", (&y - &y_pred).square().mean());
        // ---------- Backpropagation (compute gradients) ----------
        let d_loss_y_pred = t.tap("d_loss_y_pred", 2.0 * (&y_pred - &y));
        let d_y_pred_final = t.tap("d_y_pred_final", sigmoid_derivative(&y_pred));
        let d_final_input = t.tap("d_final_input", &d_loss_y_pred * &d_y_pred_final);
        let d_hidden_to_output =
            t.tap("d_hidden_to_output", dot(hidden_output.t(), &d_final_input));
        let d_b2 = t.tap("d_b2", d_final_input.sum_rows());
        let d_hidden_input = dot(&d_final_input, w2.t()) * sigmoid_derivative(&hidden_output);
        let d_hidden_input = t.tap("d_hidden_input", d_hidden_input);
        let d_input_to_hidden = t.tap("d_input_to_hidden", dot(x.t(), &d_hidden_input));
        let d_b1 = t.tap("d_b1", d_hidden_input.sum_rows());
        // ---------- Parameter updates (Gradient Descent) ----------
        w2 -= lr * d_hidden_to_output;
        b2 -= lr * d_b2;
        w1 -= lr * d_input_to_hidden;
        b1 -= lr * d_b1;
        t.tap_each(".updated", &["W2", "b2", "W1", "b1"], [&w2, &b2, &w1, &b1]);
        if epoch % 1000 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", pyfmt::fixed(loss, 4)));
        }
        record.end_step(epoch, loss, || y_pred.to_vec());
    }
    let mut trained = Trained {
        params: [w1, b1, w2, b2],
        forward,
    };
    epilogue(&mut record, &mut trained, y_pred.values())?;
    Ok(record)
}

/// The notebook's forward pass (it never runs it after training; `predictions.csv` does).
fn forward(x: &Array, [w1, b1, w2, b2]: [&Array; 4]) -> Array {
    let hidden_output = sigmoid(&(dot(x, w1) + b1));
    sigmoid(&(dot(&hidden_output, w2) + b2))
}

/// After training, shared by the notebook's engines: "Final Predictions (rounded)" and the
/// predicted and true classes, all from `y_pred`, the last training epoch's forward pass
/// (`last_epoch`); then the trained parameters and outputs.
pub fn epilogue(record: &mut RunRecord, net: &mut dyn Network, last_epoch: &[f64]) -> Result<()> {
    // After training, y_pred contains predictions on the training set (of the last epoch).
    record.print("\nFinal Predictions (rounded):");
    let rounded: Vec<f64> = last_epoch.iter().map(|p| pyfmt::np_round(*p, 3)).collect();
    record.print(pyfmt::ndarray(&rounded, &[4, 1]));
    let pred_binary: Vec<i64> = last_epoch.iter().map(|p| (*p >= 0.5) as i64).collect();
    let classes = pyfmt::ndarray_int(&pred_binary, &[4, 1]);
    record.print(format!("Predicted classes:\n {classes}"));
    let y: Vec<i64> = xor::TARGETS.iter().map(|&v| v as i64).collect();
    record.print(format!(
        "True classes:\n {}",
        pyfmt::ndarray_int(&y, &[4, 1])
    ));
    record.last_epoch_predictions = xor::predictions(last_epoch);
    record_trained(record, &PARAMS, net)?;
    Ok(())
}

// The registry entry and the report's notes.
use super::run_files::{Notes, RunFiles};
use super::{Experiment, Framework, TracedOp};
use std::fmt::Write as _;

/// The registry entry (`list` shows it).
pub const EXPERIMENT: Experiment = Experiment {
    name: "numpy-sigmoid2-mse",
    notebook: "004_64eea6854d56fd8e.txt",
    framework: Framework::NumPy,
    net: "2→2 sigmoid→1 sigmoid",
    objective:
        "MSE, gradient 2(ŷ−y) without 1/N, gradient descent lr 0.1 (hand-written backprop, float64)",
    steps: 10_000,
    step_unit: "epochs",
    lr: 0.1,
    default_seed: 42,
    reference_script: "numpy_sigmoid2_mse.py",
    run: Some(run),
    notes,
    prints_loss: |line| line.contains("Loss:"),
    traced_ops: &[
        TracedOp {
            name: "hidden_input",
            code: "hidden_input = np.dot(X, W1) + b1",
            library: "openblas",
        },
        TracedOp {
            name: "exp(-hidden_input)",
            code: "np.exp(-hidden_input) in sigmoid(hidden_input)",
            library: "numpy-exp",
        },
        TracedOp {
            name: "hidden_output",
            code: "hidden_output = sigmoid(hidden_input)",
            library: "numpy-exp",
        },
        TracedOp {
            name: "final_input",
            code: "final_input = np.dot(hidden_output, W2) + b2",
            library: "openblas",
        },
        TracedOp {
            name: "exp(-final_input)",
            code: "np.exp(-final_input) in sigmoid(final_input)",
            library: "numpy-exp",
        },
        TracedOp {
            name: "y_pred",
            code: "y_pred = sigmoid(final_input)",
            library: "numpy-exp",
        },
        TracedOp {
            name: "d_hidden_to_output",
            code: "d_hidden_to_output = np.dot(hidden_output.T, d_final_input)",
            library: "openblas",
        },
        TracedOp {
            name: "d_hidden_input",
            code:
                "d_hidden_input = np.dot(d_final_input, W2.T) * sigmoid_derivative(hidden_output)",
            library: "openblas",
        },
        TracedOp {
            name: "d_input_to_hidden",
            code: "d_input_to_hidden = np.dot(X.T, d_hidden_input)",
            library: "openblas",
        },
    ],
    recorded_settings: None,
};

/// The notes in `REPORT.md`.
fn notes(run: &RunFiles) -> Notes {
    let mut s = String::from(
        "The gradient is `2 * (y_pred - y)` without the 1/N of the mean the loss uses \
         (the comment claims `np.mean` makes the factor implicit; it does not), so each \
         step is 4× the MSE gradient and lr 0.1 acts as 0.4. \"Final Predictions \
         (rounded)\" prints `y_pred`, the last epoch's forward pass before its update \
         (`last_epoch_predictions.csv`). At seed 42 the notebook ends on a plateau: \
         outputs [0.03, 0.498, 0.971, 0.501], loss 0.1264 heading for 0.125, predicted \
         classes [0, 0, 1, 1] — half right.",
    );
    if let (Some(o), Some(l)) = (run.trained_outputs(), run.column("loss.csv")) {
        let _ = write!(
            s,
            " This run ends `{}` with final loss {} and trained outputs [{}].",
            crate::sweep::outcome::classify(&o),
            l.last().map(|v| format!("{v:.4}")).unwrap_or_default(),
            o.iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Notes {
        text: s,
        // The outputs its "Final Predictions (rounded)" cell printed.
        printed_outputs: Some([0.03, 0.498, 0.971, 0.501]),
    }
}
