//! The exact tch port of `script.py`: a CNN with BatchNorm (10 314 parameters: two blocks of
//! Conv2d, BatchNorm2d, ReLU and max-pooling, then Linear(512, 10)) on 768 random 16×16 RGB
//! images, trained in two phases: SGD with Nesterov momentum under `OneCycleLR` stepped every
//! batch (which cycles the momentum too), then Adam under `ReduceLROnPlateau` on the
//! validation loss, stepped every epoch. It reads like the script, line for line; where the
//! idiomatic tch call gives other bits than PyTorch's, it calls `xor_repro_port`'s:
//! - `init::conv2d` and `init::linear` for `nn.Conv2d`'s and `nn.Linear`'s draws;
//! - [`BatchNorm2d`]: tch's `nn::batch_norm2d` with PyTorch's initial weight, ones, and the
//!   `num_batches_tracked` buffer tch's layer does not keep (as examples/cnn-batchnorm-adam);
//! - `lr_scheduler::OneCycleLR` and `ReduceLROnPlateau` for PyTorch's schedulers, which
//!   drive the optimizer through the `LrGroup` trait: [`Sgd`] implements it for tch's own
//!   `nn::Sgd`, which is bit-identical to `torch.optim.SGD` and is kept;
//! - `optim::Adam` for `torch.optim.Adam` (tch's `nn::Adam` is libtorch's C++ Adam);
//! - `data::DataLoader` for the shuffle (PyTorch draws it on its own generator).
//!
//! `model.train()` and `model.eval()` are the `train` flag of [`Net::forward_t`], as in tch.

use anyhow::Result;
use tch::{nn, nn::ModuleT, nn::OptimizerConfig, Device, Kind, Tensor};
use xor_repro_port::{
    data::DataLoader,
    init,
    lr_scheduler::{LrGroup, LrScheduler, OneCycleLR, ReduceLROnPlateau},
    named_parameters,
    optim::Adam,
    Run,
};

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

/// `torch.optim.SGD(…, momentum, nesterov=True, weight_decay)` as tch's `nn::Sgd` (the same
/// bits: docs/PORTING.md's `sgd-nesterov-weight-decay`), with what a scheduler reads: tch's
/// optimizer takes a new learning rate or momentum but does not give its current one back.
struct Sgd {
    opt: nn::Optimizer,
    lr: f64,
    momentum: f64,
}

impl Sgd {
    fn new(vs: &nn::VarStore, lr: f64, momentum: f64, weight_decay: f64) -> Result<Sgd> {
        let config = nn::Sgd {
            momentum,
            dampening: 0.0,
            wd: weight_decay,
            nesterov: true,
        };
        Ok(Sgd {
            opt: config.build(vs, lr)?,
            lr,
            momentum,
        })
    }
}

impl LrGroup for Sgd {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
        self.opt.set_lr(lr);
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.momentum)
    }
    fn set_momentum(&mut self, momentum: f64) {
        self.momentum = momentum;
        self.opt.set_momentum(momentum);
    }
}

/// `optimizer.zero_grad()` and `optimizer.step()` of either phase's optimizer.
trait Optimizer {
    fn zero_grad(&mut self);
    fn step(&mut self);
}

impl Optimizer for Sgd {
    fn zero_grad(&mut self) {
        self.opt.zero_grad();
    }
    fn step(&mut self) {
        self.opt.step();
    }
}

impl Optimizer for Adam {
    fn zero_grad(&mut self) {
        Adam::zero_grad(self);
    }
    fn step(&mut self) {
        Adam::step(self);
    }
}

/// `Net` of `script.py`, its layers created in the order `__init__` creates them.
#[derive(Debug)]
struct Net {
    conv1: nn::Conv2D,
    bn1: BatchNorm2d,
    conv2: nn::Conv2D,
    bn2: BatchNorm2d,
    fc: nn::Linear,
}

impl Net {
    fn new(vs: &nn::Path) -> Net {
        let padding = nn::ConvConfig {
            padding: 1,
            ..Default::default()
        };
        let conv1 = init::conv2d(vs / "conv1", 3, 16, 3, padding);
        let bn1 = BatchNorm2d::new(vs / "bn1", 16);
        let conv2 = init::conv2d(vs / "conv2", 16, 32, 3, padding);
        let bn2 = BatchNorm2d::new(vs / "bn2", 32);
        let fc = init::linear(vs / "fc", 32 * 4 * 4, 10);
        Net {
            conv1,
            bn1,
            conv2,
            bn2,
            fc,
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
        x.flatten(1, -1).apply(&self.fc)
    }

    /// `model.named_buffers()`.
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut buffers = self.bn1.buffers("bn1");
        buffers.extend(self.bn2.buffers("bn2"));
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

/// The data, the model and the run: what `script.py`'s functions read as globals.
struct Trainer {
    run: Run,
    model: Net,
    params: Vec<(String, Tensor)>,
    x_val: Tensor,
    y_val: Tensor,
}

impl Trainer {
    /// `train_step(step, xb, yb)` with the global `optimizer` of either phase.
    fn train_step(
        &mut self,
        optimizer: &mut impl Optimizer,
        step: usize,
        xb: Tensor,
        yb: &Tensor,
    ) -> f64 {
        let t = self.run.step(step, &self.params);
        let xb = t.value("xb", xb);
        let logits = t.keep("logits", self.model.forward_t(&xb, true));
        for (name, buffer) in self.model.named_buffers() {
            let _ = t.value(&name, buffer);
        }
        let loss = t.value(
            "loss",
            logits.cross_entropy_loss::<Tensor>(yb, None, tch::Reduction::Mean, -100, 0.0),
        );
        optimizer.zero_grad();
        t.backward(&loss);
        optimizer.step();
        drop(t);
        self.run.loss(step, &loss)
    }

    /// `validate(epoch)`: the validation loss (a Python float, `.item()` of a float32).
    fn validate(&mut self, epoch: usize, step: usize, loss: f64, lr: f64) -> f64 {
        let (val_loss, accuracy) = tch::no_grad(|| {
            let logits = self.model.forward_t(&self.x_val, false);
            let val_loss = logits.cross_entropy_loss::<Tensor>(
                &self.y_val,
                None,
                tch::Reduction::Mean,
                -100,
                0.0,
            );
            let accuracy = logits
                .argmax(1, false)
                .eq_tensor(&self.y_val)
                .to_kind(Kind::Float)
                .mean(None);
            (val_loss, accuracy)
        });
        let val_loss = self.run.metric(step - 1, "val_loss", &val_loss);
        let accuracy = self.run.metric(step - 1, "val_accuracy", &accuracy);
        self.run.print(format!(
            "epoch {}: loss {loss:.4}, val loss {val_loss:.4}, val accuracy {accuracy:.3}, lr {}",
            epoch + 1,
            python_g3(lr)
        ));
        val_loss
    }
}

/// Python's `f"{x:.3g}"` for the printed learning rate (positive, finite).
fn python_g3(x: f64) -> String {
    let exp = format!("{x:.2e}");
    let (mantissa, e) = exp.split_once('e').expect("an exponent");
    let e: i32 = e.parse().expect("an integer exponent");
    if (-4..3).contains(&e) {
        let decimals = (2 - e).max(0) as usize;
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        s
    } else {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

fn main() -> Result<()> {
    let mut run = Run::from_args("cnn-onecycle").notebook("examples/cnn-onecycle/script.py");
    tch::manual_seed(run.seed() as i64);
    run.op(
        "xb",
        "loader.iter2(&x_train, &y_train): the rows the DataLoader's shuffle drew",
        None,
    );
    run.op("logits", "model.forward_t(&xb, true)", "mkl"); // its last op: fc, a matrix product
    for bn in ["bn1", "bn2"] {
        for buffer in ["running_mean", "running_var"] {
            let code = format!("{bn}.{buffer}, updated by the training forward pass (batch_norm)");
            run.op(&format!("{bn}.{buffer}"), &code, "aten");
        }
    }

    let opts = (Kind::Float, Device::Cpu);
    let prototypes = Tensor::randn([10, 3, 16, 16], opts);
    let y = Tensor::randint_low(0, 10, [768], (Kind::Int64, Device::Cpu));
    let x = prototypes.index_select(0, &y) + Tensor::randn([768, 3, 16, 16], opts) * 2.0;
    let (x_train, y_train) = (x.narrow(0, 0, 512), y.narrow(0, 0, 512));
    let (x_val, y_val) = (x.narrow(0, 512, 256), y.narrow(0, 512, 256));
    let loader = DataLoader::new(512, 64).shuffle(true);

    let vs = nn::VarStore::new(Device::Cpu);
    let model = Net::new(&vs.root());
    let params = named_parameters(&vs);
    run.initial_params(&model.state_dict(&params)); // the parameters and BatchNorm's buffers
    let count: i64 = params.iter().map(|(_, p)| p.numel() as i64).sum();
    run.print(format!("{count} parameters"));
    let mut tr = Trainer {
        run,
        model,
        params,
        x_val,
        y_val,
    };

    // Phase 1: one cycle of SGD.
    let cycle_epochs = tr.run.steps(6);
    let mut optimizer = Sgd::new(&vs, 0.1, 0.9, 5e-4)?;
    // `epochs=cycle_epochs, steps_per_epoch=len(loader)`: their product is `total_steps`.
    let total_steps = (cycle_epochs * loader.len()) as i64;
    let mut scheduler = OneCycleLR::new(0.05, total_steps).build(&mut optimizer);
    let mut step = 0;
    let mut loss = f64::NAN;
    for epoch in 0..cycle_epochs {
        for (xb, yb) in loader.iter2(&x_train, &y_train) {
            tr.run.metric(step, "lr", optimizer.lr());
            tr.run.metric(step, "momentum", optimizer.momentum);
            loss = tr.train_step(&mut optimizer, step, xb, &yb);
            scheduler.step(&mut optimizer);
            step += 1;
        }
        tr.validate(epoch, step, loss, optimizer.lr());
    }

    // Phase 2: fine-tune with Adam until the validation loss stops improving.
    let mut optimizer = Adam::new(&tr.params, 1e-2);
    let mut scheduler = ReduceLROnPlateau::new(&optimizer).factor(0.5).patience(1);
    for epoch in cycle_epochs..cycle_epochs + 12 {
        for (xb, yb) in loader.iter2(&x_train, &y_train) {
            tr.run.metric(step, "lr", optimizer.lr());
            tr.run.metric(step, "momentum", optimizer.get_betas().0);
            loss = tr.train_step(&mut optimizer, step, xb, &yb);
            step += 1;
        }
        let val_loss = tr.validate(epoch, step, loss, optimizer.lr());
        scheduler.step(&mut optimizer, val_loss);
    }

    let Trainer {
        mut run,
        model,
        params,
        x_val,
        y_val,
    } = tr;
    run.final_params(&model.state_dict(&params));
    let logits = tch::no_grad(|| model.forward_t(&x_val, false));
    run.predictions_from(&[("target", &y_val), ("logits", &logits)])?;
    run.write()?;
    Ok(())
}
