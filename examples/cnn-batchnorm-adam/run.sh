#!/usr/bin/env bash
# Runs script.py and its tch port, then `xor-repro diff` and `explain`; exits 0 only when the
# port (src/main.rs) is bit-identical to the script. `./run.sh --seed 3` for another seed.
# Every loss, accuracy and prediction and the final parameters and buffers are compared; the
# trace holds the first step only (3.6 million values), as CSV traces are slow to diff:
# `./run.sh --trace-steps 0..7` traces all eight steps.
here=$(dirname "${BASH_SOURCE[0]}")
case " $* " in
    *" --trace-steps "*) ;;
    *) set -- "$@" --trace-steps 0 ;;
esac
exec "$here/../prove.sh" "$here" "$@"
