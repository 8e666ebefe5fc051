//! Which source and compiler built this binary, as `build.rs` found them: `run.json`'s
//! `build` record, so a run folder says what code made it.

use serde::{Deserialize, Serialize};

/// The commit checked out when this binary was built, or "unknown" (built without git or
/// outside a repository).
pub const COMMIT: &str = env!("XOR_REPRO_GIT_COMMIT");

/// `rustc --version` of the compiler that built this binary.
pub const RUSTC: &str = env!("XOR_REPRO_RUSTC");

/// The package version and the commit, for `--version` (clap's `#[command(version = …)]`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("XOR_REPRO_GIT_COMMIT"),
    ")"
);

/// `run.json`'s `build`: what built the binary that made a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BuildInfo {
    /// `git rev-parse HEAD` at build time, or "unknown".
    pub commit: String,
    /// Whether tracked files differed from `commit`; None when git could not tell.
    pub dirty: Option<bool>,
    pub rustc: String,
}

impl BuildInfo {
    /// This binary's.
    pub fn of_this_binary() -> BuildInfo {
        BuildInfo {
            commit: COMMIT.to_string(),
            dirty: match env!("XOR_REPRO_GIT_DIRTY") {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            rustc: RUSTC.to_string(),
        }
    }
}
