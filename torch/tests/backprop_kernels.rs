//! The element-wise steps `backprop.rs` computes in Rust, held against libtorch's own
//! kernels (what autograd and `optim.SGD` call) on many random inputs, bit for bit.

use tch::{Device, Kind, Reduction, Tensor};
use xor_repro_torch::backprop::{self, floats};

const N: i64 = 200_003; // not a multiple of the vector width: both kernel paths run

fn random(scale: f64) -> Tensor {
    Tensor::randn([N], (Kind::Float, Device::Cpu)) * scale
}

fn assert_same_bits(ours: &[f32], theirs: &Tensor, what: &str) {
    let theirs = floats(theirs);
    let differ = ours
        .iter()
        .zip(theirs)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(
        differ,
        0,
        "{what}: {differ} of {} values differ from libtorch",
        ours.len()
    );
}

#[test]
fn relu_and_its_backward_match_libtorch() {
    tch::manual_seed(1);
    let x = random(3.0);
    let mut ours = floats(&x).to_vec();
    backprop::relu(&mut ours);
    assert_same_bits(&ours, &x.relu(), "relu");
    let grad = random(1.0);
    let result = x.relu();
    let mut ours = floats(&grad).to_vec();
    backprop::relu_backward_(&mut ours, floats(&result));
    assert_same_bits(
        &ours,
        &result.threshold_backward(&grad, 0),
        "threshold_backward",
    );
}

#[test]
fn sigmoid_backward_matches_libtorch() {
    tch::manual_seed(2);
    let result = random(4.0).sigmoid();
    let grad = random(0.3);
    let mut ours = floats(&grad).to_vec();
    backprop::sigmoid_backward_(&mut ours, floats(&result));
    assert_same_bits(
        &ours,
        &Tensor::sigmoid_backward(&grad, &result),
        "sigmoid_backward",
    );
}

#[test]
fn mse_loss_backward_matches_libtorch() {
    tch::manual_seed(3);
    let seed = Tensor::ones([], (Kind::Float, Device::Cpu));
    for len in [4, 16, 1000] {
        let input = random(1.0).narrow(0, 0, len).sigmoid();
        let target = random(1.0).narrow(0, 0, len).gt(0.0).to_kind(Kind::Float);
        let mut ours = vec![0f32; len as usize];
        backprop::mse_loss_backward(floats(&input), floats(&target), &mut ours);
        let theirs = input.mse_loss_backward(&seed, &target, Reduction::Mean);
        assert_same_bits(&ours, &theirs, &format!("mse_loss_backward over {len}"));
    }
}

/// The fused update against libtorch's own SGD (the C++ `optim::SGD`, whose step is
/// `p.add_(grad, -lr)` like Python's): this is what fails on a libtorch that does not fuse.
#[test]
fn sgd_update_matches_libtorchs_sgd_step() {
    tch::manual_seed(4);
    for lr in [0.1, 0.05, 1.5, 0.37] {
        let param = random(1.0).set_requires_grad(true);
        let grad = random(0.01);
        let mut ours = floats(&param).to_vec();
        backprop::sgd_update(&mut ours, floats(&grad), lr);
        (&param * &grad).sum(Kind::Float).backward(); // param.grad = grad
        let optimizer = xor_repro_torch::torch_init::sgd(&[param.shallow_clone()], lr).unwrap();
        optimizer.step().unwrap();
        assert_same_bits(&ours, &param.detach(), &format!("SGD step at lr {lr}"));
    }
}
