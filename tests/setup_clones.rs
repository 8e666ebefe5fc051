//! Two clones side by side each import their own recorder (issue 28): `scripts/setup.sh`
//! gives every clone its own thin `.venv` over the shared environment, with the clone's
//! `python/` on its path, so recording with a clone never runs another clone's code.

use std::path::Path;
use std::process::Command;

/// A minimal clone at `dir`: the set-up script and the recorder, as a checkout has them.
fn clone_into(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["scripts", "python"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
    }
    for file in ["scripts/setup.sh", "python/xor_repro_record.py"] {
        std::fs::copy(root.join(file), dir.join(file)).unwrap();
    }
}

fn set_up(dir: &Path) {
    let out = Command::new("bash")
        .arg(dir.join("scripts/setup.sh"))
        .arg("--python-only")
        .env_remove("PYTHONPATH")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "setup.sh --python-only in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The file `import xor_repro_record` loads in `dir`'s `.venv`, run from elsewhere.
fn recorder_of(dir: &Path) -> String {
    let out = Command::new(dir.join(".venv/bin/python"))
        .args([
            "-c",
            "import xor_repro_record, numpy; print(xor_repro_record.__file__)",
        ])
        .env_remove("PYTHONPATH")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the clone's python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn each_clone_imports_its_own_recorder() {
    let parent = tempfile::tempdir().unwrap();
    let (first, second) = (parent.path().join("first"), parent.path().join("second"));
    clone_into(&first);
    set_up(&first);
    clone_into(&second);
    set_up(&second);
    for clone in [&first, &second] {
        let want = clone.join("python/xor_repro_record.py");
        assert_eq!(
            Path::new(&recorder_of(clone)),
            want,
            "{}'s .venv imports another clone's recorder",
            clone.display()
        );
        println!("{}: imports {}", clone.display(), want.display());
    }
}
