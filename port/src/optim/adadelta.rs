//! `torch.optim.Adadelta`: `torch/optim/adadelta.py`, `_single_tensor_adadelta`, PyTorch
//! 2.13.0 (the path it takes for CPU tensors).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// One parameter's state, made at its first step with a gradient (`Adadelta._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch (counted, never read by the update).
    step: f32,
    square_avg: Tensor,
    acc_delta: Tensor,
}

/// `torch.optim.Adadelta(params, lr)` bit for bit: `_single_tensor_adadelta`'s tensor calls
/// in its order, its Python-float scalars in `f64`.
///
/// ```ignore
/// // torch.optim.Adadelta(model.parameters(), lr=1.0)
/// let mut opt = xor_repro_port::optim::Adadelta::new(&vs, 1.0);
/// opt.backward_step(&loss);
/// ```
pub struct Adadelta {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    rho: f64,
    eps: f64,
    weight_decay: f64,
    maximize: bool,
}

impl Adadelta {
    /// `torch.optim.Adadelta(params, lr=lr)`: rho 0.9, eps 1e-6, no weight decay (PyTorch's
    /// default lr is 1.0).
    pub fn new(params: impl Parameters, lr: f64) -> Adadelta {
        let params = params.parameters();
        Adadelta {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            maximize: false,
        }
    }

    /// `rho=rho`.
    pub fn rho(mut self, rho: f64) -> Adadelta {
        self.rho = rho;
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> Adadelta {
        self.eps = eps;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient).
    pub fn weight_decay(mut self, weight_decay: f64) -> Adadelta {
        self.weight_decay = weight_decay;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> Adadelta {
        self.maximize = maximize;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (`group["lr"] = lr`, what StepLR does); the state is kept.
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

    /// `optimizer.step()`: `_single_tensor_adadelta` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, rho, eps, weight_decay) = (self.lr, self.rho, self.eps, self.weight_decay);
        let maximize = self.maximize;
        tch::no_grad(|| {
            for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                let s = state.get_or_insert_with(|| State {
                    step: 0.0,
                    square_avg: param.zeros_like(),
                    acc_delta: param.zeros_like(),
                });
                s.step += 1.0;
                if maximize {
                    grad = grad.neg();
                }
                if weight_decay != 0.0 {
                    grad = ops::add(&grad, param, weight_decay);
                }
                let _ = s.square_avg.g_mul_scalar_(rho);
                ops::addcmul_(&mut s.square_avg, &grad, &grad, 1.0 - rho);
                let mut std = s.square_avg.g_add_scalar(eps);
                let _ = std.sqrt_();
                let mut delta = s.acc_delta.g_add_scalar(eps);
                let _ = delta.sqrt_();
                let _ = delta.g_div_(&std);
                let _ = delta.g_mul_(&grad);
                let _ = s.acc_delta.g_mul_scalar_(rho);
                ops::addcmul_(&mut s.acc_delta, &delta, &delta, 1.0 - rho);
                ops::add_(param, &delta, -lr);
            }
        });
    }
}

/// The rest of `param_groups[0]`, read by [`crate::HyperParameters`].
impl Adadelta {
    /// `rho`.
    pub fn get_rho(&self) -> f64 {
        self.rho
    }

    /// `eps`.
    pub fn get_eps(&self) -> f64 {
        self.eps
    }

    /// `weight_decay`.
    pub fn get_weight_decay(&self) -> f64 {
        self.weight_decay
    }

    /// `maximize`.
    pub fn get_maximize(&self) -> bool {
        self.maximize
    }
}

zero_grad_set_to_none!(Adadelta);
initial_lr!(Adadelta);
