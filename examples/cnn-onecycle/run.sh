#!/usr/bin/env bash
# Runs script.py and its tch port, then `xor-repro diff` and `explain`; exits 0 only when the
# port (src/main.rs) is bit-identical to the script. `./run.sh --seed 3` for another seed.
# Every loss, learning rate, momentum (beta1 in phase 2), validation loss and accuracy and
# prediction, the final parameters and buffers, and every value of all 144 steps (trace.npz)
# are compared; `--trace-steps A..B` traces fewer.
exec "$(dirname "${BASH_SOURCE[0]}")/../prove.sh" "$(dirname "${BASH_SOURCE[0]}")" "$@"
