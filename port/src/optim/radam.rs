//! `torch.optim.RAdam`: `torch/optim/radam.py`, `_single_tensor_radam`, PyTorch 2.13.0 (the
//! path it takes for CPU tensors, measured), and `_multi_tensor_radam` (`foreach=True`).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// One parameter's state, made at its first step with a gradient (`RAdam._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch, counted in `f32` as it counts.
    step: f32,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
}

/// `torch.optim.RAdam(params, lr)` bit for bit: `_single_tensor_radam`'s tensor calls in its
/// order (the rectified update once `rho_t > 5`, plain momentum before), its Python-float
/// scalars in `f64`.
///
/// ```ignore
/// // torch.optim.RAdam(model.parameters(), lr=0.001)
/// let mut opt = xor_repro_port::optim::RAdam::new(&vs, 0.001);
/// opt.backward_step(&loss);
/// ```
pub struct RAdam {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    decoupled_weight_decay: bool,
    maximize: bool,
    foreach: bool,
}

impl RAdam {
    /// `torch.optim.RAdam(params, lr=lr)`: betas (0.9, 0.999), eps 1e-8, no weight decay
    /// (PyTorch's default lr is 1e-3).
    pub fn new(params: impl Parameters, lr: f64) -> RAdam {
        let params = params.parameters();
        RAdam {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            maximize: false,
            foreach: false,
        }
    }

    /// `betas=(beta1, beta2)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> RAdam {
        self.betas = (beta1, beta2);
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> RAdam {
        self.eps = eps;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient, or with
    /// [`RAdam::decoupled_weight_decay`] taken off the parameter).
    pub fn weight_decay(mut self, weight_decay: f64) -> RAdam {
        self.weight_decay = weight_decay;
        self
    }

    /// `decoupled_weight_decay=decoupled` (RAdamW).
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> RAdam {
        self.decoupled_weight_decay = decoupled;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> RAdam {
        self.maximize = maximize;
        self
    }

    /// `foreach=foreach`: `true` computes `_multi_tensor_radam`, whose bits differ from the
    /// single-tensor path CPU tensors take by default (it folds the learning rate and both
    /// bias corrections into one per-tensor scalar and adds the unrectified step as a
    /// reciprocal; measured).
    pub fn foreach(mut self, foreach: bool) -> RAdam {
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
    /// `betas[0]`, `betas[1]`, `eps`, `weight_decay`, `maximize`, `capturable`,
    /// `decoupled_weight_decay`, `differentiable` (booleans as 0 or 1; `foreach` after
    /// `maximize` when set, None and left out otherwise).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        let flag = |b: bool| f64::from(u8::from(b));
        vec![super::named(&[
            ("lr", self.lr),
            ("betas[0]", self.betas.0),
            ("betas[1]", self.betas.1),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
            ("maximize", flag(self.maximize)),
            ("foreach", flag(self.foreach)),
            ("capturable", 0.0),
            ("decoupled_weight_decay", flag(self.decoupled_weight_decay)),
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

    /// `optimizer.step()`: `_single_tensor_radam` (or with [`RAdam::foreach`]
    /// `_multi_tensor_radam`) on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, (beta1, beta2), eps, weight_decay) =
            (self.lr, self.betas, self.eps, self.weight_decay);
        let (decoupled, maximize) = (self.decoupled_weight_decay, self.maximize);
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
                    exp_avg: param.zeros_like(),
                    exp_avg_sq: param.zeros_like(),
                });
                s.step += 1.0;
                let step = f64::from(s.step);
                if weight_decay != 0.0 {
                    if decoupled {
                        let _ = param.g_mul_scalar_(1.0 - lr * weight_decay);
                    } else {
                        grad = ops::add(&grad, param, weight_decay);
                    }
                }
                let _ = s.exp_avg.lerp_(&grad, 1.0 - beta1);
                let _ = s.exp_avg_sq.g_mul_scalar_(beta2);
                ops::addcmul_(&mut s.exp_avg_sq, &grad, &grad, 1.0 - beta2);

                if foreach {
                    // `_multi_tensor_radam`'s non-capturable branch, one tensor at a time
                    // (the CPU's `_foreach_*` ops loop over the single ops).
                    let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
                    let rho_t = rho_inf - 2.0 * step * beta2.powf(step) / (1.0 - beta2.powf(step));
                    let rect = if rho_t > 5.0 {
                        ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                            / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                            .powf(0.5)
                    } else {
                        0.0
                    };
                    let unrectified = if rect > 0.0 { 0.0 } else { 1.0 };
                    let bias_correction1 = 1.0 - beta1.powf(step);
                    // Python's `(…) * -1` is an exact negation.
                    let unrect_step_size = -(lr * unrectified / bias_correction1);
                    let bias_correction2 =
                        -((1.0 - beta2.powf(step)).powf(0.5) * (lr * rect / bias_correction1));
                    let mut buffer = s.exp_avg_sq.sqrt();
                    let _ = buffer.g_add_scalar_(eps);
                    let _ = buffer.g_div_scalar_(bias_correction2);
                    let _ = buffer.reciprocal_();
                    let _ = buffer.g_add_scalar_(unrect_step_size);
                    let _ = param.addcmul_(&s.exp_avg, &buffer);
                    continue;
                }
                let bias_correction1 = 1.0 - beta1.powf(step);
                let bias_correction2 = 1.0 - beta2.powf(step);
                let bias_corrected_exp_avg = &s.exp_avg / bias_correction1;
                let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
                let rho_t = rho_inf - 2.0 * step * beta2.powf(step) / bias_correction2;
                if rho_t > 5.0 {
                    let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                        / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                        .powf(0.5);
                    let mut exp_avg_sq_sqrt = s.exp_avg_sq.sqrt();
                    let _ = exp_avg_sq_sqrt.g_add_scalar_(eps);
                    // `(bias_correction2 ** 0.5) / exp_avg_sq_sqrt`: Tensor.__rtruediv__.
                    let adaptive_lr = ops::rdiv(bias_correction2.powf(0.5), &exp_avg_sq_sqrt);
                    let update = bias_corrected_exp_avg * lr * adaptive_lr * rect;
                    ops::add_(param, &update, -1.0);
                } else {
                    ops::add_(param, &(bias_corrected_exp_avg * lr), -1.0);
                }
            }
        });
    }
}

zero_grad_set_to_none!(RAdam);
initial_lr!(RAdam);
