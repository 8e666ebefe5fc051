#!/usr/bin/env bash
# Runs script.py and its tch ports, then `xor-repro diff` and `explain`; exits 0 only when the
# exact port (src/main.rs) is bit-identical to the script. `./run.sh --seed 3` for another seed.
exec "$(dirname "${BASH_SOURCE[0]}")/../prove.sh" "$(dirname "${BASH_SOURCE[0]}")" "$@"
