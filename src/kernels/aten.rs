//! Which of libtorch's kernel sets PyTorch 2.13.0 runs (`CPU_CAPABILITY`): `avx512`, `avx2` or
//! `default`, picked from the CPU's features unless `ATEN_CPU_CAPABILITY` names one.
//!
//! Rust and Python share libtorch, so both run the same kernels; this matters only for the
//! steps the Rust side computes itself, which follow the kernel set in use.

use super::cpu::CpuFeatures;
use super::{Pick, Switches};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    Default,
    Avx2,
    Avx512,
}

impl Capability {
    /// PyTorch's name (`torch.backends.cpu.get_cpu_capability()`, lower-cased).
    pub fn name(self) -> &'static str {
        match self {
            Capability::Default => "default",
            Capability::Avx2 => "avx2",
            Capability::Avx512 => "avx512",
        }
    }

    /// The widest set `cpu` runs.
    pub fn widest(cpu: &CpuFeatures) -> Capability {
        if cpu.avx512vl && cpu.avx512bw && cpu.avx512dq && cpu.fma {
            Capability::Avx512
        } else if cpu.avx2 && cpu.fma {
            Capability::Avx2
        } else {
            Capability::Default
        }
    }

    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<Capability> {
        if !cpu.is_x86_64() {
            return Pick {
                path: None,
                name: format!("libtorch's {} kernels", cpu.arch),
                why: format!("not x86-64 ({})", cpu.arch),
            };
        }
        let widest = Capability::widest(cpu);
        let (capability, why) = match switches.aten_cpu_capability.as_deref() {
            Some(v) => {
                let asked = match v.to_ascii_lowercase().as_str() {
                    "default" => Some(Capability::Default),
                    "avx2" => Some(Capability::Avx2),
                    "avx512" => Some(Capability::Avx512),
                    _ => None,
                };
                match asked {
                    Some(c) if c <= widest => (c, format!("ATEN_CPU_CAPABILITY={v}")),
                    _ => (
                        widest,
                        format!("ATEN_CPU_CAPABILITY={v} not usable here; the CPU's widest"),
                    ),
                }
            }
            None => (widest, "the CPU's widest set".to_string()),
        };
        Pick {
            path: Some(capability),
            name: capability.name().to_string(),
            why,
        }
    }
}
