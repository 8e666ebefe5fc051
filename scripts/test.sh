#!/usr/bin/env bash
# All tests: sets up what is missing (Python environment, release build), runs the test
# suite against the real Python libraries, then every worked example (examples/*/run.sh:
# a script and its tch port, proven bit-identical). Extra arguments go to `cargo test`.
# Ends with one line totalling every test binary's results and the examples.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
examples_passed=0 examples_failed=0
for example in "$root"/examples/*/run.sh; do
    [ -e "$example" ] || continue
    name=$(basename "$(dirname "$example")")
    printf '\nexample %s: running %s\n' "$name" "${example#"$root"/}"
    if "$example"; then
        examples_passed=$((examples_passed + 1))
        printf 'example %s ... ok\n' "$name"
    else
        examples_failed=$((examples_failed + 1))
        status=1
        printf 'example %s ... FAILED\n' "$name"
    fi
done
printf 'examples: %d passed, %d failed\n' "$examples_passed" "$examples_failed"
awk -v ep="$examples_passed" -v ef="$examples_failed" \
    '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p + ep, f + ef }' "$log"
exit "$status"
