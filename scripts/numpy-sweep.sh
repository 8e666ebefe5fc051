#!/bin/sh
# The NumPy experiments over seeds 0..99, Rust against the Python reference: prints the median
# and worst relative error over losses and predictions per experiment and the worst seed, and
# fails if the worst exceeds the 1e-11 of docs/CONTRACT.md#tolerances.
set -e
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec cargo test --release --test numpy_experiments -- --ignored numpy_seed_sweep --nocapture
