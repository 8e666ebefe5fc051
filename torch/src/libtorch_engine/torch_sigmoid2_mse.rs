//! Notebook 001 (`001_8c51896e8b2845dd.txt`, an annotated `XORNeuralNetwork`): a PyTorch
//! `nn.Module` 2→2 sigmoid→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 100 000 epochs.
//!
//! Quirks kept: the notebook sets no seed (we default to 0) and printed nothing (its
//! capture is of the code and hand-written notes only); each epoch runs in its order
//! `zero_grad`, forward, loss, `backward`, `step`, printing `Epoch {epoch}, Loss:
//! {loss.item()}` every 1000 epochs. Its X and y are integer lists made float32.

use super::backprop::{Hidden, TraceNames, TwoLayerNet};
use crate::tensors::{self, InitialTensors};
use crate::torch_init;
use anyhow::Result;
use tch::{Kind, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::{pyfmt, xor};

const PARAMS: [&str; 4] = [
    "hidden_layer.weight",
    "hidden_layer.bias",
    "output_layer.weight",
    "output_layer.bias",
];

/// The names in `trace.csv`, as the Python reference traces them.
const TRACE_NAMES: TraceNames = TraceNames {
    params: PARAMS,
    forward: [
        "hidden_layer(x)",
        "hidden_output",
        "output_layer(hidden_output)",
        "predictions",
    ],
};

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);

    // #0: X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
    let (x, y) = tensors::xor(Kind::Float);

    // #2: model = XORNeuralNetwork(input_dim=2, hidden_dim=2, output_dim=1)
    let (w1, b1) = torch_init::linear(2, 2);
    let (w2, b2) = torch_init::linear(2, 1);
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
    let mut model = TwoLayerNet::new([w1, b1, w2, b2], Hidden::Sigmoid, 4);

    // #3: criterion = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.1):
    // `model.mse_loss`, `model.backward` and `model.sgd_step` run the kernels they run.

    // #4, #5: the training loop
    let epochs = cfg.steps;
    for epoch in 0..epochs {
        // optimizer.zero_grad(): nothing to do, `backward` overwrites the gradients
        model.forward(&x); // predictions = model(X)
        record.track_solved(epoch, || model.outputs());
        let loss = model.mse_loss(&y); // loss = criterion(predictions, y)
        model.backward(&x, &y); // loss.backward()
        model.trace_step(&mut record.trace, epoch, &TRACE_NAMES, loss);
        model.sgd_step(cfg.lr); // optimizer.step()
        model.trace_updated(&mut record.trace, epoch, &TRACE_NAMES);
        record.losses.push(loss);
        if epoch % 1000 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", pyfmt::float_repr(loss)),
            );
        }
        cfg.tick(epoch);
    }
    record.last_epoch_predictions = xor::predictions(&model.outputs());

    for (name, p) in PARAMS.iter().zip(&model.params) {
        record.push_param(Stage::Final, name, tensors::values(p));
    }
    model.forward(&x);
    record.predictions = xor::predictions(&model.outputs());
    Ok(record)
}

// The libtorch registry's entry (`super::TRAINING`).
use super::Training;

pub const TRAINING: Training = Training {
    name: "torch-sigmoid2-mse",
    run,
};
