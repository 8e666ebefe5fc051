//! The plain tch port of every notebook: what a person would write in tch, in the style of the
//! tch-rs examples, on libtorch's own kernels (autograd, `nn::Linear`-style layers, `nn::Sgd`).
//! A port never borrows the exact engine's kernels: it shows what plain libtorch gives, and
//! `explain` shows where and why it parts from the notebook.

use xor_repro::experiments::RunFn;

pub mod numpy_relu10_mse;
pub mod numpy_sigmoid2_mse;
mod tensor_trace;
pub mod tf_relu10_mse;

/// The plain tch port of the experiment called `name`.
pub fn run_fn(name: &str) -> Option<RunFn> {
    match name {
        "numpy-relu10-mse" => Some(numpy_relu10_mse::run),
        "numpy-sigmoid2-mse" => Some(numpy_sigmoid2_mse::run),
        "tf-relu10-mse" => Some(tf_relu10_mse::run),
        _ => None,
    }
}
