//! The random streams the notebooks draw from, reproduced bit for bit:
//! CPython's `random` (notebook 003's samples, TensorFlow's op seeds), NumPy's legacy
//! `RandomState` (002, 004) and TensorFlow's stateful Philox normals (002's TensorFlow part).
//! PyTorch's own generator is libtorch's, reached through `tch::manual_seed`.

pub mod cpython;
pub mod numpy;
pub mod tensorflow;
