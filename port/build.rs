//! Gives this crate's tests an rpath to the libtorch they were linked against, so that
//! `cargo test` runs them without LD_LIBRARY_PATH (as `torch/build.rs` does for its own).
//! A crate that depends on this one sets its own (README, "Port your own notebook").
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        let lib = std::fs::canonicalize(&lib).unwrap_or_else(|_| lib.into());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
