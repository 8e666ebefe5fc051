//! `sweep --batched`: many seeds of a two-layer PyTorch notebook (000, 001) trained as one
//! computation, with a leading seed dimension and batched matrix products, instead of one
//! process per seed.
//!
//! Each seed starts from exactly its single run's parameters (drawn the same way, seed by
//! seed) and follows the same formulas as `backprop.rs`. It is not bit-identical to the
//! single run: libtorch's batched products (`baddbmm`) add in a different order from the
//! `addmm`/`mm` a single run uses (which go through the BLAS), and its vectorised `exp` (for
//! the sigmoids of a whole batch) rounds differently from the scalar one a 4-row tensor
//! gets. `compare_with_single_runs` measures how far apart they end; the single-run path
//! stays the reference.

use crate::backprop::{floats, floats_mut, sgd_update, Hidden};
use crate::experiments::BatchedNet;
use crate::{tensors, torch_init};
use anyhow::{bail, Result};
use tch::{Kind, Tensor};
use xor_repro::console::progress::Progress;
use xor_repro::experiments::Experiment;
use xor_repro::sweep::SeedResult;
use xor_repro::xor;

/// How each seed of a batched run ended.
pub struct BatchedRun {
    pub seeds: Vec<u64>,
    /// Each seed's last loss (the last epoch's, before its update).
    pub final_losses: Vec<f64>,
    /// Each seed's trained outputs for (0,0), (0,1), (1,0), (1,1).
    pub predictions: Vec<[f64; 4]>,
    /// Each seed's first epoch whose forward pass classified all four inputs.
    pub first_solved: Vec<Option<usize>>,
    /// Every loss of every seed, when asked for (`keep_losses`).
    pub losses: Option<Vec<Vec<f64>>>,
}

/// The net of `exp` that can be batched, if it can.
pub fn batched_net(exp: &Experiment) -> Option<BatchedNet> {
    crate::experiments::find(exp.name).and_then(|t| t.batched)
}

/// Trains `seeds` of `exp` together for `steps` epochs at learning rate `lr`.
pub fn train(
    exp: &Experiment,
    seeds: &[u64],
    steps: usize,
    lr: f64,
    keep_losses: bool,
    progress: &Progress,
) -> Result<BatchedRun> {
    let Some(BatchedNet {
        hidden: activation,
        width: hidden,
    }) = batched_net(exp)
    else {
        let can: Vec<&str> = crate::experiments::TRAINING
            .iter()
            .filter(|t| t.batched.is_some())
            .map(|t| t.name)
            .collect();
        bail!("--batched supports {}, not {}", can.join(" and "), exp.name)
    };
    let hidden = hidden as i64;
    let s = seeds.len() as i64;
    let stack = |tensors: Vec<Tensor>| Tensor::stack(&tensors, 0).contiguous();
    let (mut w1s, mut b1s, mut w2s, mut b2s) = (vec![], vec![], vec![], vec![]);
    for &seed in seeds {
        tch::manual_seed(seed as i64);
        let (w1, b1) = torch_init::linear(2, hidden as usize);
        let (w2, b2) = torch_init::linear(hidden as usize, 1);
        w1s.push(w1);
        b1s.push(b1);
        w2s.push(w2);
        b2s.push(b2);
    }
    // [S, h, 2], [S, 1, h], [S, 1, 1] (biases as rows, to broadcast over the batch)
    let (w1, b1, w2, b2) = (
        stack(w1s),
        stack(b1s).unsqueeze(1),
        stack(w2s),
        stack(b2s).unsqueeze(1),
    );
    let (x, y) = tensors::xor(Kind::Float);
    let x = x.unsqueeze(0).expand([s, 4, 2], false).contiguous();
    let y = y.unsqueeze(0).expand([s, 4, 1], false).contiguous();
    let norm = Tensor::from(0.5f32); // MSELoss(mean)'s 2 / numel over 4 outputs

    let mut final_losses = vec![f64::NAN; seeds.len()];
    let mut first_solved = vec![None; seeds.len()];
    let mut losses = keep_losses.then(|| vec![Vec::with_capacity(steps); seeds.len()]);
    let mut outputs = Tensor::new();
    for epoch in 0..steps {
        let z1 = b1.baddbmm(&x, &w1.transpose(1, 2), 1, 1);
        let h = match activation {
            Hidden::Relu => z1.relu(),
            Hidden::Sigmoid => z1.sigmoid(),
        };
        let p = b2.baddbmm(&h, &w2.transpose(1, 2), 1, 1).sigmoid();
        let diff = &p - &y;
        let loss = diff
            .square()
            .mean_dim([1i64, 2].as_slice(), false, Kind::Float);
        // backward, as backprop.rs does it for one seed
        let gz2 = Tensor::sigmoid_backward(&(&diff * &norm), &p);
        let gw2 = gz2.transpose(1, 2).bmm(&h);
        let gb2 = gz2.sum_dim_intlist(1, true, Kind::Float);
        let gh = gz2.bmm(&w2);
        let gz1 = match activation {
            Hidden::Relu => h.threshold_backward(&gh, 0),
            Hidden::Sigmoid => Tensor::sigmoid_backward(&gh, &h),
        };
        let gw1 = gz1.transpose(1, 2).bmm(&x);
        let gb1 = gz1.sum_dim_intlist(1, true, Kind::Float);
        for (param, grad) in [(&w1, &gw1), (&b1, &gb1), (&w2, &gw2), (&b2, &gb2)] {
            sgd_update(floats_mut(param), floats(&grad.contiguous()), lr);
        }

        let loss = floats(&loss);
        let out = floats(&p);
        for (i, l) in loss.iter().enumerate() {
            final_losses[i] = *l as f64;
            if let Some(losses) = losses.as_mut() {
                losses[i].push(*l as f64);
            }
            if first_solved[i].is_none() {
                let o = &out[4 * i..4 * i + 4];
                if xor::accuracy(&[o[0] as f64, o[1] as f64, o[2] as f64, o[3] as f64]) == 1.0 {
                    first_solved[i] = Some(epoch);
                }
            }
        }
        if epoch + 1 == steps {
            outputs = b2
                .baddbmm(
                    &h_after(&x, &w1, &b1, activation),
                    &w2.transpose(1, 2),
                    1,
                    1,
                )
                .sigmoid();
        }
        if epoch % 256 == 0 {
            progress.set(epoch);
        }
    }
    let out = floats(&outputs);
    let predictions = (0..seeds.len())
        .map(|i| std::array::from_fn(|j| out[4 * i + j] as f64))
        .collect();
    Ok(BatchedRun {
        seeds: seeds.to_vec(),
        final_losses,
        predictions,
        first_solved,
        losses,
    })
}

/// The hidden layer of the trained parameters.
fn h_after(x: &Tensor, w1: &Tensor, b1: &Tensor, activation: Hidden) -> Tensor {
    let z1 = b1.baddbmm(x, &w1.transpose(1, 2), 1, 1);
    match activation {
        Hidden::Relu => z1.relu(),
        Hidden::Sigmoid => z1.sigmoid(),
    }
}

/// `sweep --batched`: every seed of the plan in one batched run.
pub fn sweep(plan: &xor_repro::sweep::Plan) -> Result<Vec<SeedResult>> {
    let seeds: Vec<u64> = (plan.first..=plan.last).collect();
    let progress = Progress::new(
        plan.steps as u64,
        &format!("sweep --batched {}", plan.exp.name),
    );
    let run = train(plan.exp, &seeds, plan.steps, plan.lr, false, &progress)?;
    progress.finish();
    Ok((0..seeds.len())
        .map(|i| {
            SeedResult::new(
                seeds[i],
                run.final_losses[i],
                run.first_solved[i],
                run.predictions[i],
            )
        })
        .collect())
}
