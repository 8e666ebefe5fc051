//! The preloadable library behind [`super::MKL_AS_INTEL`] (`mkl_as_intel/`, built beside the
//! binaries): under the switch, every process that runs MKL (the Python side, libtorch) starts
//! with it in `LD_PRELOAD`, so that MKL takes the dispatch the plain-Rust engine reproduces.

use anyhow::{bail, Result};
use std::path::PathBuf;
use std::process::Command;

const FILE: &str = "libmkl_as_intel.so";

/// Whether this process runs under `XOR_REPRO_MKL_AS_INTEL=1`.
pub fn switched_on() -> bool {
    crate::kernels::this_machine().switches.mkl_as_intel
}

/// The library's path: beside this executable, or one folder up (test binaries live in
/// `target/*/deps/`).
pub fn path() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let found = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(FILE))
        .find(|p| p.exists());
    match found {
        Some(p) => Ok(p),
        None => bail!(
            "{}=1 needs {FILE} beside {} (build it with `cargo build --release`)",
            super::MKL_AS_INTEL,
            exe.display()
        ),
    }
}

/// Preloads the library into `cmd` when this process runs under the switch.
pub fn preload(cmd: &mut Command) -> Result<()> {
    preload_if(cmd, switched_on())
}

/// Preloads the library into `cmd` when `on` (the switch as `cmd`'s environment has it).
pub fn preload_if(cmd: &mut Command, on: bool) -> Result<()> {
    if on {
        let mut preload = path()?.into_os_string();
        if let Some(existing) = std::env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
            preload.push(" ");
            preload.push(existing);
        }
        cmd.env("LD_PRELOAD", preload);
    }
    Ok(())
}
