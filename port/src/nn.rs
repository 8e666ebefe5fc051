//! PyTorch's layers (`torch.nn.modules`) built the tch way and drawn, or run, the PyTorch
//! way: where tch's own layer draws other numbers (or has no counterpart), these give
//! PyTorch's initial parameters in `named_parameters()` order and names, and where tch's
//! forward differs, PyTorch's forward. One module per family, each naming the PyTorch file it
//! ports; `init` has the layers whose forward is tch's unchanged (`init::linear`,
//! `init::conv2d`, `init::embedding`, and [`lstm`], [`gru`] again).
//!
//! - [`recurrent`]: `nn.RNN`, `nn.LSTM`, `nn.GRU`, `nn.RNNCell`, `nn.LSTMCell`,
//!   `nn.GRUCell`.
//! - [`conv`]: `nn.Conv1d`, `nn.Conv3d`, `nn.ConvTranspose1d`/`2d`/`3d`.
//! - [`linear`]: `nn.Bilinear`, which tch has no layer for.
//! - [`norm`]: `nn.BatchNorm1d`/`2d`/`3d` with `num_batches_tracked`.
//! - [`attention`]: `nn.MultiheadAttention`, `nn.TransformerEncoderLayer`,
//!   `nn.TransformerDecoderLayer`.
//! - [`embedding`](mod@embedding): `nn.Embedding` with `max_norm`.

pub mod attention;
pub mod conv;
pub mod embedding;
pub mod linear;
pub mod norm;
pub mod recurrent;

pub use attention::{
    multihead_attention, transformer_decoder_layer, transformer_encoder_layer, Activation,
    MultiheadAttention, MultiheadAttentionConfig, TransformerDecoderLayer,
    TransformerDecoderLayerConfig, TransformerEncoderLayer, TransformerEncoderLayerConfig,
};
pub use conv::{
    conv1d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, reset_conv_transpose,
};
pub use embedding::{embedding, Embedding, EmbeddingConfig};
pub use linear::{bilinear, Bilinear};
pub use norm::{batch_norm1d, batch_norm2d, batch_norm3d, BatchNorm};

pub use recurrent::{
    gru, gru_cell, lstm, lstm_cell, rnn, rnn_cell, GRUCell, LSTMCell, RNNCell, RNNState,
    RnnNonlinearity, RNN,
};
