//! The experiments: one module per notebook, registered here with what `list` shows.
//!
//! Each module's `run` reads like its notebook, top to bottom, and returns a
//! [`RunRecord`]; everything around it (seeding checks, timing, writing) is shared.

use crate::progress::Progress;
use crate::record::{InitialParams, RunRecord};
use anyhow::{bail, Result};

pub mod numpy_relu10_mse;
pub mod numpy_sigmoid2_mse;
pub mod tf_relu10_mse;
pub mod torch_relu4_mse;
pub mod torch_sigmoid2_mse;
pub mod torch_sigmoid4_bce_online;

/// The library a notebook was written for, which fixes what "exactly" means (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    PyTorch,
    NumPy,
    TensorFlow,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::PyTorch => "PyTorch",
            Framework::NumPy => "NumPy",
            Framework::TensorFlow => "TensorFlow",
        }
    }

    /// Rejects seeds the framework's own seeding call would reject (SPEC §2).
    pub fn check_seed(self, seed: u64) -> Result<()> {
        match self {
            Framework::NumPy if seed > u32::MAX as u64 => {
                bail!("seed {seed} is outside NumPy's range 0..=4294967295")
            }
            Framework::TensorFlow if seed > i64::MAX as u64 => {
                bail!("seed {seed} is outside TensorFlow's range 0..=9223372036854775807")
            }
            _ => Ok(()),
        }
    }
}

/// How one run is set up.
#[derive(Clone)]
pub struct Config {
    pub seed: u64,
    /// Epochs, or samples for online training.
    pub steps: usize,
    pub lr: f64,
    /// Initial parameters to start from instead of the seeded draw.
    pub init: Option<InitialParams>,
    /// Print the transcript while running.
    pub echo: bool,
    pub progress: Progress,
}

/// One notebook, as `list` shows it and `run` runs it.
pub struct Experiment {
    pub name: &'static str,
    pub notebook: &'static str,
    pub framework: Framework,
    pub net: &'static str,
    pub objective: &'static str,
    pub steps: usize,
    /// "epochs" or "samples".
    pub step_unit: &'static str,
    pub lr: f64,
    pub default_seed: u64,
    /// The Python reference, in `scripts/reference/`.
    pub reference_script: &'static str,
    pub run: fn(&Config) -> Result<RunRecord>,
}

/// Every experiment, in notebook order.
pub fn all() -> &'static [Experiment] {
    &[
        torch_relu4_mse::EXPERIMENT,
        torch_sigmoid2_mse::EXPERIMENT,
        numpy_relu10_mse::EXPERIMENT,
        tf_relu10_mse::EXPERIMENT,
        torch_sigmoid4_bce_online::EXPERIMENT,
        numpy_sigmoid2_mse::EXPERIMENT,
    ]
}

/// The experiment called `name`, or an error listing the valid names.
pub fn find(name: &str) -> Result<&'static Experiment> {
    all().iter().find(|e| e.name == name).ok_or_else(|| {
        let names: Vec<_> = all().iter().map(|e| e.name).collect();
        anyhow::anyhow!("unknown experiment {name:?} (valid: {})", names.join(", "))
    })
}

impl Config {
    /// A run that prints nothing and draws no progress (sweeps, tests): the seeded draw,
    /// `steps` steps at learning rate `lr`.
    pub fn quiet(seed: u64, steps: usize, lr: f64) -> Config {
        Config {
            seed,
            steps,
            lr,
            init: None,
            echo: false,
            progress: Progress::hidden(),
        }
    }

    /// The notebook's own draw of parameter `name`, or the values `--init-from` gives for it
    /// (rounded once to the drawn tensor's dtype). The notebook's draws still happen first,
    /// so any random stream after them is where the notebook has it.
    pub fn initial(&self, name: &str, drawn: tch::Tensor) -> Result<tch::Tensor> {
        let Some(init) = &self.init else {
            return Ok(drawn);
        };
        let shape: Vec<usize> = drawn.size().iter().map(|&d| d as usize).collect();
        let values = init.take(name, &shape)?;
        Ok(tch::Tensor::from_slice(&values)
            .reshape(drawn.size())
            .to_kind(drawn.kind()))
    }

    /// The initial parameters, named as in the notebook: its own draws (or `--init-from`'s
    /// values), checked and recorded as stage `initial`.
    pub fn initial_params(
        &self,
        record: &mut RunRecord,
        drawn: Vec<(&str, tch::Tensor)>,
    ) -> Result<Vec<tch::Tensor>> {
        let names: Vec<&str> = drawn.iter().map(|(name, _)| *name).collect();
        self.check_init_names(&names)?;
        let mut params = Vec::with_capacity(drawn.len());
        for (name, tensor) in drawn {
            let tensor = self.initial(name, tensor)?;
            record.push_param(
                crate::record::Stage::Initial,
                name,
                crate::torch_init::values(&tensor),
            );
            params.push(tensor);
        }
        Ok(params)
    }

    /// Fails when `--init-from` names a parameter the experiment does not have.
    pub fn check_init_names(&self, names: &[&str]) -> Result<()> {
        match &self.init {
            Some(init) => init.check_names(names),
            None => Ok(()),
        }
    }

    /// Updates the progress bar every few hundred steps (drawing every step costs time).
    pub fn tick(&self, step: usize) {
        if step.is_multiple_of(256) {
            self.progress.set(step);
        }
    }
}
