//! Known-answer tests of CPython's `random` stream against CPython itself, run at test time:
//! seeds 0, small, large (> 2³², > 2⁶⁴) and negative; 10 000 draws of each call we use.

mod common;
use xor_repro::rng::cpython::CpythonRandom;

const SEEDS: [i128; 6] = [0, 1, 42, 5_000_000_000, 18_446_744_073_709_551_621, -7];
const DRAWS: usize = 10_000;

fn python_draws(seed: i128, call: &str) -> Vec<f64> {
    common::numbers(&common::python(&format!(
        "import random\nr = random.Random({seed})\nprint(' '.join(repr({call}) for _ in range({DRAWS})))"
    )))
}

#[test]
fn choice_of_two_matches_cpython() {
    for seed in SEEDS {
        let mut r = CpythonRandom::new(seed);
        let ours: Vec<f64> = (0..DRAWS).map(|_| r.choice(&[0.0, 1.0])).collect();
        assert_eq!(ours, python_draws(seed, "r.choice([0, 1])"), "seed {seed}");
    }
}

#[test]
fn randint_matches_cpython() {
    for seed in SEEDS {
        let mut r = CpythonRandom::new(seed);
        let ours: Vec<f64> = (0..DRAWS)
            .map(|_| r.randint(0, (1 << 31) - 1) as f64)
            .collect();
        assert_eq!(
            ours,
            python_draws(seed, "r.randint(0, 2**31 - 1)"),
            "seed {seed}"
        );
    }
}

#[test]
fn getrandbits_and_random_match_cpython() {
    for seed in SEEDS {
        let mut r = CpythonRandom::new(seed);
        let ours: Vec<f64> = (0..DRAWS).map(|_| r.getrandbits(32) as f64).collect();
        assert_eq!(ours, python_draws(seed, "r.getrandbits(32)"), "seed {seed}");
        let mut r = CpythonRandom::new(seed);
        let ours: Vec<f64> = (0..DRAWS).map(|_| r.random()).collect();
        assert_eq!(ours, python_draws(seed, "r.random()"), "seed {seed}");
    }
}
