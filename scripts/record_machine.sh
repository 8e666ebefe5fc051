#!/usr/bin/env bash
# Records this machine's real Python outputs for tests/machines.rs: every experiment at seeds
# 3 and 17 (at most 2000 steps), run by the pinned Python libraries with no switch set, into
# tests/data/machines/NAME/EXPERIMENT/seed-S/ (loss.csv, params.csv, predictions.csv, run.json),
# with this CPU's identity in tests/data/machines/NAME/machine.txt. NAME is the known machine
# this host is (`xor-repro machines --this`); a CPU kind that is none needs its entry in
# src/kernels/machine.rs first. Run it once on each new CPU kind and commit the folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
cd "$root"
bin=target/release/xor-repro
for v in NPY_DISABLE_CPU_FEATURES NPY_ENABLE_CPU_FEATURES OPENBLAS_CORETYPE TF_ENABLE_ONEDNN_OPTS \
    ONEDNN_MAX_CPU_ISA DNNL_MAX_CPU_ISA ATEN_CPU_CAPABILITY MKL_ENABLE_INSTRUCTIONS MKL_CBWR \
    XOR_REPRO_MKL_AS_INTEL XOR_REPRO_MACHINE; do
    unset "$v"
done
name=$("$bin" machines --this) || { echo "$name" >&2; exit 1; }
dest=tests/data/machines/$name
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"
{
    echo "# The CPU these outputs were measured on (lscpu), $(date -u +%Y-%m-%d)."
    lscpu | grep -E '^(Vendor ID|Model name|CPU family|Model|Stepping|Flags):'
} >"$dest/machine.txt"
"$bin" list | tail -n +2 | while read -r exp _; do
    default_steps=$("$bin" list | awk -v e="$exp" '$1 == e { print $(NF-2) }')
    steps=$(( default_steps < 2000 ? default_steps : 2000 ))
    for seed in 3 17; do
        "$bin" reference "$exp" --seed "$seed" --steps "$steps" --out "$tmp" >/dev/null
        from=$tmp/$exp/seed-$seed/python
        to=$dest/$exp/seed-$seed
        mkdir -p "$to"
        for f in loss.csv params.csv predictions.csv run.json; do
            [ -e "$from/$f" ] && cp "$from/$f" "$to/"
        done
        echo "recorded $to"
    done
done
