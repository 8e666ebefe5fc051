//! Known-answer tests of NumPy's legacy `RandomState` (`np.random.seed` + `randn`) against
//! NumPy itself, run at test time: seeds 0, 1, 42, 2³²−1 and others, shapes with odd element
//! counts (the kept second normal of the polar method must carry over), several calls in a row.

mod common;
use xor_repro::rng::numpy::RandomState;

const SEEDS: [u32; 8] = [0, 1, 2, 42, 86, 12345, 1 << 31, u32::MAX];

/// Each seed's draws for a sequence of `randn` shapes, as NumPy prints them (repr round-trips).
fn numpy_randn(seed: u32, shapes: &[&[usize]]) -> Vec<f64> {
    let calls: Vec<String> = shapes
        .iter()
        .map(|s| {
            let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
            format!("v += np.random.randn({}).ravel().tolist()", dims.join(", "))
        })
        .collect();
    common::numbers(&common::python(&format!(
        "import numpy as np\nnp.random.seed({seed})\nv = []\n{}\nprint(' '.join(repr(x) for x in v))",
        calls.join("\n")
    )))
}

fn rust_randn(seed: u32, shapes: &[&[usize]]) -> Vec<f64> {
    let mut rng = RandomState::new(seed);
    shapes.iter().flat_map(|s| rng.randn(s)).collect()
}

fn assert_bits(ours: &[f64], numpy: &[f64], what: &str) {
    assert_eq!(ours.len(), numpy.len(), "{what}: lengths");
    if let Some(i) = (0..ours.len()).find(|&i| ours[i].to_bits() != numpy[i].to_bits()) {
        panic!(
            "{what}: first difference at draw {i}: {:e} vs NumPy {:e} ({} of {} identical)",
            ours[i],
            numpy[i],
            ours.iter()
                .zip(numpy)
                .filter(|(a, b)| a.to_bits() == b.to_bits())
                .count(),
            ours.len()
        );
    }
}

#[test]
fn notebook_draws_match_numpy() {
    // 002: randn(2, 10) then randn(10, 1); 004: randn(2, 2) then randn(2, 1).
    for shapes in [
        &[&[2, 10][..], &[10, 1][..]][..],
        &[&[2, 2][..], &[2, 1][..]][..],
    ] {
        for seed in SEEDS {
            assert_bits(
                &rust_randn(seed, shapes),
                &numpy_randn(seed, shapes),
                &format!("seed {seed}, shapes {shapes:?}"),
            );
        }
    }
}

#[test]
fn odd_sizes_carry_the_kept_normal_across_calls() {
    // Odd counts leave a kept value that the next call must return first.
    let shapes: &[&[usize]] = &[&[3], &[1], &[5, 1], &[7], &[2, 3], &[1, 1], &[999]];
    for seed in SEEDS {
        assert_bits(
            &rust_randn(seed, shapes),
            &numpy_randn(seed, shapes),
            &format!("seed {seed}"),
        );
    }
}

#[test]
fn many_draws_match_numpy() {
    // 100 001 draws: enough rejections in the polar method to exercise the loop.
    for seed in [0, 42, u32::MAX] {
        let shapes: &[&[usize]] = &[&[100_001]];
        assert_bits(
            &rust_randn(seed, shapes),
            &numpy_randn(seed, shapes),
            &format!("seed {seed}"),
        );
    }
}

#[test]
fn uniform_doubles_match_random_sample() {
    for seed in SEEDS {
        let mut rng = RandomState::new(seed);
        let ours: Vec<f64> = (0..1000).map(|_| rng.legacy_double()).collect();
        let numpy = common::numbers(&common::python(&format!(
            "import numpy as np\nr = np.random.RandomState({seed})\nprint(' '.join(repr(x) for x in r.random_sample(1000).tolist()))"
        )));
        assert_bits(&ours, &numpy, &format!("seed {seed}"));
    }
}
