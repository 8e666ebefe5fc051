//! Notebook 003 (`003_91141446f149ca94.txt`), `torch-sigmoid4-bce-online`: its registry
//! entry and its paragraph in `REPORT.md`. It trains on libtorch: the training is
//! `torch/src/experiments/torch_sigmoid4_bce_online.rs`, the plain tch port
//! `torch/src/ports/`.

use super::run_files::{Notes, RunFiles};
use super::{Experiment, Framework};
use std::fmt::Write as _;

/// The registry entry (`list` shows it).
pub const EXPERIMENT: Experiment = Experiment {
    name: "torch-sigmoid4-bce-online",
    notebook: "003_91141446f149ca94.txt",
    framework: Framework::PyTorch,
    net: "2→4 sigmoid→1 sigmoid",
    objective: "per-sample BCE, manual SGD lr 0.05",
    steps: 10_000,
    step_unit: "samples",
    lr: 0.05,
    default_seed: 0,
    reference_script: "torch_sigmoid4_bce_online.py",
    run: None,
    notes,
    // It prints the running loss as a bare number.
    prints_loss: |line| line.trim().parse::<f64>().is_ok(),
    // Both sides run libtorch: every traced value is ATen's on each.
    traced_ops: &[],
    recorded_settings: None,
};

/// The notes in `REPORT.md`.
fn notes(run: &RunFiles) -> Notes {
    let mut s = String::from(
        "Online training on 10 000 samples drawn with CPython's `random.choice`, the \
         notebook's own `sigmoid` (`1 / (1 + exp(-x))`, not `torch.sigmoid`), and \
         `W.data -= 0.05 * W.grad.data` (two roundings). It prints `running_loss/1000` \
         when `i % 1000 == 999`, before adding sample i's loss: the first figure \
         averages samples 0..998 — 999 of them — over 1000, every later one samples \
         i−1000..i−1.",
    );
    if let Some(l) = run.column("loss.csv").filter(|l| l.len() >= 1000) {
        let printed: f64 = l[..999].iter().sum::<f64>() / 1000.0;
        let mean: f64 = l[..1000].iter().sum::<f64>() / 1000.0;
        let _ = write!(
            s,
            " In this run the first printed figure is {printed:.3} (sum of samples \
             0..998 / 1000 = {printed:.5}); the mean of samples 0..999 is {mean:.5}."
        );
    }
    Notes::text(s)
}
