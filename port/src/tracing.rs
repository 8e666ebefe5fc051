//! Tracing a port's tensors through a step's [`Tap`]: libtorch's tensors go in their own
//! bytes ([`crate::array_bytes`]) into a streaming trace (`trace.npz`), or widened to f64
//! ([`crate::values`]) into one kept for `trace.csv`, and an autograd port's gradients are
//! traced in the order autograd computes them, derived from its forward taps. The Python
//! recorder's `Run.step` (`python/xor_repro_record.py`) derives the same order by the same
//! rules, so both sides' traces walk side by side.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::rc::Rc;
use tch::Tensor;
use xor_repro::record::trace::Tap;

/// Traces `t` as `name` on a traced step: in its own bytes into a streaming trace
/// (`trace.npz`), else widened to f64 for `trace.csv` (the notebooks' plain ports).
fn trace_tensor(tap: &Tap, name: &str, t: &Tensor) {
    if !tap.on() {
        return;
    }
    if tap.streams() {
        tap.tap_array(name, || crate::array_bytes(t));
    } else {
        tap.tap_with(name, || crate::values(t));
    }
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
        trace_tensor(self, name, &t);
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
            trace_tensor(self, &format!("{name}{suffix}"), t);
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
///
/// Misuse a traced step can see (a kept value without a gradient, a parameter the loss does
/// not use, a name that cannot go into a CSV) never panics: the value is left out of the trace
/// and [`crate::Run::write`] fails with one line saying what happened.
pub struct Autograd {
    tap: Tap,
    /// The model's parameters, kept (on a traced step) to trace what the step leaves.
    params: Vec<(String, Tensor)>,
    forward: RefCell<Vec<Tapped>>,
    misuse: Misuse,
}

/// The first misuse a run saw, reported by [`crate::Run::write`].
#[derive(Clone, Default)]
pub(crate) struct Misuse(Rc<RefCell<Option<String>>>);

impl Misuse {
    /// Notes `what`, unless something was noted before.
    pub(crate) fn note(&self, what: impl FnOnce() -> String) {
        let mut first = self.0.borrow_mut();
        if first.is_none() {
            *first = Some(what());
        }
    }

    pub(crate) fn first(&self) -> Option<String> {
        RefCell::borrow(&self.0).clone()
    }

    /// Notes `name` when it cannot be a name in a CSV file (empty, or with a comma or a line
    /// break), as `what` (`"a traced value"`, `"a metric"`).
    pub(crate) fn check_name(&self, what: &str, name: &str) {
        if name.is_empty() || name.contains([',', '\n', '\r']) {
            self.note(|| format!("{what} is named {name:?}: a name must be non-empty, without commas or line breaks"));
        }
    }
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
        Autograd::reporting_to(tap, params, Misuse::default())
    }

    /// [`Autograd::step`], noting misuse in `misuse`.
    pub(crate) fn reporting_to<N: AsRef<str>, T: Borrow<Tensor>>(
        tap: Tap,
        params: &[(N, T)],
        misuse: Misuse,
    ) -> Autograd {
        // An untraced step (nearly every step of a run) allocates nothing here.
        let params = if tap.on() {
            let named: Vec<(&str, &Tensor)> = params
                .iter()
                .map(|(n, t)| (n.as_ref(), t.borrow()))
                .collect();
            tap.tensors("", &named);
            shallow(&named)
        } else {
            Vec::new()
        };
        Autograd {
            tap,
            params,
            forward: RefCell::new(Vec::new()),
            misuse,
        }
    }

    /// Traces the optimizer's hyper-parameters as this step finds them, `optim.group{i}.{key}`
    /// (`lr`, `betas[0]`, …, [`crate::HyperParameters`]), right after the parameters and
    /// before the forward, and hands the handle back: `let t = run.step(step,
    /// &params).optimizer(&opt);`. The recorder's `rec.optimizer(opt)` traces the same names
    /// in the same place of every traced step. Call it after the scheduler's step of the step
    /// before, so the values are the ones this step's update reads.
    pub fn optimizer(self, opt: &(impl crate::HyperParameters + ?Sized)) -> Autograd {
        crate::hyper::trace(&self.tap, opt);
        self
    }

    /// Traces `t` as `name` (a value whose gradient the trace does not hold).
    pub fn value(&self, name: &str, t: Tensor) -> Tensor {
        if self.tap.on() {
            self.misuse.check_name("a traced value", name);
        }
        self.tap.tensor(name, t)
    }

    /// Traces `t` as `name` and keeps it for its gradient, `NAME.grad` (it must require
    /// grad, and the loss must use it).
    pub fn keep(&self, name: &str, t: Tensor) -> Tensor {
        if self.tap.on() {
            self.misuse.check_name("a kept value", name);
            if !t.requires_grad() {
                self.misuse.note(|| format!("keep({name:?}) at step {}: the value does not require grad, so it has no gradient to trace; trace it with value()", self.tap.step()));
                return self.tap.tensor(name, t);
            }
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
        let step = self.tap.step();
        let mut grads = match kept.is_empty() {
            true => Vec::new(),
            false => Tensor::f_run_backward(&[loss], &kept, true, false).unwrap_or_else(|e| {
                let why = e.to_string();
                let why = why.lines().next().unwrap_or("").to_string();
                self.misuse.note(|| format!("step {step}: a value passed to keep() has no gradient from the loss (the loss does not use it?): {why}"));
                Vec::new()
            }),
        }
        .into_iter();
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
                    if let Some(grad) = grads.next() {
                        in_order.push((format!("{name}.grad"), grad));
                    }
                }
                Tapped::Params(params) => {
                    // Reversed below, so the weight's gradient comes before the bias's.
                    for (name, p) in params.iter().rev() {
                        in_order.push((format!("{name}.grad"), p.grad()));
                    }
                }
            }
        }
        in_order.retain(|(name, grad)| {
            if !grad.defined() {
                self.misuse.note(|| format!("step {step}: {name} is not defined after backward: the loss does not use it"));
            }
            grad.defined()
        });
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
