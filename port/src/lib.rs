//! Everything a tch port of a PyTorch notebook needs to be bit-identical to the notebook,
//! and to prove it with `xor-repro diff` and `xor-repro explain`. Nothing here knows XOR or
//! the project's five notebooks; the recipe is the README's "Port your own notebook", the
//! calls whose bits differ from PyTorch's are in `docs/PORTING.md`.
//!
//! - [`Run`]: a run folder (`loss.csv`, `params.npz`, `predictions.csv` of any shape,
//!   `metrics.csv`, `trace.npz`, `transcript.txt`, `run.json`), with the same command line
//!   and the same schema as the Python recorder `xor_repro_record` writes on the other side;
//!   tensors go to the `.npz` files in their own dtype and bytes as they come.
//! - [`Autograd`] (from [`Run::step`]): one training step traced in program order, the
//!   gradients in the order autograd computes them; [`TapTensor`] for plain tensor taps.
//! - [`HyperParameters`] (through [`Autograd::optimizer`]): each parameter group's
//!   hyper-parameters (`optim.group0.lr`, `optim.group0.betas[0]`, …) traced at every traced
//!   step, as the recorder's `rec.optimizer(opt)` traces `optimizer.param_groups`.
//! - [`init`]: PyTorch's own initial draws for tch's layers (`nn.Linear`, `nn.Conv2d`,
//!   `nn.Embedding`) and `torch.nn.init`'s functions, on the global generator
//!   `tch::manual_seed` seeds, as PyTorch draws them.
//! - [`nn`]: PyTorch's layers with PyTorch's initial draws, tch's own types where tch has
//!   them: recurrent (`nn.LSTM`, `nn.GRU`, `nn.RNN`, their cells), convolutions (`Conv1d`,
//!   `Conv3d`, `ConvTranspose*d`), `nn.Bilinear`, `nn.BatchNorm*d` with its buffers.
//! - [`optim`]: `torch.optim.Adam`, `AdamW`, `RMSprop`, `Adagrad`, `Adadelta`, `Adamax`,
//!   `NAdam`, `RAdam`, `Rprop`, `ASGD`, `LBFGS` and `SGD` as PyTorch's own Python code computes them,
//!   for where tch's optimizers differ or are missing (tch's `nn::Sgd` agrees with
//!   `optim.SGD`; `optim::SGD` adds what schedulers set).
//! - [`lr_scheduler`]: `torch.optim.lr_scheduler`'s StepLR, MultiStepLR, ExponentialLR,
//!   CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR, ConstantLR, PolynomialLR,
//!   LambdaLR, MultiplicativeLR, OneCycleLR, CyclicLR, ReduceLROnPlateau, SequentialLR and
//!   ChainedScheduler, the same
//!   learning-rate bits as PyTorch's at every step, on any optimizer implementing
//!   [`lr_scheduler::LrGroup`].
//! - [`nn_utils`]: `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`, in float32
//!   tensors as PyTorch computes them (tch's `clip_grad_norm` takes the norm out to `f64`).
//! - [`data`]: a `DataLoader`'s shuffled mini-batches (with or without `generator=`), the
//!   samplers (`RandomSampler`, `SubsetRandomSampler`, `WeightedRandomSampler`,
//!   `BatchSampler`) and `random_split`, drawn as PyTorch draws them.
//! - [`ops`]: exact spellings of the few tensor expressions whose idiomatic tch form rounds
//!   differently from PyTorch's.
//! - [`named_parameters`], [`named_buffers`], [`state_dict`], [`values`], [`array_bytes`]: a
//!   `VarStore`'s parameters, buffers and both in `nn.Module` order, a tensor's values as a CSV record takes them, and its own bytes as an
//!   `.npz` takes them.

#![warn(missing_docs)]

pub mod data;
mod hyper;
pub mod init;
pub mod lr_scheduler;
pub mod nn;
pub mod nn_utils;
pub mod ops;
pub mod optim;
mod run;
mod tracing;

pub use hyper::HyperParameters;
pub use run::{Args, Number, Run, PREDICTIONS_CSV_LIMIT};
pub use tracing::{Autograd, TapTensor};
pub use xor_repro::record::trace::Tap;
/// Which parameters [`Run::params`] records: `Stage::Initial` or `Stage::Final`.
pub use xor_repro::record::Stage;

use tch::{Kind, Tensor};

/// A tensor's values, row-major, widened exactly to f64 (how every record and trace takes a
/// tensor: a float32 and its float64 widening print the same shortest decimal).
pub fn values(t: &Tensor) -> Vec<f64> {
    let t = t.detach().to_kind(Kind::Double).contiguous().view([-1]);
    Vec::<f64>::try_from(&t).expect("a CPU float tensor converts to Vec<f64>")
}

/// A tensor in its own bytes, as a streaming trace and `params.npz` take it: its dtype
/// (bfloat16, which NumPy has not, as float32; a type NumPy has not otherwise as float64),
/// shape and row-major little-endian elements, copied once, element loop free.
pub fn array_bytes(t: &Tensor) -> xor_repro::record::trace::ArrayBytes<'static> {
    use xor_repro::record::npz::Dtype;
    let t = t.detach().to_device(tch::Device::Cpu);
    let (t, dtype) = match t.kind() {
        Kind::Float => (t, Dtype::F32),
        Kind::Double => (t, Dtype::F64),
        Kind::Half => (t, Dtype::F16),
        Kind::BFloat16 => (t.to_kind(Kind::Float), Dtype::F32),
        Kind::Int64 => (t, Dtype::I64),
        Kind::Int => (t, Dtype::I32),
        Kind::Int16 => (t, Dtype::I16),
        Kind::Int8 => (t, Dtype::I8),
        Kind::Uint8 => (t, Dtype::U8),
        Kind::Bool => (t, Dtype::Bool),
        _ => (t.to_kind(Kind::Double), Dtype::F64),
    };
    let t = t.contiguous();
    let numel = t.numel();
    let mut data = vec![0u8; numel * dtype.size()];
    if numel > 0 {
        t.copy_data_u8(&mut data, numel);
    }
    xor_repro::record::trace::ArrayBytes {
        dtype,
        shape: shape(&t),
        data: data.into(),
    }
}

/// A tensor's shape as `usize`s.
pub fn shape(t: &Tensor) -> Vec<usize> {
    t.size().iter().map(|&d| d as usize).collect()
}

/// The trainable variables of `vs` with their names, in the order PyTorch's
/// `model.named_parameters()` lists them when the layers are created in the order the
/// `nn.Module` registers them, under the same paths (`vs.root() / "fc1"` gives `fc1.weight`,
/// `fc1.bias`; an `nn.Sequential`'s are `0.weight`, `0.bias`, `2.weight`, …): layers in the
/// order they were created, and within a layer `weight` before `bias`, as PyTorch's layers
/// register them (tch's create the bias first), other names in creation order.
pub fn named_parameters(vs: &tch::nn::VarStore) -> Vec<(String, Tensor)> {
    let named = vs.variables();
    let created: Vec<(String, Tensor)> = vs
        .trainable_variables()
        .into_iter()
        .map(|t| {
            let name = named
                .iter()
                .find(|(_, v)| v.data_ptr() == t.data_ptr())
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            (name, t)
        })
        .collect();
    let layer = |name: &str| name.rsplit_once('.').map_or("", |(l, _)| l).to_string();
    let mut layers: Vec<String> = Vec::new();
    for (name, _) in &created {
        if !layers.contains(&layer(name)) {
            layers.push(layer(name));
        }
    }
    let rank = |name: &str| match name.rsplit('.').next() {
        Some("weight") => 0,
        Some("bias") => 1,
        _ => 2,
    };
    let mut ordered: Vec<(usize, usize, usize, (String, Tensor))> = created
        .into_iter()
        .enumerate()
        .map(|(i, (name, t))| {
            let l = layers.iter().position(|l| *l == layer(&name)).unwrap_or(0);
            (l, rank(&name), i, (name, t))
        })
        .collect();
    ordered.sort_by_key(|(l, r, i, _)| (*l, *r, *i));
    ordered.into_iter().map(|(_, _, _, named)| named).collect()
}

/// The buffers of `vs` (its variables that are not trainable: BatchNorm's `running_mean`,
/// `running_var` and, made by `xor_repro_port::nn::batch_norm2d` & co., `num_batches_tracked`)
/// with their names, in the order PyTorch's `model.named_buffers()` lists them: layer by
/// layer in the order of [`named_parameters`], within a layer `running_mean`, `running_var`,
/// `num_batches_tracked`, then any other by name. A `VarStore` does not remember when a buffer
/// was created: the buffers of a layer without parameters (a BatchNorm with `affine=False`)
/// come last, by name.
pub fn named_buffers(vs: &tch::nn::VarStore) -> Vec<(String, Tensor)> {
    let params = named_parameters(vs);
    let trainable: Vec<usize> = vs
        .trainable_variables()
        .iter()
        .map(|t| t.data_ptr() as usize)
        .collect();
    let layer = |name: &str| name.rsplit_once('.').map_or("", |(l, _)| l).to_string();
    let mut layers: Vec<String> = Vec::new();
    for (name, _) in &params {
        if !layers.contains(&layer(name)) {
            layers.push(layer(name));
        }
    }
    let rank = |name: &str| match name.rsplit('.').next() {
        Some("running_mean") => 0,
        Some("running_var") => 1,
        Some("num_batches_tracked") => 2,
        _ => 3,
    };
    let mut buffers: Vec<(usize, usize, String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(_, t)| !trainable.contains(&(t.data_ptr() as usize)))
        .map(|(name, t)| {
            let l = layers
                .iter()
                .position(|l| *l == layer(&name))
                .unwrap_or(layers.len());
            (l, rank(&name), name, t)
        })
        .collect();
    buffers.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    buffers.into_iter().map(|(_, _, n, t)| (n, t)).collect()
}

/// `model.state_dict()`'s entries, names and order: layer by layer as [`named_parameters`]
/// orders them, each layer's parameters, then its buffers ([`named_buffers`]'s).
pub fn state_dict(vs: &tch::nn::VarStore) -> Vec<(String, Tensor)> {
    let layer = |name: &str| name.rsplit_once('.').map_or("", |(l, _)| l).to_string();
    let params = named_parameters(vs);
    let mut buffers = named_buffers(vs);
    let mut state = Vec::new();
    for (i, (name, p)) in params.iter().enumerate() {
        state.push((name.clone(), p.shallow_clone()));
        let last_of_layer = params
            .get(i + 1)
            .is_none_or(|(next, _)| layer(next) != layer(name));
        if last_of_layer {
            let (own, rest): (Vec<_>, Vec<_>) = buffers
                .into_iter()
                .partition(|(b, _)| layer(b) == layer(name));
            state.extend(own);
            buffers = rest;
        }
    }
    state.extend(buffers);
    state
}
