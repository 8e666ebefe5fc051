//! `torch.optim.lr_scheduler` as PyTorch 2.13.0 computes it (`torch/optim/lr_scheduler.py`),
//! for a tch port: the same learning-rate bits at every step.
//!
//! PyTorch's `scheduler.step()` calls `get_lr()`, which for most schedulers is a chained
//! update of the optimizer's current `group["lr"]` (`lr * gamma`, a ratio of cosines), not
//! the closed form its docs write (`base_lr * gamma ** (epoch // step_size)`); the two part
//! in the last bits within a few steps, and the closed form is only used when `step(epoch)`
//! is given an epoch. Each scheduler here runs the code `step()` runs, in Python-float (`f64`)
//! arithmetic in Python's order: `**` through `powf` (C's `pow`, as CPython calls it),
//! `math.cos` through `f64::cos` (the same libm), `math.pi` as `std::f64::consts::PI`.
//!
//! A scheduler drives any optimizer that implements [`LrGroup`] (one param group: its `lr`,
//! its `initial_lr`, and its momentum or beta1 for the `cycle_momentum` of [`OneCycleLR`] and
//! [`CyclicLR`]); every optimizer of [`crate::optim`] does. For an optimizer of several param
//! groups ([`crate::optim::ParamGroups`]) make one scheduler per group: PyTorch computes each
//! group's learning rate from that group's alone. [`SequentialLR`] and [`ChainedScheduler`]
//! combine schedulers as PyTorch's do, milestone quirks included. As
//! in PyTorch, making a scheduler takes its initial step (which may set the learning rate:
//! [`LinearLR`], [`ConstantLR`], [`LambdaLR`], [`OneCycleLR`], [`CyclicLR`],
//! [`CosineAnnealingWarmRestarts`]); call [`LrScheduler::step`] after `optimizer.step()`
//! ([`ReduceLROnPlateau`], which takes no initial step, steps on a metric):
//!
//! ```ignore
//! use xor_repro_port::lr_scheduler::{LrScheduler, StepLR};
//! let mut opt = xor_repro_port::optim::Adam::new(&vs, 0.01);
//! let mut sched = StepLR::new(&mut opt, 30, 0.1); // StepLR(opt, step_size=30, gamma=0.1)
//! for epoch in 0..epochs {
//!     opt.backward_step(&loss);
//!     sched.step(&mut opt);                          // scheduler.step()
//! }
//! ```

use std::f64::consts::PI;

/// What a scheduler reads and sets on an optimizer: one param group's `group["lr"]`, and for
/// [`OneCycleLR`] with `cycle_momentum` its `group["betas"][0]` (an Adam-like optimizer) or
/// `group["momentum"]`.
pub trait LrGroup {
    /// `group["lr"]`.
    fn lr(&self) -> f64;
    /// `group["lr"] = lr`; the optimizer's state is kept.
    fn set_lr(&mut self, lr: f64);
    /// `group["betas"][0]` or `group["momentum"]`, `None` for an optimizer with neither
    /// (PyTorch then refuses `cycle_momentum=True`).
    fn momentum(&self) -> Option<f64> {
        None
    }
    /// Sets `group["betas"][0]` or `group["momentum"]` (beta2 kept).
    fn set_momentum(&mut self, _momentum: f64) {
        panic!("this optimizer has no momentum or betas to cycle");
    }
    /// `group["initial_lr"]`: set (`setdefault`) by the first scheduler made on the
    /// optimizer, the `base_lrs` of every later one. `None` where the optimizer keeps none
    /// (each scheduler then takes the learning rate it finds).
    fn initial_lr(&self) -> Option<f64> {
        None
    }
    /// Sets `group["initial_lr"]`.
    fn set_initial_lr(&mut self, _lr: f64) {}
}

/// `group.setdefault("initial_lr", group["lr"])`, what `LRScheduler.__init__` reads its
/// `base_lrs` from.
fn setdefault_initial_lr(opt: &mut dyn LrGroup) -> f64 {
    match opt.initial_lr() {
        Some(lr) => lr,
        None => {
            let lr = opt.lr();
            opt.set_initial_lr(lr);
            lr
        }
    }
}

/// The `initial_lr` methods of an optimizer of this crate.
macro_rules! initial_lr_methods {
    ($opt:ident) => {
        fn initial_lr(&self) -> Option<f64> {
            crate::optim::$opt::get_initial_lr(self)
        }
        fn set_initial_lr(&mut self, lr: f64) {
            *crate::optim::$opt::initial_lr_slot(self) = Some(lr);
        }
    };
}

impl LrGroup for crate::optim::Adam {
    initial_lr_methods!(Adam);
    fn lr(&self) -> f64 {
        crate::optim::Adam::lr(self)
    }
    fn set_lr(&mut self, lr: f64) {
        crate::optim::Adam::set_lr(self, lr)
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.get_betas().0)
    }
    fn set_momentum(&mut self, beta1: f64) {
        let (_, beta2) = self.get_betas();
        self.set_betas(beta1, beta2)
    }
}

impl LrGroup for crate::optim::RMSprop {
    initial_lr_methods!(RMSprop);
    fn lr(&self) -> f64 {
        crate::optim::RMSprop::lr(self)
    }
    fn set_lr(&mut self, lr: f64) {
        crate::optim::RMSprop::set_lr(self, lr)
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.get_momentum())
    }
    fn set_momentum(&mut self, momentum: f64) {
        crate::optim::RMSprop::set_momentum(self, momentum)
    }
}

impl LrGroup for crate::optim::Adagrad {
    initial_lr_methods!(Adagrad);
    fn lr(&self) -> f64 {
        crate::optim::Adagrad::lr(self)
    }
    fn set_lr(&mut self, lr: f64) {
        crate::optim::Adagrad::set_lr(self, lr)
    }
}

impl LrGroup for crate::optim::Adadelta {
    initial_lr_methods!(Adadelta);
    fn lr(&self) -> f64 {
        crate::optim::Adadelta::lr(self)
    }
    fn set_lr(&mut self, lr: f64) {
        crate::optim::Adadelta::set_lr(self, lr)
    }
}

/// `LrGroup` for an optimizer whose `group["lr"]` is all a scheduler can set.
macro_rules! lr_only {
    ($($opt:ident),*) => {$(
        impl LrGroup for crate::optim::$opt {
            initial_lr_methods!($opt);
            fn lr(&self) -> f64 {
                crate::optim::$opt::lr(self)
            }
            fn set_lr(&mut self, lr: f64) {
                crate::optim::$opt::set_lr(self, lr)
            }
        }
    )*};
}
lr_only!(ASGD, Rprop, LBFGS);

/// `LrGroup` for an Adam-like optimizer: `group["betas"][0]` is the momentum schedulers cycle.
macro_rules! lr_betas {
    ($($opt:ident),*) => {$(
        impl LrGroup for crate::optim::$opt {
            initial_lr_methods!($opt);
            fn lr(&self) -> f64 {
                crate::optim::$opt::lr(self)
            }
            fn set_lr(&mut self, lr: f64) {
                crate::optim::$opt::set_lr(self, lr)
            }
            fn momentum(&self) -> Option<f64> {
                Some(self.get_betas().0)
            }
            fn set_momentum(&mut self, beta1: f64) {
                let (_, beta2) = self.get_betas();
                self.set_betas(beta1, beta2)
            }
        }
    )*};
}
lr_betas!(Adamax, NAdam, RAdam);

impl LrGroup for crate::optim::SGD {
    initial_lr_methods!(SGD);
    fn lr(&self) -> f64 {
        crate::optim::SGD::lr(self)
    }
    fn set_lr(&mut self, lr: f64) {
        crate::optim::SGD::set_lr(self, lr)
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.get_momentum())
    }
    fn set_momentum(&mut self, momentum: f64) {
        crate::optim::SGD::set_momentum(self, momentum)
    }
}

/// The state every PyTorch scheduler keeps (`LRScheduler.__init__`).
#[derive(Debug, Clone)]
struct Core {
    /// `base_lrs[0]`: `group["initial_lr"]`, the learning rate when the scheduler was made.
    base_lr: f64,
    /// `last_epoch`: -1 before the initial step, 0 after it.
    last_epoch: i64,
    /// `_step_count`: 1 after the initial step.
    step_count: i64,
    /// `_last_lr[0]`.
    last_lr: f64,
}

impl Core {
    fn new(base_lr: f64) -> Core {
        Core {
            base_lr,
            last_epoch: -1,
            step_count: 0,
            last_lr: base_lr,
        }
    }
}

/// What every scheduler here does: `scheduler.step()` and `scheduler.get_last_lr()`.
pub trait LrScheduler {
    /// `scheduler.step()`: `last_epoch += 1`, `group["lr"] = get_lr()`.
    fn step(&mut self, opt: &mut dyn LrGroup);
    /// `scheduler.get_last_lr()[0]`: the learning rate the last step set.
    fn get_last_lr(&self) -> f64;
    /// `scheduler.last_epoch`.
    fn last_epoch(&self) -> i64;
    /// What [`SequentialLR`] does to the schedulers it is given, by name
    /// (`recursive_undo`, `_initial_step`, `_update_lr(epoch)`).
    #[doc(hidden)]
    fn sequential(&mut self, call: Sequential<'_>) {
        let _ = call;
        panic!("SequentialLR does not support this scheduler (CosineAnnealingWarmRestarts' step differs)");
    }
}

/// A call [`SequentialLR`] makes on a scheduler it holds.
#[doc(hidden)]
pub enum Sequential<'a> {
    /// `recursive_undo`: `last_epoch -= 1` (into a composite's schedulers).
    Undo,
    /// `_initial_step()`: `_step_count = 0`, then a step in the initial mode.
    InitialStep(&'a mut dyn LrGroup),
    /// `_update_lr(epoch)`.
    UpdateLr(&'a mut dyn LrGroup, i64),
}

/// `get_lr()` of one scheduler, given `group["lr"]` and whether this is the initial step
/// (`_is_initial`).
trait GetLr {
    fn core(&mut self) -> &mut Core;
    fn get_lr(&mut self, lr: f64, initial: bool, opt: &mut dyn LrGroup) -> f64;
    /// `_get_closed_form_lr()` at `last_epoch`, for the schedulers that have one.
    fn closed_form(&mut self) -> Option<f64> {
        None
    }
}

/// `LRScheduler._update_lr(epoch)`, what SequentialLR calls at a milestone: `last_epoch`
/// set to `epoch`, the closed form where the scheduler has one, else `get_lr()`.
fn update_lr_with<S: GetLr>(s: &mut S, opt: &mut dyn LrGroup, epoch: i64) {
    let lr = opt.lr();
    s.core().last_epoch = epoch;
    let new = match s.closed_form() {
        Some(new) => new,
        None => s.get_lr(lr, false, opt),
    };
    opt.set_lr(new);
    s.core().last_lr = new;
}

/// `LRScheduler.step()` → `_update_lr()`.
fn step_with<S: GetLr>(s: &mut S, opt: &mut dyn LrGroup, initial: bool) {
    let lr = opt.lr();
    let core = s.core();
    core.step_count += 1;
    core.last_epoch += 1;
    let new = s.get_lr(lr, initial, opt);
    opt.set_lr(new);
    s.core().last_lr = new;
}

/// The constructor's end: `initial_lr` from the optimizer, then `_initial_step()`.
fn start<S: GetLr>(mut s: S, opt: &mut dyn LrGroup) -> S {
    step_with(&mut s, opt, true);
    s
}

macro_rules! scheduler {
    ($name:ident) => {
        impl LrScheduler for $name {
            fn step(&mut self, opt: &mut dyn LrGroup) {
                step_with(self, opt, false)
            }
            fn get_last_lr(&self) -> f64 {
                self.core.last_lr
            }
            fn last_epoch(&self) -> i64 {
                self.core.last_epoch
            }
            fn sequential(&mut self, call: Sequential<'_>) {
                match call {
                    Sequential::Undo => self.core.last_epoch -= 1,
                    Sequential::InitialStep(opt) => {
                        self.core.step_count = 0;
                        step_with(self, opt, true)
                    }
                    Sequential::UpdateLr(opt, epoch) => update_lr_with(self, opt, epoch),
                }
            }
        }
    };
}

/// `StepLR(optimizer, step_size, gamma)`: `lr * gamma` every `step_size` epochs, chained.
#[derive(Debug, Clone)]
pub struct StepLR {
    core: Core,
    step_size: i64,
    gamma: f64,
}

impl StepLR {
    /// `StepLR(optimizer, step_size=step_size, gamma=gamma)` (PyTorch's default gamma is 0.1).
    pub fn new(opt: &mut dyn LrGroup, step_size: i64, gamma: f64) -> StepLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            StepLR {
                core,
                step_size,
                gamma,
            },
            opt,
        )
    }
}

impl GetLr for StepLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        Some(base_lr * self.gamma.powf(epoch.div_euclid(self.step_size) as f64))
    }
    fn get_lr(&mut self, lr: f64, _initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        let epoch = self.core.last_epoch;
        // Python's `%` takes the sign of the divisor: rem_euclid for a positive step_size.
        if epoch == 0 || epoch.rem_euclid(self.step_size) != 0 {
            return lr;
        }
        lr * self.gamma
    }
}
scheduler!(StepLR);

/// `MultiStepLR(optimizer, milestones, gamma)`: `lr * gamma ** count` at each milestone
/// (`count`: how often it is listed), chained.
#[derive(Debug, Clone)]
pub struct MultiStepLR {
    core: Core,
    milestones: Vec<i64>,
    gamma: f64,
}

impl MultiStepLR {
    /// `MultiStepLR(optimizer, milestones=milestones, gamma=gamma)`.
    pub fn new(opt: &mut dyn LrGroup, milestones: &[i64], gamma: f64) -> MultiStepLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            MultiStepLR {
                core,
                milestones: milestones.to_vec(),
                gamma,
            },
            opt,
        )
    }
}

impl GetLr for MultiStepLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        // `bisect_right(sorted(milestones), last_epoch)`: the milestones passed.
        let passed = self.milestones.iter().filter(|&&m| m <= epoch).count();
        Some(base_lr * self.gamma.powf(passed as f64))
    }
    fn get_lr(&mut self, lr: f64, _initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        let epoch = self.core.last_epoch;
        // `self.milestones` is a Counter: a milestone listed twice multiplies by gamma ** 2.
        let count = self.milestones.iter().filter(|&&m| m == epoch).count();
        if count == 0 {
            return lr;
        }
        lr * self.gamma.powf(count as f64)
    }
}
scheduler!(MultiStepLR);

/// `ExponentialLR(optimizer, gamma)`: `lr * gamma` every epoch, chained.
#[derive(Debug, Clone)]
pub struct ExponentialLR {
    core: Core,
    gamma: f64,
}

impl ExponentialLR {
    /// `ExponentialLR(optimizer, gamma=gamma)`.
    pub fn new(opt: &mut dyn LrGroup, gamma: f64) -> ExponentialLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(ExponentialLR { core, gamma }, opt)
    }
}

impl GetLr for ExponentialLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        Some(base_lr * self.gamma.powf(epoch as f64))
    }
    fn get_lr(&mut self, lr: f64, initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        if initial {
            return lr;
        }
        lr * self.gamma
    }
}
scheduler!(ExponentialLR);

/// `CosineAnnealingLR(optimizer, T_max, eta_min)`: the recursive form PyTorch's `get_lr()`
/// takes (each step the ratio of `1 + cos(π·epoch/T_max)` to the previous one), not the
/// closed form of its docs.
#[derive(Debug, Clone)]
pub struct CosineAnnealingLR {
    core: Core,
    t_max: i64,
    eta_min: f64,
}

impl CosineAnnealingLR {
    /// `CosineAnnealingLR(optimizer, T_max=t_max, eta_min=eta_min)` (PyTorch's default
    /// `eta_min` is 0.0).
    pub fn new(opt: &mut dyn LrGroup, t_max: i64, eta_min: f64) -> CosineAnnealingLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            CosineAnnealingLR {
                core,
                t_max,
                eta_min,
            },
            opt,
        )
    }
}

impl GetLr for CosineAnnealingLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        let eta_min = self.eta_min;
        let cos = (PI * epoch as f64 / self.t_max as f64).cos();
        Some(eta_min + (base_lr - eta_min) * (1.0 + cos) / 2.0)
    }
    fn get_lr(&mut self, lr: f64, initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        let (epoch, t_max, eta_min) = (self.core.last_epoch, self.t_max, self.eta_min);
        let base_lr = self.core.base_lr;
        let (e, t) = (epoch as f64, t_max as f64);
        if initial {
            lr
        } else if self.core.step_count == 1 && epoch > 0 {
            eta_min + (base_lr - eta_min) * (1.0 + (e * PI / t).cos()) / 2.0
        } else if (epoch - 1 - t_max).rem_euclid(2 * t_max) == 0 {
            lr + (base_lr - eta_min) * (1.0 - (PI / t).cos()) / 2.0
        } else {
            (1.0 + (PI * e / t).cos()) / (1.0 + (PI * (epoch - 1) as f64 / t).cos())
                * (lr - eta_min)
                + eta_min
        }
    }
}
scheduler!(CosineAnnealingLR);

/// `LinearLR(optimizer, start_factor, end_factor, total_iters)`: from `lr * start_factor`
/// to `lr * end_factor` over `total_iters` steps, chained as PyTorch chains it.
#[derive(Debug, Clone)]
pub struct LinearLR {
    core: Core,
    start_factor: f64,
    end_factor: f64,
    total_iters: i64,
}

impl LinearLR {
    /// `LinearLR(optimizer, start_factor=…, end_factor=…, total_iters=…)` (PyTorch's
    /// defaults: `1.0 / 3`, `1.0`, `5`).
    pub fn new(
        opt: &mut dyn LrGroup,
        start_factor: f64,
        end_factor: f64,
        total_iters: i64,
    ) -> LinearLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            LinearLR {
                core,
                start_factor,
                end_factor,
                total_iters,
            },
            opt,
        )
    }
}

impl GetLr for LinearLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        let (start, end, total) = (self.start_factor, self.end_factor, self.total_iters);
        let passed = if epoch < total { epoch } else { total };
        Some(base_lr * (start + (end - start) * passed as f64 / total as f64))
    }
    fn get_lr(&mut self, lr: f64, initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        let epoch = self.core.last_epoch;
        let (start, end) = (self.start_factor, self.end_factor);
        if epoch == 0 {
            return lr * start;
        }
        if initial || epoch > self.total_iters {
            return lr;
        }
        lr * (1.0
            + (end - start)
                / (self.total_iters as f64 * start + (epoch - 1) as f64 * (end - start)))
    }
}
scheduler!(LinearLR);

/// `LambdaLR(optimizer, lr_lambda)`: `base_lr * lr_lambda(epoch)`.
pub struct LambdaLR {
    core: Core,
    lr_lambda: Box<dyn Fn(i64) -> f64>,
}

impl LambdaLR {
    /// `LambdaLR(optimizer, lr_lambda=f)`, `f` taking the epoch (`last_epoch`, from 0).
    pub fn new(opt: &mut dyn LrGroup, lr_lambda: impl Fn(i64) -> f64 + 'static) -> LambdaLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            LambdaLR {
                core,
                lr_lambda: Box::new(lr_lambda),
            },
            opt,
        )
    }
}

impl GetLr for LambdaLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn get_lr(&mut self, _lr: f64, _initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        self.core.base_lr * (self.lr_lambda)(self.core.last_epoch)
    }
}
scheduler!(LambdaLR);

/// `MultiplicativeLR(optimizer, lr_lambda)`: `lr * lr_lambda(epoch)` every epoch after the
/// first, chained.
pub struct MultiplicativeLR {
    core: Core,
    lr_lambda: Box<dyn Fn(i64) -> f64>,
}

impl MultiplicativeLR {
    /// `MultiplicativeLR(optimizer, lr_lambda=f)`, `f` taking the epoch (`last_epoch`).
    pub fn new(
        opt: &mut dyn LrGroup,
        lr_lambda: impl Fn(i64) -> f64 + 'static,
    ) -> MultiplicativeLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            MultiplicativeLR {
                core,
                lr_lambda: Box::new(lr_lambda),
            },
            opt,
        )
    }
}

impl GetLr for MultiplicativeLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn get_lr(&mut self, lr: f64, initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        if initial {
            return lr;
        }
        lr * (self.lr_lambda)(self.core.last_epoch)
    }
}
scheduler!(MultiplicativeLR);

/// `ConstantLR(optimizer, factor, total_iters)`: `lr * factor` until `total_iters`, then
/// `lr * (1.0 / factor)`, chained.
#[derive(Debug, Clone)]
pub struct ConstantLR {
    core: Core,
    factor: f64,
    total_iters: i64,
}

impl ConstantLR {
    /// `ConstantLR(optimizer, factor=…, total_iters=…)` (PyTorch's defaults: `1.0 / 3`, 5).
    pub fn new(opt: &mut dyn LrGroup, factor: f64, total_iters: i64) -> ConstantLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            ConstantLR {
                core,
                factor,
                total_iters,
            },
            opt,
        )
    }
}

impl GetLr for ConstantLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        // `factor + (last_epoch >= total_iters) * (1 - factor)`: a bool times a float.
        let done = i64::from(epoch >= self.total_iters) as f64;
        Some(base_lr * (self.factor + done * (1.0 - self.factor)))
    }
    fn get_lr(&mut self, lr: f64, _initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        let epoch = self.core.last_epoch;
        if epoch == 0 {
            return lr * self.factor;
        }
        if epoch != self.total_iters {
            return lr;
        }
        lr * (1.0 / self.factor)
    }
}
scheduler!(ConstantLR);

/// `PolynomialLR(optimizer, total_iters, power)`: each step `lr` times the ratio of
/// `(1 - epoch / total_iters)` to the previous one, to the `power`, chained.
#[derive(Debug, Clone)]
pub struct PolynomialLR {
    core: Core,
    total_iters: i64,
    power: f64,
}

impl PolynomialLR {
    /// `PolynomialLR(optimizer, total_iters=…, power=…)` (PyTorch's defaults: 5, 1.0).
    pub fn new(opt: &mut dyn LrGroup, total_iters: i64, power: f64) -> PolynomialLR {
        let core = Core::new(setdefault_initial_lr(opt));
        start(
            PolynomialLR {
                core,
                total_iters,
                power,
            },
            opt,
        )
    }
}

impl GetLr for PolynomialLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn closed_form(&mut self) -> Option<f64> {
        let (epoch, base_lr) = (self.core.last_epoch, self.core.base_lr);
        let total = self.total_iters;
        let passed = if epoch < total { epoch } else { total };
        Some(base_lr * (1.0 - passed as f64 / total as f64).powf(self.power))
    }
    fn get_lr(&mut self, lr: f64, initial: bool, _opt: &mut dyn LrGroup) -> f64 {
        let epoch = self.core.last_epoch;
        if initial || epoch > self.total_iters {
            return lr;
        }
        // Python's `int / int` is the correctly rounded quotient, as f64 division of the two
        // (exact) integers is.
        let total = self.total_iters as f64;
        let decay_factor =
            ((1.0 - epoch as f64 / total) / (1.0 - (epoch - 1) as f64 / total)).powf(self.power);
        lr * decay_factor
    }
}
scheduler!(PolynomialLR);

/// `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult, eta_min)`: the closed-form cosine of
/// the epoch within the current cycle (`T_cur` of `T_i`), restarting at each cycle's end with
/// `T_i` multiplied by `T_mult`. (Its own `step()`, without an epoch: `step(epoch)`'s
/// fractional epochs are not ported.)
#[derive(Debug, Clone)]
pub struct CosineAnnealingWarmRestarts {
    base_lr: f64,
    last_epoch: i64,
    last_lr: f64,
    /// `T_i`: the current cycle's length (`T_0`, then times `T_mult` at each restart).
    t_i: i64,
    t_mult: i64,
    t_cur: i64,
    eta_min: f64,
}

impl CosineAnnealingWarmRestarts {
    /// `CosineAnnealingWarmRestarts(optimizer, T_0=t_0, T_mult=t_mult, eta_min=eta_min)`
    /// (PyTorch's defaults: `T_mult=1`, `eta_min=0.0`).
    pub fn new(
        opt: &mut dyn LrGroup,
        t_0: i64,
        t_mult: i64,
        eta_min: f64,
    ) -> CosineAnnealingWarmRestarts {
        let base_lr = setdefault_initial_lr(opt);
        // The initial step is `step(epoch=0)`: the first cycle from its start.
        let mut s = CosineAnnealingWarmRestarts {
            base_lr,
            last_epoch: 0,
            last_lr: base_lr,
            t_i: t_0,
            t_mult,
            t_cur: 0,
            eta_min,
        };
        s.update(opt);
        s
    }

    /// `get_lr()`, then `group["lr"]` set to it.
    fn update(&mut self, opt: &mut dyn LrGroup) {
        let (t_cur, t_i) = (self.t_cur as f64, self.t_i as f64);
        let lr =
            self.eta_min + (self.base_lr - self.eta_min) * (1.0 + (PI * t_cur / t_i).cos()) / 2.0;
        opt.set_lr(lr);
        self.last_lr = lr;
    }
}

impl LrScheduler for CosineAnnealingWarmRestarts {
    fn step(&mut self, opt: &mut dyn LrGroup) {
        self.last_epoch += 1;
        self.t_cur += 1;
        if self.t_cur >= self.t_i {
            self.t_cur %= self.t_i;
            self.t_i *= self.t_mult;
        }
        self.update(opt);
    }
    fn get_last_lr(&self) -> f64 {
        self.last_lr
    }
    fn last_epoch(&self) -> i64 {
        self.last_epoch
    }
}

/// CyclicLR's `mode`: its scale function, and whether it takes the cycle or the iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CyclicMode {
    /// `mode="triangular"` (the default): a constant height.
    Triangular,
    /// `mode="triangular2"`: the height halved each cycle, `1 / 2.0 ** (cycle - 1)`.
    Triangular2,
    /// `mode="exp_range", gamma=gamma`: the height times `gamma ** iteration`.
    ExpRange {
        /// `gamma`.
        gamma: f64,
    },
}

/// `CyclicLR(optimizer, base_lr, max_lr)`: the learning rate up from `base_lr` to `max_lr` in
/// `step_size_up` steps and down in `step_size_down`, over and over, and with
/// `cycle_momentum` (the default) the momentum or beta1 the other way, from `max_momentum` to
/// `base_momentum`. Set the options with the builders and start it with [`CyclicLR::build`].
///
/// What it sets on the optimizer, at [`CyclicLR::build`] and at every [`LrScheduler::step`]:
/// `group["lr"]` ([`LrGroup::set_lr`]: `Adam::set_lr`, …) and, with `cycle_momentum`, beta1
/// or the momentum ([`LrGroup::set_momentum`]: `Adam::set_betas(beta1, beta2)` with beta2
/// kept, `RMSprop::set_momentum`). The optimizer's state (moments, step counts) is kept, as
/// PyTorch's assignment to `param_groups` keeps it. `run.step(step, &params).optimizer(&opt)`
/// traces what it set at each traced step (`optim.group0.lr`, `optim.group0.betas[0]`).
#[derive(Debug, Clone)]
pub struct CyclicLR {
    core: Core,
    base_lr: f64,
    max_lr: f64,
    step_size_up: f64,
    step_size_down: Option<f64>,
    mode: CyclicMode,
    cycle_momentum: bool,
    base_momentum: f64,
    max_momentum: f64,
}

impl CyclicLR {
    /// `CyclicLR(optimizer, base_lr=base_lr, max_lr=max_lr)` with PyTorch's defaults
    /// (`step_size_up=2000`, `step_size_down=None`, `mode="triangular"`,
    /// `cycle_momentum=True`, `base_momentum=0.8`, `max_momentum=0.9`).
    pub fn new(base_lr: f64, max_lr: f64) -> CyclicLR {
        CyclicLR {
            core: Core::new(base_lr),
            base_lr,
            max_lr,
            step_size_up: 2000.0,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            cycle_momentum: true,
            base_momentum: 0.8,
            max_momentum: 0.9,
        }
    }

    /// `step_size_up=up, step_size_down=down` (`None`: as `up`).
    pub fn step_size(mut self, up: i64, down: Option<i64>) -> CyclicLR {
        self.step_size_up = up as f64;
        self.step_size_down = down.map(|d| d as f64);
        self
    }

    /// `mode=…` (and `gamma` for `exp_range`).
    pub fn mode(mut self, mode: CyclicMode) -> CyclicLR {
        self.mode = mode;
        self
    }

    /// `cycle_momentum=cycle`.
    pub fn cycle_momentum(mut self, cycle: bool) -> CyclicLR {
        self.cycle_momentum = cycle;
        self
    }

    /// `base_momentum=base, max_momentum=max`.
    pub fn momentum(mut self, base: f64, max: f64) -> CyclicLR {
        self.base_momentum = base;
        self.max_momentum = max;
        self
    }

    /// The constructor's work on the optimizer: `group["lr"] = base_lr`, beta1 or momentum
    /// set to `max_momentum` (with `cycle_momentum`), then the initial step.
    pub fn build(mut self, opt: &mut dyn LrGroup) -> CyclicLR {
        opt.set_lr(self.base_lr);
        if self.cycle_momentum {
            assert!(
                opt.momentum().is_some(),
                "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
            );
            opt.set_momentum(self.max_momentum);
        }
        // `LRScheduler.__init__`'s `setdefault("initial_lr", base_lr)`; CyclicLR keeps its own
        // `base_lrs`.
        setdefault_initial_lr(opt);
        self.core = Core::new(self.base_lr);
        start(self, opt)
    }

    /// `total_size` and `step_ratio`, as the constructor computes them.
    fn sizes(&self) -> (f64, f64) {
        let up = self.step_size_up;
        let total = up + self.step_size_down.unwrap_or(up);
        (total, up / total)
    }
}

impl GetLr for CyclicLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn get_lr(&mut self, _lr: f64, _initial: bool, opt: &mut dyn LrGroup) -> f64 {
        let epoch = self.core.last_epoch;
        let (total_size, step_ratio) = self.sizes();
        let cycle = (1.0 + epoch as f64 / total_size).floor();
        let x = 1.0 + epoch as f64 / total_size - cycle;
        let scale_factor = if x <= step_ratio {
            x / step_ratio
        } else {
            (x - 1.0) / (step_ratio - 1.0)
        };
        // `scale_fn(cycle)` in the triangular modes (`scale_mode="cycle"`),
        // `scale_fn(last_epoch)` in exp_range (`"iterations"`).
        let scale = match self.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2.0f64.powf(cycle - 1.0),
            CyclicMode::ExpRange { gamma } => gamma.powf(epoch as f64),
        };
        let base_height = (self.max_lr - self.base_lr) * scale_factor;
        let lr = self.base_lr + base_height * scale;
        if self.cycle_momentum {
            let base_height = (self.max_momentum - self.base_momentum) * scale_factor;
            opt.set_momentum(self.max_momentum - base_height * scale);
        }
        lr
    }
}
scheduler!(CyclicLR);

/// OneCycleLR's `anneal_strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnealStrategy {
    /// `"cos"` (the default).
    Cos,
    /// `"linear"`.
    Linear,
}

/// One phase of OneCycleLR's schedule (`_schedule_phases`): its last step, and where its
/// learning rate and momentum start and end.
#[derive(Debug, Clone, Copy)]
struct Phase {
    end_step: f64,
    lr: (f64, f64),
    momentum: (f64, f64),
}

/// `OneCycleLR(optimizer, max_lr, total_steps)` with its options: the learning rate from
/// `max_lr / div_factor` up to `max_lr` and down to `initial_lr / final_div_factor`, and with
/// `cycle_momentum` (the default) the optimizer's momentum or beta1 the other way, from
/// `max_momentum` to `base_momentum` and back, set on the optimizer at every step.
///
/// What it sets on the optimizer, at [`OneCycleLR::build`] and at every [`LrScheduler::step`]:
/// `group["lr"]` ([`LrGroup::set_lr`]: `Adam::set_lr`, …) and, with `cycle_momentum`, beta1
/// or the momentum ([`LrGroup::set_momentum`]: `Adam::set_betas(beta1, beta2)` with beta2
/// kept, `RMSprop::set_momentum`). The optimizer's state (moments, step counts) is kept, as
/// PyTorch's assignment to `param_groups` keeps it. `run.step(step, &params).optimizer(&opt)`
/// traces what it set at each traced step (`optim.group0.lr`, `optim.group0.betas[0]`).
#[derive(Debug, Clone)]
pub struct OneCycleLR {
    core: Core,
    total_steps: i64,
    pct_start: f64,
    anneal_strategy: AnnealStrategy,
    cycle_momentum: bool,
    base_momentum: f64,
    max_momentum: f64,
    div_factor: f64,
    final_div_factor: f64,
    three_phase: bool,
    max_lr: f64,
    phases: Vec<Phase>,
}

impl OneCycleLR {
    /// The options of `OneCycleLR(optimizer, max_lr=max_lr, total_steps=total_steps)`, with
    /// PyTorch's defaults (`pct_start=0.3`, `anneal_strategy="cos"`, `cycle_momentum=True`,
    /// `base_momentum=0.85`, `max_momentum=0.95`, `div_factor=25.0`,
    /// `final_div_factor=1e4`, `three_phase=False`); change them with the builders and start
    /// it with [`OneCycleLR::build`]. (`epochs` and `steps_per_epoch`: pass their product.)
    pub fn new(max_lr: f64, total_steps: i64) -> OneCycleLR {
        OneCycleLR {
            core: Core::new(f64::NAN),
            total_steps,
            pct_start: 0.3,
            anneal_strategy: AnnealStrategy::Cos,
            cycle_momentum: true,
            base_momentum: 0.85,
            max_momentum: 0.95,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
            max_lr,
            phases: Vec::new(),
        }
    }

    /// `pct_start=pct_start`.
    pub fn pct_start(mut self, pct_start: f64) -> OneCycleLR {
        self.pct_start = pct_start;
        self
    }

    /// `anneal_strategy="cos"` or `"linear"`.
    pub fn anneal_strategy(mut self, strategy: AnnealStrategy) -> OneCycleLR {
        self.anneal_strategy = strategy;
        self
    }

    /// `cycle_momentum=cycle`.
    pub fn cycle_momentum(mut self, cycle: bool) -> OneCycleLR {
        self.cycle_momentum = cycle;
        self
    }

    /// `base_momentum=base, max_momentum=max`.
    pub fn momentum(mut self, base: f64, max: f64) -> OneCycleLR {
        self.base_momentum = base;
        self.max_momentum = max;
        self
    }

    /// `div_factor=div_factor`.
    pub fn div_factor(mut self, div_factor: f64) -> OneCycleLR {
        self.div_factor = div_factor;
        self
    }

    /// `final_div_factor=final_div_factor`.
    pub fn final_div_factor(mut self, final_div_factor: f64) -> OneCycleLR {
        self.final_div_factor = final_div_factor;
        self
    }

    /// `three_phase=three_phase`.
    pub fn three_phase(mut self, three_phase: bool) -> OneCycleLR {
        self.three_phase = three_phase;
        self
    }

    /// The constructor's work on the optimizer: `initial_lr`, `max_lr`, `min_lr`, beta1 or
    /// momentum set to `max_momentum` (with `cycle_momentum`), then the initial step, which
    /// sets the learning rate to `initial_lr`.
    pub fn build(mut self, opt: &mut dyn LrGroup) -> OneCycleLR {
        let total = self.total_steps;
        let initial_lr = self.max_lr / self.div_factor;
        let min_lr = initial_lr / self.final_div_factor;
        let (max_lr, base_m, max_m) = (self.max_lr, self.base_momentum, self.max_momentum);
        // `float(pct_start * total_steps) - 1`; the last phase ends at the int
        // `total_steps - 1`, exact in f64.
        let first_end = self.pct_start * total as f64 - 1.0;
        self.phases = if self.three_phase {
            vec![
                Phase {
                    end_step: first_end,
                    lr: (initial_lr, max_lr),
                    momentum: (max_m, base_m),
                },
                Phase {
                    end_step: 2.0 * self.pct_start * total as f64 - 2.0,
                    lr: (max_lr, initial_lr),
                    momentum: (base_m, max_m),
                },
                Phase {
                    end_step: (total - 1) as f64,
                    lr: (initial_lr, min_lr),
                    momentum: (max_m, max_m),
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: first_end,
                    lr: (initial_lr, max_lr),
                    momentum: (max_m, base_m),
                },
                Phase {
                    end_step: (total - 1) as f64,
                    lr: (max_lr, min_lr),
                    momentum: (base_m, max_m),
                },
            ]
        };
        if self.cycle_momentum {
            assert!(
                opt.momentum().is_some(),
                "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
            );
            opt.set_momentum(max_m);
        }
        // `group["initial_lr"]` is set before `LRScheduler.__init__`, which keeps it.
        opt.set_initial_lr(initial_lr);
        self.core = Core::new(initial_lr);
        start(self, opt)
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        match self.anneal_strategy {
            AnnealStrategy::Cos => {
                let cos_out = (PI * pct).cos() + 1.0;
                end + (start - end) / 2.0 * cos_out
            }
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }
}

impl GetLr for OneCycleLR {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }
    fn get_lr(&mut self, _lr: f64, _initial: bool, opt: &mut dyn LrGroup) -> f64 {
        let step_num = self.core.last_epoch;
        assert!(
            step_num <= self.total_steps,
            "Tried to step {step_num} times. The specified number of total steps is {}",
            self.total_steps
        );
        let mut start_step = 0.0;
        let last = self.phases.len() - 1;
        for (i, phase) in self.phases.iter().enumerate() {
            let end_step = phase.end_step;
            if step_num as f64 <= end_step || i == last {
                let pct = (step_num as f64 - start_step) / (end_step - start_step);
                let lr = self.anneal(phase.lr.0, phase.lr.1, pct);
                if self.cycle_momentum {
                    let m = self.anneal(phase.momentum.0, phase.momentum.1, pct);
                    opt.set_momentum(m);
                }
                return lr;
            }
            start_step = phase.end_step;
        }
        unreachable!("the last phase always answers")
    }
}
scheduler!(OneCycleLR);

/// `SequentialLR(optimizer, schedulers, milestones)`: `schedulers[i]` from `milestones[i-1]`
/// on, as PyTorch runs them: when made, the learning rate back to `initial_lr`, every
/// scheduler's `last_epoch` one back, and the first scheduler's initial step again; at a
/// milestone, the next scheduler's `_update_lr(0)` (its closed form at epoch 0 where it has
/// one, else `get_lr()`), not a step.
///
/// ```ignore
/// // SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), ExponentialLR(opt, 0.9)], milestones=[5])
/// let warmup = LinearLR::new(&mut opt, 0.1, 1.0, 5);
/// let decay = ExponentialLR::new(&mut opt, 0.9);
/// let mut sched = SequentialLR::new(&mut opt, vec![Box::new(warmup), Box::new(decay)], &[5]);
/// ```
pub struct SequentialLR {
    schedulers: Vec<Box<dyn LrScheduler>>,
    milestones: Vec<i64>,
    last_epoch: i64,
    last_lr: f64,
}

impl SequentialLR {
    /// `SequentialLR(optimizer, schedulers=…, milestones=…)`, the schedulers made on `opt`
    /// (in that order). Panics, as PyTorch raises, on no scheduler or on a milestone count
    /// other than one less than the schedulers'; a [`ReduceLROnPlateau`] cannot be given.
    pub fn new(
        opt: &mut dyn LrGroup,
        schedulers: Vec<Box<dyn LrScheduler>>,
        milestones: &[i64],
    ) -> SequentialLR {
        assert!(
            !schedulers.is_empty(),
            "SequentialLR expects at least one scheduler, but got no scheduler."
        );
        assert_eq!(
            milestones.len(),
            schedulers.len() - 1,
            "Sequential Schedulers expects number of schedulers provided to be one more than the \
             number of milestone points"
        );
        let mut s = SequentialLR {
            schedulers,
            milestones: milestones.to_vec(),
            last_epoch: 0,
            last_lr: f64::NAN,
        };
        let initial_lr = opt.initial_lr().unwrap_or_else(|| opt.lr());
        opt.set_lr(initial_lr);
        s.sequential(Sequential::Undo);
        let idx = s.index(0);
        s.schedulers[idx].sequential(Sequential::InitialStep(opt));
        s.last_lr = s.schedulers[idx].get_last_lr();
        s
    }

    /// `bisect_right(milestones, epoch)`.
    fn index(&self, epoch: i64) -> usize {
        self.milestones.iter().filter(|&&m| m <= epoch).count()
    }
}

impl LrScheduler for SequentialLR {
    fn step(&mut self, opt: &mut dyn LrGroup) {
        self.last_epoch += 1;
        let idx = self.index(self.last_epoch);
        let at_milestone = idx > 0 && self.milestones[idx - 1] == self.last_epoch;
        let scheduler = &mut self.schedulers[idx];
        if at_milestone {
            scheduler.sequential(Sequential::UpdateLr(opt, 0));
        } else {
            scheduler.step(opt);
        }
        self.last_lr = scheduler.get_last_lr();
    }
    fn get_last_lr(&self) -> f64 {
        self.last_lr
    }
    fn last_epoch(&self) -> i64 {
        self.last_epoch
    }
    fn sequential(&mut self, call: Sequential<'_>) {
        match call {
            // `recursive_undo` goes into a composite's schedulers, not its own epoch.
            Sequential::Undo => {
                for s in self.schedulers.iter_mut() {
                    s.sequential(Sequential::Undo);
                }
            }
            Sequential::InitialStep(opt) => self.step(opt),
            Sequential::UpdateLr(..) => {
                panic!("SequentialLR inside SequentialLR at a milestone is not supported")
            }
        }
    }
}

/// `ChainedScheduler(schedulers)`: every scheduler's `step()` in turn at each step, each
/// from the learning rate the one before set. Made with no step of its own.
///
/// ```ignore
/// // ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=10), ExponentialLR(opt, 0.95)])
/// let a = ConstantLR::new(&mut opt, 0.5, 10);
/// let b = ExponentialLR::new(&mut opt, 0.95);
/// let mut sched = ChainedScheduler::new(&opt, vec![Box::new(a), Box::new(b)]);
/// ```
pub struct ChainedScheduler {
    schedulers: Vec<Box<dyn LrScheduler>>,
    last_lr: f64,
}

impl ChainedScheduler {
    /// `ChainedScheduler(schedulers, optimizer)`, the schedulers made on `opt`. Panics on no
    /// scheduler, as PyTorch raises.
    pub fn new(opt: &dyn LrGroup, schedulers: Vec<Box<dyn LrScheduler>>) -> ChainedScheduler {
        assert!(
            !schedulers.is_empty(),
            "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."
        );
        ChainedScheduler {
            schedulers,
            last_lr: opt.lr(),
        }
    }
}

impl LrScheduler for ChainedScheduler {
    fn step(&mut self, opt: &mut dyn LrGroup) {
        for s in self.schedulers.iter_mut() {
            s.step(opt);
        }
        self.last_lr = opt.lr();
    }
    fn get_last_lr(&self) -> f64 {
        self.last_lr
    }
    /// The last scheduler's `last_epoch` (ChainedScheduler keeps none of its own that moves).
    fn last_epoch(&self) -> i64 {
        self.schedulers.last().map_or(-1, |s| s.last_epoch())
    }
    fn sequential(&mut self, call: Sequential<'_>) {
        match call {
            Sequential::Undo => {
                for s in self.schedulers.iter_mut() {
                    s.sequential(Sequential::Undo);
                }
            }
            Sequential::InitialStep(opt) => self.step(opt),
            Sequential::UpdateLr(..) => {
                panic!("ChainedScheduler inside SequentialLR at a milestone is not supported")
            }
        }
    }
}

/// ReduceLROnPlateau's `mode`: whether a lower (`Min`) or higher (`Max`) metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateauMode {
    /// `mode="min"` (the default).
    Min,
    /// `mode="max"`.
    Max,
}

/// ReduceLROnPlateau's `threshold_mode`: `best · (1 ∓ threshold)` or `best ∓ threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdMode {
    /// `threshold_mode="rel"` (the default).
    Rel,
    /// `threshold_mode="abs"`.
    Abs,
}

/// `ReduceLROnPlateau(optimizer)`: the learning rate times `factor` (not below `min_lr`)
/// once the metric has not improved by `threshold` for more than `patience` steps, then
/// `cooldown` steps without counting. It takes no initial step and sets no learning rate
/// when made; [`ReduceLROnPlateau::step`] takes the metric.
///
/// ```ignore
/// // ReduceLROnPlateau(opt, factor=0.5, patience=3)
/// let mut sched = ReduceLROnPlateau::new(&opt).factor(0.5).patience(3);
/// sched.step(&mut opt, val_loss);                 // scheduler.step(val_loss)
/// ```
#[derive(Debug, Clone)]
pub struct ReduceLROnPlateau {
    mode: PlateauMode,
    factor: f64,
    patience: i64,
    threshold: f64,
    threshold_mode: ThresholdMode,
    cooldown: i64,
    min_lr: f64,
    eps: f64,
    last_epoch: i64,
    last_lr: f64,
    best: f64,
    num_bad_epochs: i64,
    cooldown_counter: i64,
}

impl ReduceLROnPlateau {
    /// `ReduceLROnPlateau(optimizer)` with PyTorch's defaults: `mode="min"`, `factor=0.1`,
    /// `patience=10`, `threshold=1e-4`, `threshold_mode="rel"`, `cooldown=0`, `min_lr=0`,
    /// `eps=1e-8`.
    pub fn new(opt: &dyn LrGroup) -> ReduceLROnPlateau {
        ReduceLROnPlateau {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
            last_epoch: 0,
            last_lr: opt.lr(),
            best: f64::INFINITY,
            num_bad_epochs: 0,
            cooldown_counter: 0,
        }
    }

    /// `mode=…` (the worst value, where `best` starts, follows it).
    pub fn mode(mut self, mode: PlateauMode) -> ReduceLROnPlateau {
        self.mode = mode;
        self.best = match mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        self
    }

    /// `factor=factor`.
    pub fn factor(mut self, factor: f64) -> ReduceLROnPlateau {
        self.factor = factor;
        self
    }

    /// `patience=patience`.
    pub fn patience(mut self, patience: i64) -> ReduceLROnPlateau {
        self.patience = patience;
        self
    }

    /// `threshold=threshold, threshold_mode=mode`.
    pub fn threshold(mut self, threshold: f64, mode: ThresholdMode) -> ReduceLROnPlateau {
        self.threshold = threshold;
        self.threshold_mode = mode;
        self
    }

    /// `cooldown=cooldown`.
    pub fn cooldown(mut self, cooldown: i64) -> ReduceLROnPlateau {
        self.cooldown = cooldown;
        self
    }

    /// `min_lr=min_lr`.
    pub fn min_lr(mut self, min_lr: f64) -> ReduceLROnPlateau {
        self.min_lr = min_lr;
        self
    }

    /// `eps=eps`: a reduction smaller than this is not made.
    pub fn eps(mut self, eps: f64) -> ReduceLROnPlateau {
        self.eps = eps;
        self
    }

    /// `_is_better(a, best)`.
    fn is_better(&self, a: f64, best: f64) -> bool {
        match (self.mode, self.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - self.threshold),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - self.threshold,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (self.threshold + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + self.threshold,
        }
    }

    /// `scheduler.step(metrics)`.
    pub fn step(&mut self, opt: &mut dyn LrGroup, metrics: f64) {
        self.last_epoch += 1;
        if self.is_better(metrics, self.best) {
            self.best = metrics;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0; // PyTorch ignores bad epochs in cooldown
        }
        if self.num_bad_epochs > self.patience {
            let old_lr = opt.lr();
            // Python's `max(a, b)` returns `a` unless `b > a`.
            let reduced = old_lr * self.factor;
            let new_lr = if self.min_lr > reduced {
                self.min_lr
            } else {
                reduced
            };
            if old_lr - new_lr > self.eps {
                opt.set_lr(new_lr);
            }
            self.cooldown_counter = self.cooldown;
            self.num_bad_epochs = 0;
        }
        self.last_lr = opt.lr();
    }

    /// `scheduler.get_last_lr()[0]`.
    pub fn get_last_lr(&self) -> f64 {
        self.last_lr
    }

    /// `scheduler.last_epoch`: the steps taken.
    pub fn last_epoch(&self) -> i64 {
        self.last_epoch
    }
}
