//! xor-repro reproduces five published XOR notebooks exactly in Rust (libtorch through
//! `tch`), writes every run to CSV and diffs it against the same notebook run in Python.
//!
//! - `experiments/`: one module per notebook, each reading like its notebook.
//! - `rng/`: the random streams the notebooks draw from (CPython, NumPy, TensorFlow).
//! - `torch_init`, `xor`: shared model pieces (PyTorch's `nn.Linear` init, the XOR data).
//! - `record`: what a run produced and how it is written (SPEC §5); `diff`: comparing two.
//! - `runner`: running one experiment on either side into its run folder.
//! - `python`: running the Python reference scripts in `scripts/reference/`.
//! - `pyfmt`: how Python, NumPy and PyTorch print numbers, for character-exact transcripts.
//! - `cli`: the commands.

pub mod cli;
pub mod diff;
pub mod experiments;
pub mod progress;
pub mod pyfmt;
pub mod python;
pub mod record;
pub mod rng;
pub mod runner;
pub mod torch_init;
pub mod xor;
