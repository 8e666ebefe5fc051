//! The notebooks that train on libtorch: PyTorch's three. Their registry entries (what
//! `list` shows, the report's notes) are in `xor_repro::experiments`; this is their exact
//! engine's training, by name (`tests/registry.rs` checks the two lists against each other).

use xor_repro::experiments::RunFn;

pub mod torch_relu4_mse;
pub mod torch_sigmoid2_mse;
pub mod torch_sigmoid4_bce_online;

/// Every experiment trained here, with its training.
pub const TRAINING: &[(&str, RunFn)] = &[
    ("torch-relu4-mse", torch_relu4_mse::run),
    ("torch-sigmoid2-mse", torch_sigmoid2_mse::run),
    ("torch-sigmoid4-bce-online", torch_sigmoid4_bce_online::run),
];

/// The training of the libtorch experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    TRAINING.iter().find(|(n, _)| *n == name).map(|(_, run)| *run)
}
