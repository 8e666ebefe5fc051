//! Notebook 003 (`003_91141446f149ca94.txt`, "The first neural network") on the
//! libtorch-backed exact engine: the notebook's one loop, its quirks and its epilogue are
//! `xor_repro::experiments::torch_sigmoid4_bce_online`; here `torch.rand`, `torch.exp`,
//! `torch.log` and `h1 @ W2` run on libtorch ([`super::Libtorch`]), on tensors of the shapes
//! Python's have, for machines whose MKL path is not reproduced in plain Rust.

use super::{Libtorch, Training};
use anyhow::Result;
use xor_repro::experiments::{torch_sigmoid4_bce_online, Config};
use xor_repro::record::RunRecord;

/// Notebook 003's one loop on libtorch.
pub fn run(cfg: &Config) -> Result<RunRecord> {
    torch_sigmoid4_bce_online::run_on::<Libtorch>(cfg)
}

// The libtorch registry's entry (`super::TRAINING`).
pub const TRAINING: Training = Training {
    name: "torch-sigmoid4-bce-online",
    run,
};
