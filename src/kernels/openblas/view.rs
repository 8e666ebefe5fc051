//! The operand of a product as NumPy hands it to OpenBLAS: a matrix's memory, its shape, and
//! whether it is the transpose (`.T`, which NumPy takes without copying, so the kernel reads
//! the memory column-major).

/// A read-only 2-D view of a row-major matrix's memory: the matrix itself, or its transpose.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The viewed matrix's elements, row-major in the matrix's own shape.
    data: &'a [f64],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl<'a> View<'a> {
    /// The view of `data`, `rows` × `cols` as seen (for a transpose, the memory is row-major
    /// `cols` × `rows`).
    pub fn new(data: &'a [f64], rows: usize, cols: usize, transposed: bool) -> View<'a> {
        debug_assert_eq!(data.len(), rows * cols);
        View {
            data,
            rows,
            cols,
            transposed,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The viewed array's elements as they lie in memory (row-major in the array's own shape).
    pub fn memory(&self) -> &'a [f64] {
        self.data
    }

    /// Whether this is `.T` of an array (its memory is column-major in the view's shape).
    pub fn is_transposed(&self) -> bool {
        self.transposed
    }

    /// Element (i, j) of the viewed (possibly transposed) array.
    pub fn at(&self, i: usize, j: usize) -> f64 {
        if self.transposed {
            self.data[j * self.rows + i]
        } else {
            self.data[i * self.cols + j]
        }
    }
}
