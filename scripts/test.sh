#!/usr/bin/env bash
# All tests: sets up what is missing (Python environment, release build), then runs the
# test suite against the real Python libraries. Extra arguments go to `cargo test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
cargo test --release "$@"
