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
//! (`at::linear`, which is `addmm`), `torch.relu`, `nn.Sigmoid`, `mse_loss`, autograd, and
//! the C++ SGD step `p.add_(grad, -lr)` (one fused rounding, as `optim.SGD` does).

use super::{Config, Experiment, Framework};
use crate::record::{RunRecord, Stage};
use crate::{pyfmt, torch_init, xor};
use anyhow::Result;
use tch::{Kind, Reduction, Tensor};

pub const EXPERIMENT: Experiment = Experiment {
    name: "torch-relu4-mse",
    notebook: "000_ef3ae0d5554cfd9b.txt",
    framework: Framework::PyTorch,
    net: "2→4 ReLU→1 sigmoid",
    objective: "MSELoss(mean), optim.SGD lr 0.1",
    steps: 10_000,
    step_unit: "epochs",
    lr: 0.1,
    default_seed: 0,
    reference_script: "torch_relu4_mse.py",
    run,
};

const PARAMS: [&str; 4] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];

fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = RunRecord::default();
    tch::manual_seed(cfg.seed as i64);

    // Step 1: Create XOR Dataset
    let (x, y) = xor::tensors(Kind::Float);

    // Step 2, 3: XORNetwork(): fc1 = nn.Linear(2, 4), fc2 = nn.Linear(4, 1)
    let (w1, b1) = torch_init::linear(2, 4);
    let (w2, b2) = torch_init::linear(4, 1);
    let drawn = vec![(PARAMS[0], w1), (PARAMS[1], b1), (PARAMS[2], w2), (PARAMS[3], b2)];
    let params: Vec<Tensor> = cfg
        .initial_params(&mut record, drawn)?
        .into_iter()
        .map(|p| p.set_requires_grad(true))
        .collect();
    let [w1, b1, w2, b2] = &params[..] else { unreachable!() };
    let model = |x: &Tensor| x.linear(w1, Some(b1)).relu().linear(w2, Some(b2)).sigmoid();

    // Step 4: loss_fn = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.1)
    let optimizer = torch_init::sgd(&params, cfg.lr)?;

    // Step 5: train
    let epochs = cfg.steps;
    let mut predictions = Tensor::new();
    for epoch in 0..epochs {
        predictions = model(&x);
        record.track_solved(epoch, || torch_init::values(&predictions));
        let loss = predictions.mse_loss(&y, Reduction::Mean);
        optimizer.zero_grad()?;
        loss.backward();
        optimizer.step()?;
        let loss = loss.double_value(&[]);
        record.losses.push(loss);
        if epoch % 1000 == 0 {
            let loss = pyfmt::float_repr(loss);
            record.say(
                cfg.echo,
                format!("Epoch {}/{epochs}, Loss: {loss}", epoch + 1),
            );
        }
        cfg.tick(epoch);
    }

    // Inspect learned weights and bias for each layer
    let show = |p: &Tensor| pyfmt::tensor(&torch_init::values(p), &torch_init::shape(p), &[]);
    record.say(
        cfg.echo,
        format!("Learned Weights (Input → Hidden Layer):\n{}", show(w1)),
    );
    record.say(
        cfg.echo,
        format!("Learned Bias (Hidden Layer):\n{}", show(b1)),
    );
    record.say(
        cfg.echo,
        format!("Learned Weights (Hidden → Output Layer):\n{}", show(w2)),
    );
    record.say(
        cfg.echo,
        format!("Learned Bias (Output Layer):\n{}", show(b2)),
    );
    for (name, p) in PARAMS.iter().zip(&params) {
        record.push_param(Stage::Final, name, torch_init::values(p));
    }

    // Step 6: "Final predictions after training" -- but it prints `predictions`, the last
    // training epoch's forward pass.
    let final_predictions = tch::no_grad(|| model(&x));
    let stale = torch_init::values(&predictions);
    record.say(cfg.echo, "Final Predctions \n");
    record.say(
        cfg.echo,
        pyfmt::tensor(&stale, &[4, 1], &["grad_fn=<SigmoidBackward0>"]),
    );
    record.last_epoch_predictions = xor::predictions(&stale);
    record.predictions = xor::predictions(&torch_init::values(&final_predictions));
    Ok(record)
}
