//! The registry is one list (`xor_repro::experiments`), and the libtorch-backed training of
//! its PyTorch entries and every plain tch port live in this crate, found by name. This checks, for every entry and every engine,
//! that the binary which trains it finds its training: an entry the compiler cannot check
//! fails here instead of at a user's command line.

use xor_repro::experiments::{self, Engine};

#[test]
fn every_entry_trains_on_every_engine() {
    xor_repro::run::engine::register(&xor_repro_torch::LIBTORCH);
    let mut missing = Vec::new();
    for exp in experiments::all() {
        for engine in [Engine::Exact, Engine::Tch] {
            match xor_repro::run::engine::run_fn_on(exp, engine) {
                Ok(_) => println!("{} on {}: found", exp.name, engine.name()),
                Err(err) => missing.push(format!("{} on {}: {err:#}", exp.name, engine.name())),
            }
        }
        // Every exact engine is plain Rust; a PyTorch notebook also has the libtorch-backed
        // one it falls back to where libtorch's paths are not reproduced, and only it.
        assert!(
            exp.run.is_some(),
            "{} has no plain-Rust exact engine",
            exp.name
        );
        let backed = (xor_repro_torch::libtorch_engine::run_fn)(exp.name).is_some();
        assert_eq!(
            backed,
            exp.framework == experiments::Framework::PyTorch,
            "{}: a libtorch-backed exact engine is for the PyTorch notebooks",
            exp.name
        );
    }
    assert!(
        missing.is_empty(),
        "entries without training:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_libtorch_crate_trains_nothing_the_registry_lacks() {
    let names: Vec<&str> = experiments::all().iter().map(|e| e.name).collect();
    for t in xor_repro_torch::libtorch_engine::TRAINING {
        assert!(
            names.contains(&t.name),
            "{} is trained in xor-repro-torch but not registered",
            t.name
        );
    }
    for (name, _) in xor_repro_torch::ports::PORTS {
        assert!(
            names.contains(name),
            "torch/src/ports has a port of {name}, which is not registered"
        );
    }
}
