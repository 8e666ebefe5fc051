//! What both ports of `script.py` share: the data set the script drew with NumPy and saved
//! beside its run folder (`…/seed-S/data/X.npy`, `y.npy`), read back as the script's tensors.

use anyhow::{Context, Result};
use std::path::Path;
use tch::{Kind, Tensor};

/// `X` (`[n, 2]`) and `y` (`[n, 1]`), float32, from the script's `.npy` files in `data`:
/// `torch.tensor(X_np, dtype=torch.float32)` rounds each float64 once, as `to_kind` does.
pub fn moons(data: &Path) -> Result<(Tensor, Tensor)> {
    let read = |file: &str| {
        let path = data.join(file);
        Tensor::read_npy(&path).with_context(|| {
            format!(
                "cannot read {} (run script.py first: it saves the data set)",
                path.display()
            )
        })
    };
    let x = read("X.npy")?.to_kind(Kind::Float);
    let y = read("y.npy")?.to_kind(Kind::Float).unsqueeze(1);
    Ok((x, y))
}
