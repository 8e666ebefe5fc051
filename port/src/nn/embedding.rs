//! `torch/nn/modules/sparse.py`'s `nn.Embedding` with `max_norm`: PyTorch's forward
//! (`F.embedding` in `torch/nn/functional.py`) first renormalises, in place, every row the
//! batch looks up whose norm exceeds `max_norm` (`torch.embedding_renorm_` on the detached
//! weight), then looks the rows up. tch's `nn::Embedding` has no `max_norm` and never
//! renormalises (docs/PORTING.md: `embedding-max-norm`). The weight is drawn as
//! `init::embedding` draws it.

use std::borrow::Borrow;
use tch::{nn, Tensor};

/// Options of `nn.Embedding(num_embeddings, embedding_dim, padding_idx, max_norm,
/// norm_type, scale_grad_by_freq, sparse)`, PyTorch's defaults by `default()`.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddingConfig {
    /// `padding_idx`: the row set to 0 and given no gradient; negative counts from the end.
    pub padding_idx: Option<i64>,
    /// `max_norm`: rows looked up with a larger norm are scaled down to it, in place.
    pub max_norm: Option<f64>,
    /// `norm_type`: the p of the p-norm `max_norm` bounds (2.0).
    pub norm_type: f64,
    /// `scale_grad_by_freq`.
    pub scale_grad_by_freq: bool,
    /// `sparse`.
    pub sparse: bool,
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        EmbeddingConfig {
            padding_idx: None,
            max_norm: None,
            norm_type: 2.0,
            scale_grad_by_freq: false,
            sparse: false,
        }
    }
}

/// `nn.Embedding`, made by [`embedding`]; `forward` is `F.embedding`'s.
#[derive(Debug)]
pub struct Embedding {
    /// `weight`: `[num_embeddings, embedding_dim]`.
    pub ws: Tensor,
    /// `padding_idx`, made non-negative as `nn.Embedding.__init__` makes it.
    pub padding_idx: Option<i64>,
    /// The options it was made with.
    pub config: EmbeddingConfig,
}

/// `nn.Embedding(num_embeddings, embedding_dim, …)` under `path`: its weight drawn N(0, 1),
/// the `padding_idx` row then set to 0.
///
/// # Panics
///
/// On a `padding_idx` outside `[-num_embeddings, num_embeddings)`, as PyTorch raises.
pub fn embedding<'a>(
    path: impl Borrow<nn::Path<'a>>,
    num_embeddings: i64,
    embedding_dim: i64,
    config: EmbeddingConfig,
) -> Embedding {
    let padding_idx = config.padding_idx.map(|i| {
        assert!(
            (-num_embeddings..num_embeddings).contains(&i),
            "Padding_idx must be within num_embeddings (got {i} for {num_embeddings})"
        );
        if i < 0 {
            num_embeddings + i
        } else {
            i
        }
    });
    let tch_config = nn::EmbeddingConfig {
        sparse: config.sparse,
        scale_grad_by_freq: config.scale_grad_by_freq,
        padding_idx: padding_idx.unwrap_or(-1),
        ..Default::default()
    };
    let layer = crate::init::embedding(path, num_embeddings, embedding_dim, tch_config);
    Embedding {
        ws: layer.ws,
        padding_idx,
        config,
    }
}

impl nn::Module for Embedding {
    /// `F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq,
    /// sparse)`: with `max_norm`, `torch.embedding_renorm_` on the detached weight first.
    fn forward(&self, input: &Tensor) -> Tensor {
        let c = &self.config;
        let input = if let Some(max_norm) = c.max_norm {
            let input = input.contiguous();
            let _ = self
                .ws
                .detach()
                .embedding_renorm_(&input, max_norm, c.norm_type);
            input
        } else {
            input.shallow_clone()
        };
        Tensor::embedding(
            &self.ws,
            &input,
            self.padding_idx.unwrap_or(-1),
            c.scale_grad_by_freq,
            c.sparse,
        )
    }
}
