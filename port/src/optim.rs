//! `torch.optim.Adam` (and `AdamW`) as PyTorch's own Python code computes them, for a tch
//! port. tch's `nn::Adam` and `nn::AdamW` are libtorch's C++ optimizers, which update the first
//! moment as `m·β₁ + g·(1−β₁)` where Python's `_single_tensor_adam` (the path PyTorch takes for
//! CPU tensors) takes `m.lerp_(g, 1−β₁)`: the parameters part from the first step
//! (docs/PORTING.md). [`Adam`] makes PyTorch's calls in PyTorch's order through tch:
//! `torch/optim/adam.py`, `_single_tensor_adam`, PyTorch 2.13.0.
//!
//! [`RMSprop`], [`Adagrad`], [`Adadelta`], [`Adamax`], [`NAdam`], [`RAdam`], [`Rprop`] and
//! [`ASGD`] do the same for their `torch.optim` namesakes, each in its own module
//! (`torch/optim/<name>.py`, its `_single_tensor_*` function: PyTorch 2.13 defaults to foreach
//! only for CUDA-like devices, `_default_to_fused_or_foreach`; on CPU tensors every optimizer
//! here runs its single-tensor function, measured). [`LBFGS`] ports `torch/optim/lbfgs.py`'s
//! `LBFGS.step(closure)`, its strong-Wolfe line search included.
//!
//! tch's `nn::Sgd` is bit-identical to `torch.optim.SGD` (plain, with momentum, Nesterov and
//! weight decay; measured); [`SGD`] computes the same bits and adds `dampening` with
//! `maximize`, and a learning rate and momentum a scheduler can set.
//!
//! Several param groups: [`ParamGroups`], one optimizer per group with the group's options
//! (every optimizer but [`LBFGS`] implements [`Optimizer`]). `zero_grad()` sets the
//! gradients to none; `zero_grad_set_to_none(false)` fills them with zeros, as PyTorch's
//! `zero_grad(set_to_none=False)`.
//!
//! Adamax, NAdam, RAdam, Rprop, ASGD, LBFGS and SGD have `hyper_parameters()`: `optimizer.param_groups`'s
//! numbers by PyTorch's keys, in the dict's order.

/// `optimizer.zero_grad(set_to_none=…)` on an optimizer type of this module (the macro
/// expands in the type's own module, whose `grads` field it reads).
macro_rules! zero_grad_set_to_none {
    ($opt:ident) => {
        impl $opt {
            /// `optimizer.zero_grad(set_to_none=set_to_none)`: `true` is
            /// [`zero_grad`](Self::zero_grad); `false` fills each existing gradient with
            /// zeros in place, as PyTorch does.
            pub fn zero_grad_set_to_none(&mut self, set_to_none: bool) {
                self.grads.zero_grad_set_to_none(set_to_none);
            }
        }
    };
}

/// `group["initial_lr"]` as the schedulers read and set it (crate-internal).
macro_rules! initial_lr {
    ($opt:ident) => {
        impl $opt {
            pub(crate) fn initial_lr_slot(&mut self) -> &mut Option<f64> {
                &mut self.initial_lr
            }
            pub(crate) fn get_initial_lr(&self) -> Option<f64> {
                self.initial_lr
            }
        }
    };
}

mod adadelta;
mod adagrad;
mod adamax;
mod asgd;
mod lbfgs;
mod nadam;
mod radam;
mod rmsprop;
mod rprop;
mod sgd;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adamax::Adamax;
pub use asgd::ASGD;
pub use lbfgs::{LineSearch, LBFGS};
pub use nadam::NAdam;
pub use radam::RAdam;
pub use rmsprop::RMSprop;
pub use rprop::Rprop;
pub use sgd::SGD;

use crate::ops;
use tch::{nn, COptimizer, Tensor};

/// What an optimizer (or [`crate::nn_utils`]'s gradient clipping) can be built on: a
/// `VarStore` (its trainable variables, in [`crate::named_parameters`] order, PyTorch's
/// `model.parameters()` order), tensors, or [`crate::named_parameters`]. Order does not matter
/// to the optimizers, each parameter being updated on its own; it does to a total gradient
/// norm.
pub trait Parameters {
    /// Shallow clones of the parameters (sharing their storage).
    fn parameters(self) -> Vec<Tensor>;
}

impl Parameters for &nn::VarStore {
    fn parameters(self) -> Vec<Tensor> {
        crate::named_parameters(self)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }
}

impl Parameters for &[Tensor] {
    fn parameters(self) -> Vec<Tensor> {
        self.iter().map(Tensor::shallow_clone).collect()
    }
}

impl Parameters for &Vec<Tensor> {
    fn parameters(self) -> Vec<Tensor> {
        self.as_slice().parameters()
    }
}

impl Parameters for Vec<Tensor> {
    fn parameters(self) -> Vec<Tensor> {
        self
    }
}

impl Parameters for &[(String, Tensor)] {
    fn parameters(self) -> Vec<Tensor> {
        self.iter().map(|(_, t)| t.shallow_clone()).collect()
    }
}

impl Parameters for &Vec<(String, Tensor)> {
    fn parameters(self) -> Vec<Tensor> {
        self.as_slice().parameters()
    }
}

/// Sets the gradients of its parameters to none, as `optimizer.zero_grad()` does
/// (`set_to_none=True`): libtorch's own optimizer `zero_grad`, on an optimizer that never
/// steps. (tch's `Tensor::zero_grad` fills zeros instead, and a −0 gradient then
/// accumulates to +0.)
struct GradsToNone(COptimizer, Vec<Tensor>);

impl GradsToNone {
    fn new(params: &[Tensor]) -> GradsToNone {
        let mut c =
            COptimizer::sgd(0.0, 0.0, 0.0, 0.0, false).expect("libtorch makes an SGD optimizer");
        for p in params {
            c.add_parameters(p, 0).expect("libtorch takes a parameter");
        }
        GradsToNone(c, params.iter().map(Tensor::shallow_clone).collect())
    }

    fn zero_grad(&self) {
        self.0.zero_grad().expect("libtorch clears the gradients");
    }

    /// `optimizer.zero_grad(set_to_none=set_to_none)`: with `false`, each gradient there is
    /// is filled with zeros in place (`p.grad.zero_()`), and a later `backward()`
    /// accumulates into it (a −0 gradient then becomes +0).
    fn zero_grad_set_to_none(&self, set_to_none: bool) {
        if set_to_none {
            return self.zero_grad();
        }
        for p in &self.1 {
            let mut g = p.grad();
            if g.defined() {
                let _ = g.zero_();
            }
        }
    }
}

/// What [`ParamGroups`] asks of an optimizer: `optimizer.step()` and `zero_grad`.
/// Implemented by every optimizer here but [`LBFGS`] (whose step takes a closure and which,
/// as in PyTorch, has one param group).
pub trait Optimizer {
    /// `optimizer.step()`.
    fn step(&mut self);
    /// `optimizer.zero_grad(set_to_none=set_to_none)`.
    fn zero_grad_set_to_none(&mut self, set_to_none: bool);
}

macro_rules! optimizer {
    ($($opt:ident),*) => {$(
        impl Optimizer for $opt {
            fn step(&mut self) {
                $opt::step(self)
            }
            fn zero_grad_set_to_none(&mut self, set_to_none: bool) {
                $opt::zero_grad_set_to_none(self, set_to_none)
            }
        }
    )*};
}
optimizer!(Adam, Adadelta, Adagrad, Adamax, ASGD, NAdam, RAdam, RMSprop, Rprop, SGD);

/// An optimizer of several param groups, each with its own options:
/// `torch.optim.Adam([{"params": a, "lr": 1e-2}, {"params": b, "weight_decay": 0.0}],
/// lr=1e-3)` is `ParamGroups::new(vec![Adam::new(a, 1e-2), Adam::new(b, 1e-3)])`, one
/// optimizer per group built with the group's options. Every `torch.optim` optimizer updates
/// each parameter from its own gradient and state and its group's options alone, so the
/// groups' optimizers step one after the other and give PyTorch's bits (held by the
/// `param-groups` row of docs/PORTING.md).
///
/// ```ignore
/// let mut opt = ParamGroups::new(vec![
///     Adam::new(&encoder_params, 1e-2),
///     Adam::new(&head_params, 1e-3).weight_decay(0.0),
/// ]);
/// opt.backward_step(&loss);
/// opt.groups_mut()[0].set_lr(5e-3);          // optimizer.param_groups[0]["lr"] = 5e-3
/// ```
pub struct ParamGroups<O> {
    groups: Vec<O>,
}

impl<O: Optimizer> ParamGroups<O> {
    /// The optimizer of these groups, in `optimizer.param_groups` order. Panics on no group
    /// (PyTorch: "optimizer got an empty parameter list").
    pub fn new(groups: Vec<O>) -> ParamGroups<O> {
        assert!(!groups.is_empty(), "optimizer got an empty parameter list");
        ParamGroups { groups }
    }

    /// `optimizer.param_groups`: each group's optimizer.
    pub fn groups(&self) -> &[O] {
        &self.groups
    }

    /// `optimizer.param_groups`, to change a group's options (`set_lr`, …).
    pub fn groups_mut(&mut self) -> &mut [O] {
        &mut self.groups
    }

    /// `optimizer.step()`: every group's.
    pub fn step(&mut self) {
        for g in self.groups.iter_mut() {
            g.step();
        }
    }

    /// `optimizer.zero_grad()`: every gradient set to none.
    pub fn zero_grad(&mut self) {
        self.zero_grad_set_to_none(true);
    }

    /// `optimizer.zero_grad(set_to_none=set_to_none)`.
    pub fn zero_grad_set_to_none(&mut self, set_to_none: bool) {
        for g in self.groups.iter_mut() {
            g.zero_grad_set_to_none(set_to_none);
        }
    }

    /// `optimizer.zero_grad(); loss.backward(); optimizer.step()`.
    pub fn backward_step(&mut self, loss: &Tensor) {
        self.zero_grad();
        loss.backward();
        self.step();
    }
}

/// A param group's numbers as `hyper_parameters` returns them, keys as `String`s.
fn named(entries: &[(&str, f64)]) -> Vec<(String, f64)> {
    entries.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

zero_grad_set_to_none!(Adam);
initial_lr!(Adam);

/// One parameter's state, made at its first step with a gradient (`Adam._init_group`).
struct AdamState {
    /// `state["step"]`: a float32 tensor in PyTorch, counted here in `f32` as it counts.
    step: f32,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
    max_exp_avg_sq: Option<Tensor>,
}

/// `torch.optim.Adam(params, lr)`, and `torch.optim.AdamW` through [`Adam::adamw`], bit for
/// bit: each step makes `_single_tensor_adam`'s tensor calls, with its Python-float
/// arithmetic in `f64` (`β^step` by `powf`, as Python's `**` calls C's `pow`).
///
/// ```ignore
/// // torch.optim.Adam(model.parameters(), lr=0.01)
/// let mut opt = xor_repro_port::optim::Adam::new(&vs, 0.01);
/// opt.zero_grad();
/// loss.backward();
/// opt.step();
/// ```
pub struct Adam {
    params: Vec<Tensor>,
    state: Vec<Option<AdamState>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
    decoupled_weight_decay: bool,
    maximize: bool,
}

impl Adam {
    /// `torch.optim.Adam(params, lr=lr)`: betas (0.9, 0.999), eps 1e-8, no weight decay.
    pub fn new(params: impl Parameters, lr: f64) -> Adam {
        let params = params.parameters();
        Adam {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            decoupled_weight_decay: false,
            maximize: false,
        }
    }

    /// `torch.optim.AdamW(params, lr=lr)`: Adam with decoupled weight decay 0.01.
    pub fn adamw(params: impl Parameters, lr: f64) -> Adam {
        Adam::new(params, lr)
            .weight_decay(0.01)
            .decoupled_weight_decay(true)
    }

    /// `betas=(beta1, beta2)`, for construction (`Adam::new(…).betas(0.8, 0.99)`): it
    /// consumes the optimizer. To change them on an optimizer that has stepped, as a
    /// schedule does, use [`Adam::set_betas`].
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Adam {
        self.betas = (beta1, beta2);
        self
    }

    /// `eps=eps`.
    pub fn eps(mut self, eps: f64) -> Adam {
        self.eps = eps;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient, or with
    /// [`Adam::decoupled_weight_decay`] taken off the parameter, as AdamW does).
    pub fn weight_decay(mut self, weight_decay: f64) -> Adam {
        self.weight_decay = weight_decay;
        self
    }

    /// `amsgrad=amsgrad`.
    pub fn amsgrad(mut self, amsgrad: bool) -> Adam {
        self.amsgrad = amsgrad;
        self
    }

    /// `decoupled_weight_decay=decoupled` (what `torch.optim.AdamW` sets).
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Adam {
        self.decoupled_weight_decay = decoupled;
        self
    }

    /// `maximize=maximize`: the parameters go up the gradient (`_single_tensor_adam` negates
    /// it first).
    pub fn maximize(mut self, maximize: bool) -> Adam {
        self.maximize = maximize;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate on a live optimizer (`group["lr"] = lr`, what a scheduler
    /// does); the moments and step counts are kept. (There is no consuming `lr` builder:
    /// the learning rate is [`Adam::new`]'s argument.)
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The betas.
    pub fn get_betas(&self) -> (f64, f64) {
        self.betas
    }

    /// Sets the betas on a live optimizer (`group["betas"] = (beta1, beta2)`, what OneCycleLR
    /// and CyclicLR do when they cycle momentum, through [`crate::lr_scheduler::LrGroup`]):
    /// the moments and step counts are kept, as PyTorch's assignment keeps
    /// `optimizer.state`; the next [`Adam::step`] reads the new betas, bias corrections
    /// included (`1 − β₁^step` with the new β₁).
    pub fn set_betas(&mut self, beta1: f64, beta2: f64) {
        self.betas = (beta1, beta2);
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

    /// `optimizer.step()`: `_single_tensor_adam` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, (beta1, beta2), eps, weight_decay) =
            (self.lr, self.betas, self.eps, self.weight_decay);
        let (amsgrad, decoupled) = (self.amsgrad, self.decoupled_weight_decay);
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
                let s = state.get_or_insert_with(|| AdamState {
                    step: 0.0,
                    exp_avg: param.zeros_like(),
                    exp_avg_sq: param.zeros_like(),
                    max_exp_avg_sq: amsgrad.then(|| param.zeros_like()),
                });
                s.step += 1.0;
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

                let step = f64::from(s.step);
                let bias_correction1 = 1.0 - beta1.powf(step);
                let bias_correction2 = 1.0 - beta2.powf(step);
                let step_size = lr / bias_correction1;
                let bias_correction2_sqrt = bias_correction2.powf(0.5);

                let second = match s.max_exp_avg_sq.as_mut() {
                    Some(max) => {
                        *max = max.maximum(&s.exp_avg_sq);
                        &*max
                    }
                    None => &s.exp_avg_sq,
                };
                let mut denom = second.sqrt() / bias_correction2_sqrt;
                let _ = denom.g_add_scalar_(eps);
                ops::addcdiv_(param, &s.exp_avg, &denom, -step_size);
            }
        });
    }
}

/// The rest of `param_groups[0]`, read by [`crate::HyperParameters`].
impl Adam {
    /// `eps`.
    pub fn get_eps(&self) -> f64 {
        self.eps
    }

    /// `weight_decay`.
    pub fn get_weight_decay(&self) -> f64 {
        self.weight_decay
    }

    /// `amsgrad`.
    pub fn get_amsgrad(&self) -> bool {
        self.amsgrad
    }

    /// `decoupled_weight_decay` (true for `torch.optim.AdamW`).
    pub fn get_decoupled_weight_decay(&self) -> bool {
        self.decoupled_weight_decay
    }

    /// `maximize`.
    pub fn get_maximize(&self) -> bool {
        self.maximize
    }
}
