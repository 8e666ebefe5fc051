//! `torch.optim.Rprop`: `torch/optim/rprop.py`, `_single_tensor_rprop`, PyTorch 2.13.0 (the
//! path it takes for CPU tensors, measured).

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// One parameter's state, made at its first step with a gradient (`Rprop._init_group`).
struct State {
    /// `state["step"]`, a float32 tensor in PyTorch (counted, never read by the update).
    step: f32,
    prev: Tensor,
    /// `state["step_size"]`: `full_like(grad, lr)` when made.
    step_size: Tensor,
}

/// `torch.optim.Rprop(params, lr)` bit for bit: `_single_tensor_rprop`'s tensor calls in its
/// order. As in PyTorch, the learning rate is read only when a parameter's state is made
/// (its initial step sizes): a learning rate set later changes nothing.
///
/// ```ignore
/// // torch.optim.Rprop(model.parameters(), lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-5, 1.0))
/// let mut opt = xor_repro_port::optim::Rprop::new(&vs, 0.01).etas(0.4, 1.3).step_sizes(1e-5, 1.0);
/// opt.backward_step(&loss);
/// ```
pub struct Rprop {
    params: Vec<Tensor>,
    state: Vec<Option<State>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    etas: (f64, f64),
    step_sizes: (f64, f64),
    maximize: bool,
}

impl Rprop {
    /// `torch.optim.Rprop(params, lr=lr)`: etas (0.5, 1.2), step sizes (1e-6, 50)
    /// (PyTorch's default lr is 1e-2).
    pub fn new(params: impl Parameters, lr: f64) -> Rprop {
        let params = params.parameters();
        Rprop {
            state: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            etas: (0.5, 1.2),
            step_sizes: (1e-6, 50.0),
            maximize: false,
        }
    }

    /// `etas=(etaminus, etaplus)`.
    pub fn etas(mut self, etaminus: f64, etaplus: f64) -> Rprop {
        self.etas = (etaminus, etaplus);
        self
    }

    /// `step_sizes=(step_size_min, step_size_max)`.
    pub fn step_sizes(mut self, min: f64, max: f64) -> Rprop {
        self.step_sizes = (min, max);
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> Rprop {
        self.maximize = maximize;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (`group["lr"] = lr`): as in PyTorch, only parameters whose
    /// state is not made yet (no step with a gradient) start from it.
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// `optimizer.param_groups[0]`'s numbers by PyTorch's keys in its order: `lr`,
    /// `etas[0]`, `etas[1]`, `step_sizes[0]`, `step_sizes[1]`, `maximize`,
    /// `differentiable`, `capturable` (booleans as 0 or 1; `foreach`, None, left out).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![super::named(&[
            ("lr", self.lr),
            ("etas[0]", self.etas.0),
            ("etas[1]", self.etas.1),
            ("step_sizes[0]", self.step_sizes.0),
            ("step_sizes[1]", self.step_sizes.1),
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

    /// `optimizer.step()`: `_single_tensor_rprop` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, (etaminus, etaplus)) = (self.lr, self.etas);
        let ((step_size_min, step_size_max), maximize) = (self.step_sizes, self.maximize);
        tch::no_grad(|| {
            for (param, state) in self.params.iter_mut().zip(self.state.iter_mut()) {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                let s = state.get_or_insert_with(|| State {
                    step: 0.0,
                    prev: param.zeros_like(),
                    step_size: grad.full_like(lr),
                });
                if maximize {
                    grad = grad.neg();
                }
                s.step += 1.0;
                let mut sign = grad.g_mul(&s.prev).sign();
                // `sign[sign.gt(0)] = etaplus` and so on: index_put_ of a scalar, which is
                // masked_fill_'s value, rounded to float32 once.
                let positive = sign.gt(0.0);
                let _ = sign.masked_fill_(&positive, etaplus);
                let negative = sign.lt(0.0);
                let _ = sign.masked_fill_(&negative, etaminus);
                let zero = sign.eq(0.0);
                let _ = sign.masked_fill_(&zero, 1.0);
                let _ = s.step_size.g_mul_(&sign);
                let _ = s.step_size.clamp_(step_size_min, step_size_max);
                let mut grad = grad.copy();
                let _ = grad.masked_fill_(&sign.eq(etaminus), 0.0);
                ops::addcmul_(param, &grad.sign(), &s.step_size, -1.0);
                s.prev.copy_(&grad);
            }
        });
    }
}

zero_grad_set_to_none!(Rprop);
initial_lr!(Rprop);
