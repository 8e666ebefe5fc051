//! `torch/nn/modules/rnn.py`'s `nn.RNN`, `nn.LSTM`, `nn.GRU` and their cells `nn.RNNCell`,
//! `nn.LSTMCell`, `nn.GRUCell`, drawn as their `reset_parameters()` draws them: every
//! parameter, in `named_parameters()` order, `init.uniform_(w, -stdv, stdv)` with
//! `stdv = 1.0 / math.sqrt(hidden_size)`. tch's `nn::lstm` and `nn::gru` draw their weights
//! from a Kaiming uniform and leave their biases 0 (docs/PORTING.md: `lstm-init`,
//! `gru-init`); tch has no vanilla RNN and no cells.
//!
//! [`lstm`] and [`gru`] give tch's own `nn::LSTM` and `nn::GRU`, whose forward is the same
//! ATen call (`at::lstm`, `at::gru`) as PyTorch's `_VF.lstm`, `_VF.gru` (measured: `lstm`,
//! `gru`). [`rnn`] gives an [`RNN`] running `at::rnn_tanh` or `at::rnn_relu` as
//! `nn.RNN.forward` does, behind tch's `nn::RNN` trait; the cells call `at::lstm_cell`,
//! `at::gru_cell`, `at::rnn_tanh_cell`, `at::rnn_relu_cell` as their `forward`s do.

use std::borrow::Borrow;
use tch::{nn, Tensor};

/// `nonlinearity=` of `nn.RNN` and `nn.RNNCell`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RnnNonlinearity {
    /// `"tanh"`, PyTorch's default: `at::rnn_tanh`.
    #[default]
    Tanh,
    /// `"relu"`: `at::rnn_relu`.
    Relu,
}

/// `1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0`.
fn stdv(hidden_size: i64) -> f64 {
    if hidden_size > 0 {
        1.0 / (hidden_size as f64).sqrt()
    } else {
        0.0
    }
}

/// `RNNBase.reset_parameters()` and `RNNCellBase.reset_parameters()`: each parameter, in
/// order, `uniform_(-stdv, stdv)` on the global generator.
fn reset(params: &mut [Tensor], hidden_size: i64) {
    let stdv = stdv(hidden_size);
    for p in params {
        crate::init::uniform_(p, -stdv, stdv);
    }
}

/// tch's `RNNConfig` with every initialisation a constant, so that creating the layer draws
/// nothing and the draws are [`reset`]'s alone.
fn undrawn(c: nn::RNNConfig) -> nn::RNNConfig {
    nn::RNNConfig {
        w_ih_init: nn::Init::Const(0.0),
        w_hh_init: nn::Init::Const(0.0),
        b_ih_init: Some(nn::Init::Const(0.0)),
        b_hh_init: Some(nn::Init::Const(0.0)),
        ..c
    }
}

/// The parameter names of an `RNNBase` in `_flat_weights_names` order (which is
/// `named_parameters()` order): for each layer, for each direction, `weight_ih_l{k}`,
/// `weight_hh_l{k}`, then `bias_ih_l{k}`, `bias_hh_l{k}`, with `_reverse` for the second
/// direction.
pub fn flat_weights_names(c: &nn::RNNConfig) -> Vec<String> {
    let mut names = Vec::new();
    for layer in 0..c.num_layers {
        for direction in 0..if c.bidirectional { 2 } else { 1 } {
            let suffix = if direction == 1 { "_reverse" } else { "" };
            names.push(format!("weight_ih_l{layer}{suffix}"));
            names.push(format!("weight_hh_l{layer}{suffix}"));
            if c.has_biases {
                names.push(format!("bias_ih_l{layer}{suffix}"));
                names.push(format!("bias_hh_l{layer}{suffix}"));
            }
        }
    }
    names
}

/// The variables tch's `rnn_weights` created under `path`, by the names PyTorch gives them,
/// in PyTorch's order (tch creates them in the same order, under the same names).
fn flat_weights(path: &nn::Path, c: &nn::RNNConfig) -> Vec<Tensor> {
    flat_weights_names(c)
        .iter()
        .map(|name| {
            path.get(name).unwrap_or_else(|| {
                panic!(
                    "no variable `{}`: a recurrent layer under this path was already made",
                    path.path(name)
                )
            })
        })
        .collect()
}

fn check(input_size: i64, hidden_size: i64, c: &nn::RNNConfig) {
    assert!(
        input_size > 0 && hidden_size > 0 && c.num_layers > 0,
        "input_size, hidden_size and num_layers must be positive (got {input_size}, \
         {hidden_size}, {})",
        c.num_layers
    );
}

/// `nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)`:
/// tch's own `nn::LSTM` under `path` with `config` (`has_biases`, `num_layers`, `dropout`,
/// `train`, `bidirectional`, `batch_first`; its `*_init` fields are not used), every parameter
/// drawn as `nn.LSTM.reset_parameters()` draws it, U(±1/√hidden_size), in PyTorch's order.
/// Its `seq`, `seq_init` and `step` are PyTorch's forward (docs/PORTING.md: `lstm`).
///
/// tch's `RNNConfig::default()` has `batch_first: true`, PyTorch's `batch_first=False`; and
/// tch's `seq` takes the batch size from the input's first dimension, right only with
/// `batch_first: true` (else give `seq_init` a zero state of shape `[num_layers ·
/// directions, batch, hidden]`).
///
/// # Panics
///
/// On a size or layer count that is not positive, or when `path` already holds this layer.
pub fn lstm<'a>(
    path: impl Borrow<nn::Path<'a>>,
    input_size: i64,
    hidden_size: i64,
    config: nn::RNNConfig,
) -> nn::LSTM {
    check(input_size, hidden_size, &config);
    let path = path.borrow();
    let layer = nn::lstm(path, input_size, hidden_size, undrawn(config));
    reset(&mut flat_weights(path, &config), hidden_size);
    layer
}

/// `nn.GRU(input_size, hidden_size, …)`: tch's own `nn::GRU`, drawn as PyTorch draws it;
/// see [`lstm`] (docs/PORTING.md: `gru-init`, `gru`).
///
/// # Panics
///
/// As [`lstm`].
pub fn gru<'a>(
    path: impl Borrow<nn::Path<'a>>,
    input_size: i64,
    hidden_size: i64,
    config: nn::RNNConfig,
) -> nn::GRU {
    check(input_size, hidden_size, &config);
    let path = path.borrow();
    let layer = nn::gru(path, input_size, hidden_size, undrawn(config));
    reset(&mut flat_weights(path, &config), hidden_size);
    layer
}

/// The hidden state of an [`RNN`]: `h`, `[num_layers · directions, batch, hidden_size]`.
#[derive(Debug)]
pub struct RNNState(pub Tensor);

impl RNNState {
    /// The hidden state `h_n`.
    pub fn h(&self) -> Tensor {
        self.0.shallow_clone()
    }
}

/// `nn.RNN`: an Elman network of `num_layers` layers, `tanh` or `relu`, made by [`rnn`].
/// It implements tch's `nn::RNN` trait as tch's `LSTM` and `GRU` do.
#[derive(Debug)]
pub struct RNN {
    flat_weights: Vec<Tensor>,
    hidden_size: i64,
    nonlinearity: RnnNonlinearity,
    config: nn::RNNConfig,
}

/// `nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout,
/// bidirectional)` under `path`, its parameters named and drawn as PyTorch's (see [`lstm`];
/// `config`'s `*_init` fields are not used). Its forward is `nn.RNN.forward`'s
/// `_VF.rnn_tanh` or `_VF.rnn_relu` (docs/PORTING.md: `rnn-tanh`, `rnn-relu`).
///
/// # Panics
///
/// As [`lstm`].
pub fn rnn<'a>(
    path: impl Borrow<nn::Path<'a>>,
    input_size: i64,
    hidden_size: i64,
    nonlinearity: RnnNonlinearity,
    config: nn::RNNConfig,
) -> RNN {
    check(input_size, hidden_size, &config);
    let path = path.borrow();
    let directions = if config.bidirectional { 2 } else { 1 };
    let mut flat_weights = Vec::new();
    for name in flat_weights_names(&config) {
        let layer: i64 = name
            .rsplit_once("_l")
            .and_then(|(_, k)| k.trim_end_matches("_reverse").parse().ok())
            .expect("a layer index");
        let shape = if name.starts_with("weight_ih") {
            let inputs = if layer == 0 {
                input_size
            } else {
                hidden_size * directions
            };
            vec![hidden_size, inputs]
        } else if name.starts_with("weight_hh") {
            vec![hidden_size, hidden_size]
        } else {
            vec![hidden_size]
        };
        flat_weights.push(path.zeros(&name, &shape));
    }
    reset(&mut flat_weights, hidden_size);
    RNN {
        flat_weights,
        hidden_size,
        nonlinearity,
        config,
    }
}

impl nn::RNN for RNN {
    type State = RNNState;

    fn zero_state(&self, batch_dim: i64) -> RNNState {
        let directions = if self.config.bidirectional { 2 } else { 1 };
        let w = &self.flat_weights[0];
        RNNState(Tensor::zeros(
            [
                self.config.num_layers * directions,
                batch_dim,
                self.hidden_size,
            ],
            (w.kind(), w.device()),
        ))
    }

    fn step(&self, input: &Tensor, state: &RNNState) -> RNNState {
        let dim = if self.config.batch_first { 1 } else { 0 };
        self.seq_init(&input.unsqueeze(dim), state).1
    }

    /// `nn.RNN.forward(input, h_0)`; `seq` starts from zeros as `hx=None` does (the batch
    /// size from the input's first dimension: with `batch_first: false` give `seq_init` the
    /// zero state).
    fn seq_init(&self, input: &Tensor, state: &RNNState) -> (Tensor, RNNState) {
        let c = &self.config;
        let call = match self.nonlinearity {
            RnnNonlinearity::Tanh => Tensor::rnn_tanh,
            RnnNonlinearity::Relu => Tensor::rnn_relu,
        };
        let (output, h) = call(
            input,
            &state.0,
            &self.flat_weights,
            c.has_biases,
            c.num_layers,
            c.dropout,
            c.train,
            c.bidirectional,
            c.batch_first,
        );
        (output, RNNState(h))
    }
}

/// The parameters of a cell, by PyTorch's names.
#[derive(Debug)]
pub struct CellWeights {
    /// `weight_ih`: `[chunks · hidden_size, input_size]`.
    pub weight_ih: Tensor,
    /// `weight_hh`: `[chunks · hidden_size, hidden_size]`.
    pub weight_hh: Tensor,
    /// `bias_ih`, `None` for `bias=False`.
    pub bias_ih: Option<Tensor>,
    /// `bias_hh`, `None` for `bias=False`.
    pub bias_hh: Option<Tensor>,
    hidden_size: i64,
}

impl CellWeights {
    /// `RNNCellBase.__init__` and `reset_parameters()`: the variables in `named_parameters()`
    /// order, then each drawn U(±1/√hidden_size).
    fn new(path: &nn::Path, input_size: i64, hidden_size: i64, bias: bool, chunks: i64) -> Self {
        assert!(
            input_size > 0 && hidden_size > 0,
            "input_size and hidden_size must be positive (got {input_size}, {hidden_size})"
        );
        let mut weights = CellWeights {
            weight_ih: path.zeros("weight_ih", &[chunks * hidden_size, input_size]),
            weight_hh: path.zeros("weight_hh", &[chunks * hidden_size, hidden_size]),
            bias_ih: bias.then(|| path.zeros("bias_ih", &[chunks * hidden_size])),
            bias_hh: bias.then(|| path.zeros("bias_hh", &[chunks * hidden_size])),
            hidden_size,
        };
        let stdv = stdv(hidden_size);
        let CellWeights {
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
            ..
        } = &mut weights;
        for p in [
            Some(weight_ih),
            Some(weight_hh),
            bias_ih.as_mut(),
            bias_hh.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            crate::init::uniform_(p, -stdv, stdv);
        }
        weights
    }

    /// The input made 2-D as the cells' `forward` makes it (`unsqueeze(0)` when unbatched),
    /// whether it was batched, and a zero state for `hx=None`.
    fn batched(&self, cell: &str, input: &Tensor) -> (Tensor, bool, Tensor) {
        let dim = input.dim();
        assert!(
            dim == 1 || dim == 2,
            "{cell}: Expected input to be 1D or 2D, got {dim}D instead"
        );
        let input = if dim == 1 {
            input.unsqueeze(0)
        } else {
            input.shallow_clone()
        };
        let zeros = Tensor::zeros(
            [input.size()[0], self.hidden_size],
            (input.kind(), input.device()),
        );
        (input, dim == 2, zeros)
    }

    fn state(cell: &str, hx: &Tensor, batched: bool) -> Tensor {
        let dim = hx.dim();
        assert!(
            dim == 1 || dim == 2,
            "{cell}: Expected hidden to be 1D or 2D, got {dim}D instead"
        );
        if batched {
            hx.shallow_clone()
        } else {
            hx.unsqueeze(0)
        }
    }
}

/// `nn.LSTMCell`, made by [`lstm_cell`].
#[derive(Debug)]
pub struct LSTMCell {
    /// Its parameters (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`).
    pub weights: CellWeights,
}

/// `nn.LSTMCell(input_size, hidden_size, bias)` under `path`: `weight_ih`, `weight_hh`,
/// `bias_ih`, `bias_hh` (`4 · hidden_size` rows) drawn as PyTorch draws them.
///
/// # Panics
///
/// On a size that is not positive.
pub fn lstm_cell<'a>(
    path: impl Borrow<nn::Path<'a>>,
    input_size: i64,
    hidden_size: i64,
    bias: bool,
) -> LSTMCell {
    LSTMCell {
        weights: CellWeights::new(path.borrow(), input_size, hidden_size, bias, 4),
    }
}

impl LSTMCell {
    /// `cell(input, hx)`: `(h', c')` from `_VF.lstm_cell`; `hx` `None` is zeros. A 1-D input
    /// (and state) is one unbatched sample, as in PyTorch.
    ///
    /// # Panics
    ///
    /// On an input or state that is not 1-D or 2-D (PyTorch's `ValueError`).
    pub fn forward(&self, input: &Tensor, hx: Option<(&Tensor, &Tensor)>) -> (Tensor, Tensor) {
        let w = &self.weights;
        let (input, batched, zeros) = w.batched("LSTMCell", &input.shallow_clone());
        let (h, c) = match hx {
            None => (zeros.shallow_clone(), zeros),
            Some((h, c)) => (
                CellWeights::state("LSTMCell", h, batched),
                CellWeights::state("LSTMCell", c, batched),
            ),
        };
        let (h, c) = input.lstm_cell(
            &[h, c],
            &w.weight_ih,
            &w.weight_hh,
            w.bias_ih.as_ref().map(Tensor::shallow_clone),
            w.bias_hh.as_ref().map(Tensor::shallow_clone),
        );
        if batched {
            (h, c)
        } else {
            (h.squeeze_dim(0), c.squeeze_dim(0))
        }
    }
}

/// `nn.GRUCell`, made by [`gru_cell`].
#[derive(Debug)]
pub struct GRUCell {
    /// Its parameters (`3 · hidden_size` rows).
    pub weights: CellWeights,
}

/// `nn.GRUCell(input_size, hidden_size, bias)` under `path`, drawn as PyTorch draws it.
///
/// # Panics
///
/// On a size that is not positive.
pub fn gru_cell<'a>(
    path: impl Borrow<nn::Path<'a>>,
    input_size: i64,
    hidden_size: i64,
    bias: bool,
) -> GRUCell {
    GRUCell {
        weights: CellWeights::new(path.borrow(), input_size, hidden_size, bias, 3),
    }
}

impl GRUCell {
    /// `cell(input, hx)`: `h'` from `_VF.gru_cell`; `hx` `None` is zeros.
    ///
    /// # Panics
    ///
    /// On an input or state that is not 1-D or 2-D.
    pub fn forward(&self, input: &Tensor, hx: Option<&Tensor>) -> Tensor {
        let w = &self.weights;
        let (input, batched, zeros) = w.batched("GRUCell", input);
        let h = hx.map_or(zeros, |h| CellWeights::state("GRUCell", h, batched));
        let h = input.gru_cell(
            &h,
            &w.weight_ih,
            &w.weight_hh,
            w.bias_ih.as_ref(),
            w.bias_hh.as_ref(),
        );
        if batched {
            h
        } else {
            h.squeeze_dim(0)
        }
    }
}

/// `nn.RNNCell`, made by [`rnn_cell`].
#[derive(Debug)]
pub struct RNNCell {
    /// Its parameters (`hidden_size` rows).
    pub weights: CellWeights,
    nonlinearity: RnnNonlinearity,
}

/// `nn.RNNCell(input_size, hidden_size, bias, nonlinearity)` under `path`, drawn as PyTorch
/// draws it.
///
/// # Panics
///
/// On a size that is not positive.
pub fn rnn_cell<'a>(
    path: impl Borrow<nn::Path<'a>>,
    input_size: i64,
    hidden_size: i64,
    bias: bool,
    nonlinearity: RnnNonlinearity,
) -> RNNCell {
    RNNCell {
        weights: CellWeights::new(path.borrow(), input_size, hidden_size, bias, 1),
        nonlinearity,
    }
}

impl RNNCell {
    /// `cell(input, hx)`: `h'` from `_VF.rnn_tanh_cell` or `_VF.rnn_relu_cell`; `hx` `None`
    /// is zeros.
    ///
    /// # Panics
    ///
    /// On an input or state that is not 1-D or 2-D.
    pub fn forward(&self, input: &Tensor, hx: Option<&Tensor>) -> Tensor {
        let w = &self.weights;
        let (input, batched, zeros) = w.batched("RNNCell", input);
        let h = hx.map_or(zeros, |h| CellWeights::state("RNNCell", h, batched));
        let call = match self.nonlinearity {
            RnnNonlinearity::Tanh => Tensor::rnn_tanh_cell::<&Tensor>,
            RnnNonlinearity::Relu => Tensor::rnn_relu_cell::<&Tensor>,
        };
        let h = call(
            &input,
            &h,
            &w.weight_ih,
            &w.weight_hh,
            w.bias_ih.as_ref(),
            w.bias_hh.as_ref(),
        );
        if batched {
            h
        } else {
            h.squeeze_dim(0)
        }
    }
}
