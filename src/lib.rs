//! xor-repro reproduces five published XOR notebooks exactly in Rust, writes every run to CSV
//! and diffs it against the same notebook run in Python. This crate is everything that needs
//! no libtorch; the PyTorch and TensorFlow notebooks are in `torch/` (`xor-repro-torch`,
//! libtorch through `tch`), and `engine` says how the two binaries share the work.
//!
//! - `experiments/`: the registry, and the NumPy notebooks, each reading like its notebook.
//! - `rng/`: the random streams the notebooks draw from (CPython, NumPy, TensorFlow).
//! - `xor`: the XOR data.
//! - `numpy_ops`: a small NumPy-like float64 array for the NumPy notebooks' hand-written
//!   backprop; `kernels`: each Python library's kernel paths, picked as the library picks them, bit for bit.
//! - `record`: what a run produced and how it is written (docs/CONTRACT.md#run-files); `trace`: op-level traces
//!   (`trace.csv`); `diff`: comparing two.
//! - `runner`: running one experiment on either side into its run folder.
//! - `compare`: judging a Rust run against its Python reference (docs/CONTRACT.md#fidelity); `plot`: the SVGs;
//!   `sweep`: many seeds, how training ends; `reproduce` and `report`: the main job and
//!   `REPORT.md`.
//! - `python`: running the Python reference scripts in `scripts/reference/`.
//! - `pyfmt`: how Python, NumPy and PyTorch print numbers, for character-exact transcripts.
//! - `cli`: the commands; `build_info`: the commit and compiler a binary was built from.

pub mod bench;
pub mod build_info;
pub mod cli;
pub mod compare;
pub mod console;
pub mod diff;
pub mod experiments;
pub mod explain;
pub mod kernels;
pub mod numpy_ops;
pub mod plot;
pub mod pyfmt;
pub mod record;
pub mod reproduce;
pub mod rng;
pub mod run;
pub mod sweep;
pub mod xor;
