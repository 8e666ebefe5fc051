//! `torch.optim.Adagrad`: `torch/optim/adagrad.py`, `_single_tensor_adagrad`, PyTorch 2.13.0
//! (the path it takes for CPU tensors; dense gradients).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// `torch.optim.Adagrad(params, lr)` bit for bit: `_single_tensor_adagrad`'s tensor calls in
/// its order, its Python-float scalars in `f64` (the step read back as a Python float from
/// its float32 tensor, `clr = lr / (1 + (step - 1) * lr_decay)`).
///
/// ```ignore
/// // torch.optim.Adagrad(model.parameters(), lr=0.01)
/// let mut opt = xor_repro_port::optim::Adagrad::new(&vs, 0.01);
/// opt.backward_step(&loss);
/// ```
pub struct Adagrad {
    params: Vec<Tensor>,
    /// `state["step"]` of each parameter, counted in `f32` as PyTorch's float32 tensor.
    steps: Vec<f32>,
    /// `state["sum"]`, made when the optimizer is (`full_like(p, initial_accumulator_value)`).
    sums: Vec<Tensor>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    lr_decay: f64,
    weight_decay: f64,
    /// `initial_accumulator_value`, kept for `param_groups`' sake ([`crate::HyperParameters`]).
    initial_accumulator_value: f64,
    eps: f64,
    maximize: bool,
}

impl Adagrad {
    /// `torch.optim.Adagrad(params, lr=lr)`: no lr decay, no weight decay, accumulators
    /// from 0, eps 1e-10 (PyTorch's default lr is 0.01).
    pub fn new(params: impl Parameters, lr: f64) -> Adagrad {
        let params = params.parameters();
        Adagrad {
            steps: vec![0.0; params.len()],
            sums: params.iter().map(Tensor::zeros_like).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }

    /// `lr_decay=lr_decay`.
    pub fn lr_decay(mut self, lr_decay: f64) -> Adagrad {
        self.lr_decay = lr_decay;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient).
    pub fn weight_decay(mut self, weight_decay: f64) -> Adagrad {
        self.weight_decay = weight_decay;
        self
    }

    /// `initial_accumulator_value=value`: every accumulator refilled with it (call it
    /// before the first step, as PyTorch takes it in its constructor).
    pub fn initial_accumulator_value(mut self, value: f64) -> Adagrad {
        for sum in self.sums.iter_mut() {
            let _ = sum.fill_(value);
        }
        self.initial_accumulator_value = value;
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> Adagrad {
        self.eps = eps;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> Adagrad {
        self.maximize = maximize;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (`group["lr"] = lr`); the state is kept.
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// `optimizer.zero_grad()`: every gradient set to none.
    pub fn zero_grad(&mut self) {
        self.grads.zero_grad();
    }

    /// `optimizer.zero_grad(); loss.backward(); optimizer.step()`.
    pub fn backward_step(&mut self, loss: &Tensor) {
        self.zero_grad();
        loss.backward();
        self.step();
    }

    /// `optimizer.step()`: `_single_tensor_adagrad` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, lr_decay, weight_decay, eps) =
            (self.lr, self.lr_decay, self.weight_decay, self.eps);
        let maximize = self.maximize;
        tch::no_grad(|| {
            let all = self
                .params
                .iter_mut()
                .zip(&mut self.steps)
                .zip(&mut self.sums);
            for ((param, step), sum) in all {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                *step += 1.0;
                let step = f64::from(*step);
                if maximize {
                    grad = grad.neg();
                }
                if weight_decay != 0.0 {
                    grad = ops::add(&grad, param, weight_decay);
                }
                let clr = lr / (1.0 + (step - 1.0) * lr_decay);
                let _ = sum.addcmul_(&grad, &grad);
                let mut std = sum.sqrt();
                let _ = std.g_add_scalar_(eps);
                ops::addcdiv_(param, &grad, &std, -clr);
            }
        });
    }
}

/// The rest of `param_groups[0]`, read by [`crate::HyperParameters`].
impl Adagrad {
    /// `lr_decay`.
    pub fn get_lr_decay(&self) -> f64 {
        self.lr_decay
    }

    /// `eps`.
    pub fn get_eps(&self) -> f64 {
        self.eps
    }

    /// `weight_decay`.
    pub fn get_weight_decay(&self) -> f64 {
        self.weight_decay
    }

    /// `initial_accumulator_value`.
    pub fn get_initial_accumulator_value(&self) -> f64 {
        self.initial_accumulator_value
    }

    /// `maximize`.
    pub fn get_maximize(&self) -> bool {
        self.maximize
    }
}

zero_grad_set_to_none!(Adagrad);
initial_lr!(Adagrad);
