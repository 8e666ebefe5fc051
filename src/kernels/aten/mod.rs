//! Which of libtorch's kernel sets PyTorch 2.13.0 runs (`CPU_CAPABILITY`: `avx512`, `avx2` or
//! `default`), decided as libtorch decides it, and the one element-wise kernel whose rounding
//! differs between the sets among those the Rust side computes itself.
//!
//! The plain-Rust exact engines (`crate::experiments::torch_net` and notebook 003's module)
//! follow the set in use through [`ops`] and [`add_scaled`]; the libtorch-backed engine
//! (`torch/src/libtorch_engine/backprop.rs`) computes its element-wise steps in Rust too, and
//! follows it the same way.
//!
//! How libtorch decides (`aten/src/ATen/native/DispatchStub.cpp`, `compute_cpu_capability`,
//! run once per process at the first dispatch, the result kept in a static):
//! - `ATEN_CPU_CAPABILITY` is compared with `strcmp`, so exactly, case-sensitively:
//!   `"avx512"`, `"avx2"` and `"default"` are taken **as asked, without checking the CPU**
//!   (on a CPU without the instructions the kernels then fault). Any other value, `"AVX2"` or
//!   `" avx2"` or an empty one included, is ignored with the warning `ignoring invalid value
//!   for ATEN_CPU_CAPABILITY`, and the CPU decides.
//! - From cpuinfo (features count only with the OS's register support): AVX512 when the CPU
//!   has AVX512-VL, -BW, -DQ and FMA3; else AVX2 when it has AVX2 and FMA3; else DEFAULT.
//!   A CPU with AVX but not AVX2 gets DEFAULT: there is no AVX set any more.
//!
//! Measured here (`torch.backends.cpu.get_cpu_capability()`, Xeon with AVX-512): unset,
//! empty, `AVX2`, `bogus` give AVX512; `default`, `avx2`, `avx512` give DEFAULT, AVX2, AVX512.
//!
//! The element-wise kernels the Rust steps follow, by source (`aten/src/ATen/native/cpu/`)
//! and by measurement against each set (`torch/tests/torch_kernels.rs`,
//! `torch/tests/backprop_kernels.rs`): each kernel is a
//! `cpu_kernel_vec` lambda pair, the vector one on blocks of 2·(register width) elements
//! (16 floats for `default` and `avx2`, 32 for `avx512`) and the scalar one on the rest, so
//! the notebooks' tensors of 1 to 16 elements run mostly the scalar lambda, compiled once
//! per set with that set's compiler flags.
//! - `add(self, other, alpha)` (`ufunc/add.h`; `optim.SGD`'s `p.add_(grad, alpha=-lr)`):
//!   the vector lambda is `vec::fmadd(other, alpha, self)`, the scalar one
//!   `self + alpha * other`. In the `avx2` and `avx512` builds both are one fused
//!   multiply-add (GCC contracts the scalar expression with `-mfma`); in the `default`
//!   build (baseline x86-64, no FMA instruction) both round twice: the product, then the sum.
//!   This is the one step that differs between the sets: [`add_scaled`].
//! - `sigmoid_backward` (`BinaryOpsKernel.cpp`): `a * (1 - b) * b`, left to right, in
//!   both lambdas and every set; `mse_loss_backward` (`PointwiseOpsKernel.cpp`):
//!   `norm * (input - target) * grad_output`; `relu` (`clamp_min(x, 0)`, keeping −0 and NaN)
//!   and `threshold_backward` (`x <= 0 ? 0 : grad`): no arithmetic. None of these offers a
//!   multiply-then-add to contract, so every set gives the same bits.

pub mod ops;

use super::cpu::CpuFeatures;
use super::{Pick, Switches};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    Default,
    Avx2,
    Avx512,
}

impl Capability {
    /// Every set, narrowest first.
    pub const ALL: [Capability; 3] = [Capability::Default, Capability::Avx2, Capability::Avx512];

    /// The `ATEN_CPU_CAPABILITY` value that asks for it (lower case, as libtorch compares).
    pub fn name(self) -> &'static str {
        match self {
            Capability::Default => "default",
            Capability::Avx2 => "avx2",
            Capability::Avx512 => "avx512",
        }
    }

    /// What `torch.backends.cpu.get_cpu_capability()` answers for it.
    pub fn python_name(self) -> &'static str {
        match self {
            Capability::Default => "DEFAULT",
            Capability::Avx2 => "AVX2",
            Capability::Avx512 => "AVX512",
        }
    }

    /// The set `ATEN_CPU_CAPABILITY=value` asks for, compared as libtorch's `strcmp` does.
    pub fn from_switch(value: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == value)
    }

    /// The widest set libtorch's cpuinfo check grants `cpu`.
    pub fn widest(cpu: &CpuFeatures) -> Capability {
        if cpu.avx512vl && cpu.avx512bw && cpu.avx512dq && cpu.fma {
            Capability::Avx512
        } else if cpu.avx2 && cpu.fma {
            Capability::Avx2
        } else {
            Capability::Default
        }
    }

    /// Whether `cpu` can execute this set's kernels.
    pub fn runs_on(self, cpu: &CpuFeatures) -> bool {
        self <= Capability::widest(cpu)
    }

    /// Whether libtorch's `add(self, other, alpha)` rounds `self + alpha * other` once.
    pub fn fuses_add_with_alpha(self) -> bool {
        self != Capability::Default
    }

    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<Capability> {
        if !cpu.is_x86_64() {
            return Pick::not_x86_64(cpu, "libtorch");
        }
        let widest = Capability::widest(cpu);
        let detected = |why: String| Pick {
            path: Some(widest),
            name: widest.name().to_string(),
            why,
        };
        let Some(value) = switches.aten_cpu_capability.as_deref() else {
            return detected("the CPU's widest set".to_string());
        };
        match Capability::from_switch(value) {
            Some(asked) if asked.runs_on(cpu) => Pick {
                path: Some(asked),
                name: asked.name().to_string(),
                why: format!("ATEN_CPU_CAPABILITY={value}"),
            },
            Some(asked) => Pick {
                path: None,
                name: asked.name().to_string(),
                why: format!(
                    "ATEN_CPU_CAPABILITY={value}: libtorch takes the {} kernels without \
                     checking the CPU, and this one lacks their instructions (widest: {})",
                    asked.name(),
                    widest.name()
                ),
            },
            None => detected(format!(
                "ATEN_CPU_CAPABILITY={value:?} is not a value libtorch knows (it warns and \
                 ignores it; it takes exactly avx512, avx2, default): the CPU's widest set"
            )),
        }
    }
}

/// `self + alpha * other` as libtorch's `add` kernel for `capability` rounds it: fused in
/// the `avx2` and `avx512` sets, product then sum in `default` (see the module's notes).
#[inline]
pub fn add_scaled(capability: Capability, self_: f32, other: f32, alpha: f32) -> f32 {
    if capability.fuses_add_with_alpha() {
        other.mul_add(alpha, self_)
    } else {
        self_ + alpha * other
    }
}

#[cfg(test)]
mod tests {
    //! Synthetic CPUs against the rules of `compute_cpu_capability` (DispatchStub.cpp).
    use super::*;

    fn x86(features: &[&str]) -> CpuFeatures {
        let mut cpu = CpuFeatures {
            arch: "x86_64".to_string(),
            ..CpuFeatures::default()
        };
        for f in features {
            match *f {
                "avx" => cpu.avx = true,
                "fma" => cpu.fma = true,
                "avx2" => cpu.avx2 = true,
                "avx512f" => cpu.avx512f = true,
                "avx512cd" => cpu.avx512cd = true,
                "avx512bw" => cpu.avx512bw = true,
                "avx512dq" => cpu.avx512dq = true,
                "avx512vl" => cpu.avx512vl = true,
                other => panic!("unknown test feature {other}"),
            }
        }
        cpu
    }

    const SKYLAKE_X: &[&str] = &[
        "avx", "fma", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl",
    ];
    const ZEN3: &[&str] = &["avx", "fma", "avx2"];

    fn pick(cpu: &CpuFeatures, env: Option<&str>) -> Pick<Capability> {
        let switches = Switches {
            aten_cpu_capability: env.map(str::to_string),
            ..Switches::default()
        };
        Capability::select(cpu, &switches)
    }

    #[test]
    fn the_cpu_decides_when_the_variable_is_unset() {
        use Capability::*;
        for (features, want) in [
            (SKYLAKE_X, Avx512),
            (ZEN3, Avx2),
            // AVX-512 without FMA3 is not enough, nor AVX2 without FMA3.
            (
                &["avx", "avx2", "avx512f", "avx512bw", "avx512dq", "avx512vl"][..],
                Default,
            ),
            (&["avx", "avx2"][..], Default),
            // Knights Landing: AVX512F/CD but no VL/BW/DQ.
            (&["avx", "fma", "avx2", "avx512f", "avx512cd"][..], Avx2),
            (&["avx"][..], Default),
            (&[][..], Default),
        ] {
            assert_eq!(pick(&x86(features), None).path, Some(want), "{features:?}");
        }
    }

    #[test]
    fn known_values_are_taken_as_asked() {
        let cpu = x86(SKYLAKE_X);
        for c in Capability::ALL {
            let p = pick(&cpu, Some(c.name()));
            assert_eq!(p.path, Some(c));
            assert_eq!(p.why, format!("ATEN_CPU_CAPABILITY={}", c.name()));
        }
        assert_eq!(
            pick(&x86(ZEN3), Some("default")).path,
            Some(Capability::Default)
        );
    }

    /// libtorch does not check the CPU against the value: the kernels it then runs fault,
    /// so there is nothing to reproduce.
    #[test]
    fn asking_for_more_than_the_cpu_has_is_not_reproduced() {
        let zen3 = x86(ZEN3);
        let p = pick(&zen3, Some("avx512"));
        assert_eq!(p.path, None);
        assert_eq!(p.name, "avx512");
        assert!(p.why.contains("without checking the CPU"), "{}", p.why);
        assert_eq!(pick(&x86(&["avx"]), Some("avx2")).path, None);
        assert_eq!(pick(&x86(&["avx"]), Some("avx512")).path, None);
    }

    /// `strcmp`: upper case, padding or other names are invalid and the CPU decides.
    #[test]
    fn other_values_are_ignored() {
        for (features, widest) in [(SKYLAKE_X, Capability::Avx512), (ZEN3, Capability::Avx2)] {
            let cpu = x86(features);
            for value in [
                "AVX2",
                "Default",
                " avx2",
                "avx2 ",
                "avx",
                "avx512_vnni",
                "sve256",
            ] {
                let p = pick(&cpu, Some(value));
                assert_eq!(p.path, Some(widest), "{value:?}");
                assert!(p.why.contains("not a value libtorch knows"), "{}", p.why);
            }
        }
    }

    #[test]
    fn other_architectures_are_not_reproduced() {
        let cpu = CpuFeatures {
            arch: "aarch64".to_string(),
            ..CpuFeatures::default()
        };
        assert_eq!(pick(&cpu, None).path, None);
        assert_eq!(pick(&cpu, Some("default")).path, None);
    }

    #[test]
    fn only_default_rounds_the_product_first() {
        // 1 + 2^-12 squared needs 25 bits: fused and separate roundings part.
        let x = 1.0 + f32::EPSILON * 2048.0;
        let (p, g, alpha) = (-1.0f32, x, x);
        let fused = add_scaled(Capability::Avx2, p, g, alpha);
        assert_eq!(fused, add_scaled(Capability::Avx512, p, g, alpha));
        assert_eq!(fused, (x as f64 * x as f64 - 1.0) as f32);
        assert_eq!(add_scaled(Capability::Default, p, g, alpha), x * x - 1.0);
        assert_ne!(fused, x * x - 1.0);
    }
}
