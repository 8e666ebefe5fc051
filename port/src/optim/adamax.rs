//! `torch.optim.Adamax`: `torch/optim/adamax.py`, `_single_tensor_adamax`, PyTorch 2.13.0
//! (the path it takes for CPU tensors, measured).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// One parameter's state, made at its first step with a gradient (`Adamax._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch, counted in `f32` as it counts.
    step: f32,
    exp_avg: Tensor,
    exp_inf: Tensor,
}

/// `torch.optim.Adamax(params, lr)` bit for bit: `_single_tensor_adamax`'s tensor calls in
/// its order, its Python-float scalars in `f64`.
///
/// ```ignore
/// // torch.optim.Adamax(model.parameters(), lr=0.002)
/// let mut opt = xor_repro_port::optim::Adamax::new(&vs, 0.002);
/// opt.backward_step(&loss);
/// ```
pub struct Adamax {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    maximize: bool,
}

impl Adamax {
    /// `torch.optim.Adamax(params, lr=lr)`: betas (0.9, 0.999), eps 1e-8, no weight decay
    /// (PyTorch's default lr is 2e-3).
    pub fn new(params: impl Parameters, lr: f64) -> Adamax {
        let params = params.parameters();
        Adamax {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            maximize: false,
        }
    }

    /// `betas=(beta1, beta2)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Adamax {
        self.betas = (beta1, beta2);
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> Adamax {
        self.eps = eps;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient).
    pub fn weight_decay(mut self, weight_decay: f64) -> Adamax {
        self.weight_decay = weight_decay;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> Adamax {
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

    /// The betas.
    pub fn get_betas(&self) -> (f64, f64) {
        self.betas
    }

    /// Sets the betas on a live optimizer (`group["betas"] = (beta1, beta2)`).
    pub fn set_betas(&mut self, beta1: f64, beta2: f64) {
        self.betas = (beta1, beta2);
    }

    /// `optimizer.param_groups[0]`'s numbers by PyTorch's keys in its order: `lr`,
    /// `betas[0]`, `betas[1]`, `eps`, `weight_decay`, `maximize`, `differentiable`,
    /// `capturable` (booleans as 0 or 1; `foreach`, None, left out).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![super::named(&[
            ("lr", self.lr),
            ("betas[0]", self.betas.0),
            ("betas[1]", self.betas.1),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
            ("maximize", f64::from(u8::from(self.maximize))),
            ("differentiable", 0.0),
            ("capturable", 0.0),
        ])]
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

    /// `optimizer.step()`: `_single_tensor_adamax` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, (beta1, beta2), eps, weight_decay) =
            (self.lr, self.betas, self.eps, self.weight_decay);
        let maximize = self.maximize;
        tch::no_grad(|| {
            for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                if maximize {
                    grad = grad.neg();
                }
                let s = state.get_or_insert_with(|| State {
                    step: 0.0,
                    exp_avg: param.zeros_like(),
                    exp_inf: param.zeros_like(),
                });
                s.step += 1.0;
                if weight_decay != 0.0 {
                    grad = ops::add(&grad, param, weight_decay);
                }
                let _ = s.exp_avg.lerp_(&grad, 1.0 - beta1);
                let _ = s.exp_inf.g_mul_scalar_(beta2);
                let mut abs = grad.abs();
                let _ = abs.g_add_scalar_(eps);
                let _ = s.exp_inf.maximum_out(&s.exp_inf, &abs);
                let bias_correction = 1.0 - beta1.powf(f64::from(s.step));
                let clr = lr / bias_correction;
                ops::addcdiv_(param, &s.exp_avg, &s.exp_inf, -clr);
            }
        });
    }
}

zero_grad_set_to_none!(Adamax);
initial_lr!(Adamax);
