//! How every number of a run is written: the shortest decimal that reads back to the same
//! float64 (a float32 widened exactly first), so bit-identical runs give numerically
//! identical files.

/// Shortest decimal that reads back to the same float64 (Python's `repr` does the same).
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        ryu::Buffer::new().format_finite(x).to_string()
    }
}
