//! `torch.optim.NAdam`: `torch/optim/nadam.py`, `_single_tensor_nadam`, PyTorch 2.13.0 (the
//! path it takes for CPU tensors, measured), and `_multi_tensor_nadam` (`foreach=True`).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::{Kind, Tensor};

/// One parameter's state, made at its first step with a gradient (`NAdam._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch, counted in `f32` as it counts.
    step: f32,
    /// `state["mu_product"]`: a 0-dimensional float32 tensor, multiplied by the Python float
    /// `mu` in place each step as PyTorch does (in float32).
    mu_product: Tensor,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
}

/// `torch.optim.NAdam(params, lr)` bit for bit: `_single_tensor_nadam`'s tensor calls in its
/// order, its Python-float scalars in `f64`.
///
/// ```ignore
/// // torch.optim.NAdam(model.parameters(), lr=0.002, weight_decay=0.01, decoupled_weight_decay=True)
/// let mut opt = xor_repro_port::optim::NAdam::new(&vs, 0.002)
///     .weight_decay(0.01)
///     .decoupled_weight_decay(true);
/// opt.backward_step(&loss);
/// ```
pub struct NAdam {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    momentum_decay: f64,
    decoupled_weight_decay: bool,
    maximize: bool,
    foreach: bool,
}

impl NAdam {
    /// `torch.optim.NAdam(params, lr=lr)`: betas (0.9, 0.999), eps 1e-8, no weight decay,
    /// momentum decay 4e-3 (PyTorch's default lr is 2e-3).
    pub fn new(params: impl Parameters, lr: f64) -> NAdam {
        let params = params.parameters();
        NAdam {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
            decoupled_weight_decay: false,
            maximize: false,
            foreach: false,
        }
    }

    /// `betas=(beta1, beta2)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> NAdam {
        self.betas = (beta1, beta2);
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> NAdam {
        self.eps = eps;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient, or with
    /// [`NAdam::decoupled_weight_decay`] taken off the parameter).
    pub fn weight_decay(mut self, weight_decay: f64) -> NAdam {
        self.weight_decay = weight_decay;
        self
    }

    /// `momentum_decay=momentum_decay`.
    pub fn momentum_decay(mut self, momentum_decay: f64) -> NAdam {
        self.momentum_decay = momentum_decay;
        self
    }

    /// `decoupled_weight_decay=decoupled` (NAdamW).
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> NAdam {
        self.decoupled_weight_decay = decoupled;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> NAdam {
        self.maximize = maximize;
        self
    }

    /// `foreach=foreach`: `true` computes `_multi_tensor_nadam`, whose bits differ from the
    /// single-tensor path CPU tensors take by default (it divides `√v` by `√(1 − β₂ᵗ)` where
    /// the single-tensor path takes the root of `v / (1 − β₂ᵗ)`; measured).
    pub fn foreach(mut self, foreach: bool) -> NAdam {
        self.foreach = foreach;
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
    /// `betas[0]`, `betas[1]`, `eps`, `weight_decay`, `momentum_decay`,
    /// `decoupled_weight_decay`, `maximize`, `capturable`, `differentiable` (booleans as 0
    /// or 1; `foreach` after `maximize` when set, None and left out otherwise).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        let flag = |b: bool| f64::from(u8::from(b));
        vec![super::named(&[
            ("lr", self.lr),
            ("betas[0]", self.betas.0),
            ("betas[1]", self.betas.1),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
            ("momentum_decay", self.momentum_decay),
            ("decoupled_weight_decay", flag(self.decoupled_weight_decay)),
            ("maximize", flag(self.maximize)),
            ("foreach", flag(self.foreach)),
            ("capturable", 0.0),
            ("differentiable", 0.0),
        ])
        .into_iter()
        .filter(|(k, _)| k != "foreach" || self.foreach)
        .collect()]
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

    /// `optimizer.step()`: `_single_tensor_nadam` (or with [`NAdam::foreach`]
    /// `_multi_tensor_nadam`) on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, (beta1, beta2), eps, weight_decay) =
            (self.lr, self.betas, self.eps, self.weight_decay);
        let (momentum_decay, decoupled, maximize) = (
            self.momentum_decay,
            self.decoupled_weight_decay,
            self.maximize,
        );
        let foreach = self.foreach;
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
                    mu_product: Tensor::ones([], (Kind::Float, tch::Device::Cpu)),
                    exp_avg: param.zeros_like(),
                    exp_avg_sq: param.zeros_like(),
                });
                s.step += 1.0;
                let step = f64::from(s.step);
                let bias_correction2 = 1.0 - beta2.powf(step);
                if weight_decay != 0.0 {
                    if decoupled {
                        let _ = param.g_mul_scalar_(1.0 - lr * weight_decay);
                    } else {
                        grad = ops::add(&grad, param, weight_decay);
                    }
                }
                let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(step * momentum_decay));
                let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((step + 1.0) * momentum_decay));
                let _ = s.mu_product.g_mul_scalar_(mu);
                let _ = s.exp_avg.lerp_(&grad, 1.0 - beta1);
                let _ = s.exp_avg_sq.g_mul_scalar_(beta2);
                ops::addcmul_(&mut s.exp_avg_sq, &grad, &grad, 1.0 - beta2);
                if foreach {
                    // `_multi_tensor_nadam`: each `_foreach_*` call is, on the CPU, the
                    // single op on each tensor in turn.
                    let mut denom = s.exp_avg_sq.sqrt();
                    let _ = denom.g_div_scalar_(bias_correction2.powf(0.5));
                    let _ = denom.g_add_scalar_(eps);
                    let mu_product = f64::try_from(&s.mu_product).expect("a 0-dimensional tensor");
                    // Python's `(…) * -1` is an exact negation.
                    let step_size_grads = -(lr * (1.0 - mu) / (1.0 - mu_product));
                    let step_size_expavg = -(lr * mu_next / (1.0 - mu_product * mu_next));
                    ops::addcdiv_(param, &grad, &denom, step_size_grads);
                    ops::addcdiv_(param, &s.exp_avg, &denom, step_size_expavg);
                    continue;
                }
                let mut denom = (&s.exp_avg_sq / bias_correction2).sqrt();
                let mu_product = f64::try_from(&s.mu_product).expect("a 0-dimensional tensor");
                let mu_product_next = mu_product * mu_next;
                let _ = denom.g_add_scalar_(eps);
                ops::addcdiv_(param, &grad, &denom, -lr * (1.0 - mu) / (1.0 - mu_product));
                ops::addcdiv_(
                    param,
                    &s.exp_avg,
                    &denom,
                    (-lr * mu_next) / (1.0 - mu_product_next),
                );
            }
        });
    }
}

zero_grad_set_to_none!(NAdam);
initial_lr!(NAdam);
