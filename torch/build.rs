//! Gives the binary an rpath to the libtorch it was linked against (the pinned PyTorch
//! wheel's `torch/lib`), so `target/release/xor-repro-torch` runs without LD_LIBRARY_PATH.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        // Resolve the project's `.libtorch` symlink so the rpath names the real folder.
        let lib = std::fs::canonicalize(&lib).unwrap_or_else(|_| PathBuf::from(&lib));
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
