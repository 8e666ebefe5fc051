//! The two-layer `nn.Module` of notebooks 000 and 001 (`Linear` → ReLU or sigmoid → `Linear`
//! → sigmoid, `MSELoss`, `optim.SGD`) in plain Rust: the forward pass, what autograd's
//! backward computes (`tools/autograd/derivatives.yaml`) and SGD's update, each through a
//! port of the kernel libtorch runs for it on this machine: MKL's `sgemm` for the products
//! ([`crate::kernels::mkl`]), ATen's element-wise kernels and reductions
//! ([`crate::kernels::aten::ops`]), and SGD's `add_` as the ATen kernel set rounds it.
//!
//! The buffers are allocated once; a step allocates nothing.
//!
//! 000's and 001's modules train on any [`TorchEngine`]: this one ([`PlainRust`]), or the
//! libtorch-backed one in `xor-repro-torch` (`torch/src/libtorch_engine/`), which draws and
//! computes through libtorch where its paths here are not reproduced. One notebook, one loop.

use crate::kernels::aten::{self, ops, Capability};
use crate::kernels::mkl::{self, MklPath};
use crate::record::trace::Tap;
use crate::rng::torch::TorchGenerator;
use anyhow::{Context, Result};

/// Where 000's and 001's engines differ: who draws `nn.Linear`'s parameters from the seeded
/// generator, and whose kernels compute the steps.
pub trait TorchEngine: Sized {
    type Module: TorchModule;

    /// `torch.manual_seed(seed)`, on this engine.
    fn manual_seed(seed: u64) -> Result<Self>;

    /// `nn.Linear(inputs, outputs)`'s weight (`outputs × inputs`, row-major) and bias.
    fn linear(&mut self, inputs: usize, outputs: usize) -> (Vec<f32>, Vec<f32>);

    /// The notebook's module over the four XOR inputs, from its float32 parameters (fc1's
    /// weight and bias, fc2's), tracing its values under `names`.
    fn module(
        &self,
        params: [Vec<f32>; 4],
        hidden: Hidden,
        names: &'static TraceNames,
    ) -> Self::Module;
}

/// The two-layer `nn.Module`, its loss, `backward` and SGD step, as the training loop calls
/// them; each traces what it computes, in the order it computes it.
pub trait TorchModule: crate::experiments::Network {
    /// `model(x)` for `x` of 4 rows of 2 (row-major): the parameters as the step finds
    /// them, then each layer's output.
    fn forward(&mut self, t: &Tap, x: &[f32]);
    /// `nn.MSELoss()(predictions, y).item()`.
    fn mse_loss(&self, y: &[f32]) -> f64;
    /// `loss.backward()`: every gradient autograd computes, traced as `NAME.grad`.
    fn backward(&mut self, t: &Tap, x: &[f32], y: &[f32]);
    /// `optimizer.step()`: `p.add_(grad, alpha=-lr)`; traces what it leaves as `NAME.updated`.
    fn sgd_step(&mut self, t: &Tap, lr: f64);
    /// The last forward pass's predictions, widened to f64.
    fn outputs(&self) -> Vec<f64>;
}

/// The exact engine in plain Rust: libtorch's generator and kernels, ported.
pub struct PlainRust {
    generator: TorchGenerator,
    kernels: Kernels,
}

impl TorchEngine for PlainRust {
    type Module = TwoLayerNet;

    fn manual_seed(seed: u64) -> Result<PlainRust> {
        let kernels = Kernels::this_machine().context(
            "libtorch's paths here are not reproduced: this is the libtorch-backed engine's run",
        )?;
        Ok(PlainRust {
            generator: TorchGenerator::manual_seed(seed),
            kernels,
        })
    }

    fn linear(&mut self, inputs: usize, outputs: usize) -> (Vec<f32>, Vec<f32>) {
        self.generator.linear(inputs, outputs)
    }

    fn module(
        &self,
        params: [Vec<f32>; 4],
        hidden: Hidden,
        names: &'static TraceNames,
    ) -> TwoLayerNet {
        TwoLayerNet::new(params, hidden, names, self.kernels)
    }
}

/// The hidden layer's activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    Relu,
    Sigmoid,
}

/// The kernel paths a [`TwoLayerNet`] computes through.
#[derive(Debug, Clone, Copy)]
pub struct Kernels {
    pub mkl: MklPath,
    pub aten: Capability,
}

impl Kernels {
    /// The paths libtorch takes on this machine under this process's switches, when both
    /// are reproduced here.
    pub fn this_machine() -> Option<Kernels> {
        let paths = crate::kernels::this_machine();
        Some(Kernels {
            mkl: paths.mkl.path?,
            aten: paths.aten.path?,
        })
    }
}

/// `Linear(2, h)` → activation → `Linear(h, 1)` → sigmoid over the 4 XOR inputs.
pub struct TwoLayerNet {
    kernels: Kernels,
    names: &'static TraceNames,
    hidden_activation: Hidden,
    hidden_size: usize,
    /// fc1.weight (`h × 2`), fc1.bias, fc2.weight (`1 × h`), fc2.bias, updated in place.
    pub params: [Vec<f32>; 4],
    /// `fc1(x)`, the activation, `fc2(...)`, the predictions (`4 × h`, `4 × h`, `4`, `4`).
    hidden_z: Vec<f32>,
    hidden: Vec<f32>,
    output_z: Vec<f32>,
    predictions: Vec<f32>,
    /// The gradients of the loss with respect to the values above.
    grad_predictions: Vec<f32>,
    grad_output_z: Vec<f32>,
    grad_hidden: Vec<f32>,
    grad_hidden_z: Vec<f32>,
    /// The parameters' gradients, in `params` order.
    pub grads: [Vec<f32>; 4],
}

const BATCH: usize = 4;
const INPUTS: usize = 2;

impl TwoLayerNet {
    /// A network of `params` whose traced values go by the notebook's `names`.
    pub fn new(
        params: [Vec<f32>; 4],
        hidden_activation: Hidden,
        names: &'static TraceNames,
        kernels: Kernels,
    ) -> TwoLayerNet {
        let h = params[1].len();
        let grads = params.each_ref().map(|p| vec![0.0; p.len()]);
        TwoLayerNet {
            kernels,
            names,
            hidden_activation,
            hidden_size: h,
            params,
            hidden_z: vec![0.0; BATCH * h],
            hidden: vec![0.0; BATCH * h],
            output_z: vec![0.0; BATCH],
            predictions: vec![0.0; BATCH],
            grad_predictions: vec![0.0; BATCH],
            grad_output_z: vec![0.0; BATCH],
            grad_hidden: vec![0.0; BATCH * h],
            grad_hidden_z: vec![0.0; BATCH * h],
            grads,
        }
    }

    fn tap_params(&self, t: &Tap, suffix: &str) {
        t.tap_each(suffix, &self.names.params, &self.params);
    }
}

impl TorchModule for TwoLayerNet {
    /// Traces, as the notebook's module hooks do, the parameters as they enter the step and
    /// each layer's output.
    fn forward(&mut self, t: &Tap, x: &[f32]) {
        let h = self.hidden_size;
        let [z1_name, hidden_name, z2_name, predictions_name] = self.names.forward;
        self.tap_params(t, "");
        let [w1, b1, w2, b2] = &self.params;
        // fc1: addmm(b1, x, w1.t())
        let shape = (BATCH, INPUTS, h);
        let (xs, w1t) = (|i, p| x[i * INPUTS + p], |p, j| w1[j * INPUTS + p]);
        mkl::matmul(
            self.kernels.mkl,
            shape,
            xs,
            w1t,
            Some(b1),
            &mut self.hidden_z,
        );
        t.tap(z1_name, &self.hidden_z);
        self.hidden.copy_from_slice(&self.hidden_z);
        match self.hidden_activation {
            Hidden::Relu => ops::relu_(&mut self.hidden),
            Hidden::Sigmoid => ops::sigmoid_(&mut self.hidden),
        }
        t.tap(hidden_name, &self.hidden);
        // fc2: addmm(b2, hidden, w2.t())
        let hidden = &self.hidden;
        let (hs, w2t) = (|i, p| hidden[i * h + p], |p, _| w2[p]);
        mkl::matmul(
            self.kernels.mkl,
            (BATCH, h, 1),
            hs,
            w2t,
            Some(b2),
            &mut self.output_z,
        );
        t.tap(z2_name, &self.output_z);
        self.predictions.copy_from_slice(&self.output_z);
        ops::sigmoid_(&mut self.predictions);
        t.tap(predictions_name, &self.predictions);
    }

    fn mse_loss(&self, y: &[f32]) -> f64 {
        ops::mse_loss(&self.predictions, y) as f64
    }

    fn backward(&mut self, t: &Tap, x: &[f32], y: &[f32]) {
        let (h, path) = (self.hidden_size, self.kernels.mkl);
        let [gw1, gb1, gw2, gb2] = &mut self.grads;
        let w2 = &self.params[2];
        let names = self.names;
        let [w1_name, b1_name, w2_name, b2_name] = names.params;
        let [z1_name, hidden_name, z2_name, predictions_name] = names.forward;

        // MseLossBackward0 seeded with ones_like(loss), then SigmoidBackward0.
        ops::mse_loss_backward(&self.predictions, y, &mut self.grad_predictions);
        t.tap_grad(predictions_name, &self.grad_predictions);
        self.grad_output_z.copy_from_slice(&self.grad_predictions);
        ops::sigmoid_backward_(&mut self.grad_output_z, &self.predictions);
        t.tap_grad(z2_name, &self.grad_output_z);
        // AddmmBackward0 of fc2: grad.t().mm(hidden), the bias's sum over the batch, and
        // grad.mm(weight) for the input.
        let (g, hidden) = (&self.grad_output_z, &self.hidden);
        mkl::matmul(
            path,
            (1, BATCH, h),
            |_, p| g[p],
            |p, j| hidden[p * h + j],
            None,
            gw2,
        );
        t.tap_grad(w2_name, gw2);
        ops::sum_rows(g, 1, gb2);
        t.tap_grad(b2_name, gb2);
        mkl::matmul(
            path,
            (BATCH, 1, h),
            |i, _| g[i],
            |_, j| w2[j],
            None,
            &mut self.grad_hidden,
        );
        t.tap_grad(hidden_name, &self.grad_hidden);
        self.grad_hidden_z.copy_from_slice(&self.grad_hidden);
        match self.hidden_activation {
            Hidden::Relu => ops::relu_backward_(&mut self.grad_hidden_z, &self.hidden),
            Hidden::Sigmoid => ops::sigmoid_backward_(&mut self.grad_hidden_z, &self.hidden),
        }
        t.tap_grad(z1_name, &self.grad_hidden_z);
        // AddmmBackward0 of fc1: grad.t().mm(x) and the bias's sum; x needs no gradient.
        let gz = &self.grad_hidden_z;
        mkl::matmul(
            path,
            (h, BATCH, INPUTS),
            |i, p| gz[p * h + i],
            |p, j| x[p * INPUTS + j],
            None,
            gw1,
        );
        t.tap_grad(w1_name, gw1);
        ops::sum_rows(gz, h, gb1);
        t.tap_grad(b1_name, gb1);
    }

    fn sgd_step(&mut self, t: &Tap, lr: f64) {
        let alpha = -lr as f32;
        for (param, grad) in self.params.iter_mut().zip(&self.grads) {
            for (p, &g) in param.iter_mut().zip(grad) {
                *p = aten::add_scaled(self.kernels.aten, *p, g, alpha);
            }
        }
        self.tap_params(t, ".updated");
    }

    fn outputs(&self) -> Vec<f64> {
        widen(&self.predictions)
    }
}

impl crate::experiments::Network for TwoLayerNet {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.params.iter().map(|p| widen(p)).collect()
    }

    /// `model(X)` on the four XOR inputs (the one batch these notebooks evaluate).
    fn predict(&mut self, inputs: &[[f64; 2]]) -> anyhow::Result<Vec<f64>> {
        anyhow::ensure!(
            inputs.len() == BATCH,
            "the network takes the {BATCH} XOR inputs at once"
        );
        let x: Vec<f32> = inputs.iter().flatten().map(|&v| v as f32).collect();
        self.forward(&Tap::default(), &x);
        Ok(self.outputs())
    }
}

/// A notebook's names for a [`TwoLayerNet`]'s values in `trace.csv`.
pub struct TraceNames {
    /// The parameters, as in `params.csv`.
    pub params: [&'static str; 4],
    /// `fc1(x)`, the hidden activation, `fc2(...)`, the predictions, after the notebook's
    /// expressions and variables.
    pub forward: [&'static str; 4],
}

/// float32 values widened exactly to f64.
pub fn widen(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| v as f64).collect()
}
