//! An optimizer's hyper-parameters in the trace: what `optimizer.param_groups` holds, read at
//! every traced step, so that `explain` names a schedule that sets the wrong one (step 0,
//! `optim.group0.betas[0]`) rather than the update that parts a step later.
//!
//! The Python recorder's `rec.optimizer(opt)` (`python/xor_repro_record.py`) traces the same
//! names from `torch.optim.Optimizer.param_groups` (PyTorch 2.13.0, `torch/optim/optimizer.py`):
//! per group, each entry of the optimizer's `defaults` in their order, `params` and entries
//! that are `None` (`foreach`, `fused`) left out, a tuple as one value per element
//! (`betas[0]`, `betas[1]`), a boolean as 0 or 1. Entries a scheduler adds to the group
//! (`initial_lr`, OneCycleLR's `max_lr`) are the scheduler's, not the optimizer's, and are
//! left out on both sides. A tensor learning rate (`lr=torch.tensor(0.01)`) is traced as
//! its value, float32 where the tensor is: a scheduler keeps it a tensor (`fill_`), so the
//! learning rates it sets are rounded to float32, which a port keeping them in `f64` does
//! not do, and the trace shows.

use crate::optim::{
    Adadelta, Adagrad, Adam, Adamax, NAdam, RAdam, RMSprop, Rprop, ASGD, LBFGS, SGD,
};
use xor_repro::record::npz::Dtype;
use xor_repro::record::trace::{ArrayBytes, Tap};

/// What an optimizer's `param_groups` hold, for the trace ([`crate::Autograd::optimizer`]).
pub trait HyperParameters {
    /// One list per parameter group: its numeric entries, by PyTorch's key, in the order of
    /// the optimizer's `defaults` (the group's dict order when the group sets nothing of its
    /// own). Tuples as `key[i]`, booleans as 0.0/1.0; `params` and `None` entries left out.
    fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>>;
}

/// `(key, value)` pairs from literal keys.
fn group<const N: usize>(entries: [(&str, f64); N]) -> Vec<(String, f64)> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn flag(b: bool) -> f64 {
    f64::from(u8::from(b))
}

/// The optimizers with an inherent `hyper_parameters` (held against PyTorch's
/// `param_groups` by port/tests/porting.rs's `hyper_parameters_are_pythons`).
macro_rules! forward {
    ($($opt:ident),*) => {$(
        impl HyperParameters for $opt {
            fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
                $opt::hyper_parameters(self)
            }
        }
    )*};
}
forward!(Adamax, NAdam, RAdam, Rprop, ASGD, LBFGS, SGD);

/// `torch.optim.Adam` / `AdamW`: `lr, betas, eps, weight_decay, amsgrad, maximize,
/// capturable, differentiable, decoupled_weight_decay` (`foreach`, `fused`: `None`).
impl HyperParameters for Adam {
    fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        let (beta1, beta2) = self.get_betas();
        vec![group([
            ("lr", self.lr()),
            ("betas[0]", beta1),
            ("betas[1]", beta2),
            ("eps", self.get_eps()),
            ("weight_decay", self.get_weight_decay()),
            ("amsgrad", flag(self.get_amsgrad())),
            ("maximize", flag(self.get_maximize())),
            ("capturable", 0.0),
            ("differentiable", 0.0),
            (
                "decoupled_weight_decay",
                flag(self.get_decoupled_weight_decay()),
            ),
        ])]
    }
}

/// `torch.optim.RMSprop`: `lr, momentum, alpha, eps, centered, weight_decay, capturable,
/// maximize, differentiable` (`foreach`: `None`).
impl HyperParameters for RMSprop {
    fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![group([
            ("lr", self.lr()),
            ("momentum", self.get_momentum()),
            ("alpha", self.get_alpha()),
            ("eps", self.get_eps()),
            ("centered", flag(self.get_centered())),
            ("weight_decay", self.get_weight_decay()),
            ("capturable", 0.0),
            ("maximize", flag(self.get_maximize())),
            ("differentiable", 0.0),
        ])]
    }
}

/// `torch.optim.Adagrad`: `lr, lr_decay, eps, weight_decay, initial_accumulator_value,
/// maximize, differentiable` (`foreach`, `fused`: `None`).
impl HyperParameters for Adagrad {
    fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![group([
            ("lr", self.lr()),
            ("lr_decay", self.get_lr_decay()),
            ("eps", self.get_eps()),
            ("weight_decay", self.get_weight_decay()),
            (
                "initial_accumulator_value",
                self.get_initial_accumulator_value(),
            ),
            ("maximize", flag(self.get_maximize())),
            ("differentiable", 0.0),
        ])]
    }
}

/// `torch.optim.Adadelta`: `lr, rho, eps, weight_decay, maximize, capturable,
/// differentiable` (`foreach`: `None`).
impl HyperParameters for Adadelta {
    fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![group([
            ("lr", self.lr()),
            ("rho", self.get_rho()),
            ("eps", self.get_eps()),
            ("weight_decay", self.get_weight_decay()),
            ("maximize", flag(self.get_maximize())),
            ("capturable", 0.0),
            ("differentiable", 0.0),
        ])]
    }
}

/// Traces `opt`'s hyper-parameters on `tap`'s step as `optim.group{i}.{key}`, each one
/// float64 number (a 0-dimensional array in `trace.npz`), as the recorder traces them.
pub(crate) fn trace(tap: &Tap, opt: &(impl HyperParameters + ?Sized)) {
    if !tap.on() {
        return;
    }
    for (i, entries) in opt.hyper_parameters().into_iter().enumerate() {
        for (key, value) in entries {
            tap.tap_array(&format!("optim.group{i}.{key}"), || ArrayBytes {
                dtype: Dtype::F64,
                shape: Vec::new(),
                data: value.to_le_bytes().to_vec().into(),
            });
        }
    }
}
