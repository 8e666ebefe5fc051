//! The XOR truth table every notebook trains on, in the dtypes the notebooks use.

/// The four inputs, in the notebooks' order.
pub const INPUTS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// The XOR of each input.
pub const TARGETS: [f64; 4] = [0.0, 1.0, 1.0, 0.0];

/// Pairs each XOR input with a column of four outputs.
pub fn predictions(outputs: &[f64]) -> Vec<Prediction> {
    INPUTS
        .iter()
        .zip(TARGETS)
        .zip(outputs)
        .map(|((x, target), &prediction)| Prediction {
            x1: x[0],
            x2: x[1],
            target,
            prediction,
        })
        .collect()
}

/// Share of the four XOR inputs an output column classifies correctly: an output of 0.5 or
/// more counts as 1 (notebook 004's `y_pred >= 0.5`).
pub fn accuracy(outputs: &[f64]) -> f64 {
    let correct = outputs
        .iter()
        .zip(TARGETS)
        .filter(|(&p, t)| (p >= 0.5) == (*t == 1.0))
        .count();
    correct as f64 / TARGETS.len() as f64
}

/// The network's output for one XOR input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub x1: f64,
    pub x2: f64,
    pub target: f64,
    pub prediction: f64,
}

/// `X` (4×2, row-major) and `y` as the PyTorch notebooks make them: float32 tensors.
pub fn float32() -> ([f32; 8], [f32; 4]) {
    let x = std::array::from_fn(|i| INPUTS[i / 2][i % 2] as f32);
    (x, TARGETS.map(|t| t as f32))
}
