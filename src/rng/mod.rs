//! The random streams the notebooks draw from, reproduced bit for bit:
//! CPython's `random` (notebook 003's samples, TensorFlow's op seeds), NumPy's legacy
//! `RandomState` (002, 004), TensorFlow's stateful Philox normals (002's TensorFlow part)
//! and libtorch's mt19937 CPU generator (`nn.Linear`'s init, `torch.rand`).

pub mod cpython;
pub mod numpy;
pub mod tensorflow;
pub mod torch;
