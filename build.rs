//! Records what this build was made from, for `run.json` (`build_info.rs` reads them):
//! `XOR_REPRO_GIT_COMMIT` (the commit checked out, or "unknown" without git or outside a
//! repository), `XOR_REPRO_GIT_DIRTY` ("true" when tracked files differed from it, "false",
//! or "unknown") and `XOR_REPRO_RUSTC` (`rustc --version` of the compiler building it).
//!
//! The script reruns only when the commit, the branch, the index or this package's own
//! sources change, so a build with nothing to do stays as fast as before. An unstaged edit
//! outside the package's sources (README.md, scripts/) shows in `dirty` at the next rerun.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // Naming any file replaces cargo's default of rerunning on every change in the package,
    // so the sources are named too: a source edit may make the tree dirty.
    for input in ["build.rs", "Cargo.toml", "Cargo.lock", "src"] {
        println!("cargo:rerun-if-changed={input}");
    }
    let (commit, dirty) = match git_dirs(&root) {
        Some((git_dir, common_dir)) => {
            watch_git_state(&root, &git_dir, &common_dir);
            let commit = git(&root, &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
            (commit, dirty(&root))
        }
        None => ("unknown".to_string(), "unknown".to_string()),
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=XOR_REPRO_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=XOR_REPRO_GIT_DIRTY={dirty}");
    println!("cargo:rustc-env=XOR_REPRO_RUSTC={rustc}");
}

/// The repository's git folder of this checkout and the folder shared by all its worktrees:
/// the same in a plain clone, `.git/worktrees/NAME` and `.git` in a worktree (whose `.git`
/// is a file pointing there).
fn git_dirs(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let git_dir = git(root, &["rev-parse", "--git-dir"])?;
    let common_dir = git(root, &["rev-parse", "--git-common-dir"])?;
    Some((root.join(git_dir), root.join(common_dir)))
}

/// Reruns the script when the checkout moves: HEAD (another branch or a detached commit),
/// the branch's ref (a new commit) and the index (staging, which can change `dirty`).
fn watch_git_state(root: &Path, git_dir: &Path, common_dir: &Path) {
    let mut watched = vec![git_dir.join("HEAD"), git_dir.join("index")];
    if let Some(branch) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common_dir.join(branch));
    }
    // A branch whose loose ref was packed (git gc) lives in packed-refs.
    watched.push(common_dir.join("packed-refs"));
    for path in watched {
        // Cargo reruns every build for a named path that does not exist.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// "true" when a tracked file differs from HEAD (staged or not); untracked files do not
/// count. `--no-optional-locks` keeps `git status` from rewriting the index, which would
/// rerun this script on the next build.
fn dirty(root: &Path) -> String {
    match git(
        root,
        &[
            "--no-optional-locks",
            "status",
            "--porcelain",
            "--untracked-files=no",
        ],
    ) {
        Some(changes) => (!changes.is_empty()).to_string(),
        None => "unknown".to_string(),
    }
}

/// `git ARGS` in `root`, its output trimmed; None if git is missing or fails.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
