//! Notebook 001 (`001_8c51896e8b2845dd.txt`), `torch-sigmoid2-mse`: its registry entry and
//! its paragraph in `REPORT.md`. It trains on libtorch: the training is
//! `torch/src/experiments/torch_sigmoid2_mse.rs`, the plain tch port `torch/src/ports/`.

use super::run_files::{Notes, RunFiles};
use super::{Experiment, Framework};

/// The registry entry (`list` shows it).
pub const EXPERIMENT: Experiment = Experiment {
    name: "torch-sigmoid2-mse",
    notebook: "001_8c51896e8b2845dd.txt",
    framework: Framework::PyTorch,
    net: "2→2 sigmoid→1 sigmoid",
    objective: "MSELoss(mean), optim.SGD lr 0.1",
    steps: 100_000,
    step_unit: "epochs",
    lr: 0.1,
    default_seed: 0,
    reference_script: "torch_sigmoid2_mse.py",
    run: None,
    notes,
    prints_loss: |line| line.contains("Loss:"),
    // Both sides run libtorch: every traced value is ATen's on each.
    traced_ops: &[],
    recorded_settings: None,
};

/// The notes in `REPORT.md`.
fn notes(_run: &RunFiles) -> Notes {
    Notes::text(
        "100 000 epochs of `optim.SGD` on a 2→2→1 sigmoid net; `zero_grad` comes before \
         the forward pass, and the loss is printed every 1000 epochs (the capture shows no \
         output). Bit identity over all 100 000 epochs needs `add_(grad, alpha=-lr)` \
         rounded as libtorch's kernel set rounds it: one fused multiply-add in `avx2` and \
         `avx512`, a product then a sum in `default`.",
    )
}
