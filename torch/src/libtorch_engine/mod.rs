//! The libtorch-backed exact engine of PyTorch's three notebooks: where libtorch's kernel
//! paths on this machine are not reproduced in plain Rust (an Intel CPU's MKL paths, another
//! architecture), the notebooks train here instead, on libtorch's own kernels for every step
//! whose bits depend on the kernel. Their registry entries and plain-Rust exact engines are
//! in `xor_repro::experiments`. Each module here that defines `pub fn run` and a `TRAINING`
//! entry is found by `build.rs`; `tests/registry.rs` checks the two lists against each other.

use xor_repro::experiments::RunFn;

/// One experiment trained here.
pub struct Training {
    pub name: &'static str,
    pub run: RunFn,
}

/// The kernels autograd would call for 000 and 001, without autograd.
pub mod backprop;

// Every experiment trained here: `pub mod …;` for each module, and `pub const TRAINING`
// listing their entries.
include!(concat!(env!("OUT_DIR"), "/libtorch_engine.rs"));

/// The training of the libtorch experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    find(name).map(|t| t.run)
}

pub fn find(name: &str) -> Option<&'static Training> {
    TRAINING.iter().find(|t| t.name == name)
}
