//! The plain tch port of notebook 000 (`000_ef3ae0d5554cfd9b.txt`, "Why Do We Need Hidden
//! Layers?"): `XORNetwork`, 2→4 ReLU→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 10 000
//! epochs, written as one would in tch: an `nn::VarStore` with two `nn::linear` layers,
//! autograd (`backward()`), `mse_loss` and `nn::Sgd`.
//!
//! Quirks kept: the layers are drawn as `nn.Linear` draws them (`xor_repro_port::init::linear`);
//! each epoch runs in the notebook's order forward, loss, `zero_grad`, `backward`, `step`; it
//! prints `Epoch {epoch+1}/{epochs}, Loss: {loss.item()}` every 1000 epochs; its "Final
//! Predctions" cell prints `predictions`, the last training epoch's forward pass (taken before
//! the last update): that is `last_epoch_predictions.csv`, and `predictions.csv` holds the
//! trained network's output.

use super::{repr_item, values};
use xor_repro_port::{init, Autograd};
use anyhow::Result;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Reduction, Tensor};
use xor_repro::experiments::torch_relu4_mse::epilogue;
use xor_repro::experiments::{Config, Network};
use xor_repro::record::RunRecord;

/// Step 2: `XORNetwork`: `fc1 = nn.Linear(2, 4)`, `fc2 = nn.Linear(4, 1)`.
struct XorNetwork {
    fc1: nn::Linear,
    fc2: nn::Linear,
}

impl XorNetwork {
    fn new(vs: &nn::Path) -> XorNetwork {
        let fc1 = init::linear(vs / "fc1", 2, 4);
        let fc2 = init::linear(vs / "fc2", 4, 1);
        XorNetwork { fc1, fc2 }
    }

    /// `x = torch.relu(self.fc1(x)); x = self.sigmoid(self.fc2(x))`, each value traced as
    /// the notebook's module hooks trace it.
    fn forward(&self, g: &Autograd, x: &Tensor) -> Tensor {
        g.params(&self.named_parameters()[..2]);
        let fc1_x = g.keep("fc1(x)", x.apply(&self.fc1));
        let relu = g.keep("relu", fc1_x.relu());
        g.params(&self.named_parameters()[2..]);
        let fc2_relu = g.keep("fc2(relu)", relu.apply(&self.fc2));
        g.keep("predictions", fc2_relu.sigmoid())
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

impl Network for XorNetwork {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.named_parameters()
            .iter()
            .map(|(_, p)| values(p))
            .collect()
    }

    fn predict(&mut self, inputs: &[[f64; 2]]) -> Result<Vec<f64>> {
        let x = super::inputs(inputs);
        let untraced = Autograd::step::<&str, &tch::Tensor>(Default::default(), &[]);
        Ok(values(&tch::no_grad(|| self.forward(&untraced, &x))))
    }
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);

    // Step 1: Create XOR Dataset
    let (x, y) = crate::tensors::xor(tch::Kind::Float);

    // Step 3: Instantiate the model
    let vs = nn::VarStore::new(Device::Cpu);
    let mut model = XorNetwork::new(&vs.root());
    super::initial_params(cfg, &mut record, &model.named_parameters())?;

    // Step 4: Define a loss function and an optimizer
    let mut optimizer = nn::Sgd::default().build(&vs, cfg.lr)?;

    // Step 5: Train the model using backpropagation
    let epochs = cfg.steps;
    let mut predictions = Tensor::new();
    for epoch in 0..epochs {
        let g = Autograd::step(record.trace.step(epoch), &model.named_parameters());
        predictions = model.forward(&g, &x); // predictions = model(X)
        let loss = g.value("loss", predictions.mse_loss(&y, Reduction::Mean));
        optimizer.zero_grad();
        g.backward(&loss); // loss.backward()
        optimizer.step();
        if epoch % 1000 == 0 {
            let loss = repr_item(&loss);
            record.print(format!("Epoch {}/{epochs}, Loss: {loss}", epoch + 1));
        }
        record.end_step(epoch, loss.double_value(&[]), || values(&predictions));
    }
    epilogue(&mut record, &mut model, &values(&predictions))?;
    Ok(record)
}
