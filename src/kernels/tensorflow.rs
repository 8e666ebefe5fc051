//! Which CPU back-end TensorFlow 2.19.0 runs: Eigen, or oneDNN at one instruction set.
//!
//! `TF_ENABLE_ONEDNN_OPTS` decides when it reads `0`/`false` (off) or `1`/`true` (on), in any
//! case; unset or any other value, TensorFlow's default policy decides
//! (`tensorflow/core/util/port.cc`, `IsMklEnabled`: `ReadBoolFromEnvVar` with the default
//! `DefaultOneDnnPolicy()`): on Linux x86-64, oneDNN is on exactly when the CPU reports
//! AVX512_VNNI, AVX512_BF16, AVX_VNNI, AMX_TILE, AMX_INT8 or AMX_BF16 (TSL's
//! `TestCPUFeature`; it counts AVX-512 features only where the OS saves their registers, the
//! AMX and AVX_VNNI bits as cpuid reports them).
//! `tensorflow.python.util._pywrap_util_port.IsMklEnabled()` answers the same question. oneDNN
//! then runs the widest ISA the CPU has, capped by `ONEDNN_MAX_CPU_ISA`.
//!
//! oneDNN's ISA matters on the Eigen back-end too: TensorFlow's tensor contractions (products
//! with no dimension of 1) call oneDNN's `sgemm` whichever back-end runs (`ONEDNN_VERBOSE`
//! shows them with `TF_ENABLE_ONEDNN_OPTS=0`), so [`Backend::Eigen`] carries that ISA.

use super::cpu::CpuFeatures;
use super::eigen::Packets;
use super::{Pick, Switches};

/// Which build of TensorFlow 2.19.0 runs: what its compiler made of Eigen, and whether oneDNN is
/// on by default. Builds differ where the CPU does not: the same notebook on the same CPU prints
/// other digits under another build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Build {
    /// The Linux x86-64 wheel on PyPI, measured here: Eigen on AVX packets (eight floats)
    /// without FMA; oneDNN on by default only on CPUs with VNNI, BF16 or AMX.
    #[default]
    Wheel,
    /// A build for baseline x86-64 with oneDNN on by default: Eigen on SSE packets (four
    /// floats) without FMA, every MatMul in oneDNN, which still runs the CPU's widest ISA (it
    /// compiles its kernels at run time). `DefaultOneDnnPolicy` (`port.cc`) turns oneDNN on by
    /// default on Windows x86-64; a build compiled without AVX keeps Eigen on SSE. The only
    /// build found that prints every line of notebook 002's TensorFlow cell; emulated, not
    /// confirmed on a real build of it.
    Baseline,
}

impl Build {
    /// The name `--machine NAME+BUILD` and `machines` use.
    pub fn name(self) -> &'static str {
        match self {
            Build::Wheel => "tf-wheel",
            Build::Baseline => "tf-baseline",
        }
    }

    /// One line on what this build is, for `machines`.
    pub fn summary(self) -> &'static str {
        match self {
            Build::Wheel => {
                "TensorFlow's Linux wheel (the default): Eigen on AVX packets, oneDNN on by default only with VNNI, BF16 or AMX"
            }
            Build::Baseline => {
                "TensorFlow built for baseline x86-64 with oneDNN on (as port.cc sets it on Windows): Eigen on SSE packets, every MatMul in oneDNN; emulated, not confirmed on a real build"
            }
        }
    }

    /// Eigen's packets in this build.
    pub fn packets(self) -> Packets {
        match self {
            Build::Wheel => Packets::Avx8,
            Build::Baseline => Packets::Sse4,
        }
    }

    /// Every build, in the order `machines` lists them.
    pub const ALL: [Build; 2] = [Build::Wheel, Build::Baseline];
}

/// oneDNN's instruction-set levels whose f32 kernels add in different orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OneDnnIsa {
    Sse41,
    Avx,
    Avx2,
    Avx512Core,
}

impl OneDnnIsa {
    /// oneDNN's name (`ONEDNN_MAX_CPU_ISA`, `ONEDNN_VERBOSE`).
    pub fn name(self) -> &'static str {
        match self {
            OneDnnIsa::Sse41 => "SSE41",
            OneDnnIsa::Avx => "AVX",
            OneDnnIsa::Avx2 => "AVX2",
            OneDnnIsa::Avx512Core => "AVX512_CORE",
        }
    }

    /// The widest level `cpu` runs, as oneDNN's `mayiuse` decides it (`cpu_isa_traits.hpp`,
    /// on Xbyak's cpuid reading, which counts AVX2 only with AVX): `avx512_core` is AVX512F with
    /// BW, VL and DQ, `avx2` is AVX2 with AVX.
    pub fn widest(cpu: &CpuFeatures) -> Option<OneDnnIsa> {
        if cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq {
            Some(OneDnnIsa::Avx512Core)
        } else if cpu.avx && cpu.avx2 {
            Some(OneDnnIsa::Avx2)
        } else if cpu.avx {
            Some(OneDnnIsa::Avx)
        } else if cpu.sse41 {
            Some(OneDnnIsa::Sse41)
        } else {
            None
        }
    }

    /// The cap `ONEDNN_MAX_CPU_ISA` sets, as oneDNN 3.5 reads it (`init_max_cpu_isa` in
    /// `cpu_isa_traits.cpp`): lower-cased, untrimmed, one of its exact names, rounded down to a
    /// level whose f32 kernels differ (`AVX2_VNNI*` is `AVX2`, every AVX-512 and AMX name is
    /// `AVX512_CORE`); `DEFAULT` is no cap (`Some(None)`). Any other value, `ALL` included,
    /// oneDNN ignores: `None`.
    pub fn parse_cap(value: &str) -> Option<Option<OneDnnIsa>> {
        Some(match value.to_ascii_lowercase().as_str() {
            "default" => None,
            "sse41" => Some(OneDnnIsa::Sse41),
            "avx" => Some(OneDnnIsa::Avx),
            "avx2" | "avx2_vnni" | "avx2_vnni_2" => Some(OneDnnIsa::Avx2),
            "avx512_core"
            | "avx512_core_vnni"
            | "avx512_core_bf16"
            | "avx10_1_512"
            | "avx512_core_fp16"
            | "avx10_1_512_amx"
            | "avx512_core_amx"
            | "avx10_1_512_amx_fp16"
            | "avx512_core_amx_fp16" => Some(OneDnnIsa::Avx512Core),
            _ => return None,
        })
    }
}

/// TensorFlow's CPU back-end for the notebook's ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Eigen's kernels, with tensor contractions in oneDNN's `sgemm` at `sgemm`.
    Eigen { sgemm: OneDnnIsa },
    /// oneDNN's matmul for every product; Eigen for every other op.
    OneDnn(OneDnnIsa),
}

impl Backend {
    pub fn name(self) -> String {
        match self {
            Backend::Eigen { .. } => "Eigen".to_string(),
            Backend::OneDnn(isa) => format!("oneDNN {}", isa.name()),
        }
    }

    /// Whether TensorFlow, unset `TF_ENABLE_ONEDNN_OPTS`, turns oneDNN on for `cpu`.
    pub fn onednn_by_default(cpu: &CpuFeatures) -> bool {
        cpu.avx512_vnni
            || cpu.avx512_bf16
            || cpu.avx_vnni
            || cpu.amx_tile
            || cpu.amx_int8
            || cpu.amx_bf16
    }

    pub fn select(cpu: &CpuFeatures, build: Build, switches: &Switches) -> Pick<Backend> {
        if !cpu.is_x86_64() {
            return Pick::not_x86_64(cpu, "TensorFlow");
        }
        let mut pick = Backend::select_in(cpu, build, switches);
        if build != Build::Wheel {
            pick.name = format!("{} ({} build)", pick.name, build.name());
            pick.why = format!(
                "{}; Eigen on {}-float packets without FMA",
                pick.why,
                build.packets().lanes()
            );
        }
        pick
    }

    fn select_in(cpu: &CpuFeatures, build: Build, switches: &Switches) -> Pick<Backend> {
        if build == Build::Wheel && !cpu.avx {
            return Pick {
                path: None,
                name: "TensorFlow's wheel on a CPU without AVX".to_string(),
                why: "the wheel is built with AVX: it stops at import on this CPU".to_string(),
            };
        }
        let (onednn, mut why) = match switches.tf_enable_onednn_opts.as_deref() {
            Some(v) if v == "0" || v.eq_ignore_ascii_case("false") => {
                (false, format!("TF_ENABLE_ONEDNN_OPTS={v}"))
            }
            Some(v) if v == "1" || v.eq_ignore_ascii_case("true") => {
                (true, format!("TF_ENABLE_ONEDNN_OPTS={v}"))
            }
            _ if build == Build::Baseline => (
                true,
                "TF_ENABLE_ONEDNN_OPTS unset (or not 0, 1, false, true) and the build turns oneDNN on"
                    .to_string(),
            ),
            _ if Backend::onednn_by_default(cpu) => {
                let present: Vec<&str> = [
                    (cpu.avx512_vnni, "AVX512_VNNI"),
                    (cpu.avx512_bf16, "AVX512_BF16"),
                    (cpu.avx_vnni, "AVX_VNNI"),
                    (cpu.amx_tile, "AMX_TILE"),
                    (cpu.amx_int8, "AMX_INT8"),
                    (cpu.amx_bf16, "AMX_BF16"),
                ]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
                (
                    true,
                    format!(
                        "TF_ENABLE_ONEDNN_OPTS unset (or not 0, 1, false, true) and the CPU has {}",
                        present.join(", ")
                    ),
                )
            }
            _ => (
                false,
                "TF_ENABLE_ONEDNN_OPTS unset (or not 0, 1, false, true) and the CPU has none of AVX512_VNNI, AVX512_BF16, AVX_VNNI, AMX"
                    .to_string(),
            ),
        };
        let Some(widest) = OneDnnIsa::widest(cpu) else {
            return Pick {
                path: None,
                name: "TensorFlow below SSE4.1".to_string(),
                why: "the CPU has no SSE4.1".to_string(),
            };
        };
        let mut isa = widest;
        let mut isa_why = String::new();
        if let Some(cap) = switches.onednn_max_cpu_isa.as_deref() {
            match OneDnnIsa::parse_cap(cap) {
                Some(Some(level)) if level < widest => {
                    isa = level;
                    isa_why = format!("; ONEDNN_MAX_CPU_ISA={cap}");
                }
                Some(_) => {
                    isa_why = format!(
                        "; ONEDNN_MAX_CPU_ISA={cap} above the CPU's {}",
                        widest.name()
                    )
                }
                None => {
                    isa_why = format!(
                        "; ONEDNN_MAX_CPU_ISA={cap} not understood, ignored as oneDNN ignores it"
                    )
                }
            }
        }
        if !onednn {
            let backend = Backend::Eigen { sgemm: isa };
            why.push_str(&format!(
                "; contractions through oneDNN's sgemm at {}{isa_why}",
                isa.name()
            ));
            return Pick {
                path: Some(backend),
                name: backend.name(),
                why,
            };
        }
        why.push_str(&isa_why);
        let backend = Backend::OneDnn(isa);
        why.push_str(&format!("; widest ISA of the CPU {}", widest.name()));
        Pick {
            path: Some(backend),
            name: backend.name(),
            why,
        }
    }
}
