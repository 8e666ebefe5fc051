//! The plain tch port of notebook 001 (`001_8c51896e8b2845dd.txt`, an annotated
//! `XORNeuralNetwork`): 2→2 sigmoid→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 100 000
//! epochs, written as one would in tch: an `nn::VarStore` with two `nn::linear` layers,
//! autograd (`backward()`), `mse_loss` and `nn::Sgd`.
//!
//! Quirks kept: the layers are drawn as `nn.Linear` draws them (`xor_repro_port::init::linear`);
//! each epoch runs in the notebook's order `zero_grad`, forward, loss, `backward`, `step`; it
//! prints `Epoch {epoch}, Loss: {loss.item()}` every 1000 epochs (the capture shows no output);
//! X and y are integer lists made float32.

use super::{repr_item, values};
use xor_repro_port::{init, Autograd};
use anyhow::Result;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro::experiments::torch_sigmoid2_mse::epilogue;
use xor_repro::experiments::{Config, Network};
use xor_repro::record::RunRecord;

/// #1: `XORNeuralNetwork(input_dim, hidden_dim, output_dim)`.
struct XorNeuralNetwork {
    hidden_layer: nn::Linear,
    output_layer: nn::Linear,
}

impl XorNeuralNetwork {
    fn new(vs: &nn::Path, input_dim: i64, hidden_dim: i64, output_dim: i64) -> XorNeuralNetwork {
        let hidden_layer = init::linear(vs / "hidden_layer", input_dim, hidden_dim);
        let output_layer = init::linear(vs / "output_layer", hidden_dim, output_dim);
        XorNeuralNetwork {
            hidden_layer,
            output_layer,
        }
    }

    /// `hidden_output = torch.sigmoid(self.hidden_layer(x))`,
    /// `output = torch.sigmoid(self.output_layer(hidden_output))`, each value traced as the
    /// notebook's module hooks trace it.
    fn forward(&self, g: &Autograd, x: &Tensor) -> Tensor {
        g.params(&self.named_parameters()[..2]);
        let hidden_layer_x = g.keep("hidden_layer(x)", x.apply(&self.hidden_layer));
        let hidden_output = g.keep("hidden_output", hidden_layer_x.sigmoid());
        g.params(&self.named_parameters()[2..]);
        let output_layer_hidden = hidden_output.apply(&self.output_layer);
        let output_layer_hidden = g.keep("output_layer(hidden_output)", output_layer_hidden);
        g.keep("predictions", output_layer_hidden.sigmoid())
    }

    /// `model.named_parameters()`.
    fn named_parameters(&self) -> [(&'static str, &Tensor); 4] {
        [
            ("hidden_layer.weight", &self.hidden_layer.ws),
            ("hidden_layer.bias", super::bias(&self.hidden_layer)),
            ("output_layer.weight", &self.output_layer.ws),
            ("output_layer.bias", super::bias(&self.output_layer)),
        ]
    }
}

impl Network for XorNeuralNetwork {
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

    // #0: the XOR data, integer lists as float32
    let (x, y) = crate::tensors::xor(Kind::Float);

    // #2: model = XORNeuralNetwork(input_dim, hidden_dim, output_dim)
    let vs = nn::VarStore::new(Device::Cpu);
    let mut model = XorNeuralNetwork::new(&vs.root(), 2, 2, 1);
    super::initial_params(cfg, &mut record, &model.named_parameters())?;

    // #3: criterion = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.1)
    let mut optimizer = nn::Sgd::default().build(&vs, cfg.lr)?;

    // #4, #5: the training loop
    let mut predictions = Tensor::new();
    for epoch in 0..cfg.steps {
        let g = Autograd::step(record.trace.step(epoch), &model.named_parameters());
        optimizer.zero_grad(); // reset the gradients of the params
        predictions = model.forward(&g, &x); // predictions = model(X)
        let loss = g.value("loss", predictions.mse_loss(&y, Reduction::Mean)); // criterion(…)
        g.backward(&loss); // loss.backward()
        optimizer.step(); // update params based on gradients to minimize loss
        if epoch % 1000 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", repr_item(&loss)));
        }
        record.end_step(epoch, loss.double_value(&[]), || values(&predictions));
    }
    epilogue(&mut record, &mut model, &values(&predictions))?;
    Ok(record)
}
