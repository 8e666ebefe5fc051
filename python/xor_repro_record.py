"""xor_repro_record: write a run of any Python script or notebook as an xor-repro run folder
(docs/CONTRACT.md#run-files), so that `xor-repro diff` can hold it against a Rust run number by number.

    import xor_repro_record as xrr
    rec = xrr.Run("numpy-sigmoid2-mse", out="results", seed=42, lr=0.1)
    for step in range(steps):
        ...
        rec.loss(step, loss)                 # or rec.losses.append(loss)
    rec.param("final", "W1", W1)             # NumPy arrays, torch / tf tensors, lists, floats
    rec.predictions = xrr.xor_rows(output)   # (x1, x2, target, prediction) rows
    rec.write()                              # results/numpy-sigmoid2-mse/seed-42/python/

It writes loss.csv, params.csv, predictions.csv (and last_epoch_predictions.csv, surface.csv,
trace.csv when given), transcript.txt (what was printed between Run() and write()) and
run.json. The folder is written whole into a temporary sibling and renamed into place, so an
interrupted run never leaves a folder that looks complete. Numbers are written as the shortest
decimal that reads back to the same float64, as the Rust side writes them.

The project's reference scripts (scripts/reference/) use the same module through its command
line helper: `args = parse_args(...)`, `Run(experiment, notebook, args, versions)`.
"""

import argparse
import csv
import io
import json
import os
import platform
import shutil
import sys
import time

# The project's kernels.py, beside the reference scripts, asks the libraries for their kernel
# paths; it is also run as a script by `xor-repro kernels`, so it stays where it is.
_REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "reference")


def _kernels_for(framework):
    """The libraries' own word on their kernel paths, or {} when kernels.py is not at hand."""
    try:
        sys.path.insert(0, _REFERENCE)
        import kernels
    except ImportError:
        return {}
    finally:
        sys.path.remove(_REFERENCE)
    return kernels.for_framework(framework)


def parse_args():
    """A reference script's command line. xor-repro gives every setting, from the
    experiment's registry entry and the user's options (`xor-repro reference NAME`), so no
    script repeats its name, notebook or defaults."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--notebook", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--out", default="results")
    parser.add_argument("--init-from", default=None)
    parser.add_argument("--trace", action="store_true", help="write trace.csv for every step")
    parser.add_argument("--trace-steps", default=None, metavar="A..B",
                        help="write trace.csv for steps A..B (both included), or one step A")
    args = parser.parse_args()
    args.trace_range = _trace_range(parser, args)
    return args


def _trace_range(parser, args):
    """The steps to trace, (first, last) both included, or None."""
    if args.trace_steps is None:
        return (0, float("inf")) if args.trace else None
    try:
        a, _, b = args.trace_steps.partition("..")
        first, last = int(a), int(b or a)
    except ValueError:
        parser.error(f"--trace-steps: expected A..B or A, got {args.trace_steps!r}")
    if first < 0 or first > last:
        parser.error(f"--trace-steps: {args.trace_steps!r} is not a range of steps")
    return (first, last)


def number(x):
    """Shortest decimal that reads back to the same float64 (a float32 widened exactly)."""
    return repr(float(x))


def flat(values):
    """Row-major Python floats from a tensor, an array, a list or one number."""
    if isinstance(values, (int, float)):
        return [float(values)]
    if hasattr(values, "detach"):
        values = values.detach().cpu().double().reshape(-1).tolist()
    elif hasattr(values, "numpy"):
        values = values.numpy().astype("float64").reshape(-1).tolist()
    elif hasattr(values, "reshape"):
        values = values.astype("float64").reshape(-1).tolist()
    return [float(v) for v in values]


class _Tee(io.TextIOBase):
    """Echoes what is printed and keeps a copy for transcript.txt. A closed stream (the
    reader of a pipe gone: `| head`) stops the echo, never the run."""

    def __init__(self, stream, echo=True):
        self.stream = stream
        self.echo = echo
        self.buffer = io.StringIO()

    def write(self, text):
        self.buffer.write(text)
        if self.echo:
            try:
                self.stream.write(text)
            except (BrokenPipeError, ValueError, OSError):
                self._closed()
        return len(text)

    def flush(self):
        if self.echo:
            try:
                self.stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                self._closed()

    def _closed(self):
        self.echo = False
        # Python flushes standard output once more at exit; point it at /dev/null so that
        # flush does not fail too (the recipe of Python's signal documentation).
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass


class Run:
    """One run: collects what the script produced and writes it as a run folder.

    Run(experiment, out="results", seed=0, steps=None, lr=None, notebook="", side="python",
        versions=None, init_from=None, trace=False, trace_steps=None, echo=True)

    - experiment: the name `xor-repro diff` checks both runs share (see `xor-repro list`).
    - out, seed, side: the folder is OUT/EXPERIMENT/seed-SEED/SIDE.
    - steps, lr: recorded in run.json (steps defaults to the number of losses).
    - versions: {library: version}; NumPy, torch and TensorFlow are added when imported.
    - trace / trace_steps=(first, last): which steps `trace()` records.
    - echo: print as usual while keeping the transcript (False: keep it only).

    Use it as a context manager to write on leaving the block without an exception.
    The reference scripts' form Run(experiment, notebook, args, versions) takes the rest
    from parse_args()'s result."""

    def __init__(self, experiment, notebook="", args=None, versions=None, *, out="results",
                 seed=0, steps=None, lr=None, side="python", init_from=None, trace=False,
                 trace_steps=None, echo=True):
        if args is None:
            args = argparse.Namespace(seed=seed, steps=steps, lr=lr, out=out, init_from=init_from,
                                      trace_range=(0, float("inf")) if trace else trace_steps)
        self.experiment = experiment
        self.notebook = notebook
        self.args = args
        self.side = side
        auto = _library_versions() if versions is None else {}
        self.versions = {"python": platform.python_version(), **auto, **(versions or {})}
        # The libraries' own word on the kernel path they take (scripts/reference/kernels.py).
        framework = "TensorFlow" if "tensorflow" in self.versions else "PyTorch" if "torch" in self.versions else "NumPy"
        self.kernels = _kernels_for(framework)
        self.losses = []
        self.params = []
        self.predictions = []
        self.last_epoch_predictions = []
        self.surface = []
        self._trace_range = getattr(args, "trace_range", None)
        self._trace = []  # (step, seq, name, values)
        self.init = read_initial(args.init_from) if getattr(args, "init_from", None) else None
        self._tee = _Tee(sys.stdout, echo)
        sys.stdout = self._tee
        self._start = time.perf_counter()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.write()
        else:
            sys.stdout = self._tee.stream
        return False

    def loss(self, step, value):
        """The loss of step `step` (0-based, before that step's update); steps come in order."""
        if step != len(self.losses):
            raise ValueError(f"loss of step {step} given after {len(self.losses)} losses; "
                             "steps count from 0 and come in order")
        self.losses.append(float(flat(value)[0]))

    def prediction(self, x1, x2, target, prediction):
        """One row of predictions.csv."""
        self.predictions.append((float(x1), float(x2), float(target), float(flat(prediction)[0])))

    def param(self, stage, name, values):
        self.params.append((stage, name, flat(values)))

    def tracing(self, step):
        """Whether step `step` is traced (--trace, --trace-steps)."""
        r = self._trace_range
        return r is not None and r[0] <= step <= r[1]

    def trace(self, step, name, values):
        """Records the named value `name` of step `step` for trace.csv, when that step is
        traced. Within a step, values keep the order they are traced in (seq): the step's
        parameters, then forward values, loss, gradients, updated parameters (NAME.updated),
        with the same names as the Rust side."""
        if not self.tracing(step):
            return
        last = self._trace[-1] if self._trace else None
        seq = last[1] + 1 if last is not None and last[0] == step else 0
        self._trace.append((step, seq, name, flat(values)))

    def initial_params(self, params):
        """The notebook's initial parameters (name -> NumPy array, torch tensor or
        tf.Variable), replaced by --init-from's values when given (rounded once to each
        parameter's dtype) and recorded as stage `initial`. Tensors and variables are updated
        in place; NumPy arrays are replaced, so use the returned dict."""
        self.check_init_names(list(params))
        result = {}
        for name, p in params.items():
            if self.init is not None:
                values = self.initial(name, tuple(p.shape))
                if hasattr(p, "assign"):  # tf.Variable
                    import numpy as np
                    p.assign(np.array(values, dtype=np.float64).reshape(p.shape).astype(p.dtype.as_numpy_dtype))
                elif hasattr(p, "copy_"):  # torch tensor
                    import torch
                    with torch.no_grad():
                        p.copy_(torch.tensor(values, dtype=torch.float64).reshape(p.shape))
                else:  # NumPy array
                    import numpy as np
                    p = np.array(values, dtype=np.float64).reshape(p.shape)
            self.param("initial", name, p)
            result[name] = p
        return result

    def initial(self, name, shape):
        """The --init-from values of parameter `name`, checked against `shape`."""
        if name not in self.init:
            fail(f"{self.args.init_from} has no parameter {name} (it has: {', '.join(sorted(self.init))})")
        values = self.init[name]
        size = 1
        for d in shape:
            size *= d
        if len(values) != size:
            fail(f"{self.args.init_from}: {name} has {len(values)} values, the experiment needs {size} (shape {list(shape)})")
        return values

    def check_init_names(self, names):
        if self.init is None:
            return
        for name in self.init:
            if name not in names:
                fail(f"{self.args.init_from}: unknown parameter {name} for this experiment (expected: {', '.join(names)})")

    def write(self):
        """Writes the run folder; returns its path."""
        wall = time.perf_counter() - self._start
        if sys.stdout is self._tee:
            sys.stdout = self._tee.stream
        folder = os.path.join(self.args.out, self.experiment, f"seed-{self.args.seed}", self.side)
        parent = os.path.dirname(folder)
        os.makedirs(parent, exist_ok=True)
        tmp = os.path.join(parent, f".tmp-{self.side}-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        with open(os.path.join(tmp, "loss.csv"), "w") as f:
            f.write("step,loss\n")
            f.writelines(f"{i},{number(v)}\n" for i, v in enumerate(self.losses))
        # A script of one's own may record only its losses: no empty params or predictions.
        if self.params:
            with open(os.path.join(tmp, "params.csv"), "w") as f:
                f.write("stage,name,index,value\n")
                for stage, name, values in self.params:
                    f.writelines(f"{stage},{name},{i},{number(v)}\n" for i, v in enumerate(values))
        if self.predictions:
            self._predictions(os.path.join(tmp, "predictions.csv"), self.predictions)
        if self.last_epoch_predictions:
            self._predictions(os.path.join(tmp, "last_epoch_predictions.csv"), self.last_epoch_predictions)
        if self.surface:
            with open(os.path.join(tmp, "surface.csv"), "w") as f:
                f.write("x1,x2,prediction\n")
                f.writelines(f"{number(a)},{number(b)},{number(p)}\n" for a, b, p in self.surface)
        if self._trace:
            with open(os.path.join(tmp, "trace.csv"), "w") as f:
                f.write("step,seq,name,index,value\n")
                for step, seq, name, values in self._trace:
                    f.writelines(f"{step},{seq},{name},{i},{number(v)}\n" for i, v in enumerate(values))
        with open(os.path.join(tmp, "transcript.txt"), "w") as f:
            f.write(self._tee.buffer.getvalue())
        info = {
            "experiment": self.experiment,
            "notebook": self.notebook,
            "seed": self.args.seed,
            "steps": self.args.steps if self.args.steps is not None else len(self.losses),
            "init_from": getattr(self.args, "init_from", None),
            "implementation": "python",
            "versions": self.versions,
            "kernels": self.kernels,
            "wall_seconds": wall,
        }
        if self.args.lr is not None:
            info["lr"] = self.args.lr
        with open(os.path.join(tmp, "run.json"), "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)
        return folder

    @staticmethod
    def _predictions(path, rows):
        with open(path, "w") as f:
            f.write("x1,x2,target,prediction\n")
            f.writelines(",".join(number(v) for v in row) + "\n" for row in rows)


class ModuleTracer:
    """--trace for a notebook's `nn.Module`: forward hooks trace the values inside
    `model.forward` (a layer's input and output, by name) and keep their gradients
    (`retain_grad`). Hooks are registered only when the run traces, so an untraced run is the
    notebook's code alone; tracing reads values and changes none.

    `layers` is [(module, input name or None, output name)] in forward order; `grad_order`
    names the gradients in the order autograd computes them (parameters by their
    `named_parameters` name, traced values by theirs). Call `close()` after training: the
    model's later calls are not training steps."""

    def __init__(self, run, model, layers, grad_order):
        self.run, self.model, self.grad_order = run, model, grad_order
        self.step = None
        self.retained = {}
        self.hooks = []
        if run._trace_range is not None:
            for module, input_name, output_name in layers:
                self.hooks.append(module.register_forward_hook(self._hook(input_name, output_name)))

    def _hook(self, input_name, output_name):
        def hook(module, inputs, output):
            if self.run.tracing(self.step):
                if input_name is not None:
                    self.keep(self.step, input_name, inputs[0])
                self.keep(self.step, output_name, output)
        return hook

    def keep(self, step, name, tensor):
        """Traces `tensor` as `name` and keeps its gradient for `gradients`."""
        if self.run.tracing(step):
            self.run.trace(step, name, tensor)
            tensor.retain_grad()
            self.retained[name] = tensor

    def parameters(self, step, suffix=""):
        """The model's parameters as the step starts (`suffix` "") or after its update
        (".updated"); the step's forward hooks trace under `step`."""
        self.step = step
        if self.run.tracing(step):
            for name, p in self.model.named_parameters():
                self.run.trace(step, name + suffix, p)

    def gradients(self, step):
        """Every gradient, in `grad_order`."""
        if self.run.tracing(step):
            grads = dict(self.model.named_parameters())
            for name in self.grad_order:
                g = self.retained[name].grad if name in self.retained else grads[name].grad
                self.run.trace(step, name + ".grad", g)

    def close(self):
        for hook in self.hooks:
            hook.remove()


def _library_versions():
    """Versions of the array libraries this process has imported."""
    found = {}
    for module, name in (("numpy", "numpy"), ("torch", "torch"), ("tensorflow", "tensorflow")):
        if module in sys.modules:
            found[name] = getattr(sys.modules[module], "__version__", "unknown")
    return found


XOR_INPUTS = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
XOR_TARGETS = [0.0, 1.0, 1.0, 0.0]


def xor_rows(outputs):
    """(x1, x2, target, prediction) for the four XOR inputs."""
    outputs = flat(outputs)
    return [(x1, x2, t, p) for (x1, x2), t, p in zip(XOR_INPUTS, XOR_TARGETS, outputs)]


def read_initial(path):
    """Initial values from a params.csv-schema file: rows of stage `initial`, or every row if
    the file has only one stage."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    if not rows or rows[0] != ["stage", "name", "index", "value"]:
        fail(f"{path}: expected the header stage,name,index,value")
    by_stage = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 4:
            fail(f"{path}: line {line} has {len(row)} fields, expected 4")
        stage, name, index, value = row
        try:
            value = float(value)
            index = int(index)
        except ValueError:
            fail(f"{path}: line {line}: {row[3]!r} is not a number")
        by_stage.setdefault(stage, {}).setdefault(name, []).append((index, value))
    if "initial" in by_stage:
        chosen = by_stage["initial"]
    elif len(by_stage) == 1:
        chosen = next(iter(by_stage.values()))
    else:
        fail(f"{path}: no parameters of stage initial")
    return {name: [v for _, v in sorted(entries)] for name, entries in chosen.items()}


def fail(message):
    sys.stdout = sys.__stdout__
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def display(*values):
    """What Jupyter shows for a cell ending in `a, b, ...` (IPython's pretty printer, 79
    columns): one line if it fits, else one element per line, continuation lines of a
    multi-line element indented by one more space. One value shows as its repr."""
    reprs = [repr(v) for v in values]
    if len(reprs) == 1:
        print(reprs[0])
        return
    one_line = "(" + ", ".join(reprs) + ")"
    if "\n" not in one_line and len(one_line) <= 79:
        print(one_line)
    else:
        print("(" + ",\n ".join(r.replace("\n", "\n ") for r in reprs) + ")")
