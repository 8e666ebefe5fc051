//! The plain-Rust exact engine's kernels (`xor_repro::kernels::mkl`,
//! `xor_repro::kernels::aten::ops`, `xor_repro::rng::torch`) held against live libtorch, bit
//! for bit: MKL's `sgemm` at every shape and layout notebooks 000, 001 and 003 hand it,
//! ATen's element-wise kernels and reductions at the notebooks' sizes, and the generator's
//! draws, on random inputs and on edge values (±0, subnormals, |x| large enough for `exp` to
//! overflow or vanish).
//!
//! libtorch and MKL fix their paths once per process, so [`every_path_this_cpu_runs`] runs
//! the comparisons ([`ported_kernels_match_libtorch_in_this_process`]) in a child process of
//! this test binary per switch setting: `ATEN_CPU_CAPABILITY` × `MKL_ENABLE_INSTRUCTIONS`,
//! and `MKL_CBWR`. A setting this CPU cannot run is named and skipped; an MKL path that is not
//! reproduced here is named, and its products are not reported as checked.

mod common;
use common::Tally;
use std::process::Command;
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro::kernels::aten::{ops, Capability};
use xor_repro::kernels::cpu::CpuFeatures;
use xor_repro::kernels::mkl;
use xor_repro::kernels::mkl::dispatch::Isa;
use xor_repro::kernels::this_machine;
use xor_repro::rng::torch::TorchGenerator;

const CHILD_TEST: &str = "ported_kernels_match_libtorch_in_this_process";

fn floats(t: &Tensor) -> Vec<f32> {
    let t = t.contiguous().view([-1]);
    Vec::<f32>::try_from(&t).unwrap()
}

/// `n` values of many magnitudes, with signed zeros and subnormals mixed in.
fn values(rng: &mut rand_like::Lcg, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| match rng.below(40) {
            0 => 0.0,
            1 => -0.0,
            2 => f32::from_bits(1 + rng.below(0x007f_ffff) as u32) * rng.sign(),
            _ => rng.normal() * 2f32.powi(rng.below(17) as i32 - 8),
        })
        .collect()
}

mod rand_like {
    /// A small deterministic generator for test inputs (no libtorch draw in between).
    pub struct Lcg(pub u64);
    impl Lcg {
        pub fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 11
        }
        pub fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        pub fn unit(&mut self) -> f32 {
            (self.next() >> 29) as f32 / (1u64 << 24) as f32
        }
        pub fn sign(&mut self) -> f32 {
            if self.below(2) == 0 {
                1.0
            } else {
                -1.0
            }
        }
        pub fn normal(&mut self) -> f32 {
            let (u, v) = (self.unit().max(1e-7), self.unit());
            (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
        }
    }
}

fn tensor(values: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_slice(values).reshape(shape)
}

/// Every product the notebooks hand MKL, as (label, ours, libtorch's), for hidden width `h`.
fn products(
    path: mkl::MklPath,
    rng: &mut rand_like::Lcg,
    h: usize,
) -> Vec<(String, Vec<f32>, Vec<f32>)> {
    let hi = h as i64;
    let x = values(rng, 8);
    let w1 = values(rng, 2 * h);
    let b1 = values(rng, h);
    let hidden = values(rng, 4 * h);
    let w2 = values(rng, h);
    let b2 = values(rng, 1);
    let g = values(rng, 4);
    let gz = values(rng, 4 * h);
    let mut out = Vec::new();
    let mut ours = vec![0.0; 4 * h];
    mkl::matmul(
        path,
        (4, 2, h),
        |i, p| x[i * 2 + p],
        |p, j| w1[j * 2 + p],
        Some(&b1),
        &mut ours,
    );
    let theirs = tensor(&b1, &[hi]).addmm(&tensor(&x, &[4, 2]), &tensor(&w1, &[hi, 2]).tr());
    out.push((
        format!("addmm(b1, x, w1.t()) h={h}"),
        ours.clone(),
        floats(&theirs),
    ));
    let mut ours = vec![0.0; 4];
    mkl::matmul(
        path,
        (4, h, 1),
        |i, p| hidden[i * h + p],
        |p, _| w2[p],
        Some(&b2),
        &mut ours,
    );
    let theirs = tensor(&b2, &[1]).addmm(&tensor(&hidden, &[4, hi]), &tensor(&w2, &[1, hi]).tr());
    out.push((
        format!("addmm(b2, hidden, w2.t()) h={h}"),
        ours,
        floats(&theirs),
    ));
    let mut ours = vec![0.0; h];
    mkl::matmul(
        path,
        (1, 4, h),
        |_, p| g[p],
        |p, j| hidden[p * h + j],
        None,
        &mut ours,
    );
    let theirs = tensor(&g, &[4, 1]).tr().mm(&tensor(&hidden, &[4, hi]));
    out.push((format!("grad.t().mm(hidden) h={h}"), ours, floats(&theirs)));
    let mut ours = vec![0.0; 4 * h];
    mkl::matmul(path, (4, 1, h), |i, _| g[i], |_, j| w2[j], None, &mut ours);
    let theirs = tensor(&g, &[4, 1]).mm(&tensor(&w2, &[1, hi]));
    out.push((format!("grad.mm(w2) h={h}"), ours, floats(&theirs)));
    let mut ours = vec![0.0; 2 * h];
    mkl::matmul(
        path,
        (h, 4, 2),
        |i, p| gz[p * h + i],
        |p, j| x[p * 2 + j],
        None,
        &mut ours,
    );
    let theirs = tensor(&gz, &[4, hi]).tr().mm(&tensor(&x, &[4, 2]));
    out.push((format!("grad.t().mm(x) h={h}"), ours, floats(&theirs)));
    // Notebook 003's `h1 @ W2`: `h1.unsqueeze(0).mm(W2)`.
    let (h1, w2_003) = (values(rng, 4), values(rng, 4));
    let mut ours = vec![0.0; 1];
    mkl::matmul(
        path,
        (1, 4, 1),
        |_, p| h1[p],
        |p, _| w2_003[p],
        None,
        &mut ours,
    );
    let theirs = tensor(&h1, &[1, 4]).mm(&tensor(&w2_003, &[4, 1]));
    out.push(("h1 @ W2 (003)".to_string(), ours, floats(&theirs)));
    out
}

/// Float32 arguments by their bits: every `stride`-th of `range`.
fn arguments(range: std::ops::Range<u32>, stride: usize) -> Vec<f32> {
    range.step_by(stride).map(f32::from_bits).collect()
}

/// `torch.exp` and `torch.log` against the ports: every float where the kernels take their
/// rare paths (|x| > 87.3365 up to where exp is 0 or ∞ for exp, zero and subnormals for log)
/// and every 97th float of both signs elsewhere, specials included, in one tensor each (the
/// kernels run the same lanes whatever the length: measured, n = 1 against n = 2·10⁵).
fn vector_math(path: mkl::MklPath) -> (Tally, Tally) {
    let mut exp_args = arguments(0x42ae_ac40..0x42b2_0000, 1);
    exp_args.extend(arguments(0xc2ae_ac40..0xc2d0_0000, 1));
    exp_args.extend(arguments(0..u32::MAX, 97));
    let mut ln_args = arguments(0..0x0080_0000, 1);
    ln_args.extend(arguments(0..u32::MAX, 97));
    let special = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1.0,
        -1.0,
        f32::MIN_POSITIVE,
    ];
    exp_args.extend(special);
    ln_args.extend(special);
    let mut tallies = (Tally::default(), Tally::default());
    type Port = fn(mkl::MklPath, f32) -> f32;
    type Libtorchs = fn(&Tensor) -> Tensor;
    for (args, port, libtorchs, tally) in [
        (
            &exp_args,
            mkl::vml::exp as Port,
            Tensor::exp as Libtorchs,
            &mut tallies.0,
        ),
        (&ln_args, mkl::vml::ln, Tensor::log, &mut tallies.1),
    ] {
        let ours: Vec<f32> = args.iter().map(|&x| port(path, x)).collect();
        let theirs = libtorchs(&Tensor::from_slice(args));
        // NaNs of either sign count as the same value.
        let canon = |v: &[f32]| -> Vec<f32> {
            v.iter()
                .map(|x| if x.is_nan() { f32::NAN } else { *x })
                .collect()
        };
        tally.add(&canon(&ours), &canon(&floats(&theirs)), "argument");
    }
    tallies
}

/// The comparisons, under the paths this process's libtorch and MKL run.
#[test]
#[ignore = "run in a child process per switch setting by every_path_this_cpu_runs"]
fn ported_kernels_match_libtorch_in_this_process() {
    let paths = this_machine();
    let label = format!("ATen {} / MKL {}", paths.aten.name, paths.mkl.name);
    let mut failed = Vec::new();
    let mut check = |step: &str, tally: Tally| {
        if !tally.report(&label, step) {
            failed.push(step.to_string());
        }
    };
    let mut rng = rand_like::Lcg(20261203);

    match paths.mkl.path {
        Some(path) => {
            let mut tallies: std::collections::BTreeMap<String, Tally> = Default::default();
            for round in 0..3000 {
                for h in [2, 4] {
                    for (name, ours, theirs) in products(path, &mut rng, h) {
                        tallies.entry(name).or_default().add(
                            &ours,
                            &theirs,
                            &format!("draw {round}"),
                        );
                    }
                }
            }
            for (name, tally) in tallies {
                check(&format!("MKL sgemm {name}"), tally);
            }
            let (exp, ln) = vector_math(path);
            check("MKL vsExp (torch.exp)", exp);
            check("MKL vsLn (torch.log)", ln);
        }
        None => println!(
            "note: {label}: MKL's {} path is not reproduced ({}); its products were NOT checked",
            paths.mkl.name, paths.mkl.why
        ),
    }

    let Some(capability) = paths.aten.path else {
        println!("note: {label}: ATen's set is not reproduced; its kernels were NOT checked");
        assert!(
            failed.is_empty(),
            "{label}: differ from libtorch: {failed:?}"
        );
        return;
    };

    // Element-wise kernels at the notebooks' sizes (1 to 16 elements), and edge values.
    let mut sigmoid = Tally::default();
    let mut relu = Tally::default();
    let mut sum = Tally::default();
    let mut mse = Tally::default();
    let mut mse_backward = Tally::default();
    let edges = [
        0.0f32,
        -0.0,
        1e-40,
        -1e-40,
        88.0,
        -88.0,
        89.0,
        -104.0,
        200.0,
        -200.0,
        f32::MIN_POSITIVE,
    ];
    for round in 0..20000 {
        // The notebooks' sigmoids have 4 and 8 elements; from 16 on, libtorch's vector
        // lambda (Sleef's exp) runs, which is not ported.
        let n = 1 + round % 15;
        let mut x: Vec<f32> = values(&mut rng, n).iter().map(|v| v * 8.0).collect();
        if round % 7 == 0 {
            x[0] = edges[round / 7 % edges.len()];
        }
        let t = tensor(&x, &[n as i64]);
        let mut ours = x.clone();
        ops::sigmoid_(&mut ours);
        sigmoid.add(&ours, &floats(&t.sigmoid()), &format!("length {n}"));
        let mut ours = x.clone();
        ops::relu_(&mut ours);
        relu.add(&ours, &floats(&t.relu()), &format!("length {n}"));
        // sum(0) of [4, c] for c = 1, 2, 4 (the bias gradients).
        let c = [1, 2, 4][round % 3];
        let m: Vec<f32> = values(&mut rng, 4 * c);
        let mut ours = vec![0.0; c];
        ops::sum_rows(&m, c, &mut ours);
        let theirs = tensor(&m, &[4, c as i64]).sum_dim_intlist(0, false, Kind::Float);
        sum.add(&ours, &floats(&theirs), &format!("[4, {c}]"));
        // mse_loss and its backward over [4, 1].
        let p: Vec<f32> = (0..4).map(|_| rng.unit()).collect();
        let y: Vec<f32> = (0..4).map(|_| rng.below(2) as f32).collect();
        let (pt, yt) = (tensor(&p, &[4, 1]), tensor(&y, &[4, 1]));
        let theirs = pt.mse_loss(&yt, Reduction::Mean);
        mse.add(&[ops::mse_loss(&p, &y)], &floats(&theirs), "mse_loss");
        let mut ours = vec![0.0; 4];
        ops::mse_loss_backward(&p, &y, &mut ours);
        let one = Tensor::ones([], (Kind::Float, Device::Cpu));
        mse_backward.add(
            &ours,
            &floats(&pt.mse_loss_backward(&one, &yt, Reduction::Mean)),
            "mse_loss_backward",
        );
    }
    check("sigmoid", sigmoid);
    check("relu", relu);
    check("sum(0)", sum);
    check("mse_loss", mse);
    check("mse_loss_backward", mse_backward);

    // The generator: nn.Linear's draws and torch.rand, at seeds past 2³² too.
    let mut draws = Tally::default();
    for seed in [0u64, 1, 7, 42, 2024, 4_294_967_296, 123_456_789_012] {
        tch::manual_seed(seed as i64);
        let mut ours = TorchGenerator::with_capability(seed, capability);
        for (inputs, outputs) in [(2, 4), (4, 1), (2, 2), (2, 1), (10, 10)] {
            let (w, b) = ours.linear(inputs, outputs);
            let bound = xor_repro::rng::torch::kaiming_uniform_bound(inputs);
            let tw = Tensor::empty([outputs as i64, inputs as i64], (Kind::Float, Device::Cpu))
                .uniform_(-bound, bound);
            let bb = 1.0 / (inputs as f64).sqrt();
            let tb = Tensor::empty([outputs as i64], (Kind::Float, Device::Cpu)).uniform_(-bb, bb);
            draws.add(
                &w,
                &floats(&tw),
                &format!("seed {seed}, Linear({inputs}, {outputs}).weight"),
            );
            draws.add(
                &b,
                &floats(&tb),
                &format!("seed {seed}, Linear({inputs}, {outputs}).bias"),
            );
        }
        let r = ours.rand(1000);
        draws.add(
            &r,
            &floats(&Tensor::rand([1000], (Kind::Float, Device::Cpu))),
            &format!("seed {seed}, rand"),
        );
        let u = ours.uniform(5000, -0.3, 1.7);
        let tu = Tensor::empty([5000], (Kind::Float, Device::Cpu)).uniform_(-0.3, 1.7);
        draws.add(
            &u,
            &floats(&tu),
            &format!("seed {seed}, uniform_(-0.3, 1.7)"),
        );
    }
    check("torch.manual_seed draws", draws);
    assert!(
        failed.is_empty(),
        "{label}: differ from libtorch: {failed:?}"
    );
}

/// The switch settings this CPU can run, each in its own process.
#[test]
fn every_path_this_cpu_runs() {
    let cpu = CpuFeatures::detect();
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut settings: Vec<Vec<(&str, &str)>> = vec![vec![]];
    let mut skipped = Vec::new();
    for c in Capability::ALL {
        if cpu.is_x86_64() && c.runs_on(&cpu) {
            settings.push(vec![("ATEN_CPU_CAPABILITY", c.name())]);
        } else {
            skipped.push(format!(
                "ATEN_CPU_CAPABILITY={}: the CPU lacks the {} kernels' features",
                c.name(),
                c.name()
            ));
        }
    }
    // MKL: on a CPU that is not Intel's its one path, then (and on Intel's CPUs, natively)
    // Intel's dispatch at every level this CPU runs and under each kind of MKL_CBWR value.
    let intel = cpu.vendor == "GenuineIntel";
    let as_intel: &[(&str, &str)] = if intel {
        &[]
    } else {
        settings.push(vec![("MKL_ENABLE_INSTRUCTIONS", "AVX2")]);
        settings.push(vec![("MKL_CBWR", "COMPATIBLE")]);
        &[(mkl::MKL_AS_INTEL, "1")]
    };
    let mut intel_settings: Vec<Vec<(&str, &str)>> = vec![vec![]];
    for isa in Isa::ALL {
        if isa.runs_on(&cpu) {
            intel_settings.push(vec![("MKL_ENABLE_INSTRUCTIONS", isa.name())]);
        } else {
            skipped.push(format!(
                "MKL_ENABLE_INSTRUCTIONS={}: the CPU lacks MKL's {} level",
                isa.name(),
                isa.name()
            ));
        }
    }
    intel_settings.push(vec![
        ("MKL_ENABLE_INSTRUCTIONS", "SSE4_2"),
        ("ATEN_CPU_CAPABILITY", "default"),
    ]);
    for cbwr in [
        "COMPATIBLE",
        "AUTO",
        "SSE2",
        "SSE4_2",
        "AVX2",
        "AVX512",
        "AVX2,STRICT",
        "AUTO,STRICT",
    ] {
        intel_settings.push(vec![("MKL_CBWR", cbwr)]);
    }
    for mut env in intel_settings {
        if env.is_empty() && intel {
            continue; // Intel's default dispatch is the run without switches above
        }
        env.extend_from_slice(as_intel);
        settings.push(env);
    }
    for note in &skipped {
        println!(
            "note: skipped {note}: NOT checked on this CPU ({})",
            cpu.summary()
        );
    }
    let mut failed = Vec::new();
    for env in settings {
        let label = if env.is_empty() {
            "no switch".to_string()
        } else {
            env.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut child = Command::new(&exe);
        child.args([
            CHILD_TEST,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ]);
        for var in [
            "ATEN_CPU_CAPABILITY",
            "MKL_ENABLE_INSTRUCTIONS",
            "MKL_CBWR",
            mkl::MKL_AS_INTEL,
        ] {
            child.env_remove(var);
        }
        child.envs(env.iter().copied());
        if env.iter().any(|(k, _)| *k == mkl::MKL_AS_INTEL) {
            child.env("LD_PRELOAD", mkl::shim::path().expect("the shim is built"));
        }
        let out = child.output().expect("the test binary runs itself");
        println!("== {label}");
        for line in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(": ") && !l.starts_with("test result"))
        {
            println!(
                "{}",
                line.trim_start_matches(&format!("test {CHILD_TEST} ... "))
            );
        }
        if !out.status.success() {
            println!("{}", String::from_utf8_lossy(&out.stderr));
            failed.push(label);
        }
    }
    assert!(
        failed.is_empty(),
        "ported kernels differ from libtorch under {failed:?}"
    );
}
