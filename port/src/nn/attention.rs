//! `torch/nn/modules/activation.py`'s `nn.MultiheadAttention` (its forward is
//! `torch/nn/functional.py`'s `multi_head_attention_forward`) and
//! `torch/nn/modules/transformer.py`'s `nn.TransformerEncoderLayer` and
//! `nn.TransformerDecoderLayer`, drawn and run as PyTorch
//! draws and runs them; tch has neither.
//!
//! Drawing: `nn.MultiheadAttention` creates `out_proj`, an `nn.Linear`, which draws its
//! weight and bias when it is made, then `_reset_parameters()` draws `in_proj_weight` by
//! `xavier_uniform_` and sets `in_proj_bias` and `out_proj.bias` to 0.
//!
//! Running: in training, or with gradients enabled, PyTorch runs the Python code; in
//! evaluation under `torch.no_grad()` it takes a "fast path", one fused ATen call
//! (`torch._native_multi_head_attention`, `torch._transformer_encoder_layer_fwd`) whose bits
//! differ from the Python code's (docs/PORTING.md: `multihead-attention-eval`,
//! `transformer-encoder-layer-eval`). These make the call PyTorch makes, under PyTorch's
//! conditions: `train == false` and gradients off (`tch::no_grad`) take the fast path.

use std::borrow::Borrow;
use tch::{nn, Kind, Tensor};

/// Options of `nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, …, batch_first)`
/// (PyTorch's defaults: `dropout=0.0`, `bias=True`, `batch_first=False`). `add_bias_kv`,
/// `add_zero_attn`, `kdim` and `vdim` are not ported.
#[derive(Debug, Clone, Copy)]
pub struct MultiheadAttentionConfig {
    /// `dropout`: on the attention weights, in training.
    pub dropout: f64,
    /// `bias`: `in_proj_bias` and `out_proj.bias`.
    pub bias: bool,
    /// `batch_first`: inputs `(batch, seq, feature)`, else `(seq, batch, feature)`.
    pub batch_first: bool,
}

impl Default for MultiheadAttentionConfig {
    fn default() -> Self {
        MultiheadAttentionConfig {
            dropout: 0.0,
            bias: true,
            batch_first: false,
        }
    }
}

/// `nn.MultiheadAttention`, made by [`multihead_attention`].
#[derive(Debug)]
pub struct MultiheadAttention {
    /// `in_proj_weight`: `[3 · embed_dim, embed_dim]`, the query, key and value projections.
    pub in_proj_weight: Tensor,
    /// `in_proj_bias`: `[3 · embed_dim]`, `None` for `bias=False`.
    pub in_proj_bias: Option<Tensor>,
    /// `out_proj`: an `nn.Linear(embed_dim, embed_dim)`.
    pub out_proj: nn::Linear,
    /// `embed_dim`.
    pub embed_dim: i64,
    /// `num_heads`.
    pub num_heads: i64,
    /// The options it was made with.
    pub config: MultiheadAttentionConfig,
}

/// An `nn.Linear(inputs, outputs, bias)` drawn as `nn.Linear` draws it.
fn linear(path: &nn::Path, inputs: i64, outputs: i64, bias: bool) -> nn::Linear {
    let undrawn = nn::LinearConfig {
        ws_init: nn::Init::Const(0.0),
        bs_init: Some(nn::Init::Const(0.0)),
        bias,
    };
    let mut layer = nn::linear(path, inputs, outputs, undrawn);
    crate::init::reset_linear(&mut layer, inputs);
    layer
}

/// `nn.MultiheadAttention(embed_dim, num_heads, …)` under `path`: `in_proj_weight`,
/// `in_proj_bias`, `out_proj.weight`, `out_proj.bias`, drawn in PyTorch's order (`out_proj`
/// as an `nn.Linear`, then `in_proj_weight` by `xavier_uniform_`, then both biases set to 0).
///
/// # Panics
///
/// On sizes that are not positive or an `embed_dim` not divisible by `num_heads`, as
/// PyTorch raises.
pub fn multihead_attention<'a>(
    path: impl Borrow<nn::Path<'a>>,
    embed_dim: i64,
    num_heads: i64,
    config: MultiheadAttentionConfig,
) -> MultiheadAttention {
    assert!(
        embed_dim > 0 && num_heads > 0,
        "embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and \
         num_heads={num_heads} instead"
    );
    assert!(
        embed_dim % num_heads == 0,
        "embed_dim must be divisible by num_heads (got {embed_dim} and {num_heads})"
    );
    let path = path.borrow();
    let mut in_proj_weight = path.zeros("in_proj_weight", &[3 * embed_dim, embed_dim]);
    let mut in_proj_bias = config
        .bias
        .then(|| path.zeros("in_proj_bias", &[3 * embed_dim]));
    let mut out_proj = linear(&(path / "out_proj"), embed_dim, embed_dim, config.bias);
    crate::init::xavier_uniform_(&mut in_proj_weight, 1.0);
    if let Some(b) = in_proj_bias.as_mut() {
        crate::init::constant_(b, 0.0);
        if let Some(ob) = out_proj.bs.as_mut() {
            crate::init::constant_(ob, 0.0);
        }
    }
    MultiheadAttention {
        in_proj_weight,
        in_proj_bias,
        out_proj,
        embed_dim,
        num_heads,
        config,
    }
}

/// `torch.is_grad_enabled()`: tch has no query for it, but an operation on a tensor that
/// requires a gradient records one only when it is.
fn grad_enabled() -> bool {
    let probe = Tensor::zeros([1], (Kind::Float, tch::Device::Cpu)).set_requires_grad(true);
    (&probe * 1.0).requires_grad()
}

/// Python's `a is b` for the tensors a port passes: the same storage, shape and strides.
fn same(a: &Tensor, b: &Tensor) -> bool {
    a.data_ptr() == b.data_ptr() && a.size() == b.size() && a.stride() == b.stride()
}

/// `F._canonical_mask`: a boolean mask as a float one, 0 where false and −∞ where true; a
/// float mask as it is.
fn canonical_mask(mask: Option<&Tensor>, kind: Kind, name: &str) -> Option<Tensor> {
    mask.map(|m| {
        if m.is_floating_point() {
            return m.shallow_clone();
        }
        assert!(
            m.kind() == Kind::Bool,
            "only bool and floating types of {name} are supported (got {:?})",
            m.kind()
        );
        Tensor::zeros(m.size(), (kind, m.device())).masked_fill_(m, f64::NEG_INFINITY)
    })
}

fn linear_with(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    x.linear(w, b)
}

impl MultiheadAttention {
    /// `MultiheadAttention.merge_masks`: the fast path's one mask and its type.
    fn merge_masks(
        &self,
        attn_mask: Option<&Tensor>,
        key_padding_mask: Option<&Tensor>,
        query: &Tensor,
    ) -> (Option<Tensor>, Option<i64>) {
        let mut mask_type = None;
        let mut merged = None;
        if let Some(kpm) = key_padding_mask {
            mask_type = Some(1);
            merged = Some(kpm.shallow_clone());
        }
        if let Some(am) = attn_mask {
            let size = query.size();
            let (batch_size, seq_len) = (size[0], size[1]);
            mask_type = Some(2);
            let expanded = if am.dim() == 3 {
                am.view([batch_size, -1, seq_len, seq_len])
            } else {
                am.view([1, 1, seq_len, seq_len])
                    .expand([batch_size, self.num_heads, -1, -1], false)
            };
            merged = Some(match key_padding_mask {
                Some(kpm) => {
                    &expanded
                        + kpm
                            .view([batch_size, 1, 1, seq_len])
                            .expand([-1, self.num_heads, -1, -1], false)
                }
                None => expanded,
            });
        }
        (merged, mask_type)
    }

    /// Whether `MultiheadAttention.forward` takes the fast path, given the conditions its
    /// caller has checked (batched, self-attention, masks not float).
    fn fast_path(&self, train: bool) -> bool {
        !train
            && self.num_heads % 2 == 0
            && self.config.batch_first
            && self.in_proj_bias.is_some()
            && !(grad_enabled() && self.requires_grad())
    }

    fn requires_grad(&self) -> bool {
        self.in_proj_weight.requires_grad()
            || self
                .in_proj_bias
                .as_ref()
                .is_some_and(Tensor::requires_grad)
            || self.out_proj.ws.requires_grad()
            || self.out_proj.bs.as_ref().is_some_and(Tensor::requires_grad)
    }

    /// `attn(query, key, value, key_padding_mask, need_weights, attn_mask,
    /// average_attn_weights)` after `model.train()` (`train`) or `model.eval()`: the output
    /// and, with `need_weights`, the attention weights (averaged over the heads with
    /// `average_attn_weights`). Pass the same tensor as `query`, `key` and `value` for
    /// self-attention (`attn(x, x, x)`), which PyTorch tells by identity (`query is key`). A
    /// boolean mask is true where attention is not allowed; a float mask is added. Inputs
    /// are batched (3-D); `is_causal` is not ported.
    ///
    /// # Panics
    ///
    /// On an input that is not 3-D, a mask of the wrong shape or type, or an embedding size
    /// other than `embed_dim`.
    #[allow(clippy::too_many_arguments)]
    pub fn forward_t(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        key_padding_mask: Option<&Tensor>,
        need_weights: bool,
        attn_mask: Option<&Tensor>,
        average_attn_weights: bool,
        train: bool,
    ) -> (Tensor, Option<Tensor>) {
        for (name, t) in [("query", query), ("key", key), ("value", value)] {
            assert!(
                t.dim() == 3,
                "MultiheadAttention: {name} must be batched (3-D; unbatched input is not \
                 ported), got {}-D",
                t.dim()
            );
        }
        let float_mask = attn_mask.is_some_and(Tensor::is_floating_point)
            || key_padding_mask.is_some_and(Tensor::is_floating_point);
        let self_attention = same(query, key) && same(key, value);
        let kv_same = self_attention || same(key, value);
        let kind = query.kind();
        let key_padding_mask = canonical_mask(key_padding_mask, kind, "key_padding_mask");
        let attn_mask = canonical_mask(attn_mask, kind, "attn_mask");
        if !float_mask && self_attention && self.fast_path(train) {
            let (mask, mask_type) =
                self.merge_masks(attn_mask.as_ref(), key_padding_mask.as_ref(), query);
            let bias = self.in_proj_bias.as_ref().expect("fast path: a bias");
            let out_bias = self.out_proj.bs.as_ref().expect("fast path: a bias");
            let (out, weights) = Tensor::internal_native_multi_head_attention(
                query,
                key,
                value,
                self.embed_dim,
                self.num_heads,
                &self.in_proj_weight,
                bias,
                &self.out_proj.ws,
                out_bias,
                mask.as_ref(),
                need_weights,
                average_attn_weights,
                mask_type,
            );
            return (out, need_weights.then_some(weights));
        }
        let (query, key, value) = if self.config.batch_first {
            if self_attention {
                let x = query.transpose(1, 0);
                (x.shallow_clone(), x.shallow_clone(), x)
            } else if same(key, value) {
                let k = key.transpose(1, 0);
                (query.transpose(1, 0), k.shallow_clone(), k)
            } else {
                (
                    query.transpose(1, 0),
                    key.transpose(1, 0),
                    value.transpose(1, 0),
                )
            }
        } else {
            (
                query.shallow_clone(),
                key.shallow_clone(),
                value.shallow_clone(),
            )
        };
        let (out, weights) = self.multi_head_attention_forward(
            &query,
            &key,
            &value,
            (self_attention, kv_same),
            train,
            key_padding_mask,
            need_weights,
            attn_mask,
            average_attn_weights,
        );
        let out = if self.config.batch_first {
            out.transpose(1, 0)
        } else {
            out
        };
        (out, weights)
    }

    /// `F._in_projection_packed`: self-attention in one `linear`, encoder-decoder attention
    /// (key is value) in two, else three.
    fn in_projection_packed(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        (self_attention, kv_same): (bool, bool),
    ) -> (Tensor, Tensor, Tensor) {
        let e = q.size()[2];
        let w = &self.in_proj_weight;
        let b = self.in_proj_bias.as_ref();
        let packed = |proj: Tensor, n: i64| {
            proj.unflatten(-1, [n, e])
                .unsqueeze(0)
                .transpose(0, -2)
                .squeeze_dim(-2)
                .contiguous()
        };
        if self_attention {
            let proj = packed(linear_with(q, w, b), 3);
            (proj.get(0), proj.get(1), proj.get(2))
        } else if kv_same {
            let ws = w.split_with_sizes([e, e * 2], 0);
            let bs = b.map(|b| b.split_with_sizes([e, e * 2], 0));
            let q_proj = linear_with(q, &ws[0], bs.as_ref().map(|b| &b[0]));
            let kv = packed(linear_with(k, &ws[1], bs.as_ref().map(|b| &b[1])), 2);
            (q_proj, kv.get(0), kv.get(1))
        } else {
            let ws = w.chunk(3, 0);
            let bs = b.map(|b| b.chunk(3, 0));
            let bias = |i: usize| bs.as_ref().map(|b| &b[i]);
            (
                linear_with(q, &ws[0], bias(0)),
                linear_with(k, &ws[1], bias(1)),
                linear_with(v, &ws[2], bias(2)),
            )
        }
    }

    /// `F.multi_head_attention_forward` for batched `(seq, batch, feature)` inputs, masks
    /// already canonical, without `bias_k`, `bias_v`, `add_zero_attn`, static keys or
    /// `is_causal`.
    #[allow(clippy::too_many_arguments)]
    fn multi_head_attention_forward(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        identity: (bool, bool),
        training: bool,
        key_padding_mask: Option<Tensor>,
        need_weights: bool,
        attn_mask: Option<Tensor>,
        average_attn_weights: bool,
    ) -> (Tensor, Option<Tensor>) {
        let (tgt_len, bsz, embed_dim) = {
            let s = query.size();
            (s[0], s[1], s[2])
        };
        assert_eq!(
            embed_dim, self.embed_dim,
            "was expecting embedding dimension of {}, but got {embed_dim}",
            self.embed_dim
        );
        let num_heads = self.num_heads;
        let head_dim = embed_dim / num_heads;
        assert!(
            key.size() == value.size(),
            "key shape {:?} does not match value shape {:?}",
            key.size(),
            value.size()
        );
        let (q, k, v) = self.in_projection_packed(query, key, value, identity);
        let src_len = key.size()[0];
        let mut attn_mask = attn_mask.map(|m| match m.dim() {
            2 => {
                assert_eq!(
                    m.size(),
                    [tgt_len, src_len],
                    "The shape of the 2D attn_mask is {:?}, but should be {:?}.",
                    m.size(),
                    [tgt_len, src_len]
                );
                m.unsqueeze(0)
            }
            3 => {
                assert_eq!(
                    m.size(),
                    [bsz * num_heads, tgt_len, src_len],
                    "The shape of the 3D attn_mask is {:?}, but should be {:?}.",
                    m.size(),
                    [bsz * num_heads, tgt_len, src_len]
                );
                m
            }
            d => panic!("attn_mask's dimension {d} is not supported"),
        });
        let q = q.view([tgt_len, bsz * num_heads, head_dim]).transpose(0, 1);
        let k = k
            .view([k.size()[0], bsz * num_heads, head_dim])
            .transpose(0, 1);
        let v = v
            .view([v.size()[0], bsz * num_heads, head_dim])
            .transpose(0, 1);
        let src_len = k.size()[1];
        if let Some(kpm) = key_padding_mask {
            assert_eq!(
                kpm.size(),
                [bsz, src_len],
                "expected key_padding_mask of shape {:?}",
                [bsz, src_len]
            );
            let kpm = kpm
                .view([bsz, 1, 1, src_len])
                .expand([-1, num_heads, -1, -1], false)
                .reshape([bsz * num_heads, 1, src_len]);
            attn_mask = Some(match attn_mask {
                None => kpm,
                Some(m) => m + kpm,
            });
        }
        let dropout_p = if training { self.config.dropout } else { 0.0 };
        let out_w = &self.out_proj.ws;
        let out_b = self.out_proj.bs.as_ref();
        if need_weights {
            let e = q.size()[2];
            let q_scaled = &q * (1.0 / e as f64).sqrt();
            let kt = k.transpose(-2, -1);
            let weights = match &attn_mask {
                Some(m) => m.baddbmm(&q_scaled, &kt, 1, 1),
                None => q_scaled.bmm(&kt),
            };
            let mut weights = weights.softmax(-1, None::<Kind>);
            if dropout_p > 0.0 {
                weights = weights.dropout(dropout_p, true);
            }
            let out = weights.bmm(&v);
            let out = out.transpose(0, 1).reshape([tgt_len * bsz, embed_dim]);
            let out = linear_with(&out, out_w, out_b);
            let out = out.view([tgt_len, bsz, out.size()[1]]);
            let mut weights = weights.view([bsz, num_heads, tgt_len, src_len]);
            if average_attn_weights {
                weights = weights.mean_dim(Some([1i64].as_slice()), false, None::<Kind>);
            }
            (out, Some(weights))
        } else {
            let attn_mask = attn_mask.map(|m| {
                if m.size()[0] == 1 && m.dim() == 3 {
                    m.unsqueeze(0)
                } else {
                    m.view([bsz, num_heads, -1, src_len])
                }
            });
            let q = q.view([bsz, num_heads, tgt_len, head_dim]);
            let k = k.view([bsz, num_heads, src_len, head_dim]);
            let v = v.view([bsz, num_heads, src_len, head_dim]);
            let out = Tensor::scaled_dot_product_attention(
                &q,
                &k,
                &v,
                attn_mask.as_ref(),
                dropout_p,
                false,
                None,
                false,
            );
            let out = out
                .permute([2, 0, 1, 3])
                .reshape([bsz * tgt_len, embed_dim]);
            let out = linear_with(&out, out_w, out_b);
            let out = out.view([tgt_len, bsz, out.size()[1]]);
            (out, None)
        }
    }
}

/// `activation=` of `nn.TransformerEncoderLayer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `"relu"` (`F.relu`, PyTorch's default).
    Relu,
    /// `"gelu"` (`F.gelu`, exact).
    Gelu,
}

/// Options of `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
/// activation, layer_norm_eps, batch_first, norm_first)`, PyTorch's defaults by `default()`
/// (2048, 0.1, relu, 1e-5, false, false). `bias=False` is not ported.
#[derive(Debug, Clone, Copy)]
pub struct TransformerEncoderLayerConfig {
    /// `dim_feedforward`.
    pub dim_feedforward: i64,
    /// `dropout`: in the attention, after it, and in and after the feed-forward block.
    pub dropout: f64,
    /// `activation`.
    pub activation: Activation,
    /// `layer_norm_eps`.
    pub layer_norm_eps: f64,
    /// `batch_first`.
    pub batch_first: bool,
    /// `norm_first`: layer norms before the blocks, else after.
    pub norm_first: bool,
}

impl Default for TransformerEncoderLayerConfig {
    fn default() -> Self {
        TransformerEncoderLayerConfig {
            dim_feedforward: 2048,
            dropout: 0.1,
            activation: Activation::Relu,
            layer_norm_eps: 1e-5,
            batch_first: false,
            norm_first: false,
        }
    }
}

/// `nn.TransformerEncoderLayer`, made by [`transformer_encoder_layer`].
#[derive(Debug)]
pub struct TransformerEncoderLayer {
    /// `self_attn`.
    pub self_attn: MultiheadAttention,
    /// `linear1`: `d_model` to `dim_feedforward`.
    pub linear1: nn::Linear,
    /// `linear2`: `dim_feedforward` to `d_model`.
    pub linear2: nn::Linear,
    /// `norm1`.
    pub norm1: nn::LayerNorm,
    /// `norm2`.
    pub norm2: nn::LayerNorm,
    /// The options it was made with.
    pub config: TransformerEncoderLayerConfig,
}

/// `nn.TransformerEncoderLayer(d_model, nhead, …)` under `path`: `self_attn`, `linear1`,
/// `linear2`, `norm1`, `norm2`, created and drawn in PyTorch's order.
///
/// # Panics
///
/// As [`multihead_attention`].
pub fn transformer_encoder_layer<'a>(
    path: impl Borrow<nn::Path<'a>>,
    d_model: i64,
    nhead: i64,
    config: TransformerEncoderLayerConfig,
) -> TransformerEncoderLayer {
    let path = path.borrow();
    let attention = MultiheadAttentionConfig {
        dropout: config.dropout,
        bias: true,
        batch_first: config.batch_first,
    };
    let self_attn = multihead_attention(path / "self_attn", d_model, nhead, attention);
    let linear1 = linear(&(path / "linear1"), d_model, config.dim_feedforward, true);
    let linear2 = linear(&(path / "linear2"), config.dim_feedforward, d_model, true);
    let norm = nn::LayerNormConfig {
        eps: config.layer_norm_eps,
        ..Default::default()
    };
    let norm1 = nn::layer_norm(path / "norm1", vec![d_model], norm);
    let norm2 = nn::layer_norm(path / "norm2", vec![d_model], norm);
    TransformerEncoderLayer {
        self_attn,
        linear1,
        linear2,
        norm1,
        norm2,
        config,
    }
}

impl TransformerEncoderLayer {
    fn activation(&self, x: &Tensor) -> Tensor {
        match self.config.activation {
            Activation::Relu => x.relu(),
            Activation::Gelu => x.gelu("none"),
        }
    }

    fn requires_grad(&self) -> bool {
        self.self_attn.requires_grad()
            || [&self.linear1, &self.linear2]
                .iter()
                .any(|l| l.ws.requires_grad() || l.bs.as_ref().is_some_and(Tensor::requires_grad))
            || [&self.norm1, &self.norm2].iter().any(|n| {
                n.ws.as_ref().is_some_and(Tensor::requires_grad)
                    || n.bs.as_ref().is_some_and(Tensor::requires_grad)
            })
    }

    /// `layer(src, src_mask, src_key_padding_mask)` after `model.train()` (`train`) or
    /// `model.eval()`; with `train == false` and gradients off (`tch::no_grad`), PyTorch's
    /// fast path, `torch._transformer_encoder_layer_fwd`. `is_causal` is not ported.
    ///
    /// # Panics
    ///
    /// As [`MultiheadAttention::forward_t`].
    pub fn forward_t(
        &self,
        src: &Tensor,
        src_mask: Option<&Tensor>,
        src_key_padding_mask: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        use nn::Module as _;
        let kind = src.kind();
        let src_key_padding_mask =
            canonical_mask(src_key_padding_mask, kind, "src_key_padding_mask");
        let src_mask = canonical_mask(src_mask, kind, "src_mask");
        let a = &self.self_attn;
        if src.dim() == 3
            && !train
            && a.config.batch_first
            && a.num_heads % 2 == 0
            && !(grad_enabled() && self.requires_grad())
        {
            let (mask, mask_type) =
                a.merge_masks(src_mask.as_ref(), src_key_padding_mask.as_ref(), src);
            let some = |t: &Option<Tensor>| t.as_ref().expect("a bias").shallow_clone();
            return Tensor::internal_transformer_encoder_layer_fwd(
                src,
                a.embed_dim,
                a.num_heads,
                &a.in_proj_weight,
                &some(&a.in_proj_bias),
                &a.out_proj.ws,
                &some(&a.out_proj.bs),
                self.config.activation == Activation::Gelu,
                self.config.norm_first,
                self.config.layer_norm_eps,
                &some(&self.norm1.ws),
                &some(&self.norm1.bs),
                &some(&self.norm2.ws),
                &some(&self.norm2.bs),
                &self.linear1.ws,
                &some(&self.linear1.bs),
                &self.linear2.ws,
                &some(&self.linear2.bs),
                mask.as_ref(),
                mask_type,
            );
        }
        let p = self.config.dropout;
        let sa_block = |x: &Tensor| {
            let (y, _) = a.forward_t(
                x,
                x,
                x,
                src_key_padding_mask.as_ref(),
                false,
                src_mask.as_ref(),
                true,
                train,
            );
            y.dropout(p, train)
        };
        let ff_block = |x: &Tensor| {
            let h = self.activation(&self.linear1.forward(x)).dropout(p, train);
            self.linear2.forward(&h).dropout(p, train)
        };
        if self.config.norm_first {
            let x = src + sa_block(&self.norm1.forward(src));
            let n = self.norm2.forward(&x);
            &x + ff_block(&n)
        } else {
            let x = self.norm1.forward(&(src + sa_block(src)));
            self.norm2.forward(&(&x + ff_block(&x)))
        }
    }
}

/// Options of `nn.TransformerDecoderLayer`: those of the encoder layer, with the same
/// defaults.
pub type TransformerDecoderLayerConfig = TransformerEncoderLayerConfig;

/// `nn.TransformerDecoderLayer`, made by [`transformer_decoder_layer`].
#[derive(Debug)]
pub struct TransformerDecoderLayer {
    /// `self_attn`: over the target.
    pub self_attn: MultiheadAttention,
    /// `multihead_attn`: from the target to the memory.
    pub multihead_attn: MultiheadAttention,
    /// `linear1`.
    pub linear1: nn::Linear,
    /// `linear2`.
    pub linear2: nn::Linear,
    /// `norm1`.
    pub norm1: nn::LayerNorm,
    /// `norm2`.
    pub norm2: nn::LayerNorm,
    /// `norm3`.
    pub norm3: nn::LayerNorm,
    /// The options it was made with.
    pub config: TransformerDecoderLayerConfig,
}

/// `nn.TransformerDecoderLayer(d_model, nhead, …)` under `path`: `self_attn`,
/// `multihead_attn`, `linear1`, `linear2`, `norm1`, `norm2`, `norm3`, created and drawn in
/// PyTorch's order.
///
/// # Panics
///
/// As [`multihead_attention`].
pub fn transformer_decoder_layer<'a>(
    path: impl Borrow<nn::Path<'a>>,
    d_model: i64,
    nhead: i64,
    config: TransformerDecoderLayerConfig,
) -> TransformerDecoderLayer {
    let path = path.borrow();
    let attention = MultiheadAttentionConfig {
        dropout: config.dropout,
        bias: true,
        batch_first: config.batch_first,
    };
    let self_attn = multihead_attention(path / "self_attn", d_model, nhead, attention);
    let multihead_attn = multihead_attention(path / "multihead_attn", d_model, nhead, attention);
    let linear1 = linear(&(path / "linear1"), d_model, config.dim_feedforward, true);
    let linear2 = linear(&(path / "linear2"), config.dim_feedforward, d_model, true);
    let norm = nn::LayerNormConfig {
        eps: config.layer_norm_eps,
        ..Default::default()
    };
    TransformerDecoderLayer {
        self_attn,
        multihead_attn,
        linear1,
        linear2,
        norm1: nn::layer_norm(path / "norm1", vec![d_model], norm),
        norm2: nn::layer_norm(path / "norm2", vec![d_model], norm),
        norm3: nn::layer_norm(path / "norm3", vec![d_model], norm),
        config,
    }
}

impl TransformerDecoderLayer {
    /// `layer(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
    /// memory_key_padding_mask)` after `model.train()` (`train`) or `model.eval()`.
    /// PyTorch's decoder layer has no fast path of its own, but its self-attention takes
    /// `nn.MultiheadAttention`'s in evaluation under `torch.no_grad()`, and so does this one
    /// under `tch::no_grad`. `tgt_is_causal` and `memory_is_causal` are not ported.
    ///
    /// # Panics
    ///
    /// As [`MultiheadAttention::forward_t`].
    #[allow(clippy::too_many_arguments)]
    pub fn forward_t(
        &self,
        tgt: &Tensor,
        memory: &Tensor,
        tgt_mask: Option<&Tensor>,
        memory_mask: Option<&Tensor>,
        tgt_key_padding_mask: Option<&Tensor>,
        memory_key_padding_mask: Option<&Tensor>,
        train: bool,
    ) -> Tensor {
        use nn::Module as _;
        let p = self.config.dropout;
        let sa_block = |x: &Tensor| {
            let (y, _) = self.self_attn.forward_t(
                x,
                x,
                x,
                tgt_key_padding_mask,
                false,
                tgt_mask,
                true,
                train,
            );
            y.dropout(p, train)
        };
        let mha_block = |x: &Tensor| {
            let (y, _) = self.multihead_attn.forward_t(
                x,
                memory,
                memory,
                memory_key_padding_mask,
                false,
                memory_mask,
                true,
                train,
            );
            y.dropout(p, train)
        };
        let ff_block = |x: &Tensor| {
            let h = self.linear1.forward(x);
            let h = match self.config.activation {
                Activation::Relu => h.relu(),
                Activation::Gelu => h.gelu("none"),
            };
            self.linear2.forward(&h.dropout(p, train)).dropout(p, train)
        };
        if self.config.norm_first {
            let x = tgt + sa_block(&self.norm1.forward(tgt));
            let x = &x + mha_block(&self.norm2.forward(&x));
            &x + ff_block(&self.norm3.forward(&x))
        } else {
            let x = self.norm1.forward(&(tgt + sa_block(tgt)));
            let x = self.norm2.forward(&(&x + mha_block(&x)));
            self.norm3.forward(&(&x + ff_block(&x)))
        }
    }
}
