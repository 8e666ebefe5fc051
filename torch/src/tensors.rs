//! Between the shared, libtorch-free pieces of `xor-repro` and libtorch tensors: the XOR data
//! as tensors, a tensor's values and shape, and `--init-from` applied to drawn tensors.

use anyhow::Result;
use tch::{Kind, Tensor};
use xor_repro::diff::Precision;
use xor_repro::experiments::Config;
use xor_repro::record::RunRecord;
use xor_repro::xor::{INPUTS, TARGETS};

/// `X` (4×2) and `y` (4×1) as tensors of `kind` (float32 for PyTorch and TensorFlow).
pub fn xor(kind: Kind) -> (Tensor, Tensor) {
    let x: Vec<f64> = INPUTS.iter().flatten().copied().collect();
    let x = Tensor::from_slice(&x).reshape([4, 2]).to_kind(kind);
    let y = Tensor::from_slice(&TARGETS).reshape([4, 1]).to_kind(kind);
    (x, y)
}

/// A tensor's values, widened exactly to f64, row-major.
pub fn values(t: &Tensor) -> Vec<f64> {
    let t = t.detach().to_kind(Kind::Double).contiguous().view([-1]);
    Vec::<f64>::try_from(&t).expect("a CPU float tensor converts to Vec<f64>")
}

/// A tensor's shape as `usize`s.
pub fn shape(t: &Tensor) -> Vec<usize> {
    t.size().iter().map(|&d| d as usize).collect()
}

/// A run's initial parameters as tensors: the notebook's own draws, or `--init-from`'s values.
pub trait InitialTensors {
    /// Every initial parameter, named as in the notebook, checked and recorded as stage
    /// `initial`.
    fn initial_params(
        &self,
        record: &mut RunRecord,
        drawn: Vec<(&str, Tensor)>,
    ) -> Result<Vec<Tensor>>;
}

impl InitialTensors for Config {
    fn initial_params(
        &self,
        record: &mut RunRecord,
        drawn: Vec<(&str, Tensor)>,
    ) -> Result<Vec<Tensor>> {
        let names: Vec<&str> = drawn.iter().map(|(name, _)| *name).collect();
        self.check_init_names(&names)?;
        let mut params = Vec::with_capacity(drawn.len());
        for (name, tensor) in drawn {
            let precision = match tensor.kind() {
                Kind::Float => Precision::Float32,
                _ => Precision::Float64,
            };
            let values =
                self.initial_param(record, name, &shape(&tensor), values(&tensor), precision)?;
            params.push(
                Tensor::from_slice(&values)
                    .reshape(tensor.size())
                    .to_kind(tensor.kind())
                    .set_requires_grad(tensor.requires_grad()),
            );
        }
        Ok(params)
    }
}
