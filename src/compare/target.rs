//! What "exact" means for one experiment at one seed: a check per kind of value, from the
//! framework and whether the run took kernel paths that are emulated.

use crate::diff::Tolerance;
use crate::experiments::Framework;
use serde::Serialize;

/// How the values of one kind must agree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Every value bit-identical.
    Bits,
    /// Within this relative difference.
    Relative(f64),
    /// Within this absolute difference.
    Absolute(f64),
    /// Not judged, only reported.
    Report,
}

impl Check {
    pub fn tolerance(self) -> Tolerance {
        match self {
            Check::Bits => Tolerance::default(),
            Check::Relative(rel) => Tolerance {
                rel,
                ..Default::default()
            },
            Check::Absolute(abs) => Tolerance {
                abs,
                ..Default::default()
            },
            Check::Report => Tolerance {
                abs: f64::INFINITY,
                ..Default::default()
            },
        }
    }

    /// `bit-identical`, `within 1e-12 relative`, …
    pub fn describe(self) -> String {
        match self {
            Check::Bits => "bit-identical".into(),
            Check::Relative(r) => format!("within {r:e} relative"),
            Check::Absolute(a) => format!("within {a:e} absolute"),
            Check::Report => "reported".into(),
        }
    }
}

/// Which transcript lines must match the lines the notebook printed (docs/CONTRACT.md#fidelity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Printout {
    /// Every line, character for character.
    Every,
    /// The lines that print a loss.
    Losses,
}

/// The fidelity target of one experiment at one seed (docs/CONTRACT.md#fidelity): a check per kind of value.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub description: String,
    pub initial_params: Check,
    pub final_params: Check,
    /// Losses and every kind of prediction (trained, last epoch, surface).
    pub losses_and_predictions: Check,
    pub printout: Printout,
}

/// docs/CONTRACT.md#fidelity, in one place: every value bit-identical where the run took kernel paths that are
/// emulated (`emulated`), else the tolerances. The distribution of TensorFlow's differences
/// over many seeds is judged by another command; at a single non-default seed it is only
/// reported.
pub fn target(framework: Framework, seed: u64, default_seed: u64, emulated: bool) -> Target {
    let default = seed == default_seed;
    match framework {
        _ if emulated => Target {
            description: "every value bit-identical".into(),
            initial_params: Check::Bits,
            final_params: Check::Bits,
            losses_and_predictions: Check::Bits,
            printout: match framework {
                Framework::TensorFlow => Printout::Losses,
                _ => Printout::Every,
            },
        },
        Framework::PyTorch => Target {
            description: "every value bit-identical".into(),
            initial_params: Check::Bits,
            final_params: Check::Bits,
            losses_and_predictions: Check::Bits,
            printout: Printout::Every,
        },
        Framework::NumPy => {
            let rel = if default { 1e-12 } else { 1e-11 };
            Target {
                description: format!(
                    "initial parameters bit-identical, losses and predictions within {rel:e} relative"
                ),
                initial_params: Check::Bits,
                final_params: Check::Report,
                losses_and_predictions: Check::Relative(rel),
                printout: Printout::Every,
            }
        }
        Framework::TensorFlow if default => Target {
            description: "initial parameters bit-identical, losses and predictions within 1e-6 absolute"
                .into(),
            initial_params: Check::Bits,
            final_params: Check::Report,
            losses_and_predictions: Check::Absolute(1e-6),
            printout: Printout::Losses,
        },
        Framework::TensorFlow => Target {
            description:
                "initial parameters bit-identical; other differences reported (judged over seeds elsewhere)"
                    .into(),
            initial_params: Check::Bits,
            final_params: Check::Report,
            losses_and_predictions: Check::Report,
            printout: Printout::Losses,
        },
    }
}
