//! The plain tch port of every notebook: what a person would write in tch, in the style of the
//! tch-rs examples, on libtorch's own kernels (autograd, `nn::Linear`-style layers, `nn::Sgd`).
//! A port never borrows the exact engine's kernels: it shows what plain libtorch gives, and
//! `explain` shows where and why it parts from the notebook.

use xor_repro::experiments::RunFn;

/// The plain tch port of the experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    match name {
        _ => None,
    }
}
