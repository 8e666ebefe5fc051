//! How Python and its libraries print numbers, so that transcripts match the notebooks
//! character for character. One printer per file:
//! - `python_float`: Python's own `repr(float)` and format specs (`{:.4f}`, `{:.4e}`).
//! - `ipython_display`: what Jupyter shows for a cell ending in a tuple.
//! - `torch_tensor`: PyTorch's `str(tensor)`.
//! - `numpy_array`: NumPy's `str(ndarray)`, laid out over `numpy_float`, NumPy's
//!   `FloatingFormat` (one for float32 and float64 arrays alike).
//! - `numpy_round`: `np.round`, which the notebooks apply before printing.

mod ipython_display;
mod numpy_array;
mod numpy_float;
mod numpy_round;
mod python_float;
mod torch_tensor;

pub use ipython_display::display_tuple;
pub use numpy_array::{ndarray, ndarray_f32, ndarray_int};
pub use numpy_round::np_round;
pub use python_float::{fixed, float_repr, sci};
pub use torch_tensor::tensor;
