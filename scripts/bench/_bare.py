"""The recorder's calls as no-ops, for the benchmark scripts' `--bare` runs: the training
alone, the baseline recording is measured against."""

import argparse


class _Step:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keep(self, name, tensor):
        return tensor

    value = keep

    def params(self, named):
        pass

    def backward(self, loss):
        loss.backward()


class Bare:
    def __init__(self, argv):
        parser = argparse.ArgumentParser()
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--steps", type=int, default=None)
        parser.add_argument("--out", default="results")
        parser.add_argument("--trace", action="store_true")
        parser.add_argument("--trace-steps", default=None)
        self.args = parser.parse_args(argv)
        self.seed = self.args.seed

    def steps(self, default):
        return default if self.args.steps is None else self.args.steps

    def step(self, step, model):
        return _Step()

    def initial_params(self, params):
        pass

    final_params = initial_params

    def loss(self, step, value):
        return float(value)

    def write(self):
        pass
