//! `explain`: it must name exactly the step and the value where two traces part. Differences
//! are planted, one ulp at a time, into traces the real Python references wrote, at chosen
//! steps and operations; and the plain tch ports are explained against the notebooks.

mod common;

use common::{out_dir, side, xor_repro};
use std::path::Path;
use xor_repro::record::trace::{self, TracedValue};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Rewrites `dir/trace.csv` with element `index` of value `seq` of `step` moved by one ulp
/// (in float32 when `float32`, else float64).
fn plant(dir: &Path, step: usize, seq: usize, index: usize, float32: bool) -> TracedValue {
    let path = dir.join("trace.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut planted = None;
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == step.to_string() && f[1] == seq.to_string() && f[3] == index.to_string() {
            let v: f64 = f[4].parse().unwrap();
            let moved = if float32 {
                f32::from_bits((v as f32).to_bits() + 1) as f64
            } else {
                f64::from_bits(v.to_bits() + 1)
            };
            planted = Some(f[2].to_string());
            lines.push(format!(
                "{},{},{},{},{}",
                f[0],
                f[1],
                f[2],
                f[3],
                xor_repro::record::number(moved)
            ));
        } else {
            lines.push(line.to_string());
        }
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let name = planted.unwrap_or_else(|| panic!("no value {seq}[{index}] at step {step}"));
    TracedValue {
        step,
        seq,
        name,
        values: Vec::new(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A traced Python run, copied, with one ulp planted at each chosen (step, value): explain
/// names that step and that value, one element of it, one ulp; the untouched copy is
/// identical.
fn planted_differences_are_named(experiment: &str, steps: &str, float32: bool) {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    let run = xor_repro(&[
        "reference",
        experiment,
        "--epochs",
        "12",
        "--trace-steps",
        steps,
        "--out",
        o,
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let traced = side(
        out.path(),
        experiment,
        xor_repro::experiments::find(experiment)
            .unwrap()
            .default_seed,
        "python",
    );
    let values = trace::read(&traced.join("trace.csv")).unwrap();
    assert!(
        values.len() >= 6,
        "{experiment}: the Python reference traced {} values",
        values.len()
    );

    let same = out.path().join("same");
    copy_dir(&traced, &same);
    let e = xor_repro(&["explain", traced.to_str().unwrap(), same.to_str().unwrap()]);
    assert_eq!(e.status.code(), Some(0), "{}{}", stdout(&e), stderr(&e));
    assert!(stdout(&e).starts_with("identical"), "{}", stdout(&e));
    // An identical pair's explain-*.md says so, without a table of zeros.
    let md = std::fs::read_to_string(traced.parent().unwrap().join("explain-same.md")).unwrap();
    assert!(
        md.contains("every traced value and every loss is bit-identical")
            && !md.contains("| step | max abs difference"),
        "{md}"
    );

    // The first value of the first traced step, one in the middle, and the last one traced.
    let picks = [0, values.len() / 2, values.len() - 1];
    for &k in &picks {
        let v = &values[k];
        let index = v.values.len() - 1;
        let b = out.path().join(format!("planted-{k}"));
        copy_dir(&traced, &b);
        let planted = plant(&b, v.step, v.seq, index, float32);
        let e = xor_repro(&["explain", traced.to_str().unwrap(), b.to_str().unwrap()]);
        let said = stdout(&e);
        assert_eq!(
            e.status.code(),
            Some(1),
            "{experiment}: {said}{}",
            stderr(&e)
        );
        let expected = format!("first divergence: step {}, {} (value {} of the step): 1 of {} elements differ; [{index}]", planted.step, planted.name, planted.seq, v.values.len());
        assert!(
            said.starts_with(&expected),
            "{experiment}: planted at step {} {}[{index}], explain said:\n{said}",
            v.step,
            v.name
        );
        assert!(said.contains("1 ulp apart"), "{said}");
        let numbers_before: usize = values[..k].iter().map(|v| v.values.len()).sum();
        let before = if k == 0 {
            "it is the first value traced".to_string()
        } else {
            format!(
                "the {} traced before it are bit-identical",
                xor_repro::explain::render::tensors(k, numbers_before as u64)
            )
        };
        assert!(said.contains(&before), "{said}");
        let md = std::fs::read_to_string(
            traced
                .parent()
                .unwrap()
                .join(format!("explain-planted-{k}.md")),
        );
        assert!(
            md.is_ok_and(|m| m.contains(&planted.name)),
            "explain.md names the value"
        );
        println!(
            "{experiment}: planted at step {} `{}`[{index}] (value {k} of {}) — named",
            v.step,
            v.name,
            values.len()
        );
    }
}

#[test]
fn planted_numpy_difference_is_named() {
    planted_differences_are_named("numpy-sigmoid2-mse", "3..6", false);
}

#[test]
fn planted_tensorflow_difference_is_named() {
    planted_differences_are_named("tf-relu10-mse", "0..2", true);
}

#[test]
fn planted_pytorch_difference_is_named() {
    planted_differences_are_named("torch-relu4-mse", "5..7", true);
}

#[test]
fn a_folder_without_trace_is_a_one_line_error() {
    let out = out_dir();
    let o = out.path().to_str().unwrap();
    assert!(
        xor_repro(&["run", "numpy-sigmoid2-mse", "--epochs", "3", "--out", o])
            .status
            .success()
    );
    let a = side(out.path(), "numpy-sigmoid2-mse", 42, "rust");
    let e = xor_repro(&["explain", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(e.status.code(), Some(2));
    let err = stderr(&e);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("has no trace.csv") && err.contains("--trace"),
        "{err}"
    );
    for bad in [
        vec!["explain", "no-such-experiment"],
        vec!["explain", o, "/no/such/folder"],
    ] {
        let e = xor_repro(&bad);
        assert_eq!(e.status.code(), Some(2), "{bad:?}");
        assert_eq!(stderr(&e).trim().lines().count(), 1, "{}", stderr(&e));
    }
}

/// Both explain paths of the library, on synthetic traces: a difference planted at every
/// (step, value) of a small trace is found there, and values after it do not matter.
#[test]
fn the_walk_finds_each_planted_value() {
    let names = ["W1", "Z1", "A1", "loss", "dW1", "W1.updated"];
    let trace: Vec<TracedValue> = (0..3)
        .flat_map(|step| {
            names
                .iter()
                .enumerate()
                .map(move |(seq, name)| TracedValue {
                    step,
                    seq,
                    name: name.to_string(),
                    values: (0..4)
                        .map(|i| (step * 10 + seq) as f64 + i as f64 / 8.0)
                        .collect(),
                })
        })
        .collect();
    let e = xor_repro::explain::explain(&trace, &trace, None);
    assert!(e.first.is_none());
    for k in 0..trace.len() {
        let mut planted = trace.clone();
        planted[k].values[2] = f64::from_bits(planted[k].values[2].to_bits() + 3);
        // Everything after the planted value differs too, as a real divergence would.
        for later in planted.iter_mut().skip(k + 1) {
            later.values[0] += 1.0;
        }
        let e = xor_repro::explain::explain(&trace, &planted, None);
        let f = e.first.expect("a divergence");
        assert_eq!(
            (f.step, f.name.as_str(), f.index, f.differing, f.ulps),
            (trace[k].step, trace[k].name.as_str(), 2, 1, 3)
        );
        assert_eq!(f.identical_before, k);
    }
}

/// `explain NAME --engine tch` on the notebooks whose port runs libtorch's own kernels in
/// place of NumPy's or TensorFlow's: it exits 1 and names a step and a value of the
/// notebook's trace (every value traced before it bit-identical).
#[test]
fn the_numpy_and_tensorflow_ports_part_at_a_named_operation() {
    for experiment in ["numpy-relu10-mse", "tf-relu10-mse"] {
        let out = out_dir();
        let o = out.path().to_str().unwrap();
        let e = xor_repro(&["explain", experiment, "--engine", "tch", "--out", o]);
        let said = stdout(&e);
        assert_eq!(
            e.status.code(),
            Some(1),
            "{experiment}: {said}{}",
            stderr(&e)
        );
        let seed = xor_repro::experiments::find(experiment)
            .unwrap()
            .default_seed;
        let python = side(out.path(), experiment, seed, "python");
        let traced = trace::read(&python.join("trace.csv")).unwrap();
        let first = said.lines().next().unwrap_or("");
        let named = traced.iter().find(|v| {
            first.starts_with(&format!(
                "first divergence: step {}, {} (value {} of the step)",
                v.step, v.name, v.seq
            ))
        });
        assert!(
            named.is_some(),
            "{experiment}: explain named no traced value of the notebook: {first}"
        );
        assert!(
            said.contains("operation `"),
            "{experiment}: no operation named: {said}"
        );
        assert!(python.parent().unwrap().join("explain-tch.md").is_file());
        assert!(python.parent().unwrap().join("explain-tch.svg").is_file());
        println!("{experiment}: {first}");
    }
}

/// The PyTorch notebooks' ports run the notebook's own kernels: `explain` finds nothing, at
/// seeds no other test uses.
#[test]
fn the_pytorch_ports_do_not_part() {
    for (experiment, seed, epochs) in [
        ("torch-relu4-mse", "101", None),
        ("torch-sigmoid2-mse", "202", Some("3000")),
        ("torch-sigmoid4-bce-online", "303", None),
    ] {
        let out = out_dir();
        let o = out.path().to_str().unwrap();
        let mut args = vec![
            "explain", experiment, "--engine", "tch", "--seed", seed, "--out", o,
        ];
        if let Some(n) = epochs {
            args.extend(["--epochs", n]);
        }
        let e = xor_repro(&args);
        let said = stdout(&e);
        assert_eq!(
            e.status.code(),
            Some(0),
            "{experiment} seed {seed}: {said}{}",
            stderr(&e)
        );
        assert!(said.starts_with("identical:"), "{said}");
        println!(
            "{experiment} seed {seed}: {}",
            said.lines().next().unwrap_or("")
        );
    }
}
