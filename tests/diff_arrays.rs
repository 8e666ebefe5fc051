//! `diff` on arrays in their own bytes (issue 29): `.npz` archives written by NumPy and run
//! folders whose `trace.npz` the recorder wrote, compared bytes first: identical files exit
//! 0, a planted 1-ulp change exits 1 and is named where it is, +0 against -0 is a difference,
//! NaN against NaN (whatever its payload) is not; two large `.npy` files are compared
//! without either being read whole.

mod common;
use common::{out_dir, python, xor_repro};
use std::path::Path;

/// `diff A B`: exit code and what it printed.
fn diff(a: &Path, b: &Path) -> (Option<i32>, String) {
    let out = xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code(), text + &err)
}

#[test]
fn signed_zeros_differ_and_nans_are_equal_in_npz_members() {
    let dir = out_dir();
    let d = dir.path().to_str().unwrap();
    python(&format!(
        "import numpy as np\n\
         base = np.array([1.5, 0.0, np.nan, -2.0], dtype=np.float32)\n\
         zero = base.copy(); zero[1] = -0.0\n\
         nan = base.copy(); nan.view(np.uint32)[2] = 0x7fc00001  # another NaN payload\n\
         for name, w in [('base', base), ('zero', zero), ('nan', nan)]:\n\
         \x20   np.savez({d:?} + f'/{{name}}.npz', w=w, big=np.arange(100000, dtype=np.float64))\n"
    ));
    let file = |n: &str| dir.path().join(format!("{n}.npz"));
    let (code, text) = diff(&file("base"), &file("base"));
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = diff(&file("base"), &file("nan"));
    assert_eq!(code, Some(0), "NaN against NaN is equal: {text}");
    assert!(
        text.contains("100004 of 100004 values bit-identical"),
        "{text}"
    );
    let (code, text) = diff(&file("base"), &file("zero"));
    assert_eq!(code, Some(1), "+0 against -0 is a difference: {text}");
    assert!(
        text.contains("first difference, outside tolerance: element [1]: 0.0 vs -0.0"),
        "{text}"
    );
    assert!(text.contains("(float32)"), "{text}");
}

/// A recorded run of a small model: its folder.
fn record(out: &Path) -> std::path::PathBuf {
    let script = out.join("tiny.py");
    std::fs::write(
        &script,
        "import torch, torch.nn as nn\n\
         import xor_repro_record as xrr\n\
         rec = xrr.Run.from_args('diff-arrays')\n\
         torch.manual_seed(rec.seed)\n\
         model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))\n\
         x, y = torch.randn(8, 3), torch.randn(8, 2)\n\
         opt = torch.optim.Adam(model.parameters(), lr=0.01)\n\
         rec.initial_params(model.named_parameters())\n\
         for step in range(3):\n\
         \x20   with rec.step(step, model) as t:\n\
         \x20       out = t.keep('out', model(x))\n\
         \x20       loss = t.value('loss', ((out - y) ** 2).mean())\n\
         \x20       opt.zero_grad(); t.backward(loss); opt.step()\n\
         \x20   rec.loss(step, loss)\n\
         rec.final_params(model.named_parameters())\n\
         print(rec.write())\n",
    )
    .unwrap();
    let printed = python(&format!(
        "import sys, runpy\n\
         sys.argv = ['tiny.py', '--out', {:?}, '--trace']\n\
         runpy.run_path({:?}, run_name='__main__')",
        out.to_str().unwrap(),
        script.to_str().unwrap()
    ));
    std::path::PathBuf::from(printed.trim())
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_planted_ulp_in_a_recorded_trace_is_found_and_named() {
    let dir = out_dir();
    let run = record(dir.path());
    assert!(run.join("trace.npz").is_file() && run.join("params.npz").is_file());
    let same = dir.path().join("same");
    copy(&run, &same);
    let (code, text) = diff(&run, &same);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("trace.npz (rows matched by array name)"),
        "{text}"
    );

    let planted = dir.path().join("planted");
    copy(&run, &planted);
    let index = xor_repro::record::npz::NpzIndex::open(&planted.join("trace.npz")).unwrap();
    let entry = index
        .entries
        .iter()
        .find(|e| e.name.ends_with("/2.weight.grad") && e.name.starts_with("000001/"))
        .expect("step 1 traces 2.weight.grad")
        .name
        .clone();
    index.nudge(&entry, 7).unwrap();
    // NumPy still reads the planted archive (its checksums were updated), and sees the ulp.
    let said = python(&format!(
        "import numpy as np\n\
         a, b = np.load({:?})[{entry:?}], np.load({:?})[{entry:?}]\n\
         print(int((a != b).sum()), int(np.argmax(a.ravel() != b.ravel())))",
        run.join("trace.npz").to_str().unwrap(),
        planted.join("trace.npz").to_str().unwrap()
    ));
    assert_eq!(said.trim(), "1 7");
    let (code, text) = diff(&run, &planted);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("first difference, outside tolerance: step 1, 2.weight.grad (value ")
            && text.contains(" of the step), element [1, 2]: "),
        "{text}"
    );
    assert!(text.contains("1 ulps"), "{text}");

    // explain names it too, as the first traced value that parts.
    let out = xor_repro(&["explain", run.to_str().unwrap(), planted.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.starts_with("first divergence: step 1, 2.weight.grad ")
            && said.contains("1 of 10 elements differ; [7]"),
        "{said}"
    );
}

#[test]
fn two_large_npy_files_are_compared_without_reading_them_whole() {
    let dir = out_dir();
    let d = dir.path().to_str().unwrap();
    // 2 × 160 MB of float64: read whole, as f64 vectors, at least 320 MB.
    python(&format!(
        "import numpy as np\n\
         a = np.random.default_rng(0).random(20_000_000)\n\
         np.save({d:?} + '/a.npy', a)\n\
         a[19_999_990] = np.nextafter(a[19_999_990], 2.0)\n\
         np.save({d:?} + '/b.npy', a)\n"
    ));
    let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    let time = Path::new("/usr/bin/time");
    let report = dir.path().join("peak");
    let out = if time.exists() {
        std::process::Command::new(time)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(env!("CARGO_BIN_EXE_xor-repro"))
            .args(["diff", a.to_str().unwrap(), b.to_str().unwrap()])
            .output()
            .unwrap()
    } else {
        xor_repro(&["diff", a.to_str().unwrap(), b.to_str().unwrap()])
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("19999999 bit-identical") && text.contains("element [19999990]"),
        "{text}"
    );
    if let Ok(peak) = std::fs::read_to_string(&report) {
        let kb: f64 = peak.lines().last().unwrap().trim().parse().unwrap();
        println!("peak resident memory of diff: {:.0} MB", kb / 1024.0);
        assert!(kb < 100.0 * 1024.0, "diff held {kb} kB");
    }
}

/// `export` writes a port's `.npz` as the CSVs the recorder writes for the same values in its
/// CSV form (`xrr.Run(...)`, as the notebooks' reference scripts record), byte for byte; and
/// a folder of those CSVs (an older run's) diffs and explains against the `.npz` one as
/// identical.
#[test]
fn export_writes_the_csvs_the_recorder_writes() {
    let dir = out_dir();
    let d = dir.path().to_str().unwrap();
    // Each form in a process of its own, as a script records (the kernel probe runs once).
    for form in [
        format!(
            "xrr.Run.from_args('export', argv=['--out', {d:?} + '/npz', '--trace'], echo=False)"
        ),
        format!("xrr.Run('export', out={d:?} + '/csv', trace=True, echo=False)"),
    ] {
        python(&format!(
            "import torch, xor_repro_record as xrr\n\
             torch.manual_seed(0)\n\
             ts = [('w', torch.randn(3, 4)), ('b', torch.randn(4, dtype=torch.float64)), ('s', torch.tensor(-0.0))]\n\
             rec = {form}\n\
             for name, t in ts: rec.param('initial', name, t)\n\
             for step in range(2):\n\
             \x20   for name, t in ts: rec.trace(step, name, t * (step + 1) / 3)\n\
             for name, t in ts: rec.param('final', name, t + 1)\n\
             rec.loss(0, 1.0)\n\
             rec.write()\n"
        ));
    }
    let npz = dir.path().join("npz/export/seed-0/python");
    let csv = dir.path().join("csv/export/seed-0/python");
    assert!(npz.join("trace.npz").is_file() && !npz.join("trace.csv").exists());
    let exported = dir.path().join("exported");
    let out = xor_repro(&[
        "export",
        npz.to_str().unwrap(),
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in ["params.csv", "trace.csv"] {
        let (a, b) = (
            std::fs::read_to_string(exported.join(file)).unwrap(),
            std::fs::read_to_string(csv.join(file)).unwrap(),
        );
        assert_eq!(a, b, "{file}");
    }
    // diff holds the older folder's CSVs against the newer one's arrays, value by value.
    let (code, text) = diff(&csv, &npz);
    assert_eq!(code, Some(0), "{text}");
    for pair in [
        "params.csv against params.npz",
        "trace.csv against trace.npz",
    ] {
        assert!(text.contains(pair), "{text}");
    }
    assert!(text.contains("69 of 69 values bit-identical"), "{text}");
    let out = xor_repro(&["explain", csv.to_str().unwrap(), npz.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.starts_with("identical: 6 tensors (")
            && said.contains(" numbers) over 2 traced steps bit-identical"),
        "{said}"
    );
}

/// A recorded script that dies after tracing (an exception mid-run) leaves nothing behind:
/// no run folder, no temporary folder with a half-written `trace.npz`.
#[test]
fn an_interrupted_recording_leaves_nothing_that_looks_like_a_run() {
    let dir = out_dir();
    let interpreter = xor_repro::run::python::interpreter().unwrap();
    let script = format!(
        "import torch, torch.nn as nn, xor_repro_record as xrr\n\
         rec = xrr.Run.from_args('interrupted', argv=['--out', {:?}, '--trace'])\n\
         model = nn.Linear(3, 2)\n\
         rec.initial_params(model.named_parameters())\n\
         with rec.step(0, model) as t:\n\
         \x20   loss = t.value('loss', model(torch.ones(4, 3)).sum())\n\
         \x20   t.backward(loss)\n\
         raise RuntimeError('killed mid-run')\n",
        dir.path().to_str().unwrap()
    );
    let ran = std::process::Command::new(interpreter)
        .args(["-c", &script])
        .env("PYTHONPATH", xor_repro::run::python::python_path())
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ran.stderr).contains("killed mid-run"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
