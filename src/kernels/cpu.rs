//! What the CPU offers, read from cpuid the way the Python libraries read it, so that each
//! library's kernel choice can be made here as the library makes it ([`super::Paths`]).
//!
//! Features count only where the OS also saves the registers they use (XCR0), as every one of
//! the libraries checks.

/// The x86-64 features the libraries' kernel choices depend on, with the vendor and model
/// OpenBLAS reads. On another architecture everything is `false` and `arch` names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuFeatures {
    /// `std::env::consts::ARCH`: `x86_64`, `aarch64`, …
    pub arch: String,
    /// `GenuineIntel`, `AuthenticAMD`, …
    pub vendor: String,
    /// The processor's name string (cpuid 0x80000002..4), for reports.
    pub brand: String,
    /// Family and model with their extended parts folded in, as OpenBLAS computes them.
    pub family: u32,
    pub model: u32,
    pub sse3: bool,
    pub ssse3: bool,
    pub sse41: bool,
    pub sse42: bool,
    pub avx: bool,
    pub f16c: bool,
    pub fma: bool,
    pub avx2: bool,
    pub avx512f: bool,
    pub avx512cd: bool,
    pub avx512bw: bool,
    pub avx512dq: bool,
    pub avx512vl: bool,
    pub avx512_vnni: bool,
    /// EVEX-encoded AES and carry-less multiplication (MKL's AVX512_E2 asks for both).
    pub vaes: bool,
    pub vpclmulqdq: bool,
    pub avx512_bf16: bool,
    pub avx512_fp16: bool,
    pub avx_vnni: bool,
    pub amx_tile: bool,
    pub amx_int8: bool,
    pub amx_bf16: bool,
    pub amx_fp16: bool,
}

impl CpuFeatures {
    /// This machine's CPU.
    pub fn detect() -> CpuFeatures {
        let mut cpu = CpuFeatures {
            arch: std::env::consts::ARCH.to_string(),
            ..CpuFeatures::default()
        };
        #[cfg(target_arch = "x86_64")]
        x86::read(&mut cpu);
        cpu
    }

    pub fn is_x86_64(&self) -> bool {
        self.arch == "x86_64"
    }

    /// NumPy's AVX512_SKX: AVX512F with CD, BW, DQ and VL.
    pub fn avx512_skx(&self) -> bool {
        self.avx512f && self.avx512cd && self.avx512bw && self.avx512dq && self.avx512vl
    }

    /// The features present, by their usual lower-case names, for reports.
    pub fn flags(&self) -> Vec<&'static str> {
        [
            (self.sse3, "sse3"),
            (self.ssse3, "ssse3"),
            (self.sse41, "sse4.1"),
            (self.sse42, "sse4.2"),
            (self.avx, "avx"),
            (self.f16c, "f16c"),
            (self.fma, "fma"),
            (self.avx2, "avx2"),
            (self.avx512f, "avx512f"),
            (self.avx512cd, "avx512cd"),
            (self.avx512bw, "avx512bw"),
            (self.avx512dq, "avx512dq"),
            (self.avx512vl, "avx512vl"),
            (self.avx512_vnni, "avx512_vnni"),
            (self.vaes, "vaes"),
            (self.vpclmulqdq, "vpclmulqdq"),
            (self.avx512_bf16, "avx512_bf16"),
            (self.avx512_fp16, "avx512_fp16"),
            (self.avx_vnni, "avx_vnni"),
            (self.amx_tile, "amx_tile"),
            (self.amx_int8, "amx_int8"),
            (self.amx_bf16, "amx_bf16"),
            (self.amx_fp16, "amx_fp16"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// One line: the name, family/model and the widest vector features.
    pub fn summary(&self) -> String {
        if !self.is_x86_64() {
            return format!("{} ({})", self.brand_or_unknown(), self.arch);
        }
        let widest = if self.avx512f {
            "AVX-512"
        } else if self.avx2 {
            "AVX2"
        } else if self.avx {
            "AVX"
        } else {
            "SSE"
        };
        format!(
            "{} ({}, family {} model {}, {widest})",
            self.brand_or_unknown(),
            self.vendor,
            self.family,
            self.model
        )
    }

    fn brand_or_unknown(&self) -> &str {
        if self.brand.is_empty() {
            "unknown CPU"
        } else {
            &self.brand
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::CpuFeatures;
    use std::arch::x86_64::{__cpuid_count, _xgetbv, CpuidResult};

    fn cpuid(leaf: u32, sub: u32) -> CpuidResult {
        // cpuid exists on every x86-64 CPU; unknown leaves return zeros.
        __cpuid_count(leaf, sub)
    }

    fn bit(reg: u32, n: u32) -> bool {
        reg >> n & 1 == 1
    }

    pub fn read(cpu: &mut CpuFeatures) {
        let leaf0 = cpuid(0, 0);
        let max_leaf = leaf0.eax;
        let vendor: Vec<u8> = [leaf0.ebx, leaf0.edx, leaf0.ecx]
            .iter()
            .flat_map(|r| r.to_le_bytes())
            .collect();
        cpu.vendor = String::from_utf8_lossy(&vendor).into_owned();
        if cpuid(0x8000_0000, 0).eax >= 0x8000_0004 {
            let brand: Vec<u8> = (0x8000_0002..=0x8000_0004)
                .flat_map(|leaf| {
                    let r = cpuid(leaf, 0);
                    [r.eax, r.ebx, r.ecx, r.edx]
                })
                .flat_map(|r| r.to_le_bytes())
                .collect();
            cpu.brand = String::from_utf8_lossy(&brand)
                .trim_matches(char::from(0))
                .trim()
                .to_string();
        }

        let leaf1 = cpuid(1, 0);
        let base_family = (leaf1.eax >> 8) & 0xf;
        let base_model = (leaf1.eax >> 4) & 0xf;
        cpu.family = base_family
            + if base_family == 0xf {
                (leaf1.eax >> 20) & 0xff
            } else {
                0
            };
        cpu.model = base_model | ((leaf1.eax >> 16) & 0xf) << 4;

        let osxsave = bit(leaf1.ecx, 27);
        // SAFETY: xgetbv is available when OSXSAVE is set.
        let xcr0 = if osxsave { unsafe { _xgetbv(0) } } else { 0 };
        let os_avx = xcr0 & 0b110 == 0b110;
        let os_avx512 = xcr0 & 0b1110_0110 == 0b1110_0110;
        let os_amx = xcr0 & (0b11 << 17) == 0b11 << 17;

        cpu.sse3 = bit(leaf1.ecx, 0);
        cpu.ssse3 = bit(leaf1.ecx, 9);
        cpu.sse41 = bit(leaf1.ecx, 19);
        cpu.sse42 = bit(leaf1.ecx, 20);
        cpu.avx = os_avx && bit(leaf1.ecx, 28);
        cpu.f16c = os_avx && bit(leaf1.ecx, 29);
        cpu.fma = os_avx && bit(leaf1.ecx, 12);
        if max_leaf >= 7 {
            let leaf7 = cpuid(7, 0);
            let leaf7_1 = cpuid(7, 1);
            cpu.avx2 = os_avx && bit(leaf7.ebx, 5);
            cpu.avx512f = os_avx512 && bit(leaf7.ebx, 16);
            cpu.avx512dq = os_avx512 && bit(leaf7.ebx, 17);
            cpu.avx512cd = os_avx512 && bit(leaf7.ebx, 28);
            cpu.avx512bw = os_avx512 && bit(leaf7.ebx, 30);
            cpu.avx512vl = os_avx512 && bit(leaf7.ebx, 31);
            cpu.avx512_vnni = os_avx512 && bit(leaf7.ecx, 11);
            cpu.avx512_fp16 = os_avx512 && bit(leaf7.edx, 23);
            cpu.vaes = os_avx && bit(leaf7.ecx, 9);
            cpu.vpclmulqdq = os_avx && bit(leaf7.ecx, 10);
            cpu.avx512_bf16 = os_avx512 && bit(leaf7_1.eax, 5);
            cpu.avx_vnni = os_avx && bit(leaf7_1.eax, 4);
            cpu.amx_bf16 = os_amx && bit(leaf7.edx, 22);
            cpu.amx_tile = os_amx && bit(leaf7.edx, 24);
            cpu.amx_int8 = os_amx && bit(leaf7.edx, 25);
            cpu.amx_fp16 = os_amx && bit(leaf7_1.eax, 21);
        }
    }
}
