//! The plain tch port of notebook 001 (`001_8c51896e8b2845dd.txt`, an annotated
//! `XORNeuralNetwork`): 2→2 sigmoid→1 sigmoid, `nn.MSELoss()`, `optim.SGD(lr=0.1)`, 100 000
//! epochs, written as one would in tch: an `nn::VarStore` with two `nn::linear` layers,
//! autograd (`backward()`), `mse_loss` and `nn::Sgd`.
//!
//! Quirks kept: the layers are drawn as `nn.Linear` draws them (see [`super::reset_linear`]);
//! each epoch runs in the notebook's order `zero_grad`, forward, loss, `backward`, `step`; it
//! prints `Epoch {epoch}, Loss: {loss.item()}` every 1000 epochs (the capture shows no output);
//! X and y are integer lists made float32.

use super::{intermediate_grads, reset_linear, trace_tensor, values};
use anyhow::Result;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::{pyfmt, xor};

/// #1: `XORNeuralNetwork(input_dim, hidden_dim, output_dim)`.
struct XorNeuralNetwork {
    hidden_layer: nn::Linear,
    output_layer: nn::Linear,
}

/// `forward`'s values, kept for traces (autograd keeps them anyway).
struct Forward {
    hidden_layer_x: Tensor,
    hidden_output: Tensor,
    output_layer_hidden: Tensor,
    output: Tensor,
}

impl XorNeuralNetwork {
    fn new(vs: &nn::Path, input_dim: i64, hidden_dim: i64, output_dim: i64) -> XorNeuralNetwork {
        let mut hidden_layer =
            nn::linear(vs / "hidden_layer", input_dim, hidden_dim, super::UNDRAWN);
        let mut output_layer =
            nn::linear(vs / "output_layer", hidden_dim, output_dim, super::UNDRAWN);
        reset_linear(&mut hidden_layer, input_dim);
        reset_linear(&mut output_layer, hidden_dim);
        XorNeuralNetwork {
            hidden_layer,
            output_layer,
        }
    }

    /// `hidden_output = torch.sigmoid(self.hidden_layer(x))`,
    /// `output = torch.sigmoid(self.output_layer(hidden_output))`.
    fn forward(&self, x: &Tensor) -> Forward {
        let hidden_layer_x = x.apply(&self.hidden_layer);
        let hidden_output = hidden_layer_x.sigmoid();
        let output_layer_hidden = hidden_output.apply(&self.output_layer);
        let output = output_layer_hidden.sigmoid();
        Forward {
            hidden_layer_x,
            hidden_output,
            output_layer_hidden,
            output,
        }
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

pub fn run(cfg: &Config) -> Result<RunRecord> {
    let mut record = cfg.record();
    tch::manual_seed(cfg.seed as i64);

    // #0: the XOR data, integer lists as float32
    let (x, y) = crate::tensors::xor(Kind::Float);

    // #2: model = XORNeuralNetwork(input_dim, hidden_dim, output_dim)
    let vs = nn::VarStore::new(Device::Cpu);
    let model = XorNeuralNetwork::new(&vs.root(), 2, 2, 1);
    super::initial_params(cfg, &mut record, &model.named_parameters())?;

    // #3: criterion = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.1)
    let mut optimizer = nn::Sgd::default().build(&vs, cfg.lr)?;

    // #4, #5: the training loop
    let epochs = cfg.steps;
    let mut predictions = None;
    for epoch in 0..epochs {
        let traced = record.trace.on(epoch);
        let trace = &mut record.trace;
        for (name, p) in model.named_parameters() {
            trace_tensor(trace, epoch, name, p);
        }
        optimizer.zero_grad(); // reset the gradients of the params
        let f = model.forward(&x); // predictions = model(X)
        for (name, t) in [
            ("hidden_layer(x)", &f.hidden_layer_x),
            ("hidden_output", &f.hidden_output),
            ("output_layer(hidden_output)", &f.output_layer_hidden),
            ("predictions", &f.output),
        ] {
            trace_tensor(trace, epoch, name, t);
        }
        let loss = f.output.mse_loss(&y, Reduction::Mean); // loss = criterion(predictions, y)
        trace_tensor(trace, epoch, "loss", &loss);
        let grads = if traced {
            let of = [
                &f.output,
                &f.output_layer_hidden,
                &f.hidden_output,
                &f.hidden_layer_x,
            ];
            intermediate_grads(&loss, &of)
        } else {
            Vec::new()
        };
        loss.backward();
        if traced {
            let [w1, b1, w2, b2] = model.named_parameters().map(|(_, p)| p.grad());
            for (name, g) in [
                ("predictions.grad", &grads[0]),
                ("output_layer(hidden_output).grad", &grads[1]),
                ("output_layer.weight.grad", &w2),
                ("output_layer.bias.grad", &b2),
                ("hidden_output.grad", &grads[2]),
                ("hidden_layer(x).grad", &grads[3]),
                ("hidden_layer.weight.grad", &w1),
                ("hidden_layer.bias.grad", &b1),
            ] {
                trace_tensor(trace, epoch, name, g);
            }
        }
        optimizer.step(); // update params based on gradients to minimize loss
        if traced {
            for (name, p) in model.named_parameters() {
                trace_tensor(trace, epoch, &format!("{name}.updated"), p);
            }
        }

        let loss = f64::try_from(&loss)?; // loss.item()
        record.losses.push(loss);
        record.track_solved(epoch, || values(&f.output));
        if epoch % 1000 == 0 {
            record.print(format!("Epoch {epoch}, Loss: {}", pyfmt::float_repr(loss)),
            );
        }
        predictions = Some(f.output);
        cfg.tick(epoch);
    }
    if let Some(predictions) = &predictions {
        record.last_epoch_predictions = xor::predictions(&values(predictions));
    }

    for (name, p) in model.named_parameters() {
        record.push_param(Stage::Final, name, values(p));
    }
    let trained = tch::no_grad(|| model.forward(&x).output);
    record.predictions = xor::predictions(&values(&trained));
    Ok(record)
}
