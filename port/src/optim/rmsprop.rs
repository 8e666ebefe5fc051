//! `torch.optim.RMSprop`: `torch/optim/rmsprop.py`, `_single_tensor_rmsprop`, PyTorch 2.13.0
//! (the path it takes for CPU tensors).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// One parameter's state, made at its first step with a gradient (`RMSprop._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch (counted, never read by the update).
    step: f32,
    square_avg: Tensor,
    momentum_buffer: Option<Tensor>,
    grad_avg: Option<Tensor>,
}

/// `torch.optim.RMSprop(params, lr)` bit for bit: `_single_tensor_rmsprop`'s tensor calls in
/// its order, its Python-float scalars in `f64`.
///
/// ```ignore
/// // torch.optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9, centered=True)
/// let mut opt = xor_repro_port::optim::RMSprop::new(&vs, 0.01).momentum(0.9).centered(true);
/// opt.backward_step(&loss);
/// ```
pub struct RMSprop {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    alpha: f64,
    eps: f64,
    weight_decay: f64,
    momentum: f64,
    centered: bool,
    maximize: bool,
}

impl RMSprop {
    /// `torch.optim.RMSprop(params, lr=lr)`: alpha 0.99, eps 1e-8, no weight decay, no
    /// momentum, not centered (PyTorch's default lr is 0.01).
    pub fn new(params: impl Parameters, lr: f64) -> RMSprop {
        let params = params.parameters();
        RMSprop {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }

    /// `alpha=alpha`.
    pub fn alpha(mut self, alpha: f64) -> RMSprop {
        self.alpha = alpha;
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> RMSprop {
        self.eps = eps;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient).
    pub fn weight_decay(mut self, weight_decay: f64) -> RMSprop {
        self.weight_decay = weight_decay;
        self
    }

    /// `momentum=momentum`.
    pub fn momentum(mut self, momentum: f64) -> RMSprop {
        self.momentum = momentum;
        self
    }

    /// `centered=centered`.
    pub fn centered(mut self, centered: bool) -> RMSprop {
        self.centered = centered;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> RMSprop {
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

    /// The momentum.
    pub fn get_momentum(&self) -> f64 {
        self.momentum
    }

    /// Sets the momentum on a live optimizer (`group["momentum"] = m`, what OneCycleLR
    /// does). PyTorch's `_init_group` makes a momentum buffer only with a parameter's state,
    /// at its first step, and fails later (`KeyError`) if the momentum was 0 then; this makes
    /// it at the first step with a momentum above 0.
    pub fn set_momentum(&mut self, momentum: f64) {
        self.momentum = momentum;
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

    /// `optimizer.step()`: `_single_tensor_rmsprop` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, alpha, eps, weight_decay, momentum) = (
            self.lr,
            self.alpha,
            self.eps,
            self.weight_decay,
            self.momentum,
        );
        let (centered, maximize) = (self.centered, self.maximize);
        tch::no_grad(|| {
            for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                let s = state.get_or_insert_with(|| State {
                    step: 0.0,
                    square_avg: param.zeros_like(),
                    momentum_buffer: None,
                    grad_avg: None,
                });
                // `_init_group` makes these at the first step that needs them.
                if momentum > 0.0 && s.momentum_buffer.is_none() {
                    s.momentum_buffer = Some(param.zeros_like());
                }
                if centered && s.grad_avg.is_none() {
                    s.grad_avg = Some(param.zeros_like());
                }
                if maximize {
                    grad = grad.neg();
                }
                s.step += 1.0;
                if weight_decay != 0.0 {
                    grad = ops::add(&grad, param, weight_decay);
                }
                let _ = s.square_avg.g_mul_scalar_(alpha);
                ops::addcmul_(&mut s.square_avg, &grad, &grad, 1.0 - alpha);
                let mut avg = if centered {
                    let grad_avg = s.grad_avg.as_mut().expect("made above");
                    let _ = grad_avg.lerp_(&grad, 1.0 - alpha);
                    let mut avg = ops::addcmul(&s.square_avg, grad_avg, grad_avg, -1.0);
                    let _ = avg.sqrt_();
                    avg
                } else {
                    s.square_avg.sqrt()
                };
                let _ = avg.g_add_scalar_(eps);
                if momentum > 0.0 {
                    let buf = s.momentum_buffer.as_mut().expect("made above");
                    let _ = buf.g_mul_scalar_(momentum);
                    let _ = buf.addcdiv_(&grad, &avg);
                    ops::add_(param, buf, -lr);
                } else {
                    ops::addcdiv_(param, &grad, &avg, -lr);
                }
            }
        });
    }
}

/// The rest of `param_groups[0]`, read by [`crate::HyperParameters`].
impl RMSprop {
    /// `alpha`.
    pub fn get_alpha(&self) -> f64 {
        self.alpha
    }

    /// `eps`.
    pub fn get_eps(&self) -> f64 {
        self.eps
    }

    /// `centered`.
    pub fn get_centered(&self) -> bool {
        self.centered
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

zero_grad_set_to_none!(RMSprop);
initial_lr!(RMSprop);
