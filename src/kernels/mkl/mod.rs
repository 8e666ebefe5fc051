//! Intel MKL 2024.2 (statically linked into libtorch 2.13.0): which code path it runs, decided
//! as MKL decides it ([`dispatch`]), and each path's kernels for the PyTorch notebooks, bit for
//! bit: [`gemm`] (`sgemm`, every `addmm` and `mm`) and [`vml`] (`vsExp` and `vsLn`, which
//! `torch.exp` and `torch.log` of float32 call).
//!
//! libtorch hands every float32 `addmm` and `mm` of the PyTorch notebooks to MKL's `sgemm`
//! (`nn.Linear`'s forward as `addmm(bias, x, weight.t())` with `beta = 1` over the bias
//! broadcast into the output; autograd's `mm`s with `beta = 0`). MKL asks the vendor first
//! (`mkl_serv_intel_cpu_true`):
//! - **A CPU that is not Intel's** runs the path for "Intel(R) Architecture processors" and
//!   ignores both switches (measured on AMD EPYC Zen 3 and Zen 4): [`MklPath::GENERIC`].
//! - **An Intel CPU** (or any x86 CPU under [`MKL_AS_INTEL`]) runs its widest level, capped
//!   by `MKL_ENABLE_INSTRUCTIONS` and bent by `MKL_CBWR` ([`dispatch`]). Measured on a Xeon
//!   with AMX (family 6 model 167) at every level it runs, SSE4_2 to AVX512_E4: the levels
//!   fall into three `sgemm` paths (SSE4.2; AVX2 and AVX2_E1; AVX512 to AVX512_E4), plus
//!   `COMPATIBLE` (the generic path) and `,STRICT` (its own fused orders); `vsExp`/`vsLn` run
//!   the `EX` kernels at SSE4.2, `L9` at AVX2, `Z0` at AVX-512 (gdb, on each setting).
//!
//! `scripts/mkl_sgemm_orders.py` measures the orders of a machine's path;
//! `torch/tests/torch_kernels.rs` holds every kernel here against libtorch (`addmm` and `mm`
//! at every shape and layout the notebooks use, `torch.exp` and `torch.log` on every float32
//! of their special ranges and a dense sample of the rest), under every switch value this CPU
//! can take, and `tests/kernel_paths.rs` the dispatch against `MKL_VERBOSE`.

pub mod dispatch;
pub mod gemm;
pub mod shim;
pub mod vml;
mod vml_intel;

pub use gemm::matmul;

use super::cpu::CpuFeatures;
use super::{Pick, Switches};
use dispatch::Isa;

/// xor-repro's own switch: `XOR_REPRO_MKL_AS_INTEL=1` has both sides take MKL's dispatch for
/// Intel's CPUs on a CPU that is not Intel's (the plain-Rust engine picks that path; the
/// Python side and libtorch run with [`shim`] preloaded, which answers MKL's vendor check
/// "Intel"). One machine taking another's path, for measuring and
/// testing, like the libraries' own switches; on an Intel CPU it changes nothing.
pub const MKL_AS_INTEL: &str = "XOR_REPRO_MKL_AS_INTEL";

/// An MKL code path reproduced here: the summation orders of its `sgemm` and the kernels of
/// its vector math.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MklPath {
    pub gemm: Gemm,
    pub vml: Vml,
}

/// `sgemm`'s summation orders on the notebooks' products ([`gemm`] has them per call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gemm {
    /// Processors that are not Intel's, and `MKL_CBWR=COMPATIBLE`: unfused, left to right,
    /// the bias last.
    Generic,
    /// Intel's SSE4.2 path: unfused, the bias first in `fc1`'s `addmm`.
    Sse42,
    /// Intel's AVX2 path: fused or paired, by shape.
    Avx2,
    /// Intel's AVX-512 paths (AVX512 to AVX512_E4 alike): fused, by shape.
    Avx512,
    /// `MKL_CBWR=…,STRICT` at AVX2 or above: every sum one fused chain from +0, the bias last.
    Strict,
}

/// The `vsExp`/`vsLn` kernels MKL runs ([`vml`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vml {
    /// The SSE `EX` kernels: the generic path, SSE4.2 and every `MKL_CBWR` branch below AVX2.
    Sse,
    /// The AVX2 `L9` kernels.
    Avx2,
    /// The AVX-512 `Z0` kernels.
    Avx512,
}

impl MklPath {
    /// The path of processors that are not Intel's.
    pub const GENERIC: MklPath = MklPath {
        gemm: Gemm::Generic,
        vml: Vml::Sse,
    };

    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<MklPath> {
        if !cpu.is_x86_64() {
            return Pick::not_x86_64(cpu, "MKL");
        }
        let enable = switches.mkl_enable_instructions.as_deref();
        let cbwr = switches.mkl_cbwr.as_deref();
        if cpu.vendor != "GenuineIntel" && !switches.mkl_as_intel {
            let ignored: Vec<String> = [("MKL_ENABLE_INSTRUCTIONS", enable), ("MKL_CBWR", cbwr)]
                .iter()
                .filter_map(|(name, v)| v.map(|v| format!("{name}={v}")))
                .collect();
            let ignored = if ignored.is_empty() {
                String::new()
            } else {
                format!("; {} changes nothing there", ignored.join(" and "))
            };
            return Pick {
                path: Some(MklPath::GENERIC),
                name: dispatch::GENERIC_NAME.to_string(),
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
        let landing = dispatch::land(cpu, enable, cbwr);
        let path = match (landing.level, landing.strict) {
            (None, _) => Some(MklPath::GENERIC),
            // Nobody has measured a CPU that reaches AVX512_E5 (AMX with FP16).
            (Some(Isa::Avx512E5), _) => None,
            (Some(level), strict) => {
                let vml = match level {
                    Isa::Sse42 => Vml::Sse,
                    Isa::Avx2 | Isa::Avx2E1 => Vml::Avx2,
                    _ => Vml::Avx512,
                };
                let gemm = match vml {
                    _ if strict => Gemm::Strict,
                    Vml::Sse => Gemm::Sse42,
                    Vml::Avx2 => Gemm::Avx2,
                    Vml::Avx512 => Gemm::Avx512,
                };
                Some(MklPath { gemm, vml })
            }
        };
        let widest = Isa::widest(cpu, None).map_or("none", Isa::name);
        let mut why = vec![if cpu.vendor == "GenuineIntel" {
            format!("GenuineIntel CPU: MKL's dispatch for Intel's CPUs, widest level {widest}")
        } else {
            format!(
                "{} CPU taking MKL's dispatch for Intel's CPUs ({MKL_AS_INTEL}=1), widest \
                 level {widest}",
                cpu.vendor
            )
        }];
        why.extend(enable.map(|v| match Isa::from_enable_instructions(v) {
            Some(_) => format!("capped by MKL_ENABLE_INSTRUCTIONS={v}"),
            None => format!("MKL_ENABLE_INSTRUCTIONS={v} is not a value MKL takes"),
        }));
        why.extend(cbwr.map(|v| match dispatch::parse_cbwr(v) {
            Some(_) if landing.strict => format!("MKL_CBWR={v}: strict, every sum fused"),
            Some(_) => format!("MKL_CBWR={v}"),
            None => format!("MKL_CBWR={v} is not a value MKL takes"),
        }));
        if cpu.vendor == "GenuineIntel" && switches.mkl_as_intel {
            why.push(format!("{MKL_AS_INTEL}=1 changes nothing on an Intel CPU"));
        }
        if path.is_none() {
            why.push("AVX512_E5 is not measured yet".to_string());
        }
        Pick {
            path,
            name: landing.name.to_string(),
            why: why.join("; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(vendor: &str, features: &[&str]) -> CpuFeatures {
        let mut cpu = CpuFeatures {
            arch: "x86_64".to_string(),
            vendor: vendor.to_string(),
            sse42: true,
            ..CpuFeatures::default()
        };
        for f in features {
            match *f {
                "avx2" => (cpu.avx, cpu.fma, cpu.avx2) = (true, true, true),
                "avx512" => {
                    (
                        cpu.avx512f,
                        cpu.avx512cd,
                        cpu.avx512bw,
                        cpu.avx512dq,
                        cpu.avx512vl,
                    ) = (true, true, true, true, true)
                }
                "vnni" => cpu.avx512_vnni = true,
                "bf16" => cpu.avx512_bf16 = true,
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
        let epyc = cpu("AuthenticAMD", &["avx2"]);
        for (i, c) in [
            (None, None),
            (Some("AVX512"), None),
            (Some("SSE4_2"), Some("COMPATIBLE")),
            (None, Some("AVX2,STRICT")),
        ] {
            let p = pick(&epyc, i, c);
            assert_eq!(p.path, Some(MklPath::GENERIC), "{i:?} {c:?}");
            assert_eq!(p.name, dispatch::GENERIC_NAME);
        }
        assert!(pick(&epyc, Some("AVX2"), None)
            .why
            .contains("changes nothing"));
    }

    #[test]
    fn the_switch_gives_a_cpu_not_intels_the_intel_dispatch() {
        let zen4 = cpu("AuthenticAMD", &["avx2", "avx512", "vnni", "bf16"]);
        let switches = Switches {
            mkl_as_intel: true,
            ..Switches::default()
        };
        let p = MklPath::select(&zen4, &switches);
        assert_eq!(p.name, "AVX512_E3");
        assert_eq!(p.path.map(|p| p.gemm), Some(Gemm::Avx512));
        assert!(p.why.contains(MKL_AS_INTEL));
        // COMPATIBLE keeps the generic bits, under the SSE2 branch's name off Intel's CPUs.
        let compatible = Switches {
            mkl_cbwr: Some("COMPATIBLE".to_string()),
            ..switches.clone()
        };
        let p = MklPath::select(&zen4, &compatible);
        assert_eq!((p.path, p.name.as_str()), (Some(MklPath::GENERIC), "SSE2"));
        let xeon = cpu("GenuineIntel", &["avx2", "avx512"]);
        let p = MklPath::select(&xeon, &compatible);
        assert_eq!(
            (p.path, p.name.as_str()),
            (Some(MklPath::GENERIC), dispatch::GENERIC_NAME)
        );
    }

    #[test]
    fn intel_levels_caps_and_branches() {
        let skx = cpu("GenuineIntel", &["avx2", "avx512"]);
        let gemm = |i, c| pick(&skx, i, c).path.map(|p| (p.gemm, p.vml));
        assert_eq!(gemm(None, None), Some((Gemm::Avx512, Vml::Avx512)));
        assert_eq!(gemm(Some("AVX2"), None), Some((Gemm::Avx2, Vml::Avx2)));
        assert_eq!(gemm(Some("AVX"), None), Some((Gemm::Sse42, Vml::Sse)));
        assert_eq!(gemm(Some("avx2"), None), gemm(None, None), "case matters");
        assert_eq!(
            gemm(None, Some("COMPATIBLE")),
            Some((Gemm::Generic, Vml::Sse))
        );
        assert_eq!(gemm(None, Some("SSE4_1")), Some((Gemm::Generic, Vml::Sse)));
        assert_eq!(
            gemm(Some("AVX512"), Some("SSE4_2")),
            Some((Gemm::Sse42, Vml::Sse))
        );
        assert_eq!(
            gemm(Some("AVX512"), Some("AVX2")),
            Some((Gemm::Avx512, Vml::Avx512))
        );
        assert_eq!(gemm(None, Some("AVX2")), Some((Gemm::Avx2, Vml::Avx2)));
        assert_eq!(
            gemm(None, Some("AVX2,STRICT")),
            Some((Gemm::Strict, Vml::Avx2))
        );
        assert_eq!(
            gemm(Some("SSE4_2"), Some("AVX2,STRICT")),
            Some((Gemm::Sse42, Vml::Sse))
        );
        assert_eq!(gemm(None, Some("STRICT")), gemm(None, None));
        assert_eq!(pick(&skx, None, None).name, "AVX512");
        assert_eq!(pick(&skx, Some("AVX512_E1"), None).name, "AVX512");
        assert_eq!(pick(&skx, Some("AVX"), None).name, "SSE4_2");
        let haswell = cpu("GenuineIntel", &["avx2"]);
        assert_eq!(pick(&haswell, Some("AVX512"), None).name, "AVX2");
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
            MklPath::GENERIC,
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
