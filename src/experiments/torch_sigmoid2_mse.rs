//! Notebook 001 (`001_8c51896e8b2845dd.txt`, an annotated `XORNeuralNetwork`): a PyTorch
//! `nn.Module` 2→2 sigmoid→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 100 000 epochs;
//! `torch-sigmoid2-mse` in the registry.
//!
//! Quirks kept: the notebook sets no seed (we default to 0) and printed nothing (its
//! capture is of the code and hand-written notes only); each epoch runs in its order
//! `zero_grad`, forward, loss, `backward`, `step`, printing `Epoch {epoch}, Loss:
//! {loss.item()}` every 1000 epochs. Its X and y are integer lists made float32.
//!
//! This is the exact engine in plain Rust (`crate::experiments::torch_net`, on ports of libtorch's
//! kernels). Where libtorch's kernel paths here are not reproduced, the run goes to the
//! libtorch-backed engine, `torch/src/libtorch_engine/torch_sigmoid2_mse.rs`; the plain tch port
//! is `torch/src/ports/`.

use super::network::{record_trained, Network};
use super::run_files::{Notes, RunFiles};
use super::{float32, Config, Experiment, Framework, TracedOp};
use crate::experiments::torch_net::{Hidden, PlainRust, TorchEngine, TorchModule, TraceNames};
use crate::record::RunRecord;
use crate::{pyfmt, xor};
use anyhow::Result;

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

/// The exact engine: the notebook on ports of libtorch's generator and kernels.
pub fn run(cfg: &Config) -> Result<RunRecord> {
    run_on::<PlainRust>(cfg)
}

/// The notebook, top to bottom, on engine `E`: [`PlainRust`], or the libtorch-backed engine
/// (`torch/src/libtorch_engine/`) where libtorch's paths here are not reproduced.
pub fn run_on<E: TorchEngine>(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    let mut torch = E::manual_seed(cfg.seed)?;

    // #0: X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
    let (x, y) = xor::float32();

    // #2: model = XORNeuralNetwork(input_dim=2, hidden_dim=2, output_dim=1)
    let (w1, b1) = torch.linear(2, 2);
    let (w2, b2) = torch.linear(2, 1);
    let params = cfg
        .initial_params(
            &mut record,
            [
                (PARAMS[0], float32(&[2, 2], w1)),
                (PARAMS[1], float32(&[2], b1)),
                (PARAMS[2], float32(&[1, 2], w2)),
                (PARAMS[3], float32(&[1], b2)),
            ],
        )?
        .map(|p| p.values);
    let mut model = torch.module(params, Hidden::Sigmoid, &TRACE_NAMES);

    // #3: criterion = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.1)

    // #4, #5: the training loop
    for epoch in 0..cfg.steps {
        let t = record.trace.step(epoch);
        // optimizer.zero_grad(): nothing to do, `backward` overwrites the gradients
        model.forward(&t, &x); // predictions = model(X)
        let loss = t.tap("loss", model.mse_loss(&y)); // loss = criterion(predictions, y)
        model.backward(&t, &x, &y); // loss.backward()
        model.sgd_step(&t, cfg.lr); // optimizer.step()
        if epoch % 1000 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", pyfmt::float_repr(loss)));
        }
        record.end_step(epoch, loss, || model.outputs());
    }
    let predictions = model.outputs();
    epilogue(&mut record, &mut model, &predictions)?;
    Ok(record)
}

/// After training, shared by the notebook's engines: the notebook prints nothing more; the
/// last epoch's outputs (`last_epoch`), the trained parameters and the trained network's
/// outputs are recorded.
pub fn epilogue(record: &mut RunRecord, model: &mut dyn Network, last_epoch: &[f64]) -> Result<()> {
    record.last_epoch_predictions = xor::predictions(last_epoch);
    record_trained(record, &PARAMS, model)?;
    Ok(())
}

/// The registry entry (`list` shows it).
pub const EXPERIMENT: Experiment = Experiment {
    name: "torch-sigmoid2-mse",
    notebook: "001_8c51896e8b2845dd.txt",
    framework: Framework::PyTorch,
    net: "2→2 sigmoid→1 sigmoid",
    objective: "MSELoss(mean), optim.SGD lr 0.1",
    steps: 100_000,
    step_unit: "epochs",
    lr: 0.1,
    default_seed: 0,
    reference_script: "torch_sigmoid2_mse.py",
    run: Some(run),
    notes,
    prints_loss: |line| line.contains("Loss:"),
    traced_ops: &[
        TracedOp {
            name: "hidden_layer(x)",
            code: "self.hidden_layer(x): addmm(bias, x, weight.t())",
            library: "mkl",
        },
        TracedOp {
            name: "hidden_output",
            code: "self.sigmoid(self.hidden_layer(x))",
            library: "aten",
        },
        TracedOp {
            name: "output_layer(hidden_output)",
            code: "self.output_layer(hidden_output): addmm(bias, hidden_output, weight.t())",
            library: "mkl",
        },
        TracedOp {
            name: "predictions",
            code: "self.sigmoid(self.output_layer(hidden_output))",
            library: "aten",
        },
        TracedOp {
            name: "output_layer.weight.grad",
            code: "loss.backward(): grad.t().mm(hidden_output)",
            library: "mkl",
        },
        TracedOp {
            name: "hidden_output.grad",
            code: "loss.backward(): grad.mm(output_layer.weight)",
            library: "mkl",
        },
        TracedOp {
            name: "hidden_layer.weight.grad",
            code: "loss.backward(): grad.t().mm(x)",
            library: "mkl",
        },
        TracedOp {
            name: "hidden_layer.weight.updated",
            code: "optimizer.step(): p.add_(grad, alpha=-lr)",
            library: "aten",
        },
    ],
    recorded_settings: None,
};

/// The notes in `REPORT.md`.
fn notes(_run: &RunFiles) -> Notes {
    Notes::text(
        "100 000 epochs of `optim.SGD` on a 2→2→1 sigmoid net; `zero_grad` comes before \
         the forward pass, and the loss is printed every 1000 epochs (the capture shows no \
         output). Bit identity over all 100 000 epochs needs `add_(grad, alpha=-lr)` \
         rounded as libtorch's kernel set rounds it: one fused multiply-add in `avx2` and \
         `avx512`, a product then a sum in `default`.",
    )
}
