//! Notebook 000 (`000_ef3ae0d5554cfd9b.txt`, "Why Do We Need Hidden Layers?"): a PyTorch
//! `nn.Module` 2→4 ReLU→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 10 000 epochs.
//!
//! Quirks kept: the notebook sets no seed (we default to 0); it prints
//! `Epoch {epoch+1}/{epochs}, Loss: {loss.item()}` every 1000 epochs; its "Final Predctions"
//! cell computes `final_predictions` but prints `predictions`, the forward pass of the last
//! training epoch taken before the last update. That is `last_epoch_predictions.csv`;
//! `predictions.csv` holds the trained network's true output.
//!
//! Bit identity with Python needs libtorch's own kernels in Python's order: `F.linear`
//! (`at::linear`, which is `addmm`), `torch.relu`, `nn.Sigmoid`, `mse_loss`, the backward
//! kernels autograd runs for them, and SGD's fused `p.add_(grad, alpha=-lr)`; `backprop.rs`
//! calls exactly those, without autograd's bookkeeping.

use super::backprop::{Hidden, TraceNames, TwoLayerNet};
use crate::tensors::{self, InitialTensors};
use crate::torch_init;
use anyhow::Result;
use tch::{Kind, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::{pyfmt, xor};

const PARAMS: [&str; 4] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];

/// The names in `trace.csv`, as the Python reference traces them.
const TRACE_NAMES: TraceNames = TraceNames {
    params: PARAMS,
    forward: ["fc1(x)", "relu", "fc2(relu)", "predictions"],
};

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);

    // Step 1: Create XOR Dataset
    let (x, y) = tensors::xor(Kind::Float);

    // Step 2, 3: XORNetwork(): fc1 = nn.Linear(2, 4), fc2 = nn.Linear(4, 1)
    let (w1, b1) = torch_init::linear(2, 4);
    let (w2, b2) = torch_init::linear(4, 1);
    let drawn = vec![
        (PARAMS[0], w1),
        (PARAMS[1], b1),
        (PARAMS[2], w2),
        (PARAMS[3], b2),
    ];
    let [w1, b1, w2, b2]: [Tensor; 4] = cfg
        .initial_params(&mut record, drawn)?
        .try_into()
        .expect("four parameters");
    let mut model = TwoLayerNet::new([w1, b1, w2, b2], Hidden::Relu, 4);

    // Step 4: loss_fn = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.1):
    // `model.mse_loss`, `model.backward` and `model.sgd_step` run the kernels they run.

    // Step 5: train
    let epochs = cfg.steps;
    for epoch in 0..epochs {
        model.forward(&x); // predictions = model(X)
        record.track_solved(epoch, || model.outputs());
        let loss = model.mse_loss(&y); // loss = loss_fn(predictions, y)
        model.backward(&x, &y); // optimizer.zero_grad(); loss.backward()
        model.trace_step(&mut record.trace, epoch, &TRACE_NAMES, loss);
        model.sgd_step(cfg.lr); // optimizer.step()
        model.trace_updated(&mut record.trace, epoch, &TRACE_NAMES);
        record.losses.push(loss);
        if epoch % 1000 == 0 {
            let loss = pyfmt::float_repr(loss);
            record.print(format!("Epoch {}/{epochs}, Loss: {loss}", epoch + 1),
            );
        }
        cfg.tick(epoch);
    }
    // `predictions` is the last epoch's forward pass, taken before its update.
    let predictions = model.outputs();
    let [w1, b1, w2, b2] = &model.params;

    // Inspect learned weights and bias for each layer
    let show = |p: &Tensor| pyfmt::tensor(&tensors::values(p), &tensors::shape(p), &[]);
    record.print(format!("Learned Weights (Input → Hidden Layer):\n{}", show(w1)),
    );
    record.print(format!("Learned Bias (Hidden Layer):\n{}", show(b1)),
    );
    record.print(format!("Learned Weights (Hidden → Output Layer):\n{}", show(w2)),
    );
    record.print(format!("Learned Bias (Output Layer):\n{}", show(b2)),
    );
    for (name, p) in PARAMS.iter().zip(&model.params) {
        record.push_param(Stage::Final, name, tensors::values(p));
    }

    // Step 6: "Final predictions after training" -- but it prints `predictions`, the last
    // training epoch's forward pass.
    model.forward(&x);
    let final_predictions = model.outputs();
    record.print("Final Predctions \n");
    record.print(pyfmt::tensor(&predictions, &[4, 1], &["grad_fn=<SigmoidBackward0>"]),
    );
    record.last_epoch_predictions = xor::predictions(&predictions);
    record.predictions = xor::predictions(&final_predictions);
    Ok(record)
}

// The libtorch registry's entry (`super::TRAINING`).
use super::Training;

pub const TRAINING: Training = Training {
    name: "torch-relu4-mse",
    run,
};
