//! `torch/nn/modules/batchnorm.py`'s `nn.BatchNorm1d`, `nn.BatchNorm2d` and `nn.BatchNorm3d`:
//! tch's own `nn::BatchNorm` with PyTorch's initial weight (`init.ones_`; tch's default draws
//! it from U(0, 1), which also moves the global generator) and the `num_batches_tracked`
//! buffer tch's layer does not keep, counted up by each training forward pass as
//! `_BatchNorm.forward` counts it, and kept in the `VarStore` (not trainable) so that
//! [`crate::named_buffers`] and [`crate::state_dict`] list it. The forward is `F.batch_norm`'s
//! ATen call, the one tch's layer makes (docs/PORTING.md: `batch-norm2d`, `batch-norm1d`).
//! tch's `nn::layer_norm` and `nn::group_norm` agree with `nn.LayerNorm` and `nn.GroupNorm`
//! as they are (`layer-norm`, `group-norm`).

use std::borrow::Borrow;
use tch::{nn, Kind, Tensor};

/// `nn.BatchNorm1d`/`2d`/`3d`, made by [`batch_norm1d`], [`batch_norm2d`] or
/// [`batch_norm3d`]; `forward_t(x, train)` is `model.train()` / `model.eval()`'s forward.
#[derive(Debug)]
pub struct BatchNorm {
    /// tch's layer: `ws` (`weight`), `bs` (`bias`), `running_mean`, `running_var`.
    pub layer: nn::BatchNorm,
    /// `num_batches_tracked`, an int64 scalar: the training forward passes so far.
    pub num_batches_tracked: Tensor,
}

fn batch_norm<'a>(
    path: impl Borrow<nn::Path<'a>>,
    nd: usize,
    num_features: i64,
    config: nn::BatchNormConfig,
) -> BatchNorm {
    assert!(
        num_features > 0,
        "BatchNorm: num_features must be positive (got {num_features})"
    );
    let path = path.borrow();
    let drawn_as_pytorch = nn::BatchNormConfig {
        ws_init: nn::Init::Const(1.0), // init.ones_(self.weight)
        bs_init: nn::Init::Const(0.0), // init.zeros_(self.bias)
        ..config
    };
    let layer = match nd {
        1 => nn::batch_norm1d(path, num_features, drawn_as_pytorch),
        2 => nn::batch_norm2d(path, num_features, drawn_as_pytorch),
        _ => nn::batch_norm3d(path, num_features, drawn_as_pytorch),
    };
    let count = Tensor::zeros([], (Kind::Int64, path.device()));
    let num_batches_tracked = path.add("num_batches_tracked", count, false);
    BatchNorm {
        layer,
        num_batches_tracked,
    }
}

/// `nn.BatchNorm1d(num_features, eps, momentum, affine)` under `path`, with `config`'s `eps`,
/// `momentum`, `affine` (its `ws_init` and `bs_init` are not used: the weight is ones, the
/// bias zeros). Input `(N, C)` or `(N, C, L)`. PyTorch's `momentum=None` (a cumulative
/// average) and `track_running_stats=False` are not ported.
///
/// # Panics
///
/// On `num_features` not positive.
pub fn batch_norm1d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    num_features: i64,
    config: nn::BatchNormConfig,
) -> BatchNorm {
    batch_norm(path, 1, num_features, config)
}

/// `nn.BatchNorm2d(num_features, …)`: see [`batch_norm1d`]. Input `(N, C, H, W)`.
///
/// # Panics
///
/// On `num_features` not positive.
pub fn batch_norm2d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    num_features: i64,
    config: nn::BatchNormConfig,
) -> BatchNorm {
    batch_norm(path, 2, num_features, config)
}

/// `nn.BatchNorm3d(num_features, …)`: see [`batch_norm1d`]. Input `(N, C, D, H, W)` (not
/// measured here).
///
/// # Panics
///
/// On `num_features` not positive.
pub fn batch_norm3d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    num_features: i64,
    config: nn::BatchNormConfig,
) -> BatchNorm {
    batch_norm(path, 3, num_features, config)
}

impl nn::ModuleT for BatchNorm {
    /// `_BatchNorm.forward`: in training, `num_batches_tracked.add_(1)`, then
    /// `F.batch_norm` on the batch's statistics, updating the running ones by `momentum`; in
    /// evaluation, `F.batch_norm` on the running statistics: tch's layer's call, both.
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        if train {
            tch::no_grad(|| {
                let _ = self.num_batches_tracked.shallow_clone().g_add_scalar_(1);
            });
        }
        self.layer.forward_t(xs, train)
    }
}
