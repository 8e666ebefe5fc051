//! `torch.optim.SGD`: `torch/optim/sgd.py`, `_single_tensor_sgd`, PyTorch 2.13.0 (the path it
//! takes for CPU tensors, measured). tch's `nn::Sgd` computes the same bits; this one adds
//! `dampening` with `maximize`, a learning rate and momentum the schedulers can set
//! ([`crate::lr_scheduler::LrGroup`]) and [`SGD::hyper_parameters`].

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::Tensor;

/// `torch.optim.SGD(params, lr)` bit for bit: `_single_tensor_sgd`'s tensor calls in its
/// order (the momentum buffer a copy of the first gradient, then
/// `buf.mul_(momentum).add_(grad, alpha=1 - dampening)`).
///
/// ```ignore
/// // torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
/// let mut opt = xor_repro_port::optim::SGD::new(&vs, 0.1).momentum(0.9).nesterov(true);
/// opt.backward_step(&loss);
/// ```
pub struct SGD {
    params: Vec<Tensor>,
    /// `state["momentum_buffer"]`, made at a parameter's first step with a momentum.
    momentum_buffers: Vec<Option<Tensor>>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    maximize: bool,
}

impl SGD {
    /// `torch.optim.SGD(params, lr=lr)`: no momentum, no dampening, no weight decay.
    pub fn new(params: impl Parameters, lr: f64) -> SGD {
        let params = params.parameters();
        SGD {
            momentum_buffers: params.iter().map(|_| None).collect(),
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }

    /// `momentum=momentum`.
    pub fn momentum(mut self, momentum: f64) -> SGD {
        self.momentum = momentum;
        self
    }

    /// `dampening=dampening`.
    pub fn dampening(mut self, dampening: f64) -> SGD {
        self.dampening = dampening;
        self
    }

    /// `weight_decay=weight_decay` (added to the gradient).
    pub fn weight_decay(mut self, weight_decay: f64) -> SGD {
        self.weight_decay = weight_decay;
        self
    }

    /// `nesterov=nesterov`. Panics, as PyTorch raises, without a momentum above 0 and zero
    /// dampening (checked at the first [`SGD::step`]).
    pub fn nesterov(mut self, nesterov: bool) -> SGD {
        self.nesterov = nesterov;
        self
    }

    /// `maximize=maximize`.
    pub fn maximize(mut self, maximize: bool) -> SGD {
        self.maximize = maximize;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (`group["lr"] = lr`); the momentum buffers are kept.
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The momentum.
    pub fn get_momentum(&self) -> f64 {
        self.momentum
    }

    /// Sets the momentum on a live optimizer (`group["momentum"] = m`, what OneCycleLR and
    /// CyclicLR do); the buffers are kept.
    pub fn set_momentum(&mut self, momentum: f64) {
        self.momentum = momentum;
    }

    /// `optimizer.param_groups[0]`'s numbers by PyTorch's keys in its order: `lr`,
    /// `momentum`, `dampening`, `weight_decay`, `nesterov`, `maximize`, `differentiable`
    /// (booleans as 0 or 1; `foreach` and `fused`, None, left out).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        let flag = |b: bool| f64::from(u8::from(b));
        vec![super::named(&[
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("dampening", self.dampening),
            ("weight_decay", self.weight_decay),
            ("nesterov", flag(self.nesterov)),
            ("maximize", flag(self.maximize)),
            ("differentiable", 0.0),
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

    /// `optimizer.step()`: `_single_tensor_sgd` on every parameter with a gradient.
    pub fn step(&mut self) {
        let (lr, momentum, dampening, weight_decay) =
            (self.lr, self.momentum, self.dampening, self.weight_decay);
        let (nesterov, maximize) = (self.nesterov, self.maximize);
        assert!(
            !nesterov || (momentum > 0.0 && dampening == 0.0),
            "Nesterov momentum requires a momentum and zero dampening"
        );
        tch::no_grad(|| {
            let all = self.params.iter_mut().zip(self.momentum_buffers.iter_mut());
            for (param, buffer) in all {
                let mut grad = param.grad();
                if !grad.defined() {
                    continue;
                }
                if maximize {
                    grad = grad.neg();
                }
                if weight_decay != 0.0 {
                    grad = ops::add(&grad, param, weight_decay);
                }
                if momentum != 0.0 {
                    let buf = match buffer {
                        None => buffer.insert(grad.detach().copy()),
                        Some(buf) => {
                            let _ = buf.g_mul_scalar_(momentum);
                            ops::add_(buf, &grad, 1.0 - dampening);
                            buf
                        }
                    };
                    grad = if nesterov {
                        ops::add(&grad, buf, momentum)
                    } else {
                        buf.shallow_clone()
                    };
                }
                ops::add_(param, &grad, -lr);
            }
        });
    }
}

zero_grad_set_to_none!(SGD);
initial_lr!(SGD);
