//! Backpropagation for the two-layer `nn.Module`s of notebooks 000 and 001 (`Linear` → ReLU
//! or sigmoid → `Linear` → sigmoid, `MSELoss`, `optim.SGD`) without autograd, bit-identical
//! to PyTorch's under every `ATEN_CPU_CAPABILITY` the CPU runs.
//!
//! For these tiny networks libtorch's per-operation overhead is nearly all of the time, and
//! autograd roughly doubles the number of operations. Each step here computes what autograd
//! computes (tools/autograd/derivatives.yaml), in buffers allocated once:
//! - through libtorch's own kernels, with autograd's operands and memory layouts, wherever
//!   the result depends on the kernel (matrix products, reductions, `exp` in sigmoid);
//! - in Rust, on the tensors' memory, for the element-wise kernels whose formula is known
//!   for every kernel set (`xor_repro::kernels::aten` has the source and measurements):
//!   `relu`, and the backward formulas of `relu`, `sigmoid` and `mse_loss` compute the same
//!   expression in every set, left to right; SGD's `p.add_(grad, alpha=-lr)` is one fused
//!   multiply-add in the `avx2` and `avx512` sets and a product then a sum in `default`, so
//!   it follows the set libtorch runs in this process
//!   (`xor_repro::kernels::this_machine().aten`). Where that set is not one reproduced here
//!   (another architecture, or a set the CPU cannot run), the update is libtorch's own.
//!
//! `torch/tests/backprop_kernels.rs` holds each Rust step against libtorch's kernel under
//! every set this CPU runs.

use std::cell::{Ref, RefCell};
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro::experiments::torch_net::TorchModule;
use xor_repro::experiments::Network;
use xor_repro::kernels::aten::{self, Capability};
use xor_repro::record::trace::Tap;

pub use xor_repro::experiments::torch_net::{widen, Hidden, TraceNames};

/// `Linear(i, h)` → activation → `Linear(h, 1)` → sigmoid on a fixed batch of inputs, with
/// its forward results and gradients in reusable buffers.
pub struct TwoLayerNet {
    hidden_activation: Hidden,
    names: &'static TraceNames,
    /// libtorch's kernel set in this process, for the SGD update.
    capability: Option<Capability>,
    /// fc1.weight, fc1.bias, fc2.weight, fc2.bias, updated in place.
    pub params: [Tensor; 4],
    /// `weight.t()` views: `at::linear` on a 2-D input is `addmm(bias, x, weight.t())`.
    weight_t: [Tensor; 2],
    /// `fc1(x)`, before the activation (kept apart from `hidden` for traces).
    hidden_z: Tensor,
    hidden: Tensor,
    /// `fc2(hidden)`, before the output sigmoid.
    output_z: Tensor,
    predictions: Tensor,
    /// The gradient of the loss with respect to `predictions` (MseLossBackward0's).
    grad_predictions: Tensor,
    grad_output_z: Tensor,
    /// `grad_output_z.t()`, a view, as `mm_mat2_backward` uses it.
    grad_output_z_t: Tensor,
    grad_hidden: Tensor,
    grad_hidden_z: Tensor,
    grad_hidden_z_t: Tensor,
    /// Gradients in `params` order.
    grads: [Tensor; 4],
    /// The inputs and targets as tensors, made once (see [`tensor`]).
    x: RefCell<Option<Tensor>>,
    y: RefCell<Option<Tensor>>,
}

fn zeros(shape: &[i64]) -> Tensor {
    Tensor::zeros(shape, (Kind::Float, Device::Cpu))
}

impl TwoLayerNet {
    /// A net over `batch` inputs from its four float32 parameters (`[h, i]`, `[h]`, `[1, h]`,
    /// `[1]`), tracing its values under `names`.
    pub fn new(
        params: [Tensor; 4],
        hidden_activation: Hidden,
        names: &'static TraceNames,
        batch: i64,
    ) -> TwoLayerNet {
        let params = params.map(|p| p.detach().contiguous());
        let hidden_size = params[0].size()[0];
        let grad_output_z = zeros(&[batch, 1]);
        let grad_hidden_z = zeros(&[batch, hidden_size]);
        TwoLayerNet {
            hidden_activation,
            names,
            capability: xor_repro::kernels::this_machine().aten.path,
            weight_t: [params[0].tr(), params[2].tr()],
            hidden_z: zeros(&[batch, hidden_size]),
            hidden: zeros(&[batch, hidden_size]),
            output_z: zeros(&[batch, 1]),
            predictions: zeros(&[batch, 1]),
            grad_predictions: zeros(&[batch, 1]),
            grad_output_z_t: grad_output_z.tr(),
            grad_output_z,
            grad_hidden: zeros(&[batch, hidden_size]),
            grad_hidden_z_t: grad_hidden_z.tr(),
            grad_hidden_z,
            grads: [
                zeros(&params[0].size()),
                zeros(&params[1].size()),
                zeros(&params[2].size()),
                zeros(&params[3].size()),
            ],
            params,
            x: RefCell::new(None),
            y: RefCell::new(None),
        }
    }

    fn tap_params(&self, t: &Tap, suffix: &str) {
        if t.on() {
            t.tap_each(
                suffix,
                &self.names.params,
                self.params.each_ref().map(floats),
            );
        }
    }
}

/// `x` (4 rows of 2, row-major) or `y` as the float32 tensor the notebook holds, made once
/// and kept in `cache`: a training loop passes the same values every step.
fn tensor<'c>(cache: &'c RefCell<Option<Tensor>>, values: &[f32], columns: i64) -> Ref<'c, Tensor> {
    let same = |held: &[f32]| {
        held.len() == values.len()
            && held
                .iter()
                .zip(values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    };
    let fresh = matches!(&*cache.borrow(), Some(t) if same(floats(t)));
    if !fresh {
        *cache.borrow_mut() = Some(Tensor::from_slice(values).reshape([-1, columns]));
    }
    Ref::map(cache.borrow(), |t| t.as_ref().expect("filled above"))
}

impl TorchModule for TwoLayerNet {
    /// Fills `hidden_z`, `hidden`, `output_z` and `predictions`, tracing each.
    fn forward(&mut self, t: &Tap, x: &[f32]) {
        let [z1_name, hidden_name, z2_name, predictions_name] = self.names.forward;
        self.tap_params(t, "");
        let x = tensor(&self.x, x, 2);
        let [_, b1, _, b2] = &self.params;
        let _ = b1.addmm_out(&self.hidden_z, &x, &self.weight_t[0]);
        t.tap(z1_name, floats(&self.hidden_z));
        match self.hidden_activation {
            Hidden::Relu => {
                let hidden = floats_mut(&self.hidden);
                hidden.copy_from_slice(floats(&self.hidden_z));
                relu(hidden);
            }
            Hidden::Sigmoid => {
                let _ = self.hidden_z.sigmoid_out(&self.hidden);
            }
        }
        t.tap(hidden_name, floats(&self.hidden));
        let _ = b2.addmm_out(&self.output_z, &self.hidden, &self.weight_t[1]);
        t.tap(z2_name, floats(&self.output_z));
        let _ = self.output_z.sigmoid_out(&self.predictions);
        t.tap(predictions_name, floats(&self.predictions));
    }

    fn mse_loss(&self, y: &[f32]) -> f64 {
        let loss = self
            .predictions
            .mse_loss(&tensor(&self.y, y, 1), Reduction::Mean);
        floats(&loss)[0] as f64
    }

    fn backward(&mut self, t: &Tap, x: &[f32], y: &[f32]) {
        let [w1_name, b1_name, w2_name, b2_name] = self.names.params;
        let [z1_name, hidden_name, z2_name, predictions_name] = self.names.forward;
        let [_, _, w2, _] = &self.params;
        let [gw1, gb1, gw2, gb2] = &self.grads;
        // MseLossBackward0 seeded with ones_like(loss), then SigmoidBackward0.
        let grad_predictions = floats_mut(&self.grad_predictions);
        mse_loss_backward(floats(&self.predictions), y, grad_predictions);
        t.tap_grad(predictions_name, &*grad_predictions);
        let grad_z = floats_mut(&self.grad_output_z);
        grad_z.copy_from_slice(grad_predictions);
        sigmoid_backward_(grad_z, floats(&self.predictions));
        t.tap_grad(z2_name, &*grad_z);
        // AddmmBackward0 of fc2. weight.t() is column-major, so mm_mat2_backward computes
        // grad.t().mm(hidden) (TBackward0 undoes its last transpose); the bias gets the
        // engine's sum_to over the batch; the row-major input gets grad.mm(weight).
        let _ = self.grad_output_z_t.mm_out(gw2, &self.hidden);
        t.tap_grad(w2_name, floats(gw2));
        let _ = self
            .grad_output_z
            .sum_intlist_out(gb2, 0, false, Kind::Float);
        t.tap_grad(b2_name, floats(gb2));
        let _ = self.grad_output_z.mm_out(&self.grad_hidden, w2);
        t.tap_grad(hidden_name, floats(&self.grad_hidden));
        let grad_hidden_z = floats_mut(&self.grad_hidden_z);
        grad_hidden_z.copy_from_slice(floats(&self.grad_hidden));
        match self.hidden_activation {
            Hidden::Relu => relu_backward_(grad_hidden_z, floats(&self.hidden)),
            Hidden::Sigmoid => sigmoid_backward_(grad_hidden_z, floats(&self.hidden)),
        }
        t.tap_grad(z1_name, &*grad_hidden_z);
        // AddmmBackward0 of fc1: the data needs no gradient.
        let _ = self.grad_hidden_z_t.mm_out(gw1, &tensor(&self.x, x, 2));
        t.tap_grad(w1_name, floats(gw1));
        let _ = self
            .grad_hidden_z
            .sum_intlist_out(gb1, 0, false, Kind::Float);
        t.tap_grad(b1_name, floats(gb1));
    }

    fn sgd_step(&mut self, t: &Tap, lr: f64) {
        for (param, grad) in self.params.iter().zip(&self.grads) {
            sgd_update_as(self.capability, floats_mut(param), floats(grad), lr);
        }
        self.tap_params(t, ".updated");
    }

    fn outputs(&self) -> Vec<f64> {
        widen(floats(&self.predictions))
    }
}

impl Network for TwoLayerNet {
    fn parameters(&self) -> Vec<Vec<f64>> {
        self.params.iter().map(|p| widen(floats(p))).collect()
    }

    /// `model(X)` on the four XOR inputs (the one batch these notebooks evaluate).
    fn predict(&mut self, inputs: &[[f64; 2]]) -> anyhow::Result<Vec<f64>> {
        let x: Vec<f32> = inputs.iter().flatten().map(|&v| v as f32).collect();
        anyhow::ensure!(
            x.len() as i64 == self.hidden.size()[0] * 2,
            "the network takes its batch of inputs at once"
        );
        self.forward(&Tap::default(), &x);
        Ok(self.outputs())
    }
}

/// The elements of a contiguous float32 CPU tensor.
pub fn floats(t: &Tensor) -> &[f32] {
    assert!(t.kind() == Kind::Float && t.is_contiguous() && t.device() == Device::Cpu);
    // SAFETY: checked above; the slice borrows `t`, which owns (or views) the storage.
    unsafe { std::slice::from_raw_parts(t.data_ptr() as *const f32, t.numel()) }
}

/// The elements of a contiguous float32 CPU tensor, for writing. Callers hold no other
/// slice of the same tensor while writing.
#[allow(clippy::mut_from_ref)]
pub fn floats_mut(t: &Tensor) -> &mut [f32] {
    assert!(t.kind() == Kind::Float && t.is_contiguous() && t.device() == Device::Cpu);
    // SAFETY: as in `floats`; tensors here are buffers each written through one slice.
    unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut f32, t.numel()) }
}

// The element-wise kernels are the plain-Rust engine's (measured against libtorch there and
// in torch/tests/backprop_kernels.rs).
pub use xor_repro::kernels::aten::ops::{
    mse_loss_backward, relu_ as relu, relu_backward_, sigmoid_backward_,
};

/// `p.add_(grad, alpha=-lr)` as libtorch computes it in this process: see
/// [`sgd_update_as`]; the kernel set is the one libtorch picked from the CPU and
/// `ATEN_CPU_CAPABILITY`.
pub fn sgd_update(param: &mut [f32], grad: &[f32], lr: f64) {
    sgd_update_as(
        xor_repro::kernels::this_machine().aten.path,
        param,
        grad,
        lr,
    );
}

/// `p.add_(grad, alpha=-lr)` as libtorch's add kernel of `capability` computes
/// `p + alpha * grad`: one fused multiply-add (`avx2`, `avx512`) or the product rounded
/// first (`default`); rounding the wrong way drifts from Python within ~60 epochs. With no
/// reproduced set (`None`), libtorch's own `add_` runs, through its C++ `optim::SGD`.
pub fn sgd_update_as(capability: Option<Capability>, param: &mut [f32], grad: &[f32], lr: f64) {
    let alpha = -lr as f32;
    match capability {
        Some(c) => {
            for (p, &g) in param.iter_mut().zip(grad) {
                *p = aten::add_scaled(c, *p, g, alpha);
            }
        }
        None => sgd_update_through_libtorch(param, grad, lr),
    }
}

/// libtorch's `p.add_(grad, -lr)` on copies of the slices: `tch` has no `add_` with an
/// alpha, so the C++ SGD, whose step is exactly that, takes `grad` as `p`'s gradient
/// (`(p * grad).sum()` has gradient `1 * grad`, the same bits).
fn sgd_update_through_libtorch(param: &mut [f32], grad: &[f32], lr: f64) {
    let p = Tensor::from_slice(param).set_requires_grad(true);
    let g = Tensor::from_slice(grad);
    (&p * &g).sum(Kind::Float).backward();
    let optimizer = crate::torch_init::sgd(&[p.shallow_clone()], lr)
        .expect("libtorch builds an SGD optimizer over one float tensor");
    optimizer
        .step()
        .expect("libtorch's SGD step on a float tensor with its gradient");
    param.copy_from_slice(floats(&p.detach()));
}
