//! The exact tch port of `script.py`: a CNN of 1 147 914 parameters (three blocks of Conv2d,
//! BatchNorm2d, ReLU and max-pooling, then two Linear layers) on 256 random 32×32 RGB images,
//! cross-entropy, Adam, and a `DataLoader` shuffling mini-batches of 64. It reads like the
//! script, line for line; where the idiomatic tch call gives other bits than PyTorch's, it
//! calls `xor_repro_port`'s or says what PyTorch does:
//! - `init::conv2d` and `init::linear` for `nn.Conv2d`'s and `nn.Linear`'s draws (tch's
//!   `nn::conv2d` and `nn::linear` draw otherwise);
//! - `nn::batch_norm2d` (`xor_repro_port::nn`) for `nn.BatchNorm2d`: tch's own layer with
//!   PyTorch's initial weight, ones (tch's default draws it from U(0, 1), which also moves the
//!   global generator), and the `num_batches_tracked` buffer tch's layer does not keep;
//!   `state_dict` and `named_buffers` list the buffers as PyTorch does, to record and trace;
//! - `optim::Adam` for `torch.optim.Adam` (tch's `nn::Adam` is libtorch's C++ Adam);
//! - `data::DataLoader` for the shuffle (PyTorch draws it on its own generator).
//!
//! `model.train()` and `model.eval()` are the `train` flag of [`Net::forward_t`], as in tch.

use anyhow::Result;
use tch::{nn, Device, Kind, Tensor};
use xor_repro_port::nn::{self as port_nn, BatchNorm};
use xor_repro_port::{
    data::DataLoader, init, named_buffers, named_parameters, optim::Adam, state_dict, Run,
};

/// `Net` of `script.py`, its layers created in the order `__init__` creates them.
struct Net {
    conv1: nn::Conv2D,
    bn1: BatchNorm,
    conv2: nn::Conv2D,
    bn2: BatchNorm,
    conv3: nn::Conv2D,
    bn3: BatchNorm,
    fc1: nn::Linear,
    fc2: nn::Linear,
}

impl Net {
    fn new(vs: &nn::Path) -> Net {
        let padding = nn::ConvConfig {
            padding: 1,
            ..Default::default()
        };
        let conv1 = init::conv2d(vs / "conv1", 3, 32, 3, padding);
        let bn1 = port_nn::batch_norm2d(vs / "bn1", 32, Default::default());
        let conv2 = init::conv2d(vs / "conv2", 32, 64, 3, padding);
        let bn2 = port_nn::batch_norm2d(vs / "bn2", 64, Default::default());
        let conv3 = init::conv2d(vs / "conv3", 64, 128, 3, padding);
        let bn3 = port_nn::batch_norm2d(vs / "bn3", 128, Default::default());
        let fc1 = init::linear(vs / "fc1", 128 * 4 * 4, 512);
        let fc2 = init::linear(vs / "fc2", 512, 10);
        Net {
            conv1,
            bn1,
            conv2,
            bn2,
            conv3,
            bn3,
            fc1,
            fc2,
        }
    }

    /// `model(x)` after `model.train()` (`train`) or `model.eval()`.
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let x = x
            .apply(&self.conv1)
            .apply_t(&self.bn1, train)
            .relu()
            .max_pool2d_default(2);
        let x = x
            .apply(&self.conv2)
            .apply_t(&self.bn2, train)
            .relu()
            .max_pool2d_default(2);
        let x = x
            .apply(&self.conv3)
            .apply_t(&self.bn3, train)
            .relu()
            .max_pool2d_default(2);
        let x = x.flatten(1, -1).apply(&self.fc1).relu();
        x.apply(&self.fc2)
    }
}

fn main() -> Result<()> {
    let mut run =
        Run::from_args("cnn-batchnorm-adam").notebook("examples/cnn-batchnorm-adam/script.py");
    tch::manual_seed(run.seed() as i64);
    run.op(
        "xb",
        "loader.iter2(&x, &y): the rows the DataLoader's shuffle drew",
        None,
    );
    run.op("logits", "model.forward_t(&xb, true)", "mkl"); // its last op: fc2, a matrix product
    for bn in ["bn1", "bn2", "bn3"] {
        for buffer in ["running_mean", "running_var"] {
            let code = format!("{bn}.{buffer}, updated by the training forward pass (batch_norm)");
            run.op(&format!("{bn}.{buffer}"), &code, "aten");
        }
    }

    let opts = (Kind::Float, Device::Cpu);
    let prototypes = Tensor::randn([10, 3, 32, 32], opts);
    let y = Tensor::randint_low(0, 10, [256], (Kind::Int64, Device::Cpu));
    let x = prototypes.index_select(0, &y) + Tensor::randn([256, 3, 32, 32], opts) * 0.5;
    let loader = DataLoader::new(256, 64).shuffle(true);

    let vs = nn::VarStore::new(Device::Cpu);
    let model = Net::new(&vs.root());
    let params = named_parameters(&vs);
    run.initial_params(&state_dict(&vs)); // the parameters and BatchNorm's buffers
    let mut optimizer = Adam::new(&params, 0.001);
    let count: i64 = params.iter().map(|(_, p)| p.numel() as i64).sum();
    run.print(format!("{count} parameters"));

    let mut step = 0;
    for epoch in 0..run.steps(2) {
        for (xb, yb) in loader.iter2(&x, &y) {
            let t = run.step(step, &params);
            let xb = t.value("xb", xb);
            let logits = t.keep("logits", model.forward_t(&xb, true));
            for (name, buffer) in named_buffers(&vs) {
                let _ = t.value(&name, buffer);
            }
            let loss = t.value(
                "loss",
                logits.cross_entropy_loss::<Tensor>(&yb, None, tch::Reduction::Mean, -100, 0.0),
            );
            optimizer.zero_grad();
            t.backward(&loss);
            optimizer.step();
            drop(t);
            run.loss(step, &loss);
            step += 1;
        }
        let accuracy = tch::no_grad(|| {
            model
                .forward_t(&x, false)
                .argmax(1, false)
                .eq_tensor(&y)
                .to_kind(Kind::Float)
                .mean(None)
        });
        let accuracy = run.metric(epoch, "accuracy", &accuracy);
        let loss = run.losses()[step - 1];
        run.print(format!(
            "epoch {}: loss {loss:.4}, accuracy {accuracy:.3}",
            epoch + 1
        ));
    }

    run.final_params(&state_dict(&vs));
    let logits = tch::no_grad(|| model.forward_t(&x, false));
    run.predictions_from(&[("target", &y), ("logits", &logits)])?;
    run.write()?;
    Ok(())
}
