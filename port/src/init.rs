//! PyTorch's own initial draws for tch's layers. tch's `nn::linear` draws its weight and bias
//! from other distributions than `nn.Linear`, and its bias first, so a port that builds its
//! layers the tch way starts from other numbers (docs/PORTING.md). These build the layer
//! without drawing, then draw as PyTorch's `reset_parameters()` does, on the global generator
//! (`tch::manual_seed`), at the moment the layer is created: create them in the order the
//! notebook's `nn.Module` creates its layers.

use tch::nn;

/// An `nn::linear` whose creation draws nothing, so that the draw below is the only one.
const UNDRAWN: nn::LinearConfig = nn::LinearConfig {
    ws_init: nn::Init::Const(0.0),
    bs_init: Some(nn::Init::Const(0.0)),
    bias: true,
};

/// `nn.Linear(inputs, outputs)`: tch's `nn::linear` under `path`, its weight and then its
/// bias drawn as `nn.Linear.reset_parameters()` draws them (`uniform_` between ±1/√inputs,
/// which is what its `kaiming_uniform_(a=√5)` comes to).
pub fn linear<'a>(
    path: impl std::borrow::Borrow<nn::Path<'a>>,
    inputs: i64,
    outputs: i64,
) -> nn::Linear {
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
