//! Tracing a port's tensors through a step's [`Tap`]: libtorch's tensors take the one
//! conversion every value takes ([`crate::values`]), and an autograd port's gradients are
//! traced in the order autograd computes them, derived from its forward taps. The Python
//! recorder's `Run.step` (`python/xor_repro_record.py`) derives the same order by the same
//! rules, so both sides' `trace.csv` walk side by side.

use std::borrow::Borrow;
use std::cell::RefCell;
use tch::Tensor;
use xor_repro::record::trace::Tap;

/// The one conversion every traced tensor takes.
mod tensors {
    pub use crate::values;
}

/// Taps for libtorch's tensors; each reads nothing unless the step is traced.
pub trait TapTensor {
    /// Traces `t` as `name` and hands it back: `let z1 = t.tensor("Z1", x.matmul(&w1) + &b1);`.
    fn tensor(&self, name: &str, t: Tensor) -> Tensor;
    /// Traces each named tensor as its name followed by `suffix`.
    fn tensors(&self, suffix: &str, named: &[(&str, &Tensor)]);
    /// Traces each of `tensors` as its name in `names` followed by `suffix`.
    fn tensor_each<'t>(
        &self,
        suffix: &str,
        names: &[&str],
        tensors: impl IntoIterator<Item = &'t Tensor>,
    );
}

impl TapTensor for Tap {
    fn tensor(&self, name: &str, t: Tensor) -> Tensor {
        self.tap_with(name, || tensors::values(&t));
        t
    }

    fn tensor_each<'t>(
        &self,
        suffix: &str,
        names: &[&str],
        tensors: impl IntoIterator<Item = &'t Tensor>,
    ) {
        if self.on() {
            let named: Vec<(&str, &Tensor)> = names.iter().copied().zip(tensors).collect();
            self.tensors(suffix, &named);
        }
    }

    fn tensors(&self, suffix: &str, named: &[(&str, &Tensor)]) {
        if !self.on() {
            return; // not even the names are formatted
        }
        for (name, t) in named {
            self.tap_with(&format!("{name}{suffix}"), || tensors::values(t));
        }
    }
}

/// One step of an autograd port, traced: the parameters as the step finds them (at
/// [`Autograd::step`]), each forward value on the line that computes it, every gradient at
/// [`Autograd::backward`], and the parameters the step leaves (`NAME.updated`, when the
/// handle is dropped at the end of the step).
///
/// The gradients come in autograd's order: the forward taps in reverse, a layer's
/// parameters (noted with [`Autograd::params`] as the layer runs, before its output is
/// tapped) right after its output's gradient. That is the order `loss.backward()` computes
/// them in, and the order the Python side traces. Parameters never noted follow, in reverse
/// order (the last layer's first), which is an order autograd could compute them in too: a
/// parameter's gradient needs only its layer's output's, traced before it.
pub struct Autograd {
    tap: Tap,
    /// The model's parameters, kept (on a traced step) to trace what the step leaves.
    params: Vec<(String, Tensor)>,
    forward: RefCell<Vec<Tapped>>,
}

enum Tapped {
    /// A value whose gradient the trace holds, as `retain_grad()` keeps it.
    Kept(String, Tensor),
    /// Parameters whose gradients follow the next kept value's (weight, then bias).
    Params(Vec<(String, Tensor)>),
}

impl Autograd {
    /// Step `tap`'s handle for a model with `params` (`model.named_parameters()`, or
    /// [`crate::named_parameters`] of a `VarStore`): traces them as the step finds them.
    pub fn step<N: AsRef<str>, T: Borrow<Tensor>>(tap: Tap, params: &[(N, T)]) -> Autograd {
        let named: Vec<(&str, &Tensor)> = params
            .iter()
            .map(|(n, t)| (n.as_ref(), t.borrow()))
            .collect();
        tap.tensors("", &named);
        let params = if tap.on() {
            shallow(&named)
        } else {
            Vec::new()
        };
        Autograd {
            tap,
            params,
            forward: RefCell::new(Vec::new()),
        }
    }

    /// Traces `t` as `name` (a value whose gradient the trace does not hold).
    pub fn value(&self, name: &str, t: Tensor) -> Tensor {
        self.tap.tensor(name, t)
    }

    /// Traces `t` as `name` and keeps it for its gradient, `NAME.grad`.
    pub fn keep(&self, name: &str, t: Tensor) -> Tensor {
        if self.tap.on() {
            let kept = Tapped::Kept(name.to_string(), t.shallow_clone());
            self.forward.borrow_mut().push(kept);
        }
        self.tap.tensor(name, t)
    }

    /// Notes a layer's parameters as it runs: their gradients follow its output's.
    pub fn params(&self, named: &[(&str, &Tensor)]) {
        if self.tap.on() {
            self.forward
                .borrow_mut()
                .push(Tapped::Params(shallow(named)));
        }
    }

    /// `loss.backward()`; on a traced step, first the kept values' gradients (the same
    /// backward pass, run with the graph kept; it accumulates into no `.grad`), then, after
    /// it, every gradient in autograd's order.
    pub fn backward(&self, loss: &Tensor) {
        if !self.tap.on() {
            loss.backward();
            return;
        }
        let forward = self.forward.borrow();
        let kept: Vec<&Tensor> = forward
            .iter()
            .filter_map(|t| match t {
                Tapped::Kept(_, t) => Some(t),
                Tapped::Params(_) => None,
            })
            .collect();
        let mut grads = Tensor::run_backward(&[loss], &kept, true, false).into_iter();
        loss.backward();
        // Built in forward order and traced reversed: parameters never noted go first here,
        // so they are traced last, the last one first.
        let noted = |name: &str| {
            forward.iter().any(|t| match t {
                Tapped::Params(ps) => ps.iter().any(|(n, _)| n == name),
                Tapped::Kept(..) => false,
            })
        };
        let mut in_order: Vec<(String, Tensor)> = self
            .params
            .iter()
            .filter(|(name, _)| !noted(name))
            .map(|(name, p)| (format!("{name}.grad"), p.grad()))
            .collect();
        for tapped in forward.iter() {
            match tapped {
                Tapped::Kept(name, _) => {
                    let grad = grads.next().expect("one gradient per kept value");
                    in_order.push((format!("{name}.grad"), grad));
                }
                Tapped::Params(params) => {
                    // Reversed below, so the weight's gradient comes before the bias's.
                    for (name, p) in params.iter().rev() {
                        in_order.push((format!("{name}.grad"), p.grad()));
                    }
                }
            }
        }
        for (name, grad) in in_order.iter().rev() {
            self.tap.tensors("", &[(name, grad)]);
        }
    }
}

impl Drop for Autograd {
    fn drop(&mut self) {
        let params: Vec<(&str, &Tensor)> =
            self.params.iter().map(|(n, p)| (n.as_str(), p)).collect();
        self.tap.tensors(".updated", &params);
    }
}

/// Named tensors that share their storage with `named`'s, so they see in-place updates.
fn shallow(named: &[(&str, &Tensor)]) -> Vec<(String, Tensor)> {
    named
        .iter()
        .map(|(n, p)| (n.to_string(), p.shallow_clone()))
        .collect()
}
