//! The plots, as SVG through `plotters` (no system libraries), one module each over the
//! styling they share (`style`):
//! - `loss_curves`: the loss curves of a Rust and a Python run with their difference
//!   (`compare.svg`);
//! - `prediction_surface`: a network's output over the unit square (`surface.svg`);
//! - `sweep_histogram`: how a sweep's seeds ended (`sweep.svg`);
//! - `growth`: how the difference between two runs grows after they part (`explain.svg`).

mod growth;
mod loss_curves;
mod prediction_surface;
mod style;
mod sweep_histogram;

pub use growth::{growth, GrowthPlot};
pub use loss_curves::{compare, ComparePlot};
pub use prediction_surface::surface;
pub use sweep_histogram::{sweep_histogram, SweepPoint};
