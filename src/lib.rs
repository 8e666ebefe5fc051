//! xor-repro reproduces five published XOR notebooks exactly in Rust, writes every run to CSV
//! and diffs it against the same notebook run in Python. This crate is everything that needs
//! no libtorch, every notebook's exact engine included; every notebook's plain tch port, and
//! the PyTorch notebooks' libtorch-backed engine for machines whose paths are not reproduced,
//! are in `torch/` (`xor-repro-torch`, libtorch through `tch`), and `run::engine` says how the
//! two binaries share the work.
//!
//! The notebooks and what they compute on:
//! - `experiments/`: the registry, one module per notebook (its entry, report notes, its
//!   exact training reading like its notebook, and its epilogue, shared by its engines), and
//!   what the exact engines compute with: `network` (a trained network as an epilogue sees
//!   it), `numpy_array` (a small NumPy-like float64 array for the NumPy notebooks),
//!   `torch_net` (the two-layer `nn.Module` of 000 and 001 with its backward and SGD).
//! - `rng/`: the random streams the notebooks draw from (CPython, NumPy, TensorFlow, libtorch);
//!   `xor`: the XOR data; `kernels/`: each library's kernel paths, picked as the library picks
//!   them, and the ports.
//!
//! Runs and what is made of them:
//! - `run/`: one experiment on any side into its run folder; `record/`: what a run produced
//!   and how it is written (docs/CONTRACT.md#run-files), with its trace, and the predictions
//!   and metrics of any shape a port of one's own records (`record::table`; the port API
//!   itself is `port/`, `xor-repro-port`).
//! - `diff/`: two runs or any two data files, number by number; `compare/`: a run judged
//!   against its Python reference (docs/CONTRACT.md#fidelity); `explain/`: where two traces
//!   part, and why.
//! - `sweep/`: many seeds, how training ends; `reproduce/`: the main job and `REPORT.md`;
//!   `bench`: Rust against Python, whole processes; `bench_proof`: what recording, `diff`
//!   and `explain` cost at the size of a real model.
//! - `plot/`: the SVGs; `pyfmt/`: how Python, NumPy and PyTorch print numbers, for
//!   character-exact transcripts; `console/`: terminal output that survives a closed pipe.
//! - `cli`: the commands; `build_info`: the commit and compiler a binary was built from.

pub mod bench;
pub mod bench_proof;
pub mod build_info;
pub mod cli;
pub mod compare;
pub mod console;
pub mod diff;
pub mod experiments;
pub mod explain;
pub mod identify;
pub mod kernels;
pub mod plot;
pub mod pyfmt;
pub mod record;
pub mod reproduce;
pub mod rng;
pub mod run;
pub mod sweep;
pub mod xor;
