//! TensorFlow's Eigen kernels in each build's packets, against Eigen itself: the Eigen headers
//! the TensorFlow wheel ships, compiled here by g++ into `tests/eigen_build/harness.cc` with the
//! flags of each build — `-mavx` (the Linux wheel, eight-float packets) and `-march=x86-64`
//! (a build for baseline x86-64, four-float SSE packets, what `--machine CPU+tf-baseline`
//! emulates) — and run on the same inputs as `Packets::Avx8` and `Packets::Sse4`.
//!
//! This holds the element-wise kernels and reductions of the baseline build against real Eigen
//! code compiled as such a build compiles it; no TensorFlow built that way was run (none is
//! installable here), which `machines` and the docs say.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use xor_repro::kernels::eigen::Packets;

/// The wheel's Eigen headers (`tf.sysconfig.get_include()`).
fn eigen_include() -> String {
    common::python("import tensorflow as tf; print(tf.sysconfig.get_include())")
        .trim()
        .to_string()
}

/// The harness compiled with `flags` into a temporary folder.
fn compile(flags: &[&str], dir: &std::path::Path) -> PathBuf {
    let exe = dir.join(format!("harness{}", flags.join("").replace(['-', '='], "")));
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eigen_build/harness.cc");
    let out = Command::new("g++")
        .args(["-std=c++17", "-O2"])
        .args(flags)
        .arg(format!("-I{}", eigen_include()))
        .arg("-o")
        .arg(&exe)
        .arg(source)
        .output()
        .expect("g++ runs (Debian's build-essential)");
    assert!(
        out.status.success(),
        "g++ {flags:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// One request to the harness.
struct Case {
    op: &'static str,
    inputs: Vec<f32>,
    n: usize,
}

/// Runs every case through the harness; one result list per case.
fn run_harness(exe: &PathBuf, cases: &[Case]) -> Vec<Vec<f32>> {
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("harness runs");
    let mut text = String::new();
    for c in cases {
        text.push_str(&format!("{} {}", c.op, c.n));
        for v in &c.inputs {
            text.push_str(&format!(" {:08x}", v.to_bits()));
        }
        text.push('\n');
    }
    // Written from another thread: the answers fill their pipe while the questions still flow.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "harness failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            line.split_whitespace()
                .map(|h| f32::from_bits(u32::from_str_radix(h, 16).unwrap()))
                .collect()
        })
        .collect()
}

/// A seeded xorshift: inputs of every sign and magnitude the kernels branch on.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
    /// Logistic arguments: mostly where the polynomial works, some at its clamps and beyond.
    fn argument(&mut self) -> f32 {
        match self.next() % 10 {
            0 => self.uniform(-120.0, 30.0),
            1 => self.uniform(-1e-3, 1e-3),
            _ => self.uniform(-12.0, 12.0),
        }
    }
}

fn cases() -> Vec<Case> {
    let mut d = Draw(0x9e37_79b9_7f4a_7c15);
    let mut sizes: Vec<usize> = (1..=40).collect();
    sizes.extend([63, 64, 65, 100, 2500, 4096]);
    let mut cases = Vec::new();
    for &n in &sizes {
        for _ in 0..5 {
            let x: Vec<f32> = (0..n).map(|_| d.argument()).collect();
            cases.push(Case {
                op: "sigmoid",
                inputs: x,
                n,
            });
            let y: Vec<f32> = (0..n).map(|_| d.uniform(0.0, 1.0)).collect();
            let dy: Vec<f32> = (0..n).map(|_| d.uniform(-0.5, 0.5)).collect();
            cases.push(Case {
                op: "sigmoid_grad",
                inputs: [y, dy].concat(),
                n,
            });
            for op in ["sum", "mean"] {
                let scale = [1e-3f32, 1.0, 1e3][(d.next() % 3) as usize];
                let x: Vec<f32> = (0..n).map(|_| d.uniform(-scale, scale)).collect();
                cases.push(Case { op, inputs: x, n });
            }
        }
    }
    cases
}

fn ours(packets: Packets, c: &Case) -> Vec<f32> {
    match c.op {
        "sigmoid" => packets.sigmoid(&c.inputs),
        "sigmoid_grad" => packets.sigmoid_grad(&c.inputs[..c.n], &c.inputs[c.n..]),
        "sum" => vec![packets.sum(&c.inputs)],
        "mean" => vec![packets.mean(&c.inputs)],
        op => unreachable!("{op}"),
    }
}

#[test]
fn each_builds_packets_agree_with_eigen_compiled_for_that_build() {
    let dir = common::out_dir();
    let cases = cases();
    let mut failures = Vec::new();
    for (packets, flags) in [
        (Packets::Sse4, &["-march=x86-64"][..]),
        (Packets::Avx8, &["-march=x86-64", "-mavx"][..]),
    ] {
        let exe = compile(flags, dir.path());
        let theirs = run_harness(&exe, &cases);
        assert_eq!(theirs.len(), cases.len(), "one answer per case");
        for op in ["sigmoid", "sigmoid_grad", "sum", "mean"] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for (c, t) in cases.iter().zip(&theirs).filter(|(c, _)| c.op == op) {
                a.extend(ours(packets, c));
                b.extend(t);
            }
            let what = format!("{op}, {packets:?} against Eigen built with {flags:?}");
            match common::bit_identity(&what, &a, &b, "Eigen") {
                Ok(line) => println!("{line}"),
                Err((line, _)) => failures.push(line),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_packet_width_decides_the_notebook_batch() {
    // The measurement behind the test above mattering: on four rows the wheel's build computes
    // the logistic in scalar code and the baseline build in its packet polynomial, which
    // differ on some arguments; a test of Sse4 on four elements is therefore not a test of Avx8.
    let mut d = Draw(7);
    let x: Vec<f32> = (0..4000).map(|_| d.uniform(-8.0, 8.0)).collect();
    let differ = x
        .chunks(4)
        .filter(|c| Packets::Sse4.sigmoid(c) != Packets::Avx8.sigmoid(c))
        .count();
    println!("4-element logistic: the builds differ on {differ} of 1000 batches");
    assert!(differ > 0);
}
