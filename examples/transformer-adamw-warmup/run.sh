#!/usr/bin/env bash
# Runs script.py and its tch port, then `xor-repro diff` and `explain`; exits 0 only when the
# port (src/main.rs) is bit-identical to the script. `./run.sh --seed 3` for another seed.
# Every loss, learning rate, gradient norm, accuracy and prediction and the final parameters
# of all 192 steps are compared, and every value of the traced steps (trace.npz): steps 0..3
# by default (warm-up, where the first clipping happens), `--trace-steps A..B` for others.
here="$(dirname "${BASH_SOURCE[0]}")"
case " $* " in
    *" --trace-steps"*) exec "$here/../prove.sh" "$here" "$@" ;;
    *) exec "$here/../prove.sh" "$here" --trace-steps 0..3 "$@" ;;
esac
