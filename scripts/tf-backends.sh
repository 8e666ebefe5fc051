#!/usr/bin/env bash
# tf-relu10-mse over seeds 0..99: the max absolute difference (losses and predictions) between
# our Rust run and TensorFlow, and between TensorFlow's two CPU back-ends
# (TF_ENABLE_ONEDNN_OPTS=1 vs 0); prints median, p95, worst and fails if ours is wider (docs/CONTRACT.md#tolerances).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec cargo test --release -p xor-repro --test tf_experiment -- --ignored --nocapture backends_sweep
