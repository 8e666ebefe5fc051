//! How a seed's training ended, from the trained network's four outputs: the outcome classes
//! every sweep, its plot and the report use.

use crate::xor;
use std::fmt;

/// Outputs within this of each other count as equal, and a group within this of its
/// targets' mean counts as stuck there.
const PLATEAU_TOLERANCE: f64 = 0.05;
/// Every output within this of its target: converged.
pub const CONVERGED_WITHIN: f64 = 0.1;

/// The outcome classes, in the order summaries list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Every output within [`CONVERGED_WITHIN`] of its target.
    Solved,
    /// Accuracy 100 %, not converged.
    SolvedSlow,
    /// Three outputs equal at their targets' mean (notebook 000's printed 0.1667).
    PlateauSixth,
    /// Two outputs equal at 0.5 (notebook 004's 0.125).
    PlateauEighth,
    /// All four at 0.5.
    PlateauQuarter,
    Unsolved,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Solved,
        Outcome::SolvedSlow,
        Outcome::PlateauSixth,
        Outcome::PlateauEighth,
        Outcome::PlateauQuarter,
        Outcome::Unsolved,
    ];

    /// The name `sweep.csv` writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Solved => "solved",
            Outcome::SolvedSlow => "solved-slow",
            Outcome::PlateauSixth => "plateau-1/6",
            Outcome::PlateauEighth => "plateau-1/8",
            Outcome::PlateauQuarter => "plateau-1/4",
            Outcome::Unsolved => "unsolved",
        }
    }

    /// Reads back what [`Outcome::as_str`] wrote.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether the network classifies XOR correctly.
    pub fn is_solved(self) -> bool {
        matches!(self, Outcome::Solved | Outcome::SolvedSlow)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether every output is within [`CONVERGED_WITHIN`] of its target.
pub fn converged(outputs: &[f64; 4]) -> bool {
    outputs
        .iter()
        .zip(xor::TARGETS)
        .all(|(p, t)| (p - t).abs() < CONVERGED_WITHIN)
}

/// The outcome class of four trained outputs (see the module documentation).
pub fn classify(outputs: &[f64; 4]) -> Outcome {
    let accuracy = xor::accuracy(outputs);
    let converged = converged(outputs);
    if accuracy == 1.0 {
        return if converged {
            Outcome::Solved
        } else {
            Outcome::SolvedSlow
        };
    }
    // Group outputs that are equal within tolerance; a group holding both targets whose
    // output sits at its targets' mean is where MSE gradient descent stalls.
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by(|&a, &b| outputs[a].total_cmp(&outputs[b]));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match groups.last_mut() {
            Some(g) if outputs[i] - outputs[*g.last().unwrap()] <= PLATEAU_TOLERANCE => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    let stuck: Vec<usize> = groups
        .iter()
        .filter(|g| {
            let targets: Vec<f64> = g.iter().map(|&i| xor::TARGETS[i]).collect();
            let mixed = targets.contains(&0.0) && targets.contains(&1.0);
            let mean_target = targets.iter().sum::<f64>() / g.len() as f64;
            let mean_output = g.iter().map(|&i| outputs[i]).sum::<f64>() / g.len() as f64;
            mixed && (mean_output - mean_target).abs() <= PLATEAU_TOLERANCE
        })
        .map(Vec::len)
        .collect();
    match stuck.as_slice() {
        [4] | [2, 2] => Outcome::PlateauQuarter,
        [3] => Outcome::PlateauSixth,
        [2] => Outcome::PlateauEighth,
        _ => Outcome::Unsolved,
    }
}
