//! `torch.optim.ASGD`: `torch/optim/asgd.py`, `_single_tensor_asgd`, PyTorch 2.13.0 (the path
//! it takes for CPU tensors, measured), and `_multi_tensor_asgd` (`foreach=True`).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::{Device, Kind, Tensor};

/// One parameter's state, made at its first step with a gradient (`ASGD._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch, counted in `f32` as it counts.
    step: f32,
    /// `state["eta"]`: a float32 tensor in PyTorch, first the learning rate.
    eta: f32,
    /// `state["mu"]`: a float32 tensor in PyTorch, first 1.
    mu: f32,
    ax: Tensor,
}

/// `torch.optim.ASGD(params, lr)` bit for bit: `_single_tensor_asgd`'s tensor calls in its
/// order, `eta` and `mu` kept in `f32` as PyTorch's float32 tensors keep them. The averaged
/// parameters `ax` (PyTorch's `state["ax"]`) are [`ASGD::ax`].
///
/// ```ignore
/// // torch.optim.ASGD(model.parameters(), lr=0.01, t0=5)
/// let mut opt = xor_repro_port::optim::ASGD::new(&vs, 0.01).t0(5.0);
/// opt.backward_step(&loss);
/// ```
pub struct ASGD {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    lambd: f64,
    alpha: f64,
    t0: f64,
    weight_decay: f64,
    maximize: bool,
    foreach: bool,
}

impl ASGD {
    /// `torch.optim.ASGD(params, lr=lr)`: lambd 1e-4, alpha 0.75, t0 1e6, no weight decay
    /// (PyTorch's default lr is 1e-2).
    pub fn new(params: impl Parameters, lr: f64) -> ASGD {
        let params = params.parameters();
        ASGD {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            lambd: 1e-4,
            alpha: 0.75,
            t0: 1e6,
            weight_decay: 0.0,
            maximize: false,
            foreach: false,
        }
    }

    /// `lambd=lambd` (the decay term).
    pub fn lambd(mut self, lambd: f64) -> ASGD {
        self.lambd = lambd;
        self
    }

    /// `alpha=alpha` (the power for the eta update).
    pub fn alpha(mut self, alpha: f64) -> ASGD {
        self.alpha = alpha;
        self
    }

    /// `t0=t0` (the point at which averaging starts).
    pub fn t0(mut self, t0: f64) -> ASGD {
        self.t0 = t0;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient).
    pub fn weight_decay(mut self, weight_decay: f64) -> ASGD {
        self.weight_decay = weight_decay;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> ASGD {
        self.maximize = maximize;
        self
    }

    /// `foreach=foreach`: `true` computes `_multi_tensor_asgd`, whose bits differ from the
    /// single-tensor path CPU tensors take by default (it takes `λ·p` into the gradient
    /// before one `addcmul_` with `eta`, and computes the next `eta` in float32 from the
    /// step tensor; measured).
    pub fn foreach(mut self, foreach: bool) -> ASGD {
        self.foreach = foreach;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (`group["lr"] = lr`); the state is kept (each step's `eta`
    /// is computed from it).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// `optimizer.state[p]["ax"]` for each parameter in order: the running average of the
    /// parameter, `None` before its first step.
    pub fn ax(&self) -> Vec<Option<Tensor>> {
        self.state
            .iter()
            .map(|s| s.as_ref().map(|s| s.ax.shallow_clone()))
            .collect()
    }

    /// `optimizer.param_groups[0]`'s numbers by PyTorch's keys in its order: `lr`, `lambd`,
    /// `alpha`, `t0`, `weight_decay`, `maximize`, `differentiable`, `capturable` (booleans
    /// as 0 or 1; `foreach` after `weight_decay` when set, None and left out otherwise).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![super::named(&[
            ("lr", self.lr),
            ("lambd", self.lambd),
            ("alpha", self.alpha),
            ("t0", self.t0),
            ("weight_decay", self.weight_decay),
            ("foreach", 1.0),
            ("maximize", f64::from(u8::from(self.maximize))),
            ("differentiable", 0.0),
            ("capturable", 0.0),
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

    /// `optimizer.step()`: `_single_tensor_asgd` (or with [`ASGD::foreach`]
    /// `_multi_tensor_asgd`) on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, lambd, alpha, t0) = (self.lr, self.lambd, self.alpha, self.t0);
        let (weight_decay, maximize, foreach) = (self.weight_decay, self.maximize, self.foreach);
        tch::no_grad(|| {
            for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                let s = state.get_or_insert_with(|| State {
                    step: 0.0,
                    eta: lr as f32,
                    mu: 1.0,
                    ax: param.zeros_like(),
                });
                if maximize {
                    grad = grad.neg();
                }
                s.step += 1.0;
                if foreach {
                    // `_multi_tensor_asgd`'s non-capturable branch, one tensor at a time
                    // (the CPU's `_foreach_*` ops loop over the single ops); `eta` and `mu`
                    // are the 0-dimensional float32 tensors `addcmul_` takes.
                    let float = (Kind::Float, Device::Cpu);
                    let mut intermediate = if weight_decay != 0.0 {
                        ops::add(&grad, param, weight_decay)
                    } else {
                        grad.shallow_clone()
                    };
                    intermediate = ops::add(&intermediate, param, lambd);
                    let eta = Tensor::scalar_tensor(f64::from(s.eta), float);
                    ops::addcmul_(param, &intermediate, &eta, -1.0);
                    let intermediate = param.g_sub(&s.ax);
                    let mu = Tensor::scalar_tensor(f64::from(s.mu), float);
                    let _ = s.ax.addcmul_(&intermediate, &mu);
                    // `lr / ((1 + lambd * lr * step) ** alpha)` with `step` the float32 step
                    // tensor: float32 tensor arithmetic, `lr / t` as `t.reciprocal() * lr`.
                    let step_t = Tensor::scalar_tensor(f64::from(s.step), float);
                    let mut t = step_t * (lambd * lr);
                    let _ = t.g_add_scalar_(1.0);
                    let t = t.pow_tensor_scalar(alpha);
                    let new_eta = ops::rdiv(lr, &t);
                    s.eta = f64::try_from(&new_eta).expect("0-dimensional") as f32;
                    let step = f64::from(s.step);
                    let m = if step - t0 > 1.0 { step - t0 } else { 1.0 };
                    s.mu = (1.0 / m) as f32;
                    continue;
                }
                if weight_decay != 0.0 {
                    grad = ops::add(&grad, param, weight_decay);
                }
                let eta_value = f64::from(s.eta);
                let _ = param.g_mul_scalar_(1.0 - lambd * eta_value);
                ops::add_(param, &grad, -eta_value);
                if s.mu != 1.0 {
                    // `ax.add_(param.sub(ax).mul_(mu))`, `mu` a float32 tensor.
                    let mut diff = param.g_sub(&s.ax);
                    let _ = diff.g_mul_scalar_(f64::from(s.mu));
                    let _ = s.ax.g_add_(&diff);
                } else {
                    s.ax.copy_(param);
                }
                let step = f64::from(s.step);
                // `torch.as_tensor(python_float)` makes a float32 tensor: one rounding.
                s.eta = (lr / (1.0 + lambd * lr * step).powf(alpha)) as f32;
                // Python's `max(1, step - t0)` is the int 1 unless `step - t0` is above it.
                let m = if step - t0 > 1.0 { step - t0 } else { 1.0 };
                s.mu = (1.0 / m) as f32;
            }
        });
    }
}

zero_grad_set_to_none!(ASGD);
initial_lr!(ASGD);
