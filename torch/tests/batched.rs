//! `sweep --batched` against single runs on 20 seeds: the same outcome for every seed, and the
//! largest loss difference reported (batched products add in another order, so the two are
//! close but not bit-identical; the single run is the reference).

use xor_repro::console::progress::Progress;
use xor_repro::experiments::{self, Config};
use xor_repro::sweep::{classify, SeedResult};
use xor_repro_torch::batched;

fn compare(name: &str, steps: usize) {
    let exp = experiments::find(name).unwrap();
    let seeds: Vec<u64> = (0..20).collect();
    let run = batched::train(exp, &seeds, steps, exp.lr, true, &Progress::hidden()).unwrap();
    let (mut identical, mut total, mut max_abs, mut first) = (0, 0, 0f64, None);
    for (i, &seed) in seeds.iter().enumerate() {
        let cfg = Config::quiet(seed, steps, exp.lr);
        let single = xor_repro_torch::experiments::run_fn(name).unwrap()(&cfg).unwrap();
        let outputs: Vec<f64> = single.predictions.iter().map(|p| p.prediction).collect();
        let outputs: [f64; 4] = outputs.try_into().unwrap();
        let batched_result = SeedResult::new(
            seed,
            run.final_losses[i],
            run.first_solved[i],
            run.predictions[i],
        );
        assert_eq!(
            batched_result.outcome,
            classify(&outputs),
            "{name} seed {seed}: batched {:?} vs single {outputs:?}",
            run.predictions[i]
        );
        for (step, (a, b)) in single
            .losses
            .iter()
            .zip(&run.losses.as_ref().unwrap()[i])
            .enumerate()
        {
            total += 1;
            if a.to_bits() == b.to_bits() {
                identical += 1;
            } else if first.is_none() {
                first = Some((seed, step));
            }
            max_abs = max_abs.max((a - b).abs());
        }
    }
    println!(
        "{name}, 20 seeds × {steps} epochs: {identical} of {total} losses bit-identical, \
         largest difference {max_abs:.3e}, first divergence (seed, step) {first:?}"
    );
}

/// One test for both: libtorch's random generator is global, so seeding in two test threads
/// at once would mix their draws.
#[test]
fn batched_runs_have_the_single_runs_outcomes() {
    compare("torch-sigmoid2-mse", 20_000);
    compare("torch-relu4-mse", 10_000);
}
