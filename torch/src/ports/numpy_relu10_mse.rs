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
//! Traced (`--trace`) under the Python side's names, one tap per line of the loop.

use xor_repro_port::TapTensor;
use super::{fixed_item, Trained};
use crate::tensors::{self, values, Param};
use anyhow::Result;
use tch::{Device, Kind, Tensor};
use xor_repro::experiments::numpy_relu10_mse::epilogue;
use xor_repro::experiments::Config;
use xor_repro::record::RunRecord;
use xor_repro::rng::numpy::RandomState;

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

/// `np.sum(t, axis=0, keepdims=True)`.
fn sum_rows(t: &Tensor) -> Tensor {
    t.sum_dim_intlist(0, true, Kind::Double)
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
    let drawn = [
        (PARAMS[0], Param(w1)),
        (PARAMS[1], Param(b1)),
        (PARAMS[2], Param(w2)),
        (PARAMS[3], Param(b2)),
    ];
    let [mut w1, mut b1, mut w2, mut b2]: [Tensor; 4] =
        cfg.initial_params(&mut record, drawn)?.map(|p| p.0);

    //Training Loop
    let epochs = cfg.steps;
    let learning_rate = cfg.lr;
    let mut a2 = Tensor::zeros([4, 1], F64);
    for epoch in 0..epochs {
        let t = record.trace.step(epoch);
        t.tensor_each("", &PARAMS, [&w1, &b1, &w2, &b2]);
        // Forward pass
        let z1 = t.tensor("Z1", x.matmul(&w1) + &b1);
        let a1 = t.tensor("A1", relu(&z1));
        let z2 = t.tensor("Z2", a1.matmul(&w2) + &b2);
        t.tap_with("exp(-Z2)", || values(&(-&z2).exp())); // the exp in sigmoid(Z2)
        a2 = t.tensor("A2", sigmoid(&z2));
        //Loss (MSE)
        let loss = t.tensor("loss", (&a2 - &y).square().mean(Kind::Double));
        //Backpropagation
        let n = y.size()[0] as f64;
        let da2 = t.tensor("dA2", 2.0 * (&a2 - &y) / n);
        let dz2 = t.tensor("dZ2", &da2 * sigmoid_derivative(&z2));
        let dw2 = t.tensor("dW2", a1.tr().matmul(&dz2));
        let db2 = t.tensor("db2", sum_rows(&dz2));
        let da1 = t.tensor("dA1", dz2.matmul(&w2.tr()));
        let dz1 = t.tensor("dZ1", &da1 * relu_derivative(&z1));
        let dw1 = t.tensor("dW1", x.tr().matmul(&dz1));
        let db1 = t.tensor("db1", sum_rows(&dz1));
        // Update weights
        w1 -= learning_rate * &dw1;
        b1 -= learning_rate * &db1;
        w2 -= learning_rate * &dw2;
        b2 -= learning_rate * &db2;
        t.tensor_each(".updated", &PARAMS, [&w1, &b1, &w2, &b2]);
        if epoch % 20 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", fixed_item(&loss, 4)));
        }
        record.end_step(epoch, loss.double_value(&[]), || values(&a2));
    }
    let mut trained = Trained {
        params: [w1, b1, w2, b2],
        kind: Kind::Double,
        forward: predict,
    };
    epilogue(&mut record, &mut trained, &values(&a2))?;
    Ok(record)
}
