//! Notebook 002, NumPy part (`002_537c36a4ddaa79e8.txt`, cells 4–9), the plain tch port: the
//! notebook's hand-written 2→10 ReLU→1 sigmoid network in float64 tensors, mean squared error,
//! full-batch gradient descent lr 1.5 for 500 epochs after `np.random.seed(1)`.
//!
//! What it shares with the exact engine is only what is not a kernel: NumPy's legacy
//! `RandomState.randn` draw ([`xor_repro::rng::numpy`]), the 50×50 surface grid, the printing.
//! Every computation is libtorch's own (`matmul`, `exp`, `sum_dim_intlist`, `mean`), so it
//! parts from NumPy (SVML or libm `exp`, OpenBLAS products) in the last bits; `explain` shows
//! where. The notebook's quirks, kept:
//! - `X` and `Y` are integer arrays, promoted to float64 where they meet the weights (here
//!   explicitly, since libtorch's `matmul` does not promote); the printout shows them as
//!   integers (`Input: [0 1]`).
//! - `dA2 = 2 * (A2 - Y) / Y.shape[0]`, and the sigmoid derivative recomputed from `Z2`.
//! - Updates `W1, b1, W2, b2` in that order, `W -= learning_rate * dW` (two roundings).
//! - `{loss:.4f}` every 20 epochs; `pred.round()` per input; then `predict(X)` and the
//!   accuracy, and the network on the notebook's 50×50 meshgrid (`surface.csv`).
//!
//! Traced (`--trace`) under the Python side's names: `W1 b1 W2 b2`, `Z1 A1 Z2 exp(-Z2) A2 loss`,
//! `dA2 dZ2 dW2 db2 dA1 dZ1 dW1 db1`, then `W1.updated` … `b2.updated`.

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

// In [6]: the activation functions.
fn relu(z: &Tensor) -> Tensor {
    z.relu()
}
fn relu_derivative(z: &Tensor) -> Tensor {
    z.gt(0.0).to_kind(Kind::Double)
}
/// `1/(1+np.exp(-z))`; `reciprocal` is the `1/`, one IEEE division.
fn sigmoid(z: &Tensor) -> Tensor {
    (1f64 + (-z).exp()).reciprocal()
}
fn sigmoid_derivative(z: &Tensor) -> Tensor {
    let s = sigmoid(z);
    &s * (1.0 - &s)
}

// In [7]: predict(x)
fn predict(x: &Tensor, [w1, b1, w2, b2]: [&Tensor; 4]) -> Tensor {
    let z1 = x.matmul(w1) + b1;
    let a1 = relu(&z1);
    let z2 = a1.matmul(w2) + b2;
    sigmoid(&z2)
}

fn randn(rng: &mut RandomState, rows: usize, cols: usize) -> Tensor {
    Tensor::from_slice(&rng.randn(&[rows, cols])).reshape([rows as i64, cols as i64])
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();

    // In [5]: XOR input and output, integer arrays; NumPy promotes them to float64.
    let (x_int, y_int) = tensors::xor(Kind::Int64);
    let (x, y) = (x_int.to_kind(Kind::Double), y_int.to_kind(Kind::Double));

    // In [8]: #Initialize weights
    let mut rng = RandomState::new(cfg.seed as u32);
    let (input_dimension, hidden_dimension, output_dimension) = (2, 10, 1);
    let w1 = randn(&mut rng, input_dimension, hidden_dimension);
    let b1 = Tensor::zeros([1, hidden_dimension as i64], F64);
    let w2 = randn(&mut rng, hidden_dimension, output_dimension);
    let b2 = Tensor::zeros([1, output_dimension as i64], F64);
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

    //Training Loop
    let epochs = cfg.steps;
    let learning_rate = cfg.lr;
    let mut a2 = Tensor::zeros([4, 1], F64);
    for epoch in 0..epochs {
        trace(
            &mut record,
            epoch,
            &[("W1", &w1), ("b1", &b1), ("W2", &w2), ("b2", &b2)],
        );

        // Forward pass
        let z1 = x.matmul(&w1) + &b1;
        let a1 = relu(&z1);
        let z2 = a1.matmul(&w2) + &b2;
        a2 = sigmoid(&z2);
        record.track_solved(epoch, || tensors::values(&a2));

        //Loss (MSE)
        let loss = (&a2 - &y).square().mean(Kind::Double);
        record.losses.push(loss.double_value(&[]));

        //Backpropagation
        let n = y.size()[0] as f64;
        let da2 = 2.0 * (&a2 - &y) / n;
        let dz2 = &da2 * sigmoid_derivative(&z2);
        let dw2 = a1.tr().matmul(&dz2);
        let db2 = dz2.sum_dim_intlist(0, true, Kind::Double);

        let da1 = dz2.matmul(&w2.tr());
        let dz1 = &da1 * relu_derivative(&z1);
        let dw1 = x.tr().matmul(&dz1);
        let db1 = dz1.sum_dim_intlist(0, true, Kind::Double);

        if record.trace.on(epoch) {
            let exp_neg_z2 = (-&z2).exp();
            trace(
                &mut record,
                epoch,
                &[
                    ("Z1", &z1),
                    ("A1", &a1),
                    ("Z2", &z2),
                    ("exp(-Z2)", &exp_neg_z2),
                    ("A2", &a2),
                    ("loss", &loss),
                    ("dA2", &da2),
                    ("dZ2", &dz2),
                    ("dW2", &dw2),
                    ("db2", &db2),
                    ("dA1", &da1),
                    ("dZ1", &dz1),
                    ("dW1", &dw1),
                    ("db1", &db1),
                ],
            );
        }

        // Update weights
        w1 -= learning_rate * &dw1;
        b1 -= learning_rate * &db1;
        w2 -= learning_rate * &dw2;
        b2 -= learning_rate * &db2;
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
    record.last_epoch_predictions = xor::predictions(&tensors::values(&a2));
    let params = [&w1, &b1, &w2, &b2];

    record.print("\nPredictions after training:");
    for (i, target) in xor::TARGETS.iter().enumerate() {
        let xi = x.get(i as i64).reshape([1, -1]);
        let pred = predict(&xi, params).round();
        let inputs: Vec<i64> = Vec::try_from(&x_int.get(i as i64))?;
        record.print(format!(
                "Input: {}, Predicted: {}, True: {}",
                pyfmt::ndarray_int(&inputs, &[2]),
                pyfmt::ndarray(&tensors::values(&pred), &[1, 1]),
                pyfmt::ndarray_int(&[*target as i64], &[1])
            ),
        );
    }

    // In [9]: (loss plot skipped)
    let preds = predict(&x, params);
    let preds_binary = preds.gt(0.5).to_kind(Kind::Int64);
    let acc = preds_binary
        .squeeze()
        .eq_tensor(&y_int.squeeze())
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[]);
    let preds = tensors::values(&preds);
    record.print(format!("Final XOR preds: {}", pyfmt::ndarray(&preds, &[4, 1])),
    );
    record.print(format!("Accuracy: {}", pyfmt::float_repr(acc)));
    record.predictions = xor::predictions(&preds);

    // SURFACE PLOT: the notebook's grid points (shared, so the two sides' rows pair up).
    let grid = xor_repro::experiments::numpy_relu10_mse::surface_grid();
    let pts: Vec<f64> = grid.iter().flatten().copied().collect();
    let pts = Tensor::from_slice(&pts).reshape([grid.len() as i64, 2]);
    let a2g = tensors::values(&predict(&pts, params));
    record.surface = grid
        .iter()
        .zip(a2g)
        .map(|([x1, x2], z)| [*x1, *x2, z])
        .collect();
    Ok(record)
}
