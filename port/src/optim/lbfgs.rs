//! `torch.optim.LBFGS`: `torch/optim/lbfgs.py` (`LBFGS.step`, `_strong_wolfe`,
//! `_cubic_interpolate`), PyTorch 2.13.0.
//!
//! PyTorch's L-BFGS mixes Python floats and 0-dimensional float32 tensors in its scalar
//! arithmetic (the first step length `min(1.0, 1.0 / flat_grad.abs().sum()) * lr` is a
//! tensor, later ones the float `lr`; `gtd`, `ys`, `ro`, `H_diag` are tensors, the losses
//! floats); which one a value is decides its rounding. [`Num`] keeps each value as what it is
//! in Python and makes Python's operations on it: float with float in `f64`, anything with a
//! tensor as the same ATen call on the 0-dimensional tensor.

use super::{GradsToNone, Parameters};
use crate::ops;
use tch::{Kind, Tensor};

/// A Python number in `LBFGS.step`: a float (`F`) or a 0-dimensional float32 tensor (`T`).
enum Num {
    F(f64),
    T(Tensor),
}

use Num::{F, T};

impl Clone for Num {
    fn clone(&self) -> Num {
        match self {
            F(x) => F(*x),
            T(t) => T(t.shallow_clone()),
        }
    }
}

impl Num {
    /// The number as an ATen `Scalar` argument takes it (`alpha=t`: a tensor's `item()`).
    fn value(&self) -> f64 {
        match self {
            F(x) => *x,
            T(t) => f64::try_from(t).expect("a 0-dimensional tensor"),
        }
    }

    /// `a + b`.
    fn add(&self, b: &Num) -> Num {
        match (self, b) {
            (F(a), F(b)) => F(a + b),
            (T(a), F(b)) | (F(b), T(a)) => T(a + *b),
            (T(a), T(b)) => T(a + b),
        }
    }

    /// `a - b` (`float - tensor` is `torch.rsub`).
    fn sub(&self, b: &Num) -> Num {
        match (self, b) {
            (F(a), F(b)) => F(a - b),
            (T(a), F(b)) => T(a - *b),
            (F(a), T(b)) => T(ops::rsub(*a, b)),
            (T(a), T(b)) => T(a - b),
        }
    }

    /// `a * b`.
    fn mul(&self, b: &Num) -> Num {
        match (self, b) {
            (F(a), F(b)) => F(a * b),
            (T(a), F(b)) | (F(b), T(a)) => T(a * *b),
            (T(a), T(b)) => T(a * b),
        }
    }

    /// `a / b` (`float / tensor` is `Tensor.__rtruediv__`).
    fn div(&self, b: &Num) -> Num {
        match (self, b) {
            (F(a), F(b)) => F(a / b),
            (T(a), F(b)) => T(a / *b),
            (F(a), T(b)) => T(ops::rdiv(*a, b)),
            (T(a), T(b)) => T(a / b),
        }
    }

    /// `abs(a)`.
    fn abs(&self) -> Num {
        match self {
            F(a) => F(a.abs()),
            T(a) => T(a.abs()),
        }
    }

    /// `-a`.
    fn neg(&self) -> Num {
        match self {
            F(a) => F(-a),
            T(a) => T(a.neg()),
        }
    }

    /// `a < b`: in `f64` for two floats, else ATen's comparison (in float32).
    fn lt(&self, b: &Num) -> bool {
        match (self, b) {
            (F(a), F(b)) => a < b,
            (T(a), F(b)) => truth(&a.lt(*b)),
            (F(a), T(b)) => truth(&b.gt(*a)),
            (T(a), T(b)) => truth(&a.lt_tensor(b)),
        }
    }

    /// `a <= b`.
    fn le(&self, b: &Num) -> bool {
        match (self, b) {
            (F(a), F(b)) => a <= b,
            (T(a), F(b)) => truth(&a.le(*b)),
            (F(a), T(b)) => truth(&b.ge(*a)),
            (T(a), T(b)) => truth(&a.le_tensor(b)),
        }
    }

    /// `a > b`.
    fn gt(&self, b: &Num) -> bool {
        b.lt(self)
    }

    /// `a >= b`.
    fn ge(&self, b: &Num) -> bool {
        b.le(self)
    }
}

/// A 0-dimensional boolean tensor's truth (`bool(t)`).
fn truth(t: &Tensor) -> bool {
    t.int64_value(&[]) != 0
}

/// Python's `min(a, b)`: `a` unless `b < a`.
fn min(a: &Num, b: &Num) -> Num {
    if b.lt(a) {
        b.clone()
    } else {
        a.clone()
    }
}

/// Python's `max(a, b)`: `a` unless `b > a`.
fn max(a: &Num, b: &Num) -> Num {
    if b.gt(a) {
        b.clone()
    } else {
        a.clone()
    }
}

/// `_cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds)`.
fn cubic_interpolate(
    (x1, f1, g1): (&Num, f64, &Num),
    (x2, f2, g2): (&Num, f64, &Num),
    bounds: Option<(Num, Num)>,
) -> Num {
    let (xmin_bound, xmax_bound) = match bounds {
        Some(b) => b,
        None if x1.le(x2) => (x1.clone(), x2.clone()),
        None => (x2.clone(), x1.clone()),
    };
    // d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    let d1 = g1.add(g2).sub(&F(3.0 * (f1 - f2)).div(&x1.sub(x2)));
    let d1_sq = match &d1 {
        F(a) => F(a.powf(2.0)),
        T(a) => T(a.pow_tensor_scalar(2)),
    };
    let d2_square = d1_sq.sub(&g1.mul(g2));
    if d2_square.ge(&F(0.0)) {
        let d2 = match &d2_square {
            T(a) => T(a.sqrt()),
            F(_) => unreachable!("d2_square is a tensor: the gradients' products are"),
        };
        let min_pos = if x1.le(x2) {
            let num = g2.add(&d2).sub(&d1);
            let den = g2.sub(g1).add(&F(2.0).mul(&d2));
            x2.sub(&x2.sub(x1).mul(&num.div(&den)))
        } else {
            let num = g1.add(&d2).sub(&d1);
            let den = g1.sub(g2).add(&F(2.0).mul(&d2));
            x1.sub(&x1.sub(x2).mul(&num.div(&den)))
        };
        min(&max(&min_pos, &xmin_bound), &xmax_bound)
    } else {
        xmin_bound.add(&xmax_bound).div(&F(2.0))
    }
}

/// Python's `max(bracket)` and `min(bracket)` of a two-element list.
fn max_min(bracket: &[Num]) -> (Num, Num) {
    (max(&bracket[0], &bracket[1]), min(&bracket[0], &bracket[1]))
}

/// `LBFGS(line_search_fn=…)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSearch {
    /// `line_search_fn="strong_wolfe"`.
    StrongWolfe,
}

/// What `LBFGS.step` keeps in `self.state` between steps.
struct State {
    func_evals: i64,
    n_iter: i64,
    d: Option<Tensor>,
    t: Option<Num>,
    old_dirs: Vec<Tensor>,
    old_stps: Vec<Tensor>,
    ro: Vec<Tensor>,
    h_diag: Num,
    prev_flat_grad: Option<Tensor>,
    prev_loss: Option<f64>,
    al: Vec<Option<Tensor>>,
}

/// `torch.optim.LBFGS(params, lr)` bit for bit: `LBFGS.step(closure)`'s tensor calls and its
/// float/tensor scalar arithmetic in its order, with or without the strong-Wolfe line search.
///
/// The closure evaluates the model and returns the loss after `loss.backward()`; the
/// optimizer sets the gradients to none before each call (what the PyTorch closure's
/// `optimizer.zero_grad()` does).
///
/// ```ignore
/// // opt = torch.optim.LBFGS(model.parameters(), lr=1, line_search_fn="strong_wolfe")
/// // def closure(): opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
/// // opt.step(closure)
/// let mut opt = LBFGS::new(&vs, 1.0).line_search_fn(Some(LineSearch::StrongWolfe));
/// let loss = opt.step(|| {
///     let loss = model.forward(&x).mse_loss(&y, tch::Reduction::Mean);
///     loss.backward();
///     loss
/// });
/// ```
pub struct LBFGS {
    params: Vec<Tensor>,
    grads: GradsToNone,
    /// `group["initial_lr"]`, set by the first scheduler made on the optimizer.
    initial_lr: Option<f64>,
    lr: f64,
    max_iter: i64,
    max_eval: Option<i64>,
    tolerance_grad: f64,
    tolerance_change: f64,
    history_size: usize,
    line_search_fn: Option<LineSearch>,
    state: State,
}

impl LBFGS {
    /// `torch.optim.LBFGS(params, lr=lr)`: `max_iter=20`, `max_eval=max_iter * 5 // 4`,
    /// `tolerance_grad=1e-7`, `tolerance_change=1e-9`, `history_size=100`, no line search
    /// (PyTorch's default lr is 1).
    pub fn new(params: impl Parameters, lr: f64) -> LBFGS {
        let params = params.parameters();
        LBFGS {
            grads: GradsToNone::new(&params),
            initial_lr: None,
            params,
            lr,
            max_iter: 20,
            max_eval: None,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            history_size: 100,
            line_search_fn: None,
            state: State {
                func_evals: 0,
                n_iter: 0,
                d: None,
                t: None,
                old_dirs: Vec::new(),
                old_stps: Vec::new(),
                ro: Vec::new(),
                h_diag: F(1.0),
                prev_flat_grad: None,
                prev_loss: None,
                al: Vec::new(),
            },
        }
    }

    /// `max_iter=max_iter` (also `max_eval`'s default, `max_iter * 5 // 4`).
    pub fn max_iter(mut self, max_iter: i64) -> LBFGS {
        self.max_iter = max_iter;
        self
    }

    /// `max_eval=max_eval`.
    pub fn max_eval(mut self, max_eval: i64) -> LBFGS {
        self.max_eval = Some(max_eval);
        self
    }

    /// `tolerance_grad=tolerance_grad`.
    pub fn tolerance_grad(mut self, tolerance_grad: f64) -> LBFGS {
        self.tolerance_grad = tolerance_grad;
        self
    }

    /// `tolerance_change=tolerance_change`.
    pub fn tolerance_change(mut self, tolerance_change: f64) -> LBFGS {
        self.tolerance_change = tolerance_change;
        self
    }

    /// `history_size=history_size`.
    pub fn history_size(mut self, history_size: usize) -> LBFGS {
        self.history_size = history_size;
        self
    }

    /// `line_search_fn=None` or `"strong_wolfe"`.
    pub fn line_search_fn(mut self, line_search_fn: Option<LineSearch>) -> LBFGS {
        self.line_search_fn = line_search_fn;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Sets the learning rate (`group["lr"] = lr`); the history is kept.
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// `optimizer.state[params[0]]["func_evals"]`: the closure's calls so far.
    pub fn func_evals(&self) -> i64 {
        self.state.func_evals
    }

    /// `optimizer.state[params[0]]["n_iter"]`: the iterations so far.
    pub fn n_iter(&self) -> i64 {
        self.state.n_iter
    }

    fn max_eval_value(&self) -> i64 {
        // Python's `max_iter * 5 // 4` floors.
        self.max_eval
            .unwrap_or_else(|| (self.max_iter * 5).div_euclid(4))
    }

    /// `optimizer.param_groups[0]`'s numbers by PyTorch's keys in its order: `lr`,
    /// `max_iter`, `max_eval`, `tolerance_grad`, `tolerance_change`, `history_size`
    /// (`line_search_fn`, a string or None, left out).
    pub fn hyper_parameters(&self) -> Vec<Vec<(String, f64)>> {
        vec![super::named(&[
            ("lr", self.lr),
            ("max_iter", self.max_iter as f64),
            ("max_eval", self.max_eval_value() as f64),
            ("tolerance_grad", self.tolerance_grad),
            ("tolerance_change", self.tolerance_change),
            ("history_size", self.history_size as f64),
        ])]
    }

    /// `optimizer.zero_grad()`: every gradient set to none.
    pub fn zero_grad(&mut self) {
        self.grads.zero_grad();
    }

    /// `_gather_flat_grad()`: every gradient flattened into one (zeros for none).
    fn gather_flat_grad(&self) -> Tensor {
        let views: Vec<Tensor> = self
            .params
            .iter()
            .map(|p| {
                let g = p.grad();
                if g.defined() {
                    g.view([-1])
                } else {
                    p.zeros_like().view([-1])
                }
            })
            .collect();
        Tensor::cat(&views, 0)
    }

    /// `_add_grad(step_size, update)`.
    fn add_grad(&mut self, step_size: &Num, update: &Tensor) {
        let alpha = step_size.value();
        let mut offset = 0;
        tch::no_grad(|| {
            for p in self.params.iter_mut() {
                let numel = p.numel() as i64;
                let slice = update.narrow(0, offset, numel).view_as(p);
                ops::add_(p, &slice, alpha);
                offset += numel;
            }
        });
    }

    /// The closure as `step` calls it: gradients to none, then the user's evaluation with
    /// gradients on (`torch.enable_grad()(closure)`), the loss as a Python float.
    fn evaluate(&mut self, closure: &mut dyn FnMut() -> Tensor) -> (Tensor, f64) {
        self.zero_grad();
        let loss = tch::with_grad(&mut *closure);
        let value = f64::try_from(&loss.detach().to_kind(Kind::Double))
            .expect("the closure returns a one-element loss");
        (loss, value)
    }

    /// `_directional_evaluate(closure, x, t, d)`.
    fn directional_evaluate(
        &mut self,
        closure: &mut dyn FnMut() -> Tensor,
        x: &[Tensor],
        t: &Num,
        d: &Tensor,
    ) -> (f64, Tensor) {
        self.add_grad(t, d);
        let (_, loss) = self.evaluate(closure);
        let flat_grad = self.gather_flat_grad();
        tch::no_grad(|| {
            for (p, x) in self.params.iter_mut().zip(x) {
                p.copy_(x);
            }
        });
        (loss, flat_grad)
    }

    /// `optimizer.step(closure)`: up to `max_iter` L-BFGS iterations, each evaluating the
    /// closure (once, or as the line search needs); returns the closure's first loss.
    pub fn step(&mut self, mut closure: impl FnMut() -> Tensor) -> Tensor {
        let closure: &mut dyn FnMut() -> Tensor = &mut closure;
        let lr = self.lr;
        let (max_iter, max_eval) = (self.max_iter, self.max_eval_value());
        let (tolerance_grad, tolerance_change) = (self.tolerance_grad, self.tolerance_change);
        let history_size = self.history_size;

        let (orig_loss, mut loss) = self.evaluate(closure);
        let mut current_evals = 1;
        self.state.func_evals += 1;
        let mut flat_grad = self.gather_flat_grad();
        let mut opt_cond = truth(&flat_grad.abs().max().le(tolerance_grad));
        if opt_cond {
            return orig_loss;
        }
        let mut d = self.state.d.take();
        let mut t = self.state.t.take();
        let mut old_dirs = std::mem::take(&mut self.state.old_dirs);
        let mut old_stps = std::mem::take(&mut self.state.old_stps);
        let mut ro = std::mem::take(&mut self.state.ro);
        let mut h_diag = self.state.h_diag.clone();
        let mut prev_flat_grad = self.state.prev_flat_grad.take();
        let mut prev_loss = self.state.prev_loss;

        let mut n_iter = 0;
        while n_iter < max_iter {
            n_iter += 1;
            self.state.n_iter += 1;
            let direction = if self.state.n_iter == 1 {
                old_dirs.clear();
                old_stps.clear();
                ro.clear();
                h_diag = F(1.0);
                flat_grad.neg()
            } else {
                let prev = prev_flat_grad
                    .as_ref()
                    .expect("kept from the last iteration");
                let y = flat_grad.g_sub(prev);
                let prev_d = d.as_ref().expect("kept from the last iteration");
                let s = match t.as_ref().expect("kept from the last iteration") {
                    F(t) => prev_d * *t,
                    T(t) => prev_d * t,
                };
                let ys = y.dot(&s);
                if truth(&ys.gt(1e-10)) {
                    if old_dirs.len() == history_size {
                        let _ = old_dirs.remove(0);
                        let _ = old_stps.remove(0);
                        let _ = ro.remove(0);
                    }
                    ro.push(ops::rdiv(1.0, &ys));
                    h_diag = T(&ys / y.dot(&y));
                    old_dirs.push(y);
                    old_stps.push(s);
                }
                let num_old = old_dirs.len();
                if self.state.al.is_empty() {
                    self.state.al = (0..history_size).map(|_| None).collect();
                }
                let al = &mut self.state.al;
                let mut q = flat_grad.neg();
                for i in (0..num_old).rev() {
                    let a = old_stps[i].dot(&q) * &ro[i];
                    ops::add_(
                        &mut q,
                        &old_dirs[i],
                        f64::try_from(&a.neg()).expect("0-dim"),
                    );
                    al[i] = Some(a);
                }
                let mut r = match &h_diag {
                    F(h) => &q * *h,
                    T(h) => &q * h,
                };
                for i in 0..num_old {
                    let be_i = old_dirs[i].dot(&r) * &ro[i];
                    let a = al[i].as_ref().expect("set above");
                    let alpha = f64::try_from(&(a - be_i)).expect("0-dim");
                    ops::add_(&mut r, &old_stps[i], alpha);
                }
                r
            };
            d = Some(direction);
            match prev_flat_grad.as_mut() {
                None => prev_flat_grad = Some(flat_grad.copy()),
                Some(prev) => {
                    prev.copy_(&flat_grad);
                }
            }
            prev_loss = Some(loss);
            let step_length = if self.state.n_iter == 1 {
                let x = ops::rdiv(1.0, &flat_grad.abs().sum(Kind::Float));
                min(&F(1.0), &T(x)).mul(&F(lr))
            } else {
                F(lr)
            };
            t = Some(step_length);
            let dir = d.as_ref().expect("set above").shallow_clone();
            let gtd = flat_grad.dot(&dir);
            if truth(&gtd.gt(-tolerance_change)) {
                break;
            }

            let ls_func_evals;
            match self.line_search_fn {
                Some(LineSearch::StrongWolfe) => {
                    let x_init: Vec<Tensor> =
                        tch::no_grad(|| self.params.iter().map(Tensor::copy).collect());
                    let t0 = t.take().expect("set above");
                    let (l, g, t_new, evals) = self.strong_wolfe(
                        closure,
                        &x_init,
                        t0,
                        &dir,
                        loss,
                        &flat_grad,
                        &T(gtd),
                        tolerance_change,
                        max_eval - current_evals,
                    );
                    loss = l;
                    flat_grad = g;
                    self.add_grad(&t_new, &dir);
                    t = Some(t_new);
                    ls_func_evals = evals;
                    opt_cond = truth(&flat_grad.abs().max().le(tolerance_grad));
                }
                None => {
                    self.add_grad(t.as_ref().expect("set above"), &dir);
                    if n_iter != max_iter {
                        let (_, l) = self.evaluate(closure);
                        loss = l;
                        flat_grad = self.gather_flat_grad();
                        opt_cond = truth(&flat_grad.abs().max().le(tolerance_grad));
                        ls_func_evals = 1;
                    } else {
                        ls_func_evals = 0;
                    }
                }
            }
            current_evals += ls_func_evals;
            self.state.func_evals += ls_func_evals;

            if n_iter == max_iter || current_evals >= max_eval || opt_cond {
                break;
            }
            let moved = match t.as_ref().expect("set above") {
                F(t) => &dir * *t,
                T(t) => &dir * t,
            };
            if truth(&moved.abs().max().le(tolerance_change)) {
                break;
            }
            if (loss - prev_loss.expect("set above")).abs() < tolerance_change {
                break;
            }
        }
        self.state.d = d;
        self.state.t = t;
        self.state.old_dirs = old_dirs;
        self.state.old_stps = old_stps;
        self.state.ro = ro;
        self.state.h_diag = h_diag;
        self.state.prev_flat_grad = prev_flat_grad;
        self.state.prev_loss = prev_loss;
        orig_loss
    }

    /// `_strong_wolfe(obj_func, x, t, d, f, g, gtd, max_ls=max_ls)` with `c1=1e-4`,
    /// `c2=0.9`: `(f_new, g_new, t, ls_func_evals)`.
    #[allow(clippy::too_many_arguments)]
    fn strong_wolfe(
        &mut self,
        closure: &mut dyn FnMut() -> Tensor,
        x: &[Tensor],
        mut t: Num,
        d: &Tensor,
        f: f64,
        g: &Tensor,
        gtd: &Num,
        tolerance_change: f64,
        max_ls: i64,
    ) -> (f64, Tensor, Num, i64) {
        let (c1, c2) = (F(1e-4), F(0.9));
        let d_norm = T(d.abs().max());
        let g = g.copy();
        let mut obj = |s: &mut LBFGS, t: &Num| s.directional_evaluate(closure, x, t, d);
        let (mut f_new, mut g_new) = obj(self, &t);
        let mut ls_func_evals = 1;
        let mut gtd_new = T(g_new.dot(d));
        let (mut t_prev, mut f_prev, mut g_prev, mut gtd_prev) = (F(0.0), f, g.copy(), gtd.clone());
        let mut done = false;
        let mut ls_iter = 0;
        // The armijo bound `f + c1 * t * gtd`, compared as Python compares a float and
        // (here) a tensor.
        let armijo = |t: &Num| F(f).add(&c1.mul(t).mul(gtd));
        let mut bracket: Vec<Num> = Vec::new();
        let mut bracket_f: Vec<f64> = Vec::new();
        let mut bracket_g: Vec<Tensor> = Vec::new();
        let mut bracket_gtd: Vec<Num> = Vec::new();
        while ls_iter < max_ls {
            if F(f_new).gt(&armijo(&t)) || (ls_iter > 1 && f_new >= f_prev) {
                bracket = vec![t_prev.clone(), t.clone()];
                bracket_f = vec![f_prev, f_new];
                bracket_g = vec![g_prev.shallow_clone(), g_new.copy()];
                bracket_gtd = vec![gtd_prev.clone(), gtd_new.clone()];
                break;
            }
            if gtd_new.abs().le(&c2.neg().mul(gtd)) {
                bracket = vec![t.clone()];
                bracket_f = vec![f_new];
                bracket_g = vec![g_new.shallow_clone()];
                done = true;
                break;
            }
            if gtd_new.ge(&F(0.0)) {
                bracket = vec![t_prev.clone(), t.clone()];
                bracket_f = vec![f_prev, f_new];
                bracket_g = vec![g_prev.shallow_clone(), g_new.copy()];
                bracket_gtd = vec![gtd_prev.clone(), gtd_new.clone()];
                break;
            }
            let min_step = t.add(&F(0.01).mul(&t.sub(&t_prev)));
            let max_step = t.mul(&F(10.0));
            let tmp = t.clone();
            t = cubic_interpolate(
                (&t_prev, f_prev, &gtd_prev),
                (&t, f_new, &gtd_new),
                Some((min_step, max_step)),
            );
            t_prev = tmp;
            f_prev = f_new;
            g_prev = g_new.copy();
            gtd_prev = gtd_new.clone();
            let (fv, gv) = obj(self, &t);
            f_new = fv;
            g_new = gv;
            ls_func_evals += 1;
            gtd_new = T(g_new.dot(d));
            ls_iter += 1;
        }
        if ls_iter == max_ls {
            bracket = vec![F(0.0), t.clone()];
            bracket_f = vec![f, f_new];
            bracket_g = vec![g.shallow_clone(), g_new.shallow_clone()];
        }

        let mut insuf_progress = false;
        let last = bracket_f.len() - 1;
        let (mut low_pos, mut high_pos) = if bracket_f[0] <= bracket_f[last] {
            (0, 1)
        } else {
            (1, 0)
        };
        while !done && ls_iter < max_ls {
            if bracket[1]
                .sub(&bracket[0])
                .abs()
                .mul(&d_norm)
                .lt(&F(tolerance_change))
            {
                break;
            }
            t = cubic_interpolate(
                (&bracket[0], bracket_f[0], &bracket_gtd[0]),
                (&bracket[1], bracket_f[1], &bracket_gtd[1]),
                None,
            );
            let (hi, lo) = max_min(&bracket);
            let eps = F(0.1).mul(&hi.sub(&lo));
            if min(&hi.sub(&t), &t.sub(&lo)).lt(&eps) {
                if insuf_progress || t.ge(&hi) || t.le(&lo) {
                    t = if t.sub(&hi).abs().lt(&t.sub(&lo).abs()) {
                        hi.sub(&eps)
                    } else {
                        lo.add(&eps)
                    };
                    insuf_progress = false;
                } else {
                    insuf_progress = true;
                }
            } else {
                insuf_progress = false;
            }
            let (fv, gv) = obj(self, &t);
            f_new = fv;
            g_new = gv;
            ls_func_evals += 1;
            gtd_new = T(g_new.dot(d));
            ls_iter += 1;

            if F(f_new).gt(&armijo(&t)) || f_new >= bracket_f[low_pos] {
                bracket[high_pos] = t.clone();
                bracket_f[high_pos] = f_new;
                bracket_g[high_pos] = g_new.copy();
                bracket_gtd[high_pos] = gtd_new.clone();
                (low_pos, high_pos) = if bracket_f[0] <= bracket_f[1] {
                    (0, 1)
                } else {
                    (1, 0)
                };
            } else {
                if gtd_new.abs().le(&c2.neg().mul(gtd)) {
                    done = true;
                } else if gtd_new
                    .mul(&bracket[high_pos].sub(&bracket[low_pos]))
                    .ge(&F(0.0))
                {
                    bracket[high_pos] = bracket[low_pos].clone();
                    bracket_f[high_pos] = bracket_f[low_pos];
                    bracket_g[high_pos] = bracket_g[low_pos].shallow_clone();
                    bracket_gtd[high_pos] = bracket_gtd[low_pos].clone();
                }
                bracket[low_pos] = t.clone();
                bracket_f[low_pos] = f_new;
                bracket_g[low_pos] = g_new.copy();
                bracket_gtd[low_pos] = gtd_new.clone();
            }
        }
        let t = bracket[low_pos].clone();
        (
            bracket_f[low_pos],
            bracket_g[low_pos].shallow_clone(),
            t,
            ls_func_evals,
        )
    }
}

zero_grad_set_to_none!(LBFGS);
initial_lr!(LBFGS);
