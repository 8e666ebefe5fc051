//! Notebook 000 (`000_ef3ae0d5554cfd9b.txt`, "Why Do We Need Hidden Layers?") on the
//! libtorch-backed exact engine: the notebook's one loop, its quirks and its epilogue are
//! `xor_repro::experiments::torch_relu4_mse`; here they run on libtorch's generator and
//! kernels ([`super::Libtorch`]), for machines whose libtorch paths are not reproduced in
//! plain Rust.

use super::{Libtorch, Training};
use anyhow::Result;
use xor_repro::experiments::{torch_relu4_mse, Config};
use xor_repro::record::RunRecord;

/// Notebook 000's one loop (`xor_repro::experiments::torch_relu4_mse::run_on`) on libtorch.
pub fn run(cfg: &Config) -> Result<RunRecord> {
    torch_relu4_mse::run_on::<Libtorch>(cfg)
}

// The libtorch registry's entry (`super::TRAINING`).
pub const TRAINING: Training = Training {
    name: "torch-relu4-mse",
    run,
};
