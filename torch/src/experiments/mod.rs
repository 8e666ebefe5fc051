//! The notebooks that train on libtorch: PyTorch's three. Their
//! registry entries (what `list` shows) are in `xor_repro::experiments`; this maps a name to
//! its training.

use xor_repro::experiments::RunFn;

pub mod torch_relu4_mse;
pub mod torch_sigmoid2_mse;
pub mod torch_sigmoid4_bce_online;

/// The training of the libtorch experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    Some(match name {
        "torch-relu4-mse" => torch_relu4_mse::run,
        "torch-sigmoid2-mse" => torch_sigmoid2_mse::run,
        "torch-sigmoid4-bce-online" => torch_sigmoid4_bce_online::run,
        _ => return None,
    })
}
