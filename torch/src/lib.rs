//! The libtorch side of xor-repro: every notebook's plain tch port, and the PyTorch notebooks'
//! (000, 001, 003) libtorch-backed exact engine, bit for bit, for machines where libtorch's
//! kernel paths are not reproduced in plain Rust. Everything else (the command line, records,
//! diffs, every exact engine) is the `xor-repro` crate, which this binary runs with these
//! registered (see `xor_repro::run::engine`).
//!
//! - `libtorch_engine/`: the libtorch-backed exact engine, one module per PyTorch notebook,
//!   and `backprop`, the kernels autograd would call, without autograd.
//! - `ports/`: the plain tch port of every notebook (`--engine tch`).
//! - `torch_init`: PyTorch's `nn.Linear` and `torch.rand` draws, and `optim.SGD`.
//! - `tensors`: between tensors and the shared plain-Rust pieces.

pub mod libtorch_engine;
pub mod ports;
pub mod tensors;
pub mod torch_init;

use xor_repro::experiments::Experiment;
use xor_repro::run::engine::Libtorch;

/// What this crate adds to the shared command line.
pub static LIBTORCH: Libtorch = Libtorch {
    run: libtorch_engine::run_fn,
    port: ports::run_fn,
    versions,
    single_thread: || tch::set_num_threads(1),
};

fn versions(_exp: &Experiment) -> Vec<(String, String)> {
    vec![
        ("tch".to_string(), "0.26.0".to_string()),
        ("libtorch".to_string(), "2.13.0".to_string()),
    ]
}
