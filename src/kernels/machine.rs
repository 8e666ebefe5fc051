//! Known machines: a CPU's identity as the libraries read it (vendor, family, model, the cpuid
//! features each library checks) and the library builds it runs, so that `--machine NAME`
//! computes on any host what the pinned Python libraries compute on NAME
//! ([`super::emulate`]), and `machines` and `identify` can name them.
//!
//! A name is a CPU, optionally followed by `+BUILD` for a library build other than the pinned
//! wheels (`zen3+tf-baseline`). The CPUs are the four the project has run on (`zen3`, `zen4`,
//! `icelake-server`, `sapphire-rapids`), the common desktop and server generations whose
//! features decide a path, and the x86-64 micro-architecture levels `x86-64-v1`…`v4`.

use super::cpu::CpuFeatures;
use super::tensorflow;
use anyhow::{bail, Result};

/// The library builds a machine runs where more than one is reproduced (the others are the
/// pinned wheels, [`super::PINNED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Builds {
    pub tensorflow: tensorflow::Build,
}

/// A known machine: a CPU and the builds it runs.
#[derive(Debug, Clone)]
pub struct Machine {
    /// The CPU's name here (`zen3`, `icelake-server`, `x86-64-v2`, …).
    pub cpu_name: &'static str,
    /// What it is, for `machines`.
    pub description: &'static str,
    pub cpu: CpuFeatures,
    pub builds: Builds,
}

impl Machine {
    /// `CPU` or `CPU+BUILD`, as `--machine` takes it.
    pub fn name(&self) -> String {
        if self.builds == Builds::default() {
            self.cpu_name.to_string()
        } else {
            format!("{}+{}", self.cpu_name, self.builds.tensorflow.name())
        }
    }

    /// This machine running `build` of TensorFlow.
    pub fn with_tensorflow(mut self, build: tensorflow::Build) -> Machine {
        self.builds.tensorflow = build;
        self
    }
}

/// The features of an x86-64 micro-architecture level (psABI): each level has the ones before.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Level {
    V1,
    V2,
    V3,
    V4,
}

/// What the extra features of a CPU beyond its level are.
#[derive(Clone, Copy, Default)]
struct Extra {
    vnni: bool,
    bf16: bool,
    fp16: bool,
    avx_vnni: bool,
    amx: bool,
    amx_fp16: bool,
    vaes: bool,
}

fn cpu(vendor: &str, brand: &str, family: u32, model: u32, level: Level, x: Extra) -> CpuFeatures {
    let v2 = level >= Level::V2;
    let v3 = level >= Level::V3;
    let v4 = level >= Level::V4;
    CpuFeatures {
        arch: "x86_64".to_string(),
        vendor: vendor.to_string(),
        brand: brand.to_string(),
        family,
        model,
        sse3: v2,
        ssse3: v2,
        sse41: v2,
        sse42: v2,
        avx: v3,
        f16c: v3,
        fma: v3,
        avx2: v3,
        avx512f: v4,
        avx512cd: v4,
        avx512bw: v4,
        avx512dq: v4,
        avx512vl: v4,
        avx512_vnni: v4 && x.vnni,
        vaes: x.vaes,
        vpclmulqdq: x.vaes,
        avx512_bf16: v4 && x.bf16,
        avx512_fp16: v4 && x.fp16,
        avx_vnni: x.avx_vnni,
        amx_tile: x.amx,
        amx_int8: x.amx,
        amx_bf16: x.amx,
        amx_fp16: x.amx_fp16,
    }
}

const INTEL: &str = "GenuineIntel";
const AMD: &str = "AuthenticAMD";

/// Every known machine on the pinned wheels, in the order `machines` lists them.
pub fn known() -> Vec<Machine> {
    use Level::*;
    let none = Extra::default();
    let vaes = Extra { vaes: true, ..none };
    let m = |cpu_name, description, cpu| Machine {
        cpu_name,
        description,
        cpu,
        builds: Builds::default(),
    };
    vec![
        m(
            "zen3",
            "AMD EPYC Zen 3 (Milan), family 25 model 1: AVX2, no AVX-512 (run on by the project)",
            cpu(AMD, "AMD EPYC (Zen 3)", 25, 1, V3, vaes),
        ),
        m(
            "zen4",
            "AMD EPYC Zen 4 (Genoa), family 25 model 17: AVX-512 with VNNI and BF16 (run on by the project)",
            cpu(AMD, "AMD EPYC (Zen 4)", 25, 17, V4, Extra { vnni: true, bf16: true, ..vaes }),
        ),
        m(
            "icelake-server",
            "Intel Xeon Ice Lake, family 6 model 106: AVX-512 with VNNI (run on by the project)",
            cpu(INTEL, "Intel Xeon (Ice Lake)", 6, 106, V4, Extra { vnni: true, ..vaes }),
        ),
        m(
            "sapphire-rapids",
            "Intel Xeon Sapphire Rapids, family 6 model 143: AVX-512 with FP16, AMX (the project's Xeon with AMX)",
            cpu(
                INTEL,
                "Intel Xeon (Sapphire Rapids)",
                6,
                143,
                V4,
                Extra { vnni: true, bf16: true, fp16: true, avx_vnni: true, amx: true, ..vaes },
            ),
        ),
        m(
            "granite-rapids",
            "Intel Xeon Granite Rapids, family 6 model 173: Sapphire Rapids' features and AMX-FP16",
            cpu(
                INTEL,
                "Intel Xeon (Granite Rapids)",
                6,
                173,
                V4,
                Extra { vnni: true, bf16: true, fp16: true, avx_vnni: true, amx: true, amx_fp16: true, ..vaes },
            ),
        ),
        m(
            "cascadelake",
            "Intel Xeon Cascade Lake, family 6 model 85: AVX-512 with VNNI, no VAES",
            cpu(INTEL, "Intel Xeon (Cascade Lake)", 6, 85, V4, Extra { vnni: true, ..none }),
        ),
        m(
            "skylake-server",
            "Intel Xeon Skylake-SP, family 6 model 85: AVX-512 without VNNI",
            cpu(INTEL, "Intel Xeon (Skylake-SP)", 6, 85, V4, none),
        ),
        m(
            "alderlake",
            "Intel Core 12th gen (Alder Lake), family 6 model 151: AVX2 with AVX-VNNI, no AVX-512",
            cpu(INTEL, "Intel Core (Alder Lake)", 6, 151, V3, Extra { avx_vnni: true, ..vaes }),
        ),
        m(
            "skylake",
            "Intel Core 6th-10th gen (Skylake client), family 6 model 94: AVX2",
            cpu(INTEL, "Intel Core (Skylake)", 6, 94, V3, none),
        ),
        m(
            "haswell",
            "Intel Haswell, family 6 model 60: AVX2, the first with FMA",
            cpu(INTEL, "Intel Core (Haswell)", 6, 60, V3, none),
        ),
        m(
            "sandybridge",
            "Intel Sandy Bridge, family 6 model 42: AVX without AVX2 or FMA",
            cpu(
                INTEL,
                "Intel Core (Sandy Bridge)",
                6,
                42,
                V2,
                Extra { ..none },
            )
            .with_avx(),
        ),
        m(
            "nehalem",
            "Intel Nehalem, family 6 model 26: SSE4.2, no AVX",
            cpu(INTEL, "Intel Core (Nehalem)", 6, 26, V2, none),
        ),
        m(
            "zen5",
            "AMD EPYC Zen 5 (Turin), family 26 model 2: AVX-512 with VNNI and BF16, AVX-VNNI",
            cpu(AMD, "AMD EPYC (Zen 5)", 26, 2, V4, Extra { vnni: true, bf16: true, avx_vnni: true, ..vaes }),
        ),
        m(
            "zen2",
            "AMD EPYC Zen 2 (Rome), family 23 model 49: AVX2",
            cpu(AMD, "AMD EPYC (Zen 2)", 23, 49, V3, none),
        ),
        m(
            "zen",
            "AMD EPYC Zen (Naples), family 23 model 1: AVX2",
            cpu(AMD, "AMD EPYC (Zen)", 23, 1, V3, none),
        ),
        m(
            "x86-64-v4",
            "x86-64-v4: AVX-512 F, CD, BW, DQ, VL; an Intel CPU of a model no library lists, so each decides from its features",
            cpu(INTEL, "x86-64-v4", 6, 0, V4, none),
        ),
        m(
            "x86-64-v3",
            "x86-64-v3: AVX2, FMA; an Intel CPU of a model no library lists",
            cpu(INTEL, "x86-64-v3", 6, 0, V3, none),
        ),
        m(
            "x86-64-v2",
            "x86-64-v2: SSE4.2, no AVX (TensorFlow's wheel stops at import: use +tf-baseline)",
            cpu(INTEL, "x86-64-v2", 6, 0, V2, none),
        ),
        m(
            "x86-64-v1",
            "x86-64-v1: SSE2 (TensorFlow runs nowhere: oneDNN needs SSE4.1)",
            cpu(INTEL, "x86-64-v1", 6, 0, V1, none),
        ),
    ]
}

impl CpuFeatures {
    /// AVX without AVX2 or FMA (Sandy Bridge, Ivy Bridge).
    fn with_avx(mut self) -> CpuFeatures {
        self.avx = true;
        self
    }
}

/// The machine `name` names: `CPU` or `CPU+BUILD` (see [`known`] and [`tensorflow::Build`]).
pub fn find(name: &str) -> Result<Machine> {
    let (cpu_name, build) = match name.split_once('+') {
        Some((cpu, build)) => (cpu, Some(build)),
        None => (name, None),
    };
    let Some(machine) = known().into_iter().find(|m| m.cpu_name == cpu_name) else {
        let names: Vec<&str> = known().iter().map(|m| m.cpu_name).collect();
        bail!(
            "unknown machine {cpu_name:?}: known are {} (`xor-repro machines` lists them)",
            names.join(", ")
        );
    };
    Ok(match build {
        None => machine,
        Some(build) => {
            let Some(b) = tensorflow::Build::ALL.iter().find(|b| b.name() == build) else {
                let names: Vec<&str> = tensorflow::Build::ALL.iter().map(|b| b.name()).collect();
                bail!(
                    "unknown build {build:?} in {name:?}: known are {}",
                    names.join(", ")
                );
            };
            machine.with_tensorflow(*b)
        }
    })
}

/// The known CPU `cpu` is, feature for feature (its brand string aside), on the pinned wheels.
pub fn matching(cpu: &CpuFeatures) -> Option<Machine> {
    let plain = |c: &CpuFeatures| CpuFeatures {
        brand: String::new(),
        ..c.clone()
    };
    known().into_iter().find(|m| plain(&m.cpu) == plain(cpu))
}

/// Every known machine with every build, the pinned wheels first: what `identify` tries.
pub fn every_machine_and_build() -> Vec<Machine> {
    let mut all = known();
    for build in tensorflow::Build::ALL.into_iter().skip(1) {
        all.extend(known().into_iter().map(|m| m.with_tensorflow(build)));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for m in every_machine_and_build() {
            let again = find(&m.name()).unwrap();
            assert_eq!(again.cpu, m.cpu);
            assert_eq!(again.builds, m.builds);
        }
        assert!(find("zen9").unwrap_err().to_string().contains("zen3"));
        assert!(find("zen3+tf-avx9").is_err());
    }

    #[test]
    fn the_project_cpus_are_named_as_the_issue_names_them() {
        let zen3 = find("zen3").unwrap();
        assert_eq!((zen3.cpu.family, zen3.cpu.model), (25, 1));
        assert!(zen3.cpu.avx2 && !zen3.cpu.avx512f);
        let zen4 = find("zen4").unwrap();
        assert_eq!((zen4.cpu.family, zen4.cpu.model), (25, 17));
        assert!(zen4.cpu.avx512_skx());
    }
}
