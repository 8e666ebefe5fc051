//! Which kernel set OpenBLAS 0.3.27 (DYNAMIC_ARCH, as in NumPy 2.1.3's wheel) loads, decided
//! as `driver/others/dynamic.c` decides it in `gotoblas_dynamic_init`:
//! - `OPENBLAS_CORETYPE` set (even empty): `force_coretype` compares it case-insensitively
//!   (`strncasecmp(.., 20)`, so the whole name, nothing more) with the names `Katmai` …
//!   `Cooperlake` (`corename[1..=25]`; `SapphireRapids`, index 26, is never matched). An
//!   unknown name returns NULL.
//! - unset: `get_coretype` from cpuid's vendor, family and model, with feature checks and
//!   fall-backs per model; an unknown model returns NULL.
//! - NULL from either: the feature rule — AVX512-BF16 → Cooperlake, AVX-512 → SkylakeX,
//!   AVX2 → Haswell, AVX → Sandybridge, else Prescott.
//!
//! The wheel is built with `DYNAMIC_LIST = PRESCOTT NEHALEM SANDYBRIDGE HASWELL SKYLAKEX`
//! (its `gotoblas_*` tables), so every other core is a `#define` alias of one of those
//! (dynamic.c lines 52–233): Katmai, Coppermine, Northwood, Banias, Athlon, Core2, Penryn,
//! Dunnington, Opteron, Opteron_SSE3, Nano → Prescott; Atom, Barcelona, Bobcat → Nehalem;
//! Bulldozer, Piledriver, Steamroller, Excavator → Sandybridge; Zen → Haswell; Cooperlake,
//! SapphireRapids → SkylakeX. `gotoblas_corename` compares table addresses in index order, so
//! the Prescott table reports itself as "Katmai" (the first alias checked).
//!
//! Two facts of the real decision are not in [`CpuFeatures`]: the stepping (Centaur family 6
//! model 15 is Nano below stepping 14, else Nehalem) and cpuid's maximum leaf (an unknown
//! vendor string counts as Intel when it has bits 0x500). Those cases give `path: None`.

use super::Core;
use crate::kernels::cpu::CpuFeatures;
use crate::kernels::{Pick, Switches};

/// A core OpenBLAS knows by name (`corename[]` in dynamic.c, in its index order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    Katmai,
    Coppermine,
    Northwood,
    Prescott,
    Banias,
    Atom,
    Core2,
    Penryn,
    Dunnington,
    Nehalem,
    Athlon,
    Opteron,
    OpteronSse3,
    Barcelona,
    Nano,
    Sandybridge,
    Bobcat,
    Bulldozer,
    Piledriver,
    Haswell,
    Steamroller,
    Excavator,
    Zen,
    SkylakeX,
    Cooperlake,
    SapphireRapids,
}

/// `corename[1..=26]`.
const LISTED: [(Listed, &str); 26] = [
    (Listed::Katmai, "Katmai"),
    (Listed::Coppermine, "Coppermine"),
    (Listed::Northwood, "Northwood"),
    (Listed::Prescott, "Prescott"),
    (Listed::Banias, "Banias"),
    (Listed::Atom, "Atom"),
    (Listed::Core2, "Core2"),
    (Listed::Penryn, "Penryn"),
    (Listed::Dunnington, "Dunnington"),
    (Listed::Nehalem, "Nehalem"),
    (Listed::Athlon, "Athlon"),
    (Listed::Opteron, "Opteron"),
    (Listed::OpteronSse3, "Opteron_SSE3"),
    (Listed::Barcelona, "Barcelona"),
    (Listed::Nano, "Nano"),
    (Listed::Sandybridge, "Sandybridge"),
    (Listed::Bobcat, "Bobcat"),
    (Listed::Bulldozer, "Bulldozer"),
    (Listed::Piledriver, "Piledriver"),
    (Listed::Haswell, "Haswell"),
    (Listed::Steamroller, "Steamroller"),
    (Listed::Excavator, "Excavator"),
    (Listed::Zen, "Zen"),
    (Listed::SkylakeX, "SkylakeX"),
    (Listed::Cooperlake, "Cooperlake"),
    (Listed::SapphireRapids, "SapphireRapids"),
];

impl Listed {
    fn name(self) -> &'static str {
        LISTED
            .iter()
            .find(|(l, _)| *l == self)
            .map(|(_, n)| *n)
            .expect("every core listed")
    }

    /// The table the wheel has for it (its DYNAMIC_LIST aliases).
    fn built(self) -> Core {
        use Listed::*;
        match self {
            Katmai | Coppermine | Northwood | Prescott | Banias | Athlon | Core2 | Penryn
            | Dunnington | Opteron | OpteronSse3 | Nano => Core::Prescott,
            Nehalem | Atom | Barcelona | Bobcat => Core::Nehalem,
            Sandybridge | Bulldozer | Piledriver | Steamroller | Excavator => Core::Sandybridge,
            Haswell | Zen => Core::Haswell,
            SkylakeX | Cooperlake | SapphireRapids => Core::SkylakeX,
        }
    }
}

/// `force_coretype`: the whole value, case-insensitively, against `corename[1..=25]`.
fn force_coretype(value: &str) -> Option<Listed> {
    LISTED[..25]
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(value))
        .map(|(listed, _)| *listed)
}

/// dynamic.c's `support_avx`, `support_avx2`, `support_avx512` (AVX512VL with ZMM state
/// saved), `support_avx512_bf16`, `support_amx_bf16`.
struct Support {
    avx: bool,
    avx2: bool,
    avx512: bool,
    avx512_bf16: bool,
    amx_bf16: bool,
}

impl Support {
    fn of(cpu: &CpuFeatures) -> Support {
        let avx512 = cpu.avx && cpu.avx512vl;
        Support {
            avx: cpu.avx,
            avx2: cpu.avx && cpu.avx2,
            avx512,
            avx512_bf16: avx512 && cpu.avx512_bf16,
            amx_bf16: avx512 && cpu.amx_tile && cpu.amx_bf16,
        }
    }

    /// The rule after an unknown name or model (`gotoblas == NULL`).
    fn fallback(&self) -> (Listed, &'static str) {
        if self.avx512_bf16 {
            (Listed::Cooperlake, "AVX512-BF16")
        } else if self.avx512 {
            (Listed::SkylakeX, "AVX-512 (AVX512VL)")
        } else if self.avx2 {
            (Listed::Haswell, "AVX2")
        } else if self.avx {
            (Listed::Sandybridge, "AVX")
        } else {
            (Listed::Prescott, "no AVX")
        }
    }

    /// The checks most Haswell-and-later models share: AVX2 → Haswell, AVX → Sandybridge,
    /// else Nehalem.
    fn haswell_rule(&self) -> (Listed, &'static str) {
        if self.avx2 {
            (Listed::Haswell, "with AVX2")
        } else if self.avx {
            (Listed::Sandybridge, "with AVX but no AVX2")
        } else {
            (Listed::Nehalem, "without AVX")
        }
    }

    /// Models with AVX-512 kernels: (AMX-BF16 → SapphireRapids,) AVX512-BF16 → Cooperlake,
    /// AVX-512 → SkylakeX, then [`Support::haswell_rule`].
    fn avx512_rule(&self, amx: bool, bf16: bool) -> (Listed, &'static str) {
        if amx && self.amx_bf16 {
            (Listed::SapphireRapids, "with AMX-BF16")
        } else if bf16 && self.avx512_bf16 {
            (Listed::Cooperlake, "with AVX512-BF16")
        } else if self.avx512 {
            (Listed::SkylakeX, "with AVX-512 (AVX512VL)")
        } else {
            self.haswell_rule()
        }
    }

    fn avx_or(&self, with: Listed, without: Listed) -> (Listed, &'static str) {
        if self.avx {
            (with, "with AVX")
        } else {
            (without, "without AVX")
        }
    }
}

/// What `get_coretype` decides: a listed core with the fact that decided it, `Ok(None)` for
/// its NULL (an unknown model), `Err` where [`CpuFeatures`] lacks the fact it reads.
fn get_coretype(cpu: &CpuFeatures, s: &Support) -> Result<Option<(Listed, String)>, String> {
    // OpenBLAS reads the base family; CpuFeatures folds the extended family in above 0xf.
    let family = cpu.family.min(0xf);
    let exfamily = cpu.family.saturating_sub(0xf);
    let (exmodel, model) = (cpu.model >> 4, cpu.model & 0xf);
    let what = |label: &str, (core, fact): (Listed, &str)| {
        Some((
            core,
            format!(
                "{} family {:#x} model {} ({label}) {fact}",
                cpu.vendor, cpu.family, cpu.model
            ),
        ))
    };
    let fixed = |label: &str, core: Listed| what(label, (core, ""));
    match cpu.vendor.as_str() {
        "GenuineIntel" if family == 6 => Ok(match (exmodel, model) {
            (0, 0..=7) => fixed("Pentium Pro/II", Listed::Katmai),
            (0, 8 | 10 | 11) => fixed("Pentium III", Listed::Coppermine),
            (0, 9 | 13 | 14) => fixed("Pentium M", Listed::Banias),
            (0, 15) | (1, 6) => fixed("Core 2", Listed::Core2),
            (1, 7) => fixed("Penryn", Listed::Penryn),
            (1, 13) => fixed("Dunnington", Listed::Dunnington),
            (1, 10 | 11 | 14 | 15) | (2, 5 | 12 | 14 | 15) => {
                fixed("Nehalem/Westmere", Listed::Nehalem)
            }
            (1, 12) | (3, 7) => fixed("Atom", Listed::Atom),
            (2, 10 | 13) | (3, 10 | 14) => what(
                "Sandy/Ivy Bridge",
                s.avx_or(Listed::Sandybridge, Listed::Nehalem),
            ),
            (3, 12 | 15) | (4, 5 | 6) => what("Haswell", s.haswell_rule()),
            (3, 13) | (4, 7 | 15) | (5, 6) => what("Broadwell", s.haswell_rule()),
            (4, 14) | (5, 14) => what("Skylake", s.haswell_rule()),
            (4, 12 | 13) => fixed("Braswell/Avoton", Listed::Nehalem),
            (5, 5) => what(
                "Skylake X / Cascade Lake / Cooper Lake",
                s.avx512_rule(false, true),
            ),
            (5, 7) => what("Knights Landing", s.haswell_rule()),
            (5, 12 | 15) => fixed("Apollo Lake/Denverton", Listed::Nehalem),
            (6, 6) => what("Cannon Lake", s.haswell_rule()),
            (6, 10 | 12) => what("Ice Lake server", s.avx512_rule(false, true)),
            (7, 10) => fixed("Goldmont Plus", Listed::Nehalem),
            (7, 13 | 14) => what("Ice Lake", s.avx512_rule(false, false)),
            (8, 12 | 13) => what("Tiger Lake", s.avx512_rule(false, false)),
            (8, 14) | (9, 14) => what("Kaby/Coffee Lake", s.haswell_rule()),
            (8, 15) => what("Sapphire Rapids", s.avx512_rule(true, true)),
            (9, 7 | 10) => what("Alder Lake", s.avx512_rule(false, true)),
            (10, 5 | 6) => what("Comet Lake", s.haswell_rule()),
            (10, 7) => what("Rocket Lake", s.avx512_rule(false, false)),
            _ => None,
        }),
        "GenuineIntel" if family == 0xf => Ok(if model <= 2 {
            fixed("Pentium 4", Listed::Northwood)
        } else {
            fixed("Pentium 4", Listed::Prescott)
        }),
        "GenuineIntel" => Ok(None),
        "AuthenticAMD" | "HygonGenuine" if family <= 0xe => {
            // Athlon if 3DNow!/3DNow!+ (not read here), else NULL and the feature rule; a CPU
            // this old has no AVX, and both give the Prescott table.
            Ok(fixed("pre-K8", Listed::Athlon))
        }
        "AuthenticAMD" | "HygonGenuine" => Ok(match exfamily {
            0 | 2 if cpu.sse3 => fixed("K8 with SSE3", Listed::OpteronSse3),
            0 | 2 => fixed("K8", Listed::Opteron),
            5 | 7 => fixed("Bobcat/Jaguar", Listed::Bobcat),
            6 => match (exmodel, model) {
                (_, 1) => what("Bulldozer", s.avx_or(Listed::Bulldozer, Listed::Barcelona)),
                (_, 2 | 3) | (1, 0 | 8) => what(
                    "Piledriver",
                    s.avx_or(Listed::Piledriver, Listed::Barcelona),
                ),
                (3, 0 | 8) => what(
                    "Steamroller",
                    s.avx_or(Listed::Steamroller, Listed::Barcelona),
                ),
                (_, 5) | (6, 0 | 8) => {
                    what("Excavator", s.avx_or(Listed::Excavator, Listed::Barcelona))
                }
                _ => None,
            },
            8 => what("Zen/Zen 2", s.avx_or(Listed::Zen, Listed::Barcelona)),
            9 => what("Hygon Dhyana", s.avx_or(Listed::Zen, Listed::Barcelona)),
            10 => what(
                "Zen 3/Zen 4",
                if s.avx512_bf16 {
                    (Listed::Cooperlake, "with AVX512-BF16")
                } else if s.avx512 {
                    (Listed::SkylakeX, "with AVX-512 (AVX512VL)")
                } else {
                    s.avx_or(Listed::Zen, Listed::Barcelona)
                },
            ),
            _ => None,
        }),
        "CentaurHauls" | "  Shanghai  " => {
            let centaur = cpu.vendor == "CentaurHauls";
            Ok(match family {
                6 if centaur && model == 15 => {
                    return Err("Centaur family 6 model 15: Nano below stepping 14, else \
                                Nehalem (the stepping is not read here)"
                        .to_string())
                }
                6 if centaur => fixed("VIA", Listed::Nehalem),
                7 if exmodel == 5 => what(
                    "Zhaoxin KX",
                    if s.avx2 {
                        (Listed::Zen, "with AVX2")
                    } else {
                        (Listed::Dunnington, "without AVX2")
                    },
                ),
                7 => fixed("Zhaoxin", Listed::Nehalem),
                f if f >= 8 || !centaur => fixed("Zhaoxin/VIA", Listed::Nehalem),
                _ => None,
            })
        }
        vendor => Err(format!(
            "vendor {vendor:?}: OpenBLAS counts an unknown vendor as Intel by cpuid's maximum \
             leaf, which is not read here"
        )),
    }
}

impl Core {
    /// The core OpenBLAS 0.3.27 (DYNAMIC_ARCH, as in NumPy's wheel) picks on a CPU with `cpu`
    /// under `OPENBLAS_CORETYPE`, and why. Every core of the wheel is reproduced; `path` is
    /// `None` off x86-64 and where the decision needs a fact `cpu` does not hold.
    pub fn select(cpu: &CpuFeatures, switches: &Switches) -> Pick<Core> {
        if !cpu.is_x86_64() {
            return Pick {
                path: None,
                name: "not x86-64".to_string(),
                why: format!(
                    "the wheel's OpenBLAS on {} is another build, whose kernels are not reproduced",
                    cpu.arch
                ),
            };
        }
        let support = Support::of(cpu);
        let fallback = |reason: String| {
            let (listed, feature) = support.fallback();
            (
                listed,
                format!("{reason}, so OpenBLAS falls back on the features: {feature}"),
            )
        };
        let (listed, why) = match &switches.openblas_coretype {
            Some(value) => match force_coretype(value) {
                Some(listed) => (listed, format!("OPENBLAS_CORETYPE={value}")),
                None => fallback(format!(
                    "OPENBLAS_CORETYPE={value} is no core name OpenBLAS 0.3.27 accepts"
                )),
            },
            None => match get_coretype(cpu, &support) {
                Ok(Some((listed, fact))) => (listed, fact.trim_end().to_string()),
                Ok(None) => fallback(format!(
                    "{} family {:#x} model {} is a model OpenBLAS 0.3.27 does not list",
                    cpu.vendor, cpu.family, cpu.model
                )),
                Err(missing) => {
                    return Pick {
                        path: None,
                        name: "unknown".to_string(),
                        why: missing,
                    }
                }
            },
        };
        let core = listed.built();
        let why = if listed.name() == core.name() {
            why
        } else {
            format!(
                "{why}: OpenBLAS core {}, which the wheel builds as {}",
                listed.name(),
                core.name()
            )
        };
        Pick {
            path: Some(core),
            name: core.name().to_string(),
            why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(vendor: &str, family: u32, model: u32, level: &str) -> CpuFeatures {
        let mut c = CpuFeatures {
            arch: "x86_64".to_string(),
            vendor: vendor.to_string(),
            family,
            model,
            sse3: true,
            ssse3: true,
            sse41: true,
            sse42: true,
            ..CpuFeatures::default()
        };
        let at_least = |l: &str| {
            let order = ["sse", "avx", "avx2", "avx512", "bf16"];
            order.iter().position(|x| *x == level) >= order.iter().position(|x| *x == l)
        };
        c.avx = at_least("avx");
        c.fma = at_least("avx2");
        c.avx2 = at_least("avx2");
        c.avx512f = at_least("avx512");
        c.avx512vl = at_least("avx512");
        c.avx512_bf16 = at_least("bf16");
        c
    }

    fn pick(c: &CpuFeatures, coretype: Option<&str>) -> Pick<Core> {
        let switches = Switches {
            openblas_coretype: coretype.map(str::to_string),
            ..Switches::default()
        };
        Core::select(c, &switches)
    }

    // dynamic.c v0.3.27, get_coretype(): `case 6: if (model == 10 || model == 12)` (Ice Lake
    // SP) → support_avx512_bf16 ? COOPERLAKE : support_avx512 ? SKYLAKEX : … (lines 563-577 of
    // the file); COOPERLAKE is `#define`d to SKYLAKEX without DYN_COOPERLAKE (lines 210-213).
    #[test]
    fn ice_lake_server_takes_skylakex() {
        let p = pick(&cpu("GenuineIntel", 6, 106, "avx512"), None);
        assert_eq!(p.path, Some(Core::SkylakeX));
        assert!(p.why.contains("Ice Lake server"), "{}", p.why);
        // With BF16 it is Cooperlake, built as SkylakeX.
        let p = pick(&cpu("GenuineIntel", 6, 106, "bf16"), None);
        assert_eq!(p.path, Some(Core::SkylakeX));
        assert!(p.why.contains("Cooperlake"), "{}", p.why);
    }

    // AMD family 0xf with exfamily 8 (Zen, Zen 2: family 0x17) → support_avx ? ZEN : BARCELONA,
    // exfamily 10 (0x19: Zen 3, Zen 4) → bf16 ? COOPERLAKE : avx512 ? SKYLAKEX : avx ? ZEN
    // (dynamic.c lines 757-782); ZEN is `#define`d to HASWELL (lines 188-191).
    #[test]
    fn amd_epyc_zen_takes_haswell() {
        for family in [0x17, 0x19] {
            let p = pick(&cpu("AuthenticAMD", family, 1, "avx2"), None);
            assert_eq!(p.path, Some(Core::Haswell), "family {family:#x}: {}", p.why);
            assert!(p.why.contains("Zen"), "{}", p.why);
        }
        // A Zen 4 (family 0x19 with AVX-512 and BF16) takes the AVX-512 table.
        assert_eq!(
            pick(&cpu("AuthenticAMD", 0x19, 0x11, "bf16"), None).path,
            Some(Core::SkylakeX)
        );
        // OPENBLAS_CORETYPE=Sandybridge there: force_coretype's case 16.
        let p = pick(&cpu("AuthenticAMD", 0x19, 1, "avx2"), Some("Sandybridge"));
        assert_eq!(p.path, Some(Core::Sandybridge));
        assert_eq!(p.why, "OPENBLAS_CORETYPE=Sandybridge");
    }

    // Intel Skylake client (exmodel 5, model 14: family 6 model 94) and Haswell (model 60):
    // support_avx2 ? HASWELL : support_avx ? SANDYBRIDGE : NEHALEM (lines 469-478, 394-404).
    #[test]
    fn avx2_only_intel_takes_haswell_or_falls_back() {
        assert_eq!(
            pick(&cpu("GenuineIntel", 6, 94, "avx2"), None).path,
            Some(Core::Haswell)
        );
        assert_eq!(
            pick(&cpu("GenuineIntel", 6, 60, "avx"), None).path,
            Some(Core::Sandybridge)
        );
        assert_eq!(
            pick(&cpu("GenuineIntel", 6, 60, "sse"), None).path,
            Some(Core::Nehalem)
        );
        // An unlisted model: NULL, then the feature rule (gotoblas_dynamic_init).
        let p = pick(&cpu("GenuineIntel", 6, 0xbf, "avx2"), None);
        assert_eq!(p.path, Some(Core::Haswell));
        assert!(p.why.contains("does not list"), "{}", p.why);
    }

    // force_coretype(): strncasecmp over corename[1..=25], NULL (then the feature rule) for
    // anything else, SapphireRapids (index 26) included.
    #[test]
    fn coretype_names_match_case_insensitively_and_fall_back() {
        let icx = cpu("GenuineIntel", 6, 106, "avx512");
        assert_eq!(pick(&icx, Some("haswell")).path, Some(Core::Haswell));
        assert_eq!(pick(&icx, Some("Zen")).path, Some(Core::Haswell));
        assert_eq!(pick(&icx, Some("Core2")).path, Some(Core::Prescott));
        assert_eq!(pick(&icx, Some("Atom")).path, Some(Core::Nehalem));
        assert_eq!(pick(&icx, Some("Bulldozer")).path, Some(Core::Sandybridge));
        let epyc = cpu("AuthenticAMD", 0x19, 1, "avx2");
        for unknown in ["Haswell ", "SapphireRapids", "bogus"] {
            let p = pick(&epyc, Some(unknown));
            assert_eq!(p.path, Some(Core::Haswell), "{unknown:?}");
            assert!(p.why.contains("no core name"), "{}", p.why);
        }
    }
}
