#!/usr/bin/env bash
# The main job: every experiment at its notebook's default seed, in Rust and in Python,
# compared number by number; writes results/REPORT.md. Sets up what is missing first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
exec ./target/release/xor-repro reproduce "$@"
