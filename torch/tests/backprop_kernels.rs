//! The element-wise steps `backprop.rs` computes in Rust, held against libtorch's own
//! kernels (what autograd and `optim.SGD` call) on random inputs, bit for bit, under every
//! kernel set (`ATEN_CPU_CAPABILITY`) this CPU runs.
//!
//! libtorch fixes its kernel set once per process, so [`every_kernel_set_this_cpu_runs`]
//! runs the comparisons ([`kernels_match_libtorch_in_this_process`]) in a child process of
//! this test binary per set, with the variable set, and once with it unset. A set the CPU
//! cannot execute is skipped with a note naming it.
//!
//! Lengths: libtorch's element-wise loops run the vector lambda on blocks of 16 floats
//! (`default`, `avx2`) or 32 (`avx512`) and the scalar lambda on the rest, so every length
//! from 1 to 70 is checked (the notebooks' tensors have 1 to 16 elements), then one long
//! tensor, 200 003 values, not a multiple of any block.

mod common;
use common::Tally;
use std::process::Command;
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro::kernels::aten::Capability;
use xor_repro::kernels::cpu::CpuFeatures;
use xor_repro::kernels::this_machine;
use xor_repro_torch::libtorch_engine::backprop::{self, floats};

const LONG: i64 = 200_003;
const CHILD_TEST: &str = "kernels_match_libtorch_in_this_process";

/// Every length from 1 to 70, then the long one.
fn lengths() -> impl Iterator<Item = i64> {
    (1..=70).chain([LONG])
}

fn random(len: i64, scale: f64) -> Tensor {
    Tensor::randn([len], (Kind::Float, Device::Cpu)) * scale
}

/// The comparisons, under the kernel set this process's libtorch runs. Run by
/// [`every_kernel_set_this_cpu_runs`] in a child process per set; alone it checks the set
/// of the environment it is started in.
#[test]
#[ignore = "run in a child process per kernel set by every_kernel_set_this_cpu_runs"]
fn kernels_match_libtorch_in_this_process() {
    let pick = &this_machine().aten;
    let set = pick.name.clone();
    tch::manual_seed(1);
    let mut failed = Vec::new();
    let mut check = |step: &str, tally: Tally| {
        if !tally.report(&set, step) {
            failed.push(step.to_string());
        }
    };

    let mut relu = Tally::default();
    let mut relu_backward = Tally::default();
    let mut sigmoid_backward = Tally::default();
    for len in lengths() {
        let x = random(len, 3.0);
        // Signed zeros: relu keeps −0 (clamp_min), and threshold_backward zeroes at both.
        let _ = x.narrow(0, 0, 1).fill_(-0.0);
        if len > 1 {
            let _ = x.narrow(0, 1, 1).fill_(0.0);
        }
        let mut ours = floats(&x).to_vec();
        backprop::relu(&mut ours);
        let result = x.relu();
        relu.add_tensor(&ours, &result, &format!("length {len}"));

        let grad = random(len, 1.0);
        let mut ours = floats(&grad).to_vec();
        backprop::relu_backward_(&mut ours, floats(&result));
        relu_backward.add_tensor(
            &ours,
            &result.threshold_backward(&grad, 0),
            &format!("length {len}"),
        );

        let result = random(len, 4.0).sigmoid();
        let grad = random(len, 0.3);
        let mut ours = floats(&grad).to_vec();
        backprop::sigmoid_backward_(&mut ours, floats(&result));
        sigmoid_backward.add_tensor(
            &ours,
            &Tensor::sigmoid_backward(&grad, &result),
            &format!("length {len}"),
        );
    }
    check("relu", relu);
    check("threshold_backward", relu_backward);
    check("sigmoid_backward", sigmoid_backward);

    // MseLossBackward0 seeded with the 0-dim ones of `loss.backward()`.
    let seed = Tensor::ones([], (Kind::Float, Device::Cpu));
    let mut mse = Tally::default();
    for len in (1..=70).chain([1000]) {
        let input = random(len, 1.0).sigmoid();
        let target = random(len, 1.0).gt(0.0).to_kind(Kind::Float);
        let mut ours = vec![0f32; len as usize];
        backprop::mse_loss_backward(floats(&input), floats(&target), &mut ours);
        let theirs = input.mse_loss_backward(&seed, &target, Reduction::Mean);
        mse.add_tensor(&ours, &theirs, &format!("length {len}"));
    }
    check("mse_loss_backward", mse);

    // The update against libtorch's own SGD (the C++ `optim::SGD`, whose step is
    // `p.add_(grad, -lr)` like Python's), and how often the other rounding would differ:
    // the test can tell the two apart only if that is not zero.
    let mut sgd = Tally::default();
    let mut other_rounding_differs = 0usize;
    for lr in [0.1, 0.05, 1.5, 0.37] {
        for len in lengths() {
            let param = random(len, 1.0).set_requires_grad(true);
            let grad = random(len, 0.3);
            let start = floats(&param).to_vec();
            let mut ours = start.clone();
            backprop::sgd_update(&mut ours, floats(&grad), lr);
            (&param * &grad).sum(Kind::Float).backward(); // param.grad = grad
            let optimizer = xor_repro_torch::torch_init::sgd(&[param.shallow_clone()], lr).unwrap();
            optimizer.step().unwrap();
            let theirs = param.detach();
            sgd.add_tensor(&ours, &theirs, &format!("lr {lr}, length {len}"));
            let alpha = -lr as f32;
            other_rounding_differs += start
                .iter()
                .zip(floats(&grad))
                .zip(floats(&theirs))
                .filter(|((&p, &g), &t)| {
                    let other = if pick.path.is_some_and(Capability::fuses_add_with_alpha) {
                        p + alpha * g
                    } else {
                        g.mul_add(alpha, p)
                    };
                    other.to_bits() != t.to_bits()
                })
                .count();
        }
    }
    println!(
        "{set}: SGD step: the other set's rounding would differ on {other_rounding_differs} \
         of {} values",
        sgd.compared
    );
    check("SGD step", sgd);
    assert!(
        other_rounding_differs > 0,
        "the SGD check cannot tell fused from unfused"
    );

    // The libtorch fallback for sets not reproduced, whatever set this is.
    let mut fallback = Tally::default();
    for len in [1, 4, 17, 1000] {
        let param = random(len, 1.0);
        let grad = random(len, 0.3);
        let mut ours = floats(&param).to_vec();
        backprop::sgd_update_as(None, &mut ours, floats(&grad), 0.37);
        let expected = match pick.path {
            Some(c) => {
                let mut e = floats(&param).to_vec();
                backprop::sgd_update_as(Some(c), &mut e, floats(&grad), 0.37);
                Tensor::from_slice(&e)
            }
            None => continue,
        };
        fallback.add_tensor(&ours, &expected, &format!("length {len}"));
    }
    check("SGD step through libtorch (fallback)", fallback);

    assert!(failed.is_empty(), "{set}: differ from libtorch: {failed:?}");
}

/// libtorch's kernel sets on this CPU, each in its own process, and the unset variable.
#[test]
fn every_kernel_set_this_cpu_runs() {
    let cpu = CpuFeatures::detect();
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut runs: Vec<(String, Option<Capability>)> = vec![("unset".to_string(), None)];
    for c in Capability::ALL {
        if cpu.is_x86_64() && c.runs_on(&cpu) {
            runs.push((c.name().to_string(), Some(c)));
        } else {
            println!(
                "note: skipped ATEN_CPU_CAPABILITY={}: this CPU ({}) cannot run libtorch's {} \
                 kernels",
                c.name(),
                cpu.summary(),
                c.name()
            );
        }
    }
    let mut failed = Vec::new();
    for (label, capability) in runs {
        let mut child = Command::new(&exe);
        child.args([
            CHILD_TEST,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ]);
        match capability {
            Some(c) => child.env("ATEN_CPU_CAPABILITY", c.name()),
            None => child.env_remove("ATEN_CPU_CAPABILITY"),
        };
        let out = child.output().expect("the test binary runs itself");
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("== ATEN_CPU_CAPABILITY {label}");
        for line in stdout.lines().filter(|l| l.contains(": ")) {
            let line = line.trim_start_matches(&format!("test {CHILD_TEST} ... "));
            println!("{line}");
        }
        if !out.status.success() {
            println!("{}", String::from_utf8_lossy(&out.stderr));
            failed.push(label);
        }
    }
    assert!(
        failed.is_empty(),
        "kernels differ from libtorch under {failed:?}"
    );
}
