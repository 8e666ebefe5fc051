//! libtorch's CPU generator (`CPUGeneratorImpl`, an mt19937) and the two draws the PyTorch
//! notebooks make from it: `nn.Linear`'s initial parameters and `torch.rand`.
//!
//! - `torch.manual_seed(s)` seeds mt19937 with `init_genrand(s & 0xffffffff)`.
//! - A float32 `uniform_(from, to)` (`uniform_real_distribution<float>`,
//!   `TransformationHelper.h`) takes one 32-bit draw per element, keeps its low 24 bits as
//!   `x = bits · 2⁻²⁴`, and returns `x · (to − from) + from` in float, `from` and `to` rounded
//!   to float first. The kernel is compiled once per `ATEN_CPU_CAPABILITY`: in the `avx2` and
//!   `avx512` sets that is one fused multiply-add, in `default` a product then a sum (measured:
//!   `nn.Linear`'s weights part in the last bits otherwise), as SGD's `add_`
//!   ([`crate::kernels::aten::add_scaled`]).
//! - `nn.Linear(in, out).reset_parameters()`: `kaiming_uniform_(weight, a=√5)`, whose bound
//!   `torch/nn/init.py` computes in double, then the bias from U(−1/√in, 1/√in).
//!
//! `torch/tests/torch_kernels.rs` holds every draw against libtorch's.

use crate::kernels::aten::{self, Capability};
use rand_mt::Mt;

/// libtorch's default CPU generator after `torch.manual_seed(seed)`, drawing through the
/// kernels of one ATen kernel set.
pub struct TorchGenerator {
    mt: Mt,
    capability: Capability,
}

impl TorchGenerator {
    /// `torch.manual_seed(seed)`, for the kernel set libtorch runs in this process.
    pub fn manual_seed(seed: u64) -> TorchGenerator {
        let capability = crate::kernels::this_machine()
            .aten
            .path
            .unwrap_or(Capability::Avx2);
        TorchGenerator::with_capability(seed, capability)
    }

    /// `torch.manual_seed(seed)`, drawing as the kernels of `capability` do.
    pub fn with_capability(seed: u64, capability: Capability) -> TorchGenerator {
        TorchGenerator {
            mt: Mt::new(seed as u32),
            capability,
        }
    }

    /// `torch.empty(n).uniform_(from, to)` in float32.
    pub fn uniform(&mut self, n: usize, from: f64, to: f64) -> Vec<f32> {
        let (from, to) = (from as f32, to as f32);
        let range = to - from;
        (0..n)
            .map(|_| {
                let x = (self.mt.next_u32() & 0x00ff_ffff) as f32 * (1.0 / 16_777_216.0);
                aten::add_scaled(self.capability, from, x, range)
            })
            .collect()
    }

    /// `torch.rand(n)`: U[0, 1) in float32.
    pub fn rand(&mut self, n: usize) -> Vec<f32> {
        self.uniform(n, 0.0, 1.0)
    }

    /// `nn.Linear(inputs, outputs)`'s weight (`outputs × inputs`, row-major) and bias, drawn
    /// in that order.
    pub fn linear(&mut self, inputs: usize, outputs: usize) -> (Vec<f32>, Vec<f32>) {
        let (weight_bound, bias_bound) = linear_bounds(inputs);
        let weight = self.uniform(inputs * outputs, -weight_bound, weight_bound);
        let bias = self.uniform(outputs, -bias_bound, bias_bound);
        (weight, bias)
    }
}

/// `nn.Linear.reset_parameters()`'s bounds for a layer with `fan_in` inputs: the weight's
/// U(−b, b) of `kaiming_uniform_(weight, a=math.sqrt(5))`, then the bias's U(−1/√fan_in,
/// 1/√fan_in). The one place they are computed; every engine that draws `nn.Linear` uses it.
pub fn linear_bounds(fan_in: usize) -> (f64, f64) {
    (kaiming_uniform_bound(fan_in), 1.0 / (fan_in as f64).sqrt())
}

/// The bound `nn.init.kaiming_uniform_(w, a=math.sqrt(5))` uses for a weight with `fan_in`
/// inputs, with `torch/nn/init.py`'s double operations (1/√fan_in up to the last bit).
pub fn kaiming_uniform_bound(fan_in: usize) -> f64 {
    let a = 5f64.sqrt();
    let gain = (2.0 / (1.0 + a.powi(2))).sqrt();
    let std = gain / (fan_in as f64).sqrt();
    3f64.sqrt() * std
}
