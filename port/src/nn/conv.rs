//! `torch/nn/modules/conv.py`'s `nn.Conv1d`, `nn.Conv3d` and `nn.ConvTranspose1d`/`2d`/`3d`
//! (`nn.Conv2d` is `init::conv2d`), built as tch's own `nn::Conv*`/`nn::ConvTranspose*` and
//! drawn as `_ConvNd.reset_parameters()` draws: the weight `kaiming_uniform_(a=√5)`, then the
//! bias U(±1/√fan_in), `fan_in` from the weight's shape, which for a transposed convolution
//! is `[in_channels, out_channels / groups, k…]` (so its `fan_in` is `out_channels / groups`
//! times the kernel's size). tch's layers create the bias first, as 0, and draw the weight
//! from U(±√(6/fan_in)) (docs/PORTING.md: `conv1d-init`, `conv-transpose2d-init`); their
//! forward is PyTorch's (`conv1d`, `conv3d`, `conv-transpose1d`, `conv-transpose2d`).

use crate::init::reset_conv;
use std::borrow::Borrow;
use tch::nn;

fn undrawn(config: nn::ConvConfig) -> nn::ConvConfig {
    nn::ConvConfig {
        ws_init: nn::Init::Const(0.0),
        bs_init: nn::Init::Const(0.0),
        ..config
    }
}

fn undrawn_transpose(config: nn::ConvTransposeConfig) -> nn::ConvTransposeConfig {
    nn::ConvTransposeConfig {
        ws_init: nn::Init::Const(0.0),
        bs_init: nn::Init::Const(0.0),
        ..config
    }
}

/// `nn.Conv1d(in_channels, out_channels, kernel_size, …)`: tch's `nn::conv1d` under `path`
/// with `config` (its `ws_init` and `bs_init` not used), drawn as PyTorch draws it.
pub fn conv1d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in_channels: i64,
    out_channels: i64,
    kernel_size: i64,
    config: nn::ConvConfig,
) -> nn::Conv1D {
    let mut layer = nn::conv1d(
        path,
        in_channels,
        out_channels,
        kernel_size,
        undrawn(config),
    );
    reset_conv(&mut layer);
    layer
}

/// `nn.Conv3d(in_channels, out_channels, kernel_size, …)`: tch's `nn::conv3d`, drawn as
/// PyTorch draws it (see [`conv1d`]).
pub fn conv3d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in_channels: i64,
    out_channels: i64,
    kernel_size: i64,
    config: nn::ConvConfig,
) -> nn::Conv3D {
    let mut layer = nn::conv3d(
        path,
        in_channels,
        out_channels,
        kernel_size,
        undrawn(config),
    );
    reset_conv(&mut layer);
    layer
}

/// `reset_parameters()` of `nn.ConvTranspose1d`/`2d`/`3d` on an existing tch layer: the
/// weight `kaiming_uniform_(a=√5)`, then the bias U(±1/√fan_in), `fan_in` being
/// `out_channels / groups` times the kernel's size (the weight's second dimension on).
pub fn reset_conv_transpose<ND>(layer: &mut nn::ConvTransposeND<ND>) {
    crate::init::reset_weight_and_bias(&mut layer.ws, layer.bs.as_mut());
}

/// `nn.ConvTranspose1d(in_channels, out_channels, kernel_size, …)`: tch's
/// `nn::conv_transpose1d` under `path` with `config` (stride, padding, output padding,
/// dilation, groups, bias; its `ws_init` and `bs_init` not used), drawn as PyTorch draws it.
pub fn conv_transpose1d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in_channels: i64,
    out_channels: i64,
    kernel_size: i64,
    config: nn::ConvTransposeConfig,
) -> nn::ConvTranspose1D {
    let config = undrawn_transpose(config);
    let mut layer = nn::conv_transpose1d(path, in_channels, out_channels, kernel_size, config);
    reset_conv_transpose(&mut layer);
    layer
}

/// `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, …)`: see
/// [`conv_transpose1d`].
pub fn conv_transpose2d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in_channels: i64,
    out_channels: i64,
    kernel_size: i64,
    config: nn::ConvTransposeConfig,
) -> nn::ConvTranspose2D {
    let config = undrawn_transpose(config);
    let mut layer = nn::conv_transpose2d(path, in_channels, out_channels, kernel_size, config);
    reset_conv_transpose(&mut layer);
    layer
}

/// `nn.ConvTranspose3d(in_channels, out_channels, kernel_size, …)`: see
/// [`conv_transpose1d`] (not measured here).
pub fn conv_transpose3d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in_channels: i64,
    out_channels: i64,
    kernel_size: i64,
    config: nn::ConvTransposeConfig,
) -> nn::ConvTranspose3D {
    let config = undrawn_transpose(config);
    let mut layer = nn::conv_transpose3d(path, in_channels, out_channels, kernel_size, config);
    reset_conv_transpose(&mut layer);
    layer
}
