//! Intel MKL 2024.2 (statically linked into libtorch 2.13.0): which code path it runs, decided
//! as MKL decides it, and that path's kernels for the PyTorch notebooks, bit for bit:
//! [`gemm`] (`sgemm`, every `addmm` and `mm`) and [`vml`] (`vsExp` and `vsLn`, which
//! `torch.exp` and `torch.log` of float32 call).
//!
//! libtorch hands every float32 `addmm` and `mm` of the PyTorch notebooks to MKL's `sgemm`
//! (`nn.Linear`'s forward as `addmm(bias, x, weight.t())` with `beta = 1` over the bias
//! broadcast into the output; autograd's `mm`s with `beta = 0`). MKL dispatches on the
//! vendor first:
//! - **A CPU that is not Intel's** runs MKL's code path for "Intel(R) Architecture
//!   processors" (what `MKL_VERBOSE` names), and ignores `MKL_ENABLE_INSTRUCTIONS` and the ISA
//!   values of `MKL_CBWR`. Measured on an AMD EPYC (family 25, AVX2) over every call the
//!   notebooks make (`[4,2]·[2,h]ᵀ + b`, `[4,h]·[h,1]ᵀ + b`, `gᵀ·H`, `gᵀ·X`, `g·W`, 003's
//!   `[1,4]·[4,1]`), at 4000 random draws each, unset and under `MKL_ENABLE_INSTRUCTIONS` =
//!   AVX512, AVX2, AVX, SSE4_2 and `MKL_CBWR` = AUTO, COMPATIBLE, AVX2, AVX2,STRICT: every
//!   element is `a₀b₀ + a₁b₁ + …` left to right, each product and each sum rounded (no fused
//!   multiply-add), and `addmm`'s bias is added to that sum last. That is
//!   [`MklPath::Generic`]. Signed zeros show where a sum starts: from +0 (so products that
//!   are all −0 sum to +0) in every call but two, measured with all-(−0) products at each: a
//!   one-term product (`g·W`, k = 1) is the product itself, and `addmm` with one output
//!   column (`fc2`) starts from the first product. `scripts/mkl_sgemm_orders.py` makes these
//!   measurements (run it on an Intel machine to learn its paths).
//! - **An Intel CPU** runs the path of its widest ISA (`MKL_ENABLE_INSTRUCTIONS` caps it,
//!   `MKL_CBWR` fixes one). Measured on Intel machines at `[4,2]·[2,4]ᵀ` only: AVX-512 fuses
//!   (`fma(a₁, b₁, a₀b₀)`, then the bias), AVX2 does not, SSE4_2 adds the bias in another
//!   order. The four-term sums of the backward pass were not measured there, so no Intel path
//!   is reproduced yet: the PyTorch notebooks then train on the libtorch-backed exact engine,
//!   which runs MKL itself.
//!
//! The vector math takes the same dispatch: on the EPYC, `vsExp` and `vsLn` run their `EX`
//! kernels in HA mode whatever the switches say (measured; see [`vml`]).
//!
//! `torch/tests/torch_kernels.rs` holds every kernel here against libtorch (`addmm` and `mm`
//! at every shape and layout the notebooks use, `torch.exp` and `torch.log` on every float32
//! of their special ranges and a dense sample of the rest), under every switch value this CPU
//! can take.

pub mod gemm;
pub mod vml;

pub use gemm::matmul;

use super::cpu::CpuFeatures;
use super::{Pick, Switches};

/// An MKL `sgemm` code path reproduced here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MklPath {
    /// The path for processors that are not Intel's: products and sums rounded one by one,
    /// left to right, the bias last.
    Generic,
}

impl MklPath {
    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<MklPath> {
        if !cpu.is_x86_64() {
            return Pick::not_x86_64(cpu, "MKL");
        }
        if cpu.vendor != "GenuineIntel" {
            let ignored: Vec<String> = [
                ("MKL_ENABLE_INSTRUCTIONS", &switches.mkl_enable_instructions),
                ("MKL_CBWR", &switches.mkl_cbwr),
            ]
            .iter()
            .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name}={v}")))
            .collect();
            let ignored = if ignored.is_empty() {
                String::new()
            } else {
                format!("; {} changes nothing there", ignored.join(" and "))
            };
            return Pick {
                path: Some(MklPath::Generic),
                name: "Intel(R) Architecture processors".to_string(),
                why: format!(
                    "{} CPU: MKL's code path for processors that are not Intel's{ignored}",
                    if cpu.vendor.is_empty() {
                        "an unnamed"
                    } else {
                        &cpu.vendor
                    }
                ),
            };
        }
        let isa = intel_isa(cpu, switches.mkl_enable_instructions.as_deref());
        let name = match &switches.mkl_cbwr {
            Some(cbwr) => format!("{isa}, CNR {cbwr}"),
            None => isa.to_string(),
        };
        Pick {
            path: None,
            why: format!(
                "GenuineIntel CPU: MKL's {name} sgemm; its four-term sums are not measured yet \
                 (only AMD's path is reproduced)"
            ),
            name,
        }
    }
}

/// The ISA MKL's dispatcher takes on an Intel CPU, capped by `MKL_ENABLE_INSTRUCTIONS`.
fn intel_isa(cpu: &CpuFeatures, cap: Option<&str>) -> &'static str {
    let widest = if cpu.avx512f && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl {
        4
    } else if cpu.avx2 && cpu.fma {
        3
    } else if cpu.avx {
        2
    } else {
        1
    };
    let cap = match cap.map(|c| c.to_ascii_uppercase()) {
        Some(c) if c.starts_with("AVX512") || c.starts_with("AVX10") => 4,
        Some(c) if c == "AVX2" => 3,
        Some(c) if c == "AVX" => 2,
        Some(c) if c == "SSE4_2" => 1,
        _ => 4,
    };
    ["SSE4_2", "AVX", "AVX2", "AVX-512"][widest.min(cap) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(vendor: &str, features: &[&str]) -> CpuFeatures {
        let mut cpu = CpuFeatures {
            arch: "x86_64".to_string(),
            vendor: vendor.to_string(),
            ..CpuFeatures::default()
        };
        for f in features {
            match *f {
                "avx" => cpu.avx = true,
                "fma" => cpu.fma = true,
                "avx2" => cpu.avx2 = true,
                "avx512" => {
                    (cpu.avx512f, cpu.avx512bw, cpu.avx512dq, cpu.avx512vl) =
                        (true, true, true, true)
                }
                other => panic!("unknown test feature {other}"),
            }
        }
        cpu
    }

    fn pick(cpu: &CpuFeatures, instructions: Option<&str>, cbwr: Option<&str>) -> Pick<MklPath> {
        let switches = Switches {
            mkl_enable_instructions: instructions.map(str::to_string),
            mkl_cbwr: cbwr.map(str::to_string),
            ..Switches::default()
        };
        MklPath::select(cpu, &switches)
    }

    #[test]
    fn a_cpu_not_intels_takes_the_generic_path_whatever_the_switches() {
        let epyc = cpu("AuthenticAMD", &["avx", "fma", "avx2"]);
        for (i, c) in [
            (None, None),
            (Some("AVX512"), None),
            (Some("SSE4_2"), Some("COMPATIBLE")),
        ] {
            let p = pick(&epyc, i, c);
            assert_eq!(p.path, Some(MklPath::Generic), "{i:?} {c:?}");
            assert_eq!(p.name, "Intel(R) Architecture processors");
        }
        assert!(pick(&epyc, Some("AVX2"), None)
            .why
            .contains("changes nothing"));
        let strict = pick(&epyc, None, Some("AVX2,STRICT"));
        assert_eq!(strict.path, Some(MklPath::Generic));
    }

    #[test]
    fn intel_paths_are_named_and_not_reproduced() {
        let xeon = cpu("GenuineIntel", &["avx", "fma", "avx2", "avx512"]);
        assert_eq!(pick(&xeon, None, None).name, "AVX-512");
        assert_eq!(pick(&xeon, Some("AVX2"), None).name, "AVX2");
        assert_eq!(pick(&xeon, Some("SSE4_2"), None).name, "SSE4_2");
        assert_eq!(
            pick(&xeon, None, Some("COMPATIBLE")).name,
            "AVX-512, CNR COMPATIBLE"
        );
        let haswell = cpu("GenuineIntel", &["avx", "fma", "avx2"]);
        assert_eq!(pick(&haswell, Some("AVX512"), None).name, "AVX2");
        assert!(pick(&xeon, None, None).path.is_none());
    }

    #[test]
    fn generic_products_round_each_step_and_add_the_bias_last() {
        // x² = 1 + 2⁻¹¹ + 2⁻²⁴ for x = 1 + 2⁻¹²: rounded alone it loses the 2⁻²⁴ that a
        // fused multiply-add keeps.
        let x = 1.0f32 + 2f32.powi(-12);
        let a = [-1.0f32, x];
        let b = [1.0f32, x];
        let mut out = [0.0f32];
        matmul(
            MklPath::Generic,
            (1, 2, 1),
            |_, p| a[p],
            |p, _| b[p],
            Some(&[0.5]),
            &mut out,
        );
        let want = (a[0] * b[0] + a[1] * b[1]) + 0.5;
        assert_eq!(out[0], want);
        assert_ne!(a[1].mul_add(b[1], a[0] * b[0]) + 0.5, want);
    }
}
