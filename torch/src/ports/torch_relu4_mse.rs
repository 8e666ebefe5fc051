//! The plain tch port of notebook 000 (`000_ef3ae0d5554cfd9b.txt`, "Why Do We Need Hidden
//! Layers?"): `XORNetwork`, 2→4 ReLU→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 10 000
//! epochs, written as one would in tch: an `nn::VarStore` with two `nn::linear` layers,
//! autograd (`backward()`), `mse_loss` and `nn::Sgd`.
//!
//! Quirks kept: the layers are drawn as `nn.Linear` draws them (see [`super::reset_linear`]);
//! each epoch runs in the notebook's order forward, loss, `zero_grad`, `backward`, `step`; it
//! prints `Epoch {epoch+1}/{epochs}, Loss: {loss.item()}` every 1000 epochs; its "Final
//! Predctions" cell prints `predictions`, the last training epoch's forward pass (taken before
//! the last update): that is `last_epoch_predictions.csv`, and `predictions.csv` holds the
//! trained network's output.

use super::{intermediate_grads, reset_linear, trace_tensor, values};
use anyhow::{Context, Result};
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Reduction, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::{pyfmt, xor};

/// Step 2: `XORNetwork`: `fc1 = nn.Linear(2, 4)`, `fc2 = nn.Linear(4, 1)`.
struct XorNetwork {
    fc1: nn::Linear,
    fc2: nn::Linear,
}

/// `forward`'s values, kept for traces (autograd keeps them anyway).
struct Forward {
    fc1_x: Tensor,
    relu: Tensor,
    fc2_relu: Tensor,
    predictions: Tensor,
}

impl XorNetwork {
    fn new(vs: &nn::Path) -> XorNetwork {
        let mut fc1 = nn::linear(vs / "fc1", 2, 4, super::UNDRAWN);
        let mut fc2 = nn::linear(vs / "fc2", 4, 1, super::UNDRAWN);
        reset_linear(&mut fc1, 2);
        reset_linear(&mut fc2, 4);
        XorNetwork { fc1, fc2 }
    }

    /// `x = torch.relu(self.fc1(x)); x = self.sigmoid(self.fc2(x))`.
    fn forward(&self, x: &Tensor) -> Forward {
        let fc1_x = x.apply(&self.fc1);
        let relu = fc1_x.relu();
        let fc2_relu = relu.apply(&self.fc2);
        let predictions = fc2_relu.sigmoid();
        Forward {
            fc1_x,
            relu,
            fc2_relu,
            predictions,
        }
    }

    /// `model.named_parameters()`.
    fn named_parameters(&self) -> [(&'static str, &Tensor); 4] {
        [
            ("fc1.weight", &self.fc1.ws),
            ("fc1.bias", super::bias(&self.fc1)),
            ("fc2.weight", &self.fc2.ws),
            ("fc2.bias", super::bias(&self.fc2)),
        ]
    }
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);

    // Step 1: Create XOR Dataset
    let (x, y) = crate::tensors::xor(tch::Kind::Float);

    // Step 3: Instantiate the model
    let vs = nn::VarStore::new(Device::Cpu);
    let model = XorNetwork::new(&vs.root());
    super::initial_params(cfg, &mut record, &model.named_parameters())?;

    // Step 4: Define a loss function and an optimizer
    let mut optimizer = nn::Sgd::default().build(&vs, cfg.lr)?;

    // Step 5: Train the model using backpropagation
    let epochs = cfg.steps;
    let mut predictions = None;
    for epoch in 0..epochs {
        let traced = record.trace.on(epoch);
        let trace = &mut record.trace;
        for (name, p) in model.named_parameters() {
            trace_tensor(trace, epoch, name, p);
        }
        let f = model.forward(&x);
        for (name, t) in [
            ("fc1(x)", &f.fc1_x),
            ("relu", &f.relu),
            ("fc2(relu)", &f.fc2_relu),
            ("predictions", &f.predictions),
        ] {
            trace_tensor(trace, epoch, name, t);
        }
        let loss = f.predictions.mse_loss(&y, Reduction::Mean);
        trace_tensor(trace, epoch, "loss", &loss);
        optimizer.zero_grad();
        let grads = if traced {
            intermediate_grads(&loss, &[&f.predictions, &f.fc2_relu, &f.relu, &f.fc1_x])
        } else {
            Vec::new()
        };
        loss.backward();
        if traced {
            let [w1, b1, w2, b2] = model.named_parameters().map(|(_, p)| p.grad());
            for (name, g) in [
                ("predictions.grad", &grads[0]),
                ("fc2(relu).grad", &grads[1]),
                ("fc2.weight.grad", &w2),
                ("fc2.bias.grad", &b2),
                ("relu.grad", &grads[2]),
                ("fc1(x).grad", &grads[3]),
                ("fc1.weight.grad", &w1),
                ("fc1.bias.grad", &b1),
            ] {
                trace_tensor(trace, epoch, name, g);
            }
        }
        optimizer.step();
        if traced {
            for (name, p) in model.named_parameters() {
                trace_tensor(trace, epoch, &format!("{name}.updated"), p);
            }
        }

        let loss = f64::try_from(&loss)?; // loss.item()
        record.losses.push(loss);
        record.track_solved(epoch, || values(&f.predictions));
        if epoch % 1000 == 0 {
            let loss = pyfmt::float_repr(loss);
            record.print(format!("Epoch {}/{epochs}, Loss: {loss}", epoch + 1),
            );
        }
        predictions = Some(f.predictions);
        cfg.tick(epoch);
    }
    let predictions = predictions
        .context("the notebook prints the last epoch's predictions: train at least one epoch")?;

    // Inspect learned weights and bias for each layer
    let show = |t: &Tensor| pyfmt::tensor(&values(t), &super::shape(t), &[]);
    let [(_, w1), (_, b1), (_, w2), (_, b2)] = model.named_parameters();
    record.print(format!("Learned Weights (Input → Hidden Layer):\n{}", show(w1)),
    );
    record.print(format!("Learned Bias (Hidden Layer):\n{}", show(b1)),
    );
    record.print(format!("Learned Weights (Hidden → Output Layer):\n{}", show(w2)),
    );
    record.print(format!("Learned Bias (Output Layer):\n{}", show(b2)),
    );
    for (name, p) in model.named_parameters() {
        record.push_param(Stage::Final, name, values(p));
    }

    // Step 6: Final predictions after training -- but the notebook prints `predictions`.
    let final_predictions = tch::no_grad(|| model.forward(&x).predictions);
    record.print("Final Predctions \n");
    let grad_fn = ["grad_fn=<SigmoidBackward0>"];
    record.print(pyfmt::tensor(&values(&predictions), &[4, 1], &grad_fn),
    );
    record.last_epoch_predictions = xor::predictions(&values(&predictions));
    record.predictions = xor::predictions(&values(&final_predictions));
    Ok(record)
}
