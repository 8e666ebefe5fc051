//! The exact tch port of `script.py`: a CNN of 1 147 914 parameters (three blocks of Conv2d,
//! BatchNorm2d, ReLU and max-pooling, then two Linear layers) on 256 random 32×32 RGB images,
//! cross-entropy, Adam, and a `DataLoader` shuffling mini-batches of 64. It reads like the
//! script, line for line; where the idiomatic tch call gives other bits than PyTorch's, it
//! calls `xor_repro_port`'s or says what PyTorch does:
//! - `init::conv2d` and `init::linear` for `nn.Conv2d`'s and `nn.Linear`'s draws (tch's
//!   `nn::conv2d` and `nn::linear` draw otherwise);
//! - [`BatchNorm2d`]: tch's `nn::batch_norm2d` with PyTorch's initial weight, ones (tch's
//!   default draws it from U(0, 1), which also moves the global generator), and the
//!   `num_batches_tracked` buffer tch's layer does not keep;
//! - `optim::Adam` for `torch.optim.Adam` (tch's `nn::Adam` is libtorch's C++ Adam);
//! - `data::DataLoader` for the shuffle (PyTorch draws it on its own generator).
//!
//! `model.train()` and `model.eval()` are the `train` flag of [`Net::forward_t`], as in tch.

use anyhow::Result;
use tch::{nn, nn::ModuleT, Device, Kind, Tensor};
use xor_repro_port::{data::DataLoader, init, named_parameters, optim::Adam, Run};

/// `nn.BatchNorm2d(channels)`: its weight (ones), bias (zeros), running mean (zeros) and
/// running variance (ones), and `num_batches_tracked`, which PyTorch's forward counts up in
/// training before `F.batch_norm`, the ATen call tch's layer makes too (momentum 0.1, eps
/// 1e-5). With momentum 0.1 the count changes no value; it is kept to be recorded.
#[derive(Debug)]
struct BatchNorm2d {
    layer: nn::BatchNorm,
    num_batches_tracked: Tensor,
}

impl BatchNorm2d {
    fn new(path: nn::Path, channels: i64) -> BatchNorm2d {
        let config = nn::BatchNormConfig {
            ws_init: nn::Init::Const(1.0), // init.ones_(self.weight); tch's default draws
            ..Default::default()
        };
        BatchNorm2d {
            layer: nn::batch_norm2d(path, channels, config),
            num_batches_tracked: Tensor::zeros([], (Kind::Int64, Device::Cpu)),
        }
    }

    /// The layer's buffers under `name`, as `named_buffers()` lists them.
    fn buffers(&self, name: &str) -> Vec<(String, Tensor)> {
        vec![
            (
                format!("{name}.running_mean"),
                self.layer.running_mean.shallow_clone(),
            ),
            (
                format!("{name}.running_var"),
                self.layer.running_var.shallow_clone(),
            ),
            (
                format!("{name}.num_batches_tracked"),
                self.num_batches_tracked.shallow_clone(),
            ),
        ]
    }
}

impl ModuleT for BatchNorm2d {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        if train {
            let _ = self.num_batches_tracked.shallow_clone().g_add_scalar_(1); // .add_(1)
        }
        self.layer.forward_t(xs, train)
    }
}

/// `Net` of `script.py`, its layers created in the order `__init__` creates them.
struct Net {
    conv1: nn::Conv2D,
    bn1: BatchNorm2d,
    conv2: nn::Conv2D,
    bn2: BatchNorm2d,
    conv3: nn::Conv2D,
    bn3: BatchNorm2d,
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
        let bn1 = BatchNorm2d::new(vs / "bn1", 32);
        let conv2 = init::conv2d(vs / "conv2", 32, 64, 3, padding);
        let bn2 = BatchNorm2d::new(vs / "bn2", 64);
        let conv3 = init::conv2d(vs / "conv3", 64, 128, 3, padding);
        let bn3 = BatchNorm2d::new(vs / "bn3", 128);
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

    /// `model.named_buffers()`.
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut buffers = self.bn1.buffers("bn1");
        buffers.extend(self.bn2.buffers("bn2"));
        buffers.extend(self.bn3.buffers("bn3"));
        buffers
    }

    /// `model.state_dict()`: each layer's parameters, then its buffers.
    fn state_dict(&self, params: &[(String, Tensor)]) -> Vec<(String, Tensor)> {
        let layer = |name: &str| name.rsplit_once('.').map_or("", |(l, _)| l).to_string();
        let buffers = self.named_buffers();
        let mut state = Vec::new();
        for (i, (name, p)) in params.iter().enumerate() {
            state.push((name.clone(), p.shallow_clone()));
            let last_of_layer = params
                .get(i + 1)
                .map_or(true, |(next, _)| layer(next) != layer(name));
            if last_of_layer {
                for (b, t) in &buffers {
                    if layer(b) == layer(name) {
                        state.push((b.clone(), t.shallow_clone()));
                    }
                }
            }
        }
        state
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
    run.initial_params(&model.state_dict(&params)); // the parameters and BatchNorm's buffers
    let mut optimizer = Adam::new(&params, 0.001);
    let count: i64 = params.iter().map(|(_, p)| p.numel() as i64).sum();
    run.print(format!("{count} parameters"));

    let mut step = 0;
    for epoch in 0..run.steps(2) {
        for (xb, yb) in loader.iter2(&x, &y) {
            let t = run.step(step, &params);
            let xb = t.value("xb", xb);
            let logits = t.keep("logits", model.forward_t(&xb, true));
            for (name, buffer) in model.named_buffers() {
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

    run.final_params(&model.state_dict(&params));
    let logits = tch::no_grad(|| model.forward_t(&x, false));
    run.predictions_from(&[("target", &y), ("logits", &logits)])?;
    run.write()?;
    Ok(())
}
