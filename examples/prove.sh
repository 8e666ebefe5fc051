#!/usr/bin/env bash
# Proves one worked example: runs its script (script.py, recorded with xor_repro_record), its
# exact tch port (src/main.rs) and, where it has one, its idiomatic tch port
# (src/bin/NAME-idiomatic.rs), every step traced, then holds the exact port against the script
# with `xor-repro diff` and `explain`.
# Exits 0 only when they are bit-identical; the idiomatic port's divergence is shown (what
# `explain` says about it), not judged.
#   examples/prove.sh examples/NAME [--seed S] [OPTION...]   (each examples/NAME/run.sh calls this)
# Any other option goes to the script and every port as it is (`--steps N`, `--trace-steps
# A..B`, which traces those steps only, in place of every step).
set -euo pipefail
here=$(cd "$1" && pwd)
shift
root=$(cd "$here/../.." && pwd)
name=$(basename "$here")
"$root/scripts/setup.sh" --python-only
cd "$root"
cargo build --release --quiet -p xor-repro -p "$name"
# tch binaries find libtorch here (the project's own binaries carry an rpath to it); the
# script finds this clone's recorder (the shared environment's .pth may name another clone).
export LD_LIBRARY_PATH="$root/.libtorch/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
out=${XOR_REPRO_EXAMPLES_OUT:-$root/results/examples}
seed=0
options=()
while [ $# -gt 0 ]; do
    case $1 in
        --seed) seed=$2; shift 2 ;;
        *) options+=("$1"); shift ;;
    esac
done
args=(--seed "$seed" --out "$out" --trace ${options[@]+"${options[@]}"})
run="$out/$name/seed-$seed"
xor_repro=target/release/xor-repro

echo "== $name: the script (python), the exact port (tch)"
.venv/bin/python "$here/script.py" "${args[@]}"
"target/release/$name" "${args[@]}"

if [ -f "$here/src/bin/$name-idiomatic.rs" ]; then
    echo "== the idiomatic port (tch-idiomatic) against the script (shown, not judged)"
    "target/release/$name-idiomatic" "${args[@]}"
    "$xor_repro" explain "$run/python" "$run/tch-idiomatic" || true
fi

echo "== the exact port against the script: bit-identical, or this example fails"
"$xor_repro" diff "$run/python" "$run/tch"
"$xor_repro" explain "$run/python" "$run/tch"
