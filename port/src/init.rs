//! PyTorch's own initial draws: `torch.nn.init`'s functions, and the layers whose creation
//! draws (`nn.Linear`, `nn.Conv2d`, `nn.Embedding`) built the tch way but drawn the PyTorch
//! way. Where tch's own initialisations draw from other distributions, in another order or
//! with other roundings (docs/PORTING.md: `linear-init`, `conv2d-init`, `xavier-normal`,
//! `kaiming-normal`, `embedding-padding-idx`), a port that builds its layers the tch way
//! starts from other numbers; these start from PyTorch's.
//!
//! Everything here draws on the global generator (`tch::manual_seed`), in place, under
//! `no_grad`, with the ATen call `torch/nn/init.py` makes (`uniform_`, `normal_`, `fill_`,
//! `zero_`) and the bound or standard deviation it computes, in `f64` with Python's float
//! operations in Python's order. The layers draw at the moment they are created: create them
//! in the order the notebook's `nn.Module` creates its layers. PyTorch's `generator=` argument
//! is not ported.

pub use crate::nn::recurrent::{gru, lstm};
use std::borrow::Borrow;
use tch::{nn, Tensor};

/// `mode=` of `kaiming_uniform_` and `kaiming_normal_`: which fan the standard deviation
/// divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `mode="fan_in"` (PyTorch's default): keeps the variance of the forward pass.
    FanIn,
    /// `mode="fan_out"`: keeps the variance of the backward pass.
    FanOut,
}

/// `nonlinearity=` of [`calculate_gain`] and the Kaiming initialisations, by the names
/// `torch.nn.init` takes (`"relu"` is [`Nonlinearity::Relu`], `"leaky_relu"`
/// [`Nonlinearity::LeakyRelu`], …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nonlinearity {
    /// `"linear"`: gain 1.
    Linear,
    /// `"conv1d"`: gain 1.
    Conv1d,
    /// `"conv2d"`: gain 1.
    Conv2d,
    /// `"conv3d"`: gain 1.
    Conv3d,
    /// `"conv_transpose1d"`: gain 1.
    ConvTranspose1d,
    /// `"conv_transpose2d"`: gain 1.
    ConvTranspose2d,
    /// `"conv_transpose3d"`: gain 1.
    ConvTranspose3d,
    /// `"sigmoid"`: gain 1.
    Sigmoid,
    /// `"tanh"`: gain 5/3.
    Tanh,
    /// `"relu"`: gain √2.
    Relu,
    /// `"leaky_relu"` (the Kaiming functions' default): gain √(2 / (1 + slope²)), the slope
    /// being `param` (0.01 when `None`), or the Kaiming functions' `a`.
    LeakyRelu,
    /// `"selu"`: gain 3/4.
    Selu,
}

/// `torch.nn.init.calculate_gain(nonlinearity, param)`: the gain PyTorch recommends after
/// `nonlinearity`, to the last bit of PyTorch's float64. `param` is the negative slope of
/// [`Nonlinearity::LeakyRelu`] (`None` for its default 0.01) and is ignored otherwise, as
/// PyTorch ignores it.
pub fn calculate_gain(nonlinearity: Nonlinearity, param: Option<f64>) -> f64 {
    use Nonlinearity::*;
    match nonlinearity {
        Linear | Conv1d | Conv2d | Conv3d | ConvTranspose1d | ConvTranspose2d | ConvTranspose3d
        | Sigmoid => 1.0,
        Tanh => 5.0 / 3.0,
        Relu => 2f64.sqrt(),
        LeakyRelu => {
            let negative_slope = param.unwrap_or(0.01);
            (2.0 / (1.0 + python_pow(negative_slope, 2.0))).sqrt()
        }
        Selu => 3.0 / 4.0,
    }
}

/// Python's `x ** y` on floats, which calls C's `pow`. Rust's `x.powf(2.0)` does not: LLVM
/// turns a constant exponent of 2 into `x * x`, correctly rounded, where glibc's `pow` is not
/// always (about 1 in 1200 random `x` here); `black_box` keeps the exponent a run-time value so
/// the call reaches `pow`.
fn python_pow(x: f64, y: f64) -> f64 {
    x.powf(std::hint::black_box(y))
}

/// `torch.nn.init._calculate_fan_in_and_fan_out(tensor)`: `(fan_in, fan_out)`, the second
/// and first dimension each times the product of the dimensions after them (a convolution's
/// receptive field).
///
/// # Panics
///
/// On a tensor of fewer than two dimensions, where PyTorch raises `ValueError`.
pub fn calculate_fan_in_and_fan_out(tensor: &Tensor) -> (i64, i64) {
    let size = tensor.size();
    assert!(
        size.len() >= 2,
        "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions \
         (shape {size:?})"
    );
    let receptive_field_size: i64 = size[2..].iter().product();
    (
        size[1] * receptive_field_size,
        size[0] * receptive_field_size,
    )
}

/// `_calculate_correct_fan(tensor, mode)`.
fn correct_fan(tensor: &Tensor, mode: Mode) -> i64 {
    let (fan_in, fan_out) = calculate_fan_in_and_fan_out(tensor);
    match mode {
        Mode::FanIn => fan_in,
        Mode::FanOut => fan_out,
    }
}

/// `torch.nn.init.uniform_(tensor, a, b)`: U(a, b), ATen's `uniform_` under `no_grad`.
pub fn uniform_(tensor: &mut Tensor, a: f64, b: f64) {
    tch::no_grad(|| {
        let _ = tensor.uniform_(a, b);
    });
}

/// `torch.nn.init.normal_(tensor, mean, std)`: N(mean, std²), ATen's `normal_` under
/// `no_grad`. Not a scaled `Tensor::randn` (tch's `Init::Randn`): on fewer than 16 values ATen
/// draws in float64 and rounds `z·std + mean` once, where `randn · std` rounds `z` first.
pub fn normal_(tensor: &mut Tensor, mean: f64, std: f64) {
    tch::no_grad(|| {
        let _ = tensor.normal_(mean, std);
    });
}

/// `torch.nn.init.constant_(tensor, val)`: every value `val` (`fill_`, no draw).
pub fn constant_(tensor: &mut Tensor, val: f64) {
    tch::no_grad(|| {
        let _ = tensor.fill_(val);
    });
}

/// `torch.nn.init.ones_(tensor)`: every value 1 (`fill_(1.0)`, no draw).
pub fn ones_(tensor: &mut Tensor) {
    constant_(tensor, 1.0);
}

/// `torch.nn.init.zeros_(tensor)`: every value 0 (`zero_`, no draw).
pub fn zeros_(tensor: &mut Tensor) {
    tch::no_grad(|| {
        let _ = tensor.zero_();
    });
}

/// The standard deviation of the Xavier (Glorot) initialisations, `gain · √(2 / (fan_in +
/// fan_out))` as `torch/nn/init.py` computes it (the uniform bound is √3 times it, not
/// `gain · √(6 / (fan_in + fan_out))`).
fn xavier_std(tensor: &Tensor, gain: f64) -> f64 {
    let (fan_in, fan_out) = calculate_fan_in_and_fan_out(tensor);
    gain * (2.0 / (fan_in + fan_out) as f64).sqrt()
}

/// `torch.nn.init.xavier_uniform_(tensor, gain)`: U(±√3 · gain · √(2 / (fan_in + fan_out))).
/// PyTorch's default `gain` is 1; a gain for an activation is [`calculate_gain`]'s.
///
/// # Panics
///
/// On a tensor of fewer than two dimensions (see [`calculate_fan_in_and_fan_out`]).
pub fn xavier_uniform_(tensor: &mut Tensor, gain: f64) {
    let a = 3f64.sqrt() * xavier_std(tensor, gain);
    uniform_(tensor, -a, a);
}

/// `torch.nn.init.xavier_normal_(tensor, gain)`: N(0, (gain · √(2 / (fan_in + fan_out)))²).
/// PyTorch's default `gain` is 1.
///
/// # Panics
///
/// On a tensor of fewer than two dimensions (see [`calculate_fan_in_and_fan_out`]).
pub fn xavier_normal_(tensor: &mut Tensor, gain: f64) {
    let std = xavier_std(tensor, gain);
    normal_(tensor, 0.0, std);
}

/// The Kaiming standard deviation, `gain / √fan`, or `None` for a tensor without values,
/// which PyTorch leaves as it is, drawing nothing.
fn kaiming_std(tensor: &Tensor, a: f64, mode: Mode, nonlinearity: Nonlinearity) -> Option<f64> {
    if tensor.size().contains(&0) {
        return None;
    }
    let fan = correct_fan(tensor, mode);
    Some(calculate_gain(nonlinearity, Some(a)) / (fan as f64).sqrt())
}

/// `torch.nn.init.kaiming_uniform_(tensor, a, mode, nonlinearity)`: U(±√3 · gain / √fan).
/// PyTorch's defaults are `a = 0.0`, [`Mode::FanIn`], [`Nonlinearity::LeakyRelu`] (whose gain
/// at slope 0 is √2, as `Relu`'s); `a` is the leaky ReLU's negative slope, ignored by every
/// other nonlinearity. A tensor without values is left as it is.
///
/// # Panics
///
/// On a tensor of fewer than two dimensions (see [`calculate_fan_in_and_fan_out`]).
pub fn kaiming_uniform_(tensor: &mut Tensor, a: f64, mode: Mode, nonlinearity: Nonlinearity) {
    if let Some(std) = kaiming_std(tensor, a, mode, nonlinearity) {
        let bound = 3f64.sqrt() * std;
        uniform_(tensor, -bound, bound);
    }
}

/// `torch.nn.init.kaiming_normal_(tensor, a, mode, nonlinearity)`: N(0, (gain / √fan)²), with
/// [`kaiming_uniform_`]'s arguments and defaults. A tensor without values is left as it is.
///
/// # Panics
///
/// On a tensor of fewer than two dimensions (see [`calculate_fan_in_and_fan_out`]).
pub fn kaiming_normal_(tensor: &mut Tensor, a: f64, mode: Mode, nonlinearity: Nonlinearity) {
    if let Some(std) = kaiming_std(tensor, a, mode, nonlinearity) {
        normal_(tensor, 0.0, std);
    }
}

/// `reset_parameters()` of `nn.Linear` and of `nn.Conv1d`/`2d`/`3d`, which are the same: the
/// weight `kaiming_uniform_(a=√5)` (U(±1/√fan_in) up to the last bit), then the bias
/// U(±1/√fan_in), with the weight's `fan_in`.
pub(crate) fn reset_weight_and_bias(weight: &mut Tensor, bias: Option<&mut Tensor>) {
    kaiming_uniform_(weight, 5f64.sqrt(), Mode::FanIn, Nonlinearity::LeakyRelu);
    if let Some(bias) = bias {
        let (fan_in, _) = calculate_fan_in_and_fan_out(weight);
        let bound = if fan_in > 0 {
            1.0 / (fan_in as f64).sqrt()
        } else {
            0.0
        };
        uniform_(bias, -bound, bound);
    }
}

/// An `nn::linear` whose creation draws nothing, so that the draw below is the only one.
const UNDRAWN: nn::LinearConfig = nn::LinearConfig {
    ws_init: nn::Init::Const(0.0),
    bs_init: Some(nn::Init::Const(0.0)),
    bias: true,
};

/// `nn.Linear(inputs, outputs)`: tch's `nn::linear` under `path`, its weight and then its
/// bias drawn as `nn.Linear.reset_parameters()` draws them (`uniform_` between ±1/√inputs,
/// which is what its `kaiming_uniform_(a=√5)` comes to).
pub fn linear<'a>(path: impl Borrow<nn::Path<'a>>, inputs: i64, outputs: i64) -> nn::Linear {
    let mut layer = nn::linear(path, inputs, outputs, UNDRAWN);
    reset_linear(&mut layer, inputs);
    layer
}

/// `nn.Linear.reset_parameters()` on an existing tch layer: the weight, then the bias, each
/// `uniform_` on the global generator between the bounds PyTorch computes (in float64, as
/// Python does, by `xor_repro::rng::torch::linear_bounds`).
pub fn reset_linear(layer: &mut nn::Linear, inputs: i64) {
    let (weight_bound, bias_bound) = xor_repro::rng::torch::linear_bounds(inputs as usize);
    tch::no_grad(|| {
        let _ = layer.ws.uniform_(-weight_bound, weight_bound);
        if let Some(bias) = layer.bs.as_mut() {
            let _ = bias.uniform_(-bias_bound, bias_bound);
        }
    });
}

/// `nn.Conv2d(in_channels, out_channels, kernel_size, …)`: tch's `nn::conv2d` under `path`
/// with `config`'s stride, padding, dilation, groups, bias and padding mode, drawn as
/// `nn.Conv2d.reset_parameters()` draws (see [`reset_conv`]). `config.ws_init` and
/// `config.bs_init` are not used: `nn::conv2d`'s defaults draw the weight from U(±√(6/fan_in))
/// and leave the bias 0.
pub fn conv2d<'a>(
    path: impl Borrow<nn::Path<'a>>,
    in_channels: i64,
    out_channels: i64,
    kernel_size: i64,
    config: nn::ConvConfig,
) -> nn::Conv2D {
    let undrawn = nn::ConvConfig {
        ws_init: nn::Init::Const(0.0),
        bs_init: nn::Init::Const(0.0),
        ..config
    };
    let mut layer = nn::conv2d(path, in_channels, out_channels, kernel_size, undrawn);
    reset_conv(&mut layer);
    layer
}

/// `reset_parameters()` of `nn.Conv1d`, `nn.Conv2d` or `nn.Conv3d` on an existing tch
/// convolution: the weight `kaiming_uniform_(a=√5)`, then the bias U(±1/√fan_in), `fan_in`
/// being `in_channels / groups` times the kernel's size.
pub fn reset_conv<ND>(layer: &mut nn::Conv<ND>) {
    reset_weight_and_bias(&mut layer.ws, layer.bs.as_mut());
}

/// `nn.Embedding(num_embeddings, embedding_dim, padding_idx=…)`: tch's `nn::embedding`
/// under `path` with `config`, its weight drawn as `nn.Embedding.reset_parameters()` draws it,
/// `normal_` N(0, 1), then the row `config.padding_idx` set to 0 when there is one (tch's
/// `padding_idx` of −1 means none; PyTorch's negative indices count from the end, write
/// `num_embeddings − k` for `padding_idx=−k`). `config.ws_init` is not used.
pub fn embedding<'a>(
    path: impl Borrow<nn::Path<'a>>,
    num_embeddings: i64,
    embedding_dim: i64,
    config: nn::EmbeddingConfig,
) -> nn::Embedding {
    let undrawn = nn::EmbeddingConfig {
        ws_init: nn::Init::Const(0.0),
        ..config
    };
    let mut layer = nn::embedding(path, num_embeddings, embedding_dim, undrawn);
    normal_(&mut layer.ws, 0.0, 1.0);
    if config.padding_idx >= 0 {
        tch::no_grad(|| {
            let _ = layer.ws.get(config.padding_idx).fill_(0.0);
        });
    }
    layer
}
