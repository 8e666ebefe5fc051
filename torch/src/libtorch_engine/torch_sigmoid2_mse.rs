//! Notebook 001 (`001_8c51896e8b2845dd.txt`, an annotated `XORNeuralNetwork`) on the
//! libtorch-backed exact engine: the notebook's one loop, its quirks and its epilogue are
//! `xor_repro::experiments::torch_sigmoid2_mse`; here they run on libtorch's generator and
//! kernels ([`super::Libtorch`]), for machines whose libtorch paths are not reproduced in
//! plain Rust.

use super::{Libtorch, Training};
use anyhow::Result;
use xor_repro::experiments::{torch_sigmoid2_mse, Config};
use xor_repro::record::RunRecord;

/// Notebook 001's one loop (`xor_repro::experiments::torch_sigmoid2_mse::run_on`) on libtorch.
pub fn run(cfg: &Config) -> Result<RunRecord> {
    torch_sigmoid2_mse::run_on::<Libtorch>(cfg)
}

// The libtorch registry's entry (`super::TRAINING`).
pub const TRAINING: Training = Training {
    name: "torch-sigmoid2-mse",
    run,
};
