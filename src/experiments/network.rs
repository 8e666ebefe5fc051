//! What a notebook's epilogue (its printout after training, the final parameters, the
//! predictions, 002's surface) needs of the trained network, whichever engine trained it: the
//! exact engine, the libtorch-backed engine and the plain tch port each pass theirs, so each
//! notebook's epilogue is written once, in its module.

use crate::record::{RunRecord, Stage};
use anyhow::Result;

/// A trained network, as an epilogue sees it.
pub trait Network {
    /// The parameters in the notebook's order, each row-major and widened exactly to f64.
    fn parameters(&self) -> Vec<Vec<f64>>;

    /// The network's outputs for `inputs` (rows of `x1, x2`), one per row, computed as the
    /// notebook computes them on a batch of that many rows.
    fn predict(&mut self, inputs: &[[f64; 2]]) -> Result<Vec<f64>>;
}

/// Records the trained parameters (stage `final`, under the notebook's `names`) and the
/// network's outputs on the four XOR inputs (`predictions.csv`); returns those outputs.
pub fn record_trained(
    record: &mut RunRecord,
    names: &[&str],
    net: &mut dyn Network,
) -> Result<Vec<f64>> {
    for (name, values) in names.iter().zip(net.parameters()) {
        record.push_param(Stage::Final, name, values);
    }
    let outputs = net.predict(&crate::xor::INPUTS)?;
    record.predictions = crate::xor::predictions(&outputs);
    Ok(outputs)
}
