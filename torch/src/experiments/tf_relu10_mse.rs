//! Notebook 002 (`002_537c36a4ddaa79e8.txt`), TensorFlow part ("1.6. TensorFlot comparison"):
//! TensorFlow 2 eager, 2→10 ReLU→1 sigmoid in float32, `tf.random.set_seed(1)`,
//! `W1 = tf.random.normal([2, 10])`, `W2 = tf.random.normal([10, 1])`, zero biases of shape
//! (1, 10) and (1, 1), loss `reduce_mean(square(Y − A2))` under a `GradientTape`, updates
//! `assign_sub(lr * grad)` with lr 1.5, 500 epochs.
//!
//! The initial weights are TensorFlow's own draw, bit for bit ([`crate::rng::tensorflow`]).
//! Training runs through libtorch in float32 with autograd, in the notebook's order of
//! operations: `lr * grad` is rounded, then subtracted (two roundings, as `assign_sub` does).
//! Where TensorFlow's CPU kernels round differently from libtorch's (the (4×10)·(10×1) matrix
//! product, the Sigmoid and its gradient), the [`tf_kernels`] module below computes their
//! values the way TensorFlow's kernels do and lets autograd carry TensorFlow's gradients. The
//! result is bit-identical to TensorFlow 2.19.0 on this machine, on either CPU back-end:
//! oneDNN (TensorFlow's default) or Eigen (`TF_ENABLE_ONEDNN_OPTS=0`); we read the same
//! variable TensorFlow reads. Every loss, parameter and prediction; not the 2500-point
//! surface, where TensorFlow switches to vectorised kernels (within 3e-7 there). oneDNN's
//! summation order was measured on an AVX-512 CPU and depends on the instruction set
//! oneDNN picks at run time; Eigen's is fixed when the wheel is built.
//!
//! Quirks kept: the notebook prints `TensorFlow version: 2.19.0` first; we print the version
//! whose generator we reproduce bit for bit, so the transcripts read alike. Losses are printed
//! with `{loss:.4f}` at epochs 0, 20, …; the per-input lines print NumPy float32 arrays
//! (`Input: [0. 1.]`), `Final XOR preds:` prints the (4, 1) float32 array NumPy's way.
//! `predictions.csv` holds `predict(X)` after training (what "Final XOR preds" prints), and
//! `surface.csv` the network on the 50×50 grid `np.meshgrid(linspace(0,1,50), …)` in `pts`
//! order (x1 varies fastest).

use crate::tensors::{self, InitialTensors};
use anyhow::Result;
use tch::{Kind, Tensor};
use xor_repro::experiments::Config;
use xor_repro::record::{RunRecord, Stage};
use xor_repro::rng::tensorflow::TfRandom;
use xor_repro::{pyfmt, xor};

/// The TensorFlow release whose `tf.random.normal` stream [`TfRandom`] reproduces.
pub const TENSORFLOW_VERSION: &str = "2.19.0";

const PARAMS: [&str; 4] = ["W1", "b1", "W2", "b2"];

/// The TensorFlow CPU back-end a run reproduces, as `run.json` records it: the one TensorFlow
/// picks from `TF_ENABLE_ONEDNN_OPTS`.
pub fn backend_name() -> &'static str {
    match tf_kernels::Backend::from_env() {
        tf_kernels::Backend::OneDnn => "oneDNN",
        tf_kernels::Backend::Eigen => "Eigen",
    }
}

/// `tf.Variable(tf.random.normal(shape))` as a float32 tensor.
fn normal(tf: &mut TfRandom, shape: [usize; 2]) -> Tensor {
    Tensor::from_slice(&tf.normal(&shape)).reshape([shape[0] as i64, shape[1] as i64])
}

fn float32s(t: &Tensor) -> Vec<f32> {
    tensors::values(t).iter().map(|v| *v as f32).collect()
}

pub fn run(cfg: &Config) -> Result<RunRecord> {
    cfg.check_init_names(&PARAMS)?;
    let mut record = RunRecord::default();

    record.say(
        cfg.echo,
        format!("TensorFlow version: {TENSORFLOW_VERSION}"),
    );

    // XOR input and output
    let (x, y) = tensors::xor(Kind::Float);

    // Initialize weights and biases
    let mut tf = TfRandom::new(cfg.seed);
    let (input_dim, hidden_dim, output_dim) = (2, 10, 1);
    let w1 = normal(&mut tf, [input_dim, hidden_dim]);
    let b1 = Tensor::zeros([1, hidden_dim as i64], (Kind::Float, tch::Device::Cpu));
    let w2 = normal(&mut tf, [hidden_dim, output_dim]);
    let b2 = Tensor::zeros([1, output_dim as i64], (Kind::Float, tch::Device::Cpu));
    let params: Vec<Tensor> = PARAMS
        .iter()
        .zip([w1, b1, w2, b2])
        .map(|(name, drawn)| Ok(cfg.initial(name, drawn)?.set_requires_grad(true)))
        .collect::<Result<_>>()?;
    let [w1, b1, w2, b2] = &params[..] else {
        unreachable!()
    };
    for (name, p) in PARAMS.iter().zip(&params) {
        record.push_param(Stage::Initial, name, tensors::values(p));
    }
    let backend = tf_kernels::Backend::from_env();

    // Prediction function (the notebook defines it after training; it reads the variables).
    let predict = |x: &Tensor| {
        let z1 = x.matmul(w1) + b1;
        let a1 = z1.relu();
        let z2 = tf_kernels::matmul_k(&a1, w2, backend) + b2;
        tf_kernels::sigmoid(&z2)
    };

    // Training Loop
    let epochs = cfg.steps;
    let lr = cfg.lr;
    for epoch in 0..epochs {
        let z1 = x.matmul(w1) + b1;
        let a1 = z1.relu();
        let z2 = tf_kernels::matmul_k(&a1, w2, backend) + b2;
        let a2 = tf_kernels::sigmoid(&z2);
        let loss = (&y - &a2).square().mean(Kind::Float);
        let loss_value = loss.double_value(&[]);
        record.losses.push(loss_value);

        // Compute gradients and update
        for p in &params {
            p.shallow_clone().zero_grad();
        }
        loss.backward();
        tch::no_grad(|| {
            for p in &params {
                // `lr * grads[i]`: the Python float becomes a float32 tensor first.
                let step = p.grad() * Tensor::from(lr as f32);
                let _ = p.shallow_clone().f_sub_(&step).expect("assign_sub");
            }
        });

        if epoch % 20 == 0 {
            record.say(
                cfg.echo,
                format!("Epoch {epoch}, Loss: {}", pyfmt::fixed(loss_value, 4)),
            );
        }
        cfg.tick(epoch);
    }
    for (name, p) in PARAMS.iter().zip(&params) {
        record.push_param(Stage::Final, name, tensors::values(p));
    }

    tch::no_grad(|| -> Result<()> {
        record.say(cfg.echo, "\nPredictions after training:");
        for (input, target) in xor::INPUTS.iter().zip(xor::TARGETS) {
            let row = [input[0] as f32, input[1] as f32];
            let pred = predict(&Tensor::from_slice(&row).reshape([1, 2]));
            let rounded = float32s(&pred.round());
            record.say(
                cfg.echo,
                format!(
                    "Input: {}, Predicted: {}, True: {}",
                    pyfmt::ndarray_f32(&row, &[2]),
                    pyfmt::ndarray_f32(&rounded, &[rounded.len()]),
                    pyfmt::ndarray_f32(&[target as f32], &[1]),
                ),
            );
        }

        // Accuracy
        let preds = predict(&x);
        let acc = preds
            .round()
            .eq_tensor(&y)
            .to_kind(Kind::Float)
            .mean(Kind::Float);
        let preds_values = float32s(&preds);
        record.say(
            cfg.echo,
            format!(
                "Final XOR preds: {}",
                pyfmt::ndarray_f32(&preds_values, &[4, 1])
            ),
        );
        // A mean of four 0/1 values is one of 0, 0.25, 0.5, 0.75, 1, whose float32 and
        // float64 shortest reprs agree, so Python's float repr prints what NumPy prints.
        record.say(
            cfg.echo,
            format!("Accuracy: {}", pyfmt::float_repr(acc.double_value(&[]))),
        );
        record.predictions = xor::predictions(&tensors::values(&preds));

        // Surface plot: pts = column_stack([Xg.ravel(), Yg.ravel()]), cast to float32.
        let pts = xor_repro::numpy_ops::surface_grid();
        let pts_tf: Vec<f32> = pts.iter().flatten().map(|v| *v as f32).collect();
        let pts_tf = Tensor::from_slice(&pts_tf).reshape([pts.len() as i64, 2]);
        let a2g = tensors::values(&predict(&pts_tf));
        record.surface = pts
            .iter()
            .zip(a2g)
            .map(|([x1, x2], z)| [*x1, *x2, z])
            .collect();
        Ok(())
    })?;
    Ok(record)
}

/// TensorFlow's CPU kernels where they round differently from libtorch's, written with libtorch
/// operations that round once each, so the values are TensorFlow's bit for bit and autograd
/// still computes the gradients TensorFlow's gradient functions compute.
///
/// Measured op by op against TensorFlow 2.19.0, each op fed TensorFlow's own inputs:
/// - Sigmoid on fewer than eight floats is Eigen's scalar `scalar_logistic_op<float>`,
///   `e / (1 + e)` with `e = expf(min(x, 16.6355324))` (glibc `expf`); libtorch's sigmoid
///   differs in about 40% of values. SigmoidGrad is `(dy * y) * (1 - y)`; libtorch's is
///   `(dy * (1 - y)) * y`. Both back-ends.
/// - The (4×10)·(10×1) product `A1 · W2`: with `TF_ENABLE_ONEDNN_OPTS=0`, Eigen sums the
///   rounded products left to right (no FMA), and so does its `A1ᵀ · dZ2`. With oneDNN
///   (TensorFlow's default; oneDNN 3.5 on this AVX-512 machine) the sum is
///   `((p0+p1)+(p4+p5)) + ((p2+p3)+(p6+p7))` plus `(p8+p9)` — eight lanes reduced pairwise,
///   the tail of two added last — while its `A1ᵀ · dZ2` equals libtorch's `mm`.
/// - Everything else in this network (Z1 with X of zeros and ones, ReLU, the loss, the other
///   gradients, `assign_sub`) already agrees bit for bit with libtorch's kernels.
mod tf_kernels {
    use tch::{Kind, Tensor};

    /// Which of TensorFlow's CPU back-ends to reproduce: the one TensorFlow itself would pick
    /// from `TF_ENABLE_ONEDNN_OPTS` (on unless it is `0` or `false`), so that `run` and
    /// `reference` started from the same environment compute the same numbers.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Backend {
        OneDnn,
        Eigen,
    }

    impl Backend {
        pub fn from_env() -> Backend {
            match std::env::var("TF_ENABLE_ONEDNN_OPTS") {
                Ok(v) if v == "0" || v.eq_ignore_ascii_case("false") => Backend::Eigen,
                _ => Backend::OneDnn,
            }
        }
    }

    /// A tensor whose value is `value` and whose gradient is that of `surrogate`:
    /// `value + (s − s)` adds an exact zero, and the gradient flows through `s` unchanged.
    fn with_gradient_of(value: &Tensor, surrogate: &Tensor) -> Tensor {
        value.detach() + (surrogate - surrogate.detach())
    }

    /// `tf.matmul(a, w)` for an (n×k)·(k×1) product, summed as `backend` sums it.
    pub fn matmul_k(a: &Tensor, w: &Tensor, backend: Backend) -> Tensor {
        let products = a * w.tr();
        let p = products.detach();
        let k = p.size()[1];
        let col = |j: i64| p.narrow(1, j, 1);
        match backend {
            Backend::Eigen => {
                let value = (1..k).fold(col(0), |sum, j| sum + col(j));
                // The gradients of `(a * wᵀ).sum(1)`: `dA = dZ · wᵀ` (one product each) and
                // `dw` summed over the rows in order, as Eigen's `Aᵀ · dZ` does.
                let surrogate = products.sum_dim_intlist([1i64].as_slice(), true, Kind::Float);
                with_gradient_of(&value, &surrogate)
            }
            Backend::OneDnn => {
                // Measured for k = 10 only, the one product of this shape the notebook has.
                assert_eq!(
                    k, 10,
                    "oneDNN's summation order is reproduced for k = 10 only"
                );
                let pairs: Vec<Tensor> = (0..4).map(|i| col(2 * i) + col(2 * i + 1)).collect();
                let lanes = (&pairs[0] + &pairs[2]) + (&pairs[1] + &pairs[3]);
                let value = lanes + (col(8) + col(9));
                with_gradient_of(&value, &a.matmul(w))
            }
        }
    }

    /// `tf.nn.sigmoid` with Eigen's scalar logistic (what TensorFlow uses for fewer than
    /// eight elements; larger tensors go through Eigen's vectorised `pexp`, which this does
    /// not reproduce), with TensorFlow's SigmoidGrad.
    pub fn sigmoid(z: &Tensor) -> Tensor {
        let values: Vec<f32> = crate::tensors::values(z)
            .iter()
            .map(|&x| {
                // Eigen truncates where e / (1 + e) first rounds to one.
                let e = (x as f32).min(16.635_532).exp();
                e / (1.0 + e)
            })
            .collect();
        let y = Tensor::from_slice(&values).reshape(z.size());
        // d/dz of (z · (1 − y)) · y, y held constant, is (dy · y) · (1 − y) in that order:
        // libtorch's mul backward multiplies the incoming gradient by the other factor.
        let one_minus_y = -&y + 1.0;
        let surrogate = (z * one_minus_y) * &y;
        with_gradient_of(&y, &surrogate)
    }
}
