#!/usr/bin/env bash
# Idempotent set-up: the pinned Python environment (shared between clones through a
# cache folder keyed by the pins) and the release build of xor-repro linked against
# that environment's libtorch. Quick when everything is already there.
# --python-only: only the environment and the project's links to it.
set -euo pipefail

TORCH_VERSION=2.13.0
TF_VERSION=2.19.0
NUMPY_VERSION=2.1.3   # TensorFlow 2.19 needs numpy < 2.2; torch 2.13 accepts it
THREADPOOLCTL_VERSION=3.5.0   # names the OpenBLAS core NumPy runs (xor-repro kernels, run.json)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XOR_REPRO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xor-repro}
venv="$cache/venv-py$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-torch$TORCH_VERSION-tf$TF_VERSION-np$NUMPY_VERSION"

log() { printf 'setup: %s\n' "$*" >&2; }

if [ ! -f "$venv/.complete" ]; then
    log "creating the Python environment in $venv (one-off: torch, tensorflow-cpu, numpy; several GB)"
    rm -rf "$venv.partial"
    mkdir -p "$cache"
    python3 -m venv "$venv.partial"
    "$venv.partial/bin/pip" install --quiet --disable-pip-version-check \
        "torch==$TORCH_VERSION" "tensorflow-cpu==$TF_VERSION" "numpy==$NUMPY_VERSION" \
        "threadpoolctl==$THREADPOOLCTL_VERSION"
    # A venv records its own path in its scripts; the python binary itself does not care,
    # and we only ever call $venv/bin/python, so renaming the finished folder is safe.
    rm -rf "$venv"
    mv "$venv.partial" "$venv"
    touch "$venv/.complete"
fi

# Environments made before threadpoolctl joined the pins get it added.
if ! "$venv/bin/python" -c "import threadpoolctl" 2>/dev/null; then
    log "adding threadpoolctl $THREADPOOLCTL_VERSION to $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "threadpoolctl==$THREADPOOLCTL_VERSION"
fi

# The project reaches the environment through `.venv` (the Python side) and `.libtorch` (its
# torch package, for the build: .cargo/config.toml), both git-ignored. `.venv` is this clone's
# own thin environment: no packages of its own, two .pth files in its site-packages, this
# clone's python/ first (the recorder, xor_repro_record) and then the shared environment's
# packages. So two clones at different commits each import their own recorder.
if [ -L "$root/.venv" ]; then
    rm "$root/.venv"   # set-ups before this one linked the shared environment itself
fi
if [ ! -x "$root/.venv/bin/python" ]; then
    log "creating this clone's .venv over the shared environment"
    "$venv/bin/python" -m venv --without-pip "$root/.venv"
fi
shared_site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
site=$("$root/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n' "$root/python" > "$site/00-xor-repro-recorder.pth"
printf 'import site; site.addsitedir(%s)\n' "'$shared_site'" > "$site/01-xor-repro-shared.pth"
# Set-ups before this one pointed the shared environment itself at the last clone set up.
rm -f "$shared_site/xor_repro_record.pth"
torch_dir=$("$root/.venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
ln -sfn "$torch_dir" "$root/.libtorch"

if [ "${1:-}" = "--python-only" ]; then
    exit 0
fi

log "building xor-repro and xor-repro-torch (release)"
(cd "$root" && cargo build --release --quiet)
