"""Runs the tf-relu10-mse reference (scripts/reference/tf_relu10_mse.py, unchanged) for many
seeds in one Python process, so TensorFlow is imported once, and prints one JSON line per
seed: {"seed", "losses", "predictions"}.

TensorFlow reads TF_ENABLE_ONEDNN_OPTS when it is imported, so one process measures one CPU
back-end; `cargo test --release -p xor-repro-torch --test tf_experiment -- --ignored backends` runs it twice.

usage: tf_seeds.py FIRST LAST [--steps N] [--lr X]   (seeds FIRST..=LAST)
"""

import argparse
import contextlib
import csv
import io
import json
import os
import runpy
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
reference = os.path.join(here, "reference", "tf_relu10_mse.py")
sys.path.insert(0, os.path.dirname(reference))

parser = argparse.ArgumentParser()
parser.add_argument("first", type=int)
parser.add_argument("last", type=int)
parser.add_argument("--steps", type=int, default=500)
parser.add_argument("--lr", type=float, default=1.5)
args = parser.parse_args()

with tempfile.TemporaryDirectory() as out:
    for seed in range(args.first, args.last + 1):
        sys.argv = [reference, "--experiment", "tf-relu10-mse", "--notebook", "002_537c36a4ddaa79e8.txt", "--seed", str(seed), "--steps", str(args.steps),
                    "--lr", repr(args.lr), "--out", out]
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_path(reference, run_name="__main__")
        folder = os.path.join(out, "tf-relu10-mse", f"seed-{seed}", "python")
        with open(os.path.join(folder, "loss.csv")) as f:
            losses = [float(row["loss"]) for row in csv.DictReader(f)]
        with open(os.path.join(folder, "predictions.csv")) as f:
            predictions = [float(row["prediction"]) for row in csv.DictReader(f)]
        # Numbers as repr strings: the reader parses them exactly (a JSON parser may not).
        print(json.dumps({"seed": seed, "losses": [repr(v) for v in losses],
                          "predictions": [repr(v) for v in predictions]}), flush=True)
