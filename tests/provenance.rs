//! `run.json` names the build that made the run: the commit git reports for this checkout at
//! test time, whether the tree was dirty, and the compiler; run folders from before it was
//! recorded still read.

mod common;

use std::process::Command;

/// `git ARGS` in this package's folder, or None without git or outside a repository.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn short_run(out: &std::path::Path) -> serde_json::Value {
    common::xor_repro_ok(&[
        "run",
        "numpy-sigmoid2-mse",
        "--epochs",
        "10",
        "--out",
        out.to_str().unwrap(),
    ]);
    let dir = common::side(out, "numpy-sigmoid2-mse", 42, "rust");
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap()
}

#[test]
fn run_json_names_the_commit_git_reports_and_the_compiler() {
    let out = common::out_dir();
    let info = short_run(out.path());
    let build = &info["build"];
    let head = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    assert_eq!(build["commit"], head.as_str(), "{info:#}");
    if head == "unknown" {
        assert!(build["dirty"].is_null(), "{info:#}");
    } else {
        assert!(build["dirty"].is_boolean(), "{info:#}");
    }
    let rustc = build["rustc"].as_str().unwrap();
    assert!(rustc.starts_with("rustc 1."), "{rustc}");
}

#[test]
fn run_json_without_a_build_record_still_reads() {
    let out = common::out_dir();
    let mut info = short_run(out.path());
    info.as_object_mut().unwrap().remove("build");
    let dir = common::side(out.path(), "numpy-sigmoid2-mse", 42, "rust");
    std::fs::write(dir.join("run.json"), info.to_string()).unwrap();
    let read = xor_repro::record::read_info(&dir).unwrap();
    assert_eq!(read.build, None);
    assert_eq!(read.experiment, "numpy-sigmoid2-mse");
}
