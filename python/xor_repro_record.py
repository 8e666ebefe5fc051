"""xor_repro_record: write a run of any Python script or notebook as an xor-repro run folder
(docs/CONTRACT.md#run-files), so that `xor-repro diff` and `xor-repro explain` can hold it
against a Rust run (a tch port written with the `xor-repro-port` crate) number by number.

Port your own notebook: record the PyTorch side with the same names and the same command
line as the port's `xor_repro_port::Run` (`--seed S --out DIR --steps N --trace
--trace-steps A..B`):

    import torch, torch.nn as nn, torch.nn.functional as F
    import xor_repro_record as xrr

    rec = xrr.Run.from_args("moons-mlp", "moons.ipynb")  # writes DIR/moons-mlp/seed-S/python/
    torch.manual_seed(rec.seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    x, y = ...                                          # the notebook's data; what it draws
    y = rec.save_data("y", y)                           # with NumPy, for the port's run.data("y")
    rec.initial_params(model.named_parameters())
    opt = rec.optimizer(torch.optim.SGD(model.parameters(), lr=0.1))  # its hyper-parameters
    for step in range(rec.steps(100)):
        with rec.step(step, model) as t:                # traces the parameters, then lr, ...
            h = t.keep("h", model[0](x))                # a value and, later, its gradient
            logits = t.keep("logits", model[2](model[1](h)))
            loss = t.value("loss", F.cross_entropy(logits, y))
            opt.zero_grad()
            t.backward(loss)                            # every gradient, in autograd's order
            opt.step()
        # leaving the block traced NAME.updated
        rec.loss(step, loss)
        rec.metric(step, "accuracy", (logits.argmax(1) == y).float().mean())
    rec.final_params(model.named_parameters())
    rec.predictions_from([("x", x), ("target", y), ("logits", logits)])
    rec.op("h", "model[0](x)", "mkl")                   # for `explain` (run.json "ops")
    rec.write()

It writes loss.csv, params.npz (`initial/NAME`, `final/NAME`), predictions.csv
(`row,x0,x1,target,logits0,logits1`), metrics.csv, trace.npz (when traced: one array per
traced value, `STEP/SEQ/NAME`, in program order), transcript.txt (what was printed between
the Run's creation and write()) and run.json. Tensors keep their own dtype and shape and go
to disk as they come: nothing is held to the end. Files of the same run on both sides are
byte-identical when the numbers are: the columns, the order of the trace, the way numbers
are written and the .npz bytes are the Rust side's (`port/src/run.rs`,
`port/src/tracing.rs`, `src/record/table.rs`, `src/record/npz.rs`).

The first form, for a script with its own settings:

    rec = xrr.Run("numpy-sigmoid2-mse", out="results", seed=42, lr=0.1)
    for step in range(steps):
        ...
        rec.loss(step, loss)                 # or rec.losses.append(loss)
    rec.param("final", "W1", W1)             # NumPy arrays, torch / tf tensors, lists, floats
    rec.predictions = xrr.xor_rows(output)   # (x1, x2, target, prediction) rows
    rec.write()                              # results/numpy-sigmoid2-mse/seed-42/python/

The folder is written whole into a temporary sibling and renamed into place, so an
interrupted run never leaves a folder that looks complete. Numbers are written as the
shortest decimal that reads back to the same float64, in the Rust side's notation
(`0.00001`, `1e-7`, `1e16`), so that identical numbers are identical text.

Misuse the recorder can see (a bad option, a loss out of order, arrays with different row
counts, a step's tracer left open, ...) prints one line `error: ...` on standard error and
exits with status 2.

The project's reference scripts (scripts/reference/) use the same module through its command
line helper: `args = parse_args(...)`, `Run(experiment, notebook, args, versions)`.
"""

import argparse
import csv
import io
import json
import math
import os
import platform
import shutil
import struct
import sys
import time
import zlib
from collections.abc import Mapping

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


class _OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line `error: ...` and status 2, as the Rust side's."""

    def error(self, message):
        fail(f"{message} (see --help)")


def _whole(limit):
    def parse(text):
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not 0 <= value < limit:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range (0 to {limit - 1})")
        return value
    return parse


def _step_range(text):
    """`--trace-steps`: A..B (both included) or one step A, as the Rust side parses it."""
    bad = f"expected steps A..B (both included) or one step A, got {text!r}"
    a, dots, b = text.partition("..")
    try:
        first = int(a.strip())
        last = int(b.strip()) if dots else first
    except ValueError:
        raise argparse.ArgumentTypeError(bad) from None
    if first < 0 or last < 0:
        raise argparse.ArgumentTypeError(bad)
    if first > last:
        raise argparse.ArgumentTypeError(f"steps {first}..{last}: the first step is after the last")
    return (first, last)


def port_args(argv=None, prog=None):
    """The command line of `Run.from_args`, the Rust side's `xor_repro_port::Args`: `--seed S`
    (default 0), `--out DIR` (default results), `--steps N`, `--trace`, `--trace-steps A..B`.
    Returns the namespace `Run` takes (with `trace_range`, `lr` and `init_from` None)."""
    parser = _OneLineParser(prog=prog, allow_abbrev=False, description="Records this run as an xor-repro run folder "
                            "OUT/EXPERIMENT/seed-S/python/ (xor_repro_record).")
    parser.add_argument("--seed", type=_whole(2 ** 64), default=0,
                        help="the seed the script passes to torch.manual_seed (default 0)")
    parser.add_argument("--out", default="results",
                        help="the folder runs go to: OUT/EXPERIMENT/seed-S/python/ (default results)")
    parser.add_argument("--steps", type=_whole(2 ** 64), default=None,
                        help="how many steps (or epochs) to train, when the script lets it be chosen")
    parser.add_argument("--trace", action="store_true", help="trace every step (trace.npz)")
    parser.add_argument("--trace-steps", type=_step_range, default=None, metavar="A..B",
                        help="trace steps A..B (both included), or one step A")
    if argv is None:
        # The recorder's options come out of sys.argv; what is left (the script's own
        # positional arguments and options) stays in sys.argv for the script to read after
        # Run.from_args (sys.argv[1:], or its own argparse), and in args.script_args.
        args, rest = parser.parse_known_args(sys.argv[1:])
        sys.argv[1:] = rest
    else:
        # A list given for the recorder alone (a notebook's): every word must be its.
        args, rest = parser.parse_args(list(argv)), []
    args.script_args = rest
    if args.trace_steps is not None:
        args.trace_range = args.trace_steps
    else:
        args.trace_range = (0, float("inf")) if args.trace else None
    args.lr = None
    args.init_from = None
    return args


def number(x):
    """Shortest decimal that reads back to the same float64 (a float32 widened exactly), in
    the notation the Rust side writes (ryu's): `0.00001` where Python's repr says `1e-05`,
    `1e-7` for `1e-07`, `1e16` for `1e+16`; the digits are repr's."""
    x = float(x)
    if x != x:
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    text = repr(x)
    sign = "-" if text[0] == "-" else ""
    mantissa, _, exponent = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    k = int(exponent or 0) - len(fraction)  # x = ±digits × 10^k
    stripped = digits.rstrip("0")
    k += len(digits) - len(stripped)
    digits = stripped
    length = len(digits)
    kk = length + k  # 10^(kk-1) <= |x| < 10^kk
    if 0 <= k and kk <= 16:
        body = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * -kk + digits
    elif length == 1:
        body = f"{digits}e{kk - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + body


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


def _shape(values):
    """The shape of a tensor, an array, one number, or a nested list (rectangular)."""
    if isinstance(values, (int, float)):
        return ()
    if hasattr(values, "shape"):
        return tuple(int(d) for d in values.shape)
    if isinstance(values, (list, tuple)):
        inner = [_shape(v) for v in values]
        if any(s != inner[0] for s in inner[1:]):
            raise ValueError("a ragged list")
        return (len(values),) + (inner[0] if inner else ())
    raise TypeError(type(values).__name__)


def _nested(values):
    """A nested list's numbers, row-major."""
    if isinstance(values, (list, tuple)):
        return [x for v in values for x in _nested(v)]
    return [float(values)]


def _numbers(what, values):
    """`values` as row-major floats, or one line on standard error and status 2."""
    try:
        if isinstance(values, (list, tuple)):
            return _nested(values)
        return flat(values)
    except (TypeError, ValueError, AttributeError) as e:
        fail(f"{what}: not numbers ({type(values).__name__}: {e})")


def _one_number(what, value):
    values = _numbers(what, value)
    if len(values) != 1:
        fail(f"{what}: expected one number, got {len(values)}")
    return values[0]


def _check_name(what, name):
    """A name that becomes a CSV field: a non-empty string without a comma or a line break."""
    if not isinstance(name, str) or not name:
        fail(f"{what}: a name must be a non-empty string, got {name!r}")
    if any(c in name for c in ",\n\r"):
        fail(f"{what}: the name {name!r} has a comma or a line break, which a CSV field cannot hold")
    return name


def _check_step(what, step):
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        fail(f"{what}: a step is a whole number from 0, got {step!r}")
    return step


def _named(what, named):
    """[(name, tensor)] from a module (its named_parameters()), a dict, or pairs (an iterable
    such as model.named_parameters())."""
    if hasattr(named, "named_parameters") and not isinstance(named, Mapping):
        pairs = list(named.named_parameters())
    elif isinstance(named, Mapping):
        pairs = list(named.items())
    else:
        try:
            pairs = list(named)
        except TypeError:
            fail(f"{what}: expected a model, a dict or (name, tensor) pairs, got {type(named).__name__}")
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            fail(f"{what}: expected (name, tensor) pairs, got {pair!r:.60}")
        _check_name(what, pair[0])
    return pairs


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


# Predictions of more numbers than this, in all, go to predictions.npz, not predictions.csv
# (the Rust side's xor_repro_port::PREDICTIONS_CSV_LIMIT).
PREDICTIONS_CSV_LIMIT = 100_000


class _NpzWriter:
    """An .npz written one array at a time, in the bytes the Rust side's
    `xor_repro::record::npz::NpzWriter` writes (docs/CONTRACT.md#run-files): NumPy's own
    .npy (header from np.lib.format), each entry STORED in a zip whose every varying field
    (time stamps, attributes) is fixed, so identical arrays give identical archives. Each
    entry is appended as it comes; the central directory, written by finish(), makes the
    archive whole, so one cut short is no archive to any reader."""

    def __init__(self, path):
        self.path = path
        self.f = open(path, "wb")
        self.entries = []  # (name, flags, crc, size, offset)
        self.offset = 0

    def add(self, name, array):
        """Appends `array` (a NumPy array, C-ordered, little-endian) as NAME.npy."""
        import numpy as np
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, np.lib.format.header_data_from_array_1_0(array))
        header = header.getvalue()
        data = array.reshape(-1).view(np.uint8)
        crc = zlib.crc32(data, zlib.crc32(header))
        size = len(header) + data.nbytes
        if size >= 0xFFFFFFFF:
            fail(f"{self.path}: {name} is {size} bytes; one array must stay under 4 GiB")
        fname = (name + ".npy").encode("utf-8")
        flags = 0 if fname.isascii() else 0x800
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 0, 0, _DOS_DATE,
                                 crc, size, size, len(fname), 0))
        self.f.write(fname)
        self.f.write(header)
        self.f.write(data)
        self.entries.append((fname, flags, crc, size, self.offset))
        self.offset += 30 + len(fname) + size

    def finish(self):
        start = self.offset
        central = bytearray()
        for fname, flags, crc, size, offset in self.entries:
            far = offset >= 0xFFFFFFFF
            version = 45 if far else 20
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, flags, 0, 0,
                                   _DOS_DATE, crc, size, size, len(fname), 12 if far else 0,
                                   0, 0, 0, 0, 0xFFFFFFFF if far else offset)
            central += fname
            if far:
                central += struct.pack("<HHQ", 1, 8, offset)
        count, size = len(self.entries), len(central)
        if count >= 0xFFFF or start >= 0xFFFFFFFF or size >= 0xFFFFFFFF:
            central += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start)
            central += struct.pack("<IIQI", 0x07064B50, 0, start + size, 1)
        central += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                               min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF), 0)
        self.f.write(central)
        self.f.close()


# The zip's fixed date, 1980-01-01 00:00: the earliest it can say, so no clock shows.
_DOS_DATE = (1 << 5) | 1


def _array(what, values):
    """`values` as a NumPy array in its own dtype and shape for an .npz entry: a torch tensor
    as .numpy() sees it (no copy on the CPU; bfloat16, which NumPy has not, as float32), a
    NumPy array or a tf tensor as it is, a number or a list as float64. C-ordered."""
    import numpy as np
    try:
        if hasattr(values, "detach"):
            t = values.detach()
            if str(t.dtype) == "torch.bfloat16":
                t = t.float()
            a = t.cpu().resolve_conj().resolve_neg().numpy()
        elif hasattr(values, "numpy") and not isinstance(values, np.ndarray):
            a = np.asarray(values.numpy())
        elif isinstance(values, (np.ndarray, np.generic)):
            a = np.asarray(values)
        else:
            a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, AttributeError, RuntimeError) as e:
        fail(f"{what}: not numbers ({type(values).__name__}: {e})")
    if a.dtype.kind not in "biuf":
        fail(f"{what}: not numbers (dtype {a.dtype})")
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    if not a.flags.c_contiguous:
        a = a.copy(order="C")
    return a


class Run:
    """One run: collects what the script produced and writes it as a run folder.

    Run.from_args(experiment, notebook="", *, lr=None, side="python", argv=None, echo=True)
    Run(experiment, out="results", seed=0, steps=None, lr=None, notebook="", side="python",
        versions=None, init_from=None, trace=False, trace_steps=None, echo=True)

    - experiment: the name `xor-repro diff` checks both runs share (see `xor-repro list`;
      for a port of one's own, the name its `xor_repro_port::Run` is given).
    - out, seed, side: the folder is OUT/EXPERIMENT/seed-SEED/SIDE.
    - steps, lr: recorded in run.json (steps defaults to the number of losses; a run made by
      from_args records the number of losses, as the Rust side does).
    - versions: {library: version}; NumPy, torch and TensorFlow are added when imported.
    - trace / trace_steps=(first, last): which steps `trace()` and `step()` record.
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
        self.ops = {}
        self._prediction_table = None  # (columns, rows) from predictions_from
        self._metric_names = []
        self._metrics = {}  # step -> {name: value}, steps in the order first recorded
        self._port = False  # made by from_args: the Rust port's rules where they differ
        self._open = None  # the step tracer not yet ended
        self._trace_range = getattr(args, "trace_range", None)
        self._trace = []  # (step, seq, name, values)
        self._stage = None  # a port's temporary folder, trace.npz and params.npz go into
        self._trace_npz = None  # _NpzWriter, from the first traced value
        self._params_npz = None
        self._last = None  # (step, seq) of the last traced value
        self._optimizer = None  # traced by every step() from optimizer()
        self.init = read_initial(args.init_from) if getattr(args, "init_from", None) else None
        self._tee = _Tee(sys.stdout, echo)
        sys.stdout = self._tee
        self._start = time.perf_counter()

    @classmethod
    def from_args(cls, experiment, notebook="", *, lr=None, side="python", argv=None, echo=True):
        """A run of `experiment` with the settings of this process's command line, the
        Rust side's `xor_repro_port::Args`: `--seed S` (default 0), `--out DIR` (default
        results), `--steps N`, `--trace`, `--trace-steps A..B` (or A). It writes
        OUT/EXPERIMENT/seed-S/python/. A bad option prints one line and exits with status 2.
        Arguments the recorder does not take are the script's own: they stay in sys.argv
        (and in `rec.args.script_args`) for the script to read after this call, so a script
        that takes `python script.py losses.csv 1000` still does with `--trace` added.
        `argv` replaces sys.argv[1:] and must hold only the recorder's options: in a Jupyter
        notebook, whose command line is the kernel's, pass the settings as a list
        (`argv=["--seed", "3", "--trace"]`, or [])."""
        args = port_args(argv)
        args.lr = lr
        run = cls(experiment, notebook, args, side=side, echo=echo)
        run._port = True
        run._start_staging()
        return run

    def _start_staging(self):
        """A port's run writes its tensors as they come (trace.npz, params.npz) into a
        temporary sibling of its folder, which write() completes and renames; a run that
        never gets there leaves no folder that looks complete (and none at all on exit)."""
        parent = os.path.join(self.args.out, self.experiment, f"seed-{self.args.seed}")
        made = []  # the folders above it this makes, deepest first, removed with it if empty
        folder = os.path.abspath(parent)
        while not os.path.exists(folder):
            made.append(folder)
            folder = os.path.dirname(folder)
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as e:
            fail(f"cannot create output folder {parent}: {e.strerror}")
        Run._staged += 1
        self._stage = os.path.join(parent, f".tmp-run-{os.getpid()}-py{Run._staged}")
        shutil.rmtree(self._stage, ignore_errors=True)
        os.makedirs(self._stage)
        import atexit

        def clean(stage=self._stage):
            if os.path.exists(stage):
                shutil.rmtree(stage, ignore_errors=True)
                for folder in made:
                    try:
                        os.rmdir(folder)
                    except OSError:
                        pass
        atexit.register(clean)
        self._params_npz = _NpzWriter(os.path.join(self._stage, "params.npz"))

    _staged = 0

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.write()
        else:
            sys.stdout = self._tee.stream
        return False

    @property
    def seed(self):
        """--seed: what the script passes to torch.manual_seed."""
        return self.args.seed

    def steps(self, default):
        """--steps, or `default` when it was not given."""
        steps = getattr(self.args, "steps", None)
        return default if steps is None else steps

    def loss(self, step, value):
        """The loss of step `step` (0-based, before that step's update); steps come in order.
        Returns it as a number."""
        _check_step("loss", step)
        if step != len(self.losses):
            fail(f"the loss of step {step} was given after {len(self.losses)} losses; "
                 "steps count from 0 and come in order")
        value = _one_number(f"the loss of step {step}", value)
        self.losses.append(value)
        return value

    def metric(self, step, name, value):
        """Metric `name` of step `step` (metrics.csv): accuracy, a validation loss, anything
        per step beside the loss. Columns come in the order first recorded, rows in the order
        their step was first recorded; a second value for the same step and name replaces
        the first. Returns it as a number."""
        _check_step("metric", step)
        _check_name("metric", name)
        value = _one_number(f"metric {name} of step {step}", value)
        if name not in self._metric_names:
            self._metric_names.append(name)
        self._metrics.setdefault(step, {})[name] = value
        return value

    def predictions_from(self, named):
        """predictions.csv from named arrays whose first dimension is the row, side by side:
        [(name, tensor or array), ...] or a dict. Shape [n] or [n, 1] is one column NAME;
        [n, k, ...] is NAME0 ... NAME{m-1} (trailing dimensions flattened row-major); a
        0-dimensional value is one row. Every array must have the same number of rows."""
        pairs = list(named.items()) if isinstance(named, Mapping) else list(named)
        if self._stage is not None and self._predictions_npz(pairs):
            return
        columns, arrays, rows = [], [], None
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                fail(f"predictions: expected (name, array) pairs, got {pair!r:.60}")
            name, value = pair
            _check_name("predictions", name)
            try:
                shape = _shape(value)
            except (TypeError, ValueError) as e:
                fail(f"predictions: {name}: not an array ({e})")
            values = _numbers(f"predictions: {name}", value)
            n = shape[0] if shape else 1
            per_row = math.prod(shape[1:])
            if len(values) != n * per_row:
                fail(f"predictions: {name}: {len(values)} values for shape {list(shape)}")
            if rows is None:
                rows = (n, name)
            elif rows[0] != n:
                fail(f"predictions: {name} has {n} rows, {rows[1]} has {rows[0]}; "
                     "every array's first dimension is the row")
            new = [name] if per_row == 1 else [f"{name}{i}" for i in range(per_row)]
            for column in new:
                if column in columns:
                    fail(f"predictions: column {column} (of {name}) appears twice")
                columns.append(column)
            arrays.append((per_row, values))
        n = rows[0] if rows else 0
        table = [[v for per_row, values in arrays for v in values[r * per_row:(r + 1) * per_row]]
                 for r in range(n)]
        self._prediction_table = (columns, table)

    def _predictions_npz(self, pairs):
        """A port's predictions of more than PREDICTIONS_CSV_LIMIT numbers in all go to
        predictions.npz, one array per name in its own dtype and shape (as the Rust side's
        Run::predictions_from), written at the speed of their bytes; True when they did."""
        try:
            numbers = sum(math.prod(_shape(value)) for _, value in pairs)
        except (TypeError, ValueError):
            return False  # the CSV path names what is wrong
        if numbers <= PREDICTIONS_CSV_LIMIT:
            return False
        arrays = []
        for name, value in pairs:
            _check_name("predictions", name)
            arrays.append((name, _array(f"predictions: {name}", value)))
        rows = [(name, a.shape[0] if a.ndim else 1) for name, a in arrays]
        for name, n in rows[1:]:
            if n != rows[0][1]:
                fail(f"predictions: {name} has {n} rows, {rows[0][0]} has {rows[0][1]}; "
                     "every tensor's first dimension is the row")
        npz = _NpzWriter(os.path.join(self._stage, "predictions.npz"))
        for name, a in arrays:
            npz.add(name, a)
        npz.finish()
        self._prediction_table = None
        return True

    def op(self, name, code, library=None):
        """Says what computes the traced value `name`: its `code`, and the library whose
        kernel decides its bits, if one does (`aten` for element-wise work, `mkl` for matrix
        products, `exp` and `log`; None for a draw or a copy), which `explain` names when
        that value is where two runs part (run.json "ops")."""
        _check_name("op", name)
        if not isinstance(code, str) or not code:
            fail(f"op {name}: code must be a non-empty string, got {code!r}")
        if library is not None and (not isinstance(library, str) or not library):
            fail(f"op {name}: library must be a non-empty string or None, got {library!r}")
        self.ops[name] = {"code": code} if library is None else {"code": code, "library": library}

    def prediction(self, x1, x2, target, prediction):
        """One row of predictions.csv."""
        self.predictions.append((float(x1), float(x2), float(target), float(flat(prediction)[0])))

    def param(self, stage, name, values):
        """Parameter `name` at `stage` (`initial`, `final`): params.csv, or for a port's run
        (from_args) params.npz's array STAGE/NAME in its own dtype and shape, written now."""
        if self._params_npz is not None:
            _check_name(stage, name)
            self._params_npz.add(f"{stage}/{name}", _array(f"{stage} parameter {name}", values))
            return
        self.params.append((stage, name, flat(values)))

    def tracing(self, step):
        """Whether step `step` is traced (--trace, --trace-steps)."""
        r = self._trace_range
        return r is not None and r[0] <= step <= r[1]

    traced = tracing  # the Rust side's name

    def trace(self, step, name, values):
        """Records the named value `name` of step `step` for trace.csv (a port's run, made by
        from_args: appends it to trace.npz in its own dtype and shape), when that step is
        traced. Within a step, values keep the order they are traced in (seq): the step's
        parameters, then forward values, loss, gradients, updated parameters (NAME.updated),
        with the same names as the Rust side."""
        if not self.tracing(step):
            return
        _check_name("trace", name)
        if self._stage is not None:
            seq = self._last[1] + 1 if self._last is not None and self._last[0] == step else 0
            self._last = (step, seq)
            if self._trace_npz is None:
                self._trace_npz = _NpzWriter(os.path.join(self._stage, "trace.npz"))
            self._trace_npz.add(f"{step:06d}/{seq:05d}/{name}",
                                _array(f"trace: {name} of step {step}", values))
            return
        last = self._trace[-1] if self._trace else None
        seq = last[1] + 1 if last is not None and last[0] == step else 0
        self._trace.append((step, seq, name, _numbers(f"trace: {name} of step {step}", values)))

    def step(self, step, model):
        """Step `step`'s autograd tracer (`Autograd`) for `model` (an nn.Module, a dict, or
        (name, tensor) pairs such as model.named_parameters()): use it as
        `with rec.step(step, model) as t:` around the step's forward, backward and update."""
        _check_step("step", step)
        if self._open is not None and not self._open.ended:
            fail(f"the tracer of step {self._open.step} was never ended: use "
                 "`with rec.step(step, model) as t:`, or call t.end() after the optimizer's step")
        self._open = Autograd(self, step, model)
        return self._open

    def data_dir(self):
        """OUT/EXPERIMENT/seed-S/data: where `save_data` writes what the port reads (beside
        the run folders, so it is there before the run is written, and for every side)."""
        return os.path.join(self.args.out, self.experiment, f"seed-{self.args.seed}", "data")

    def save_data(self, name, values):
        """Saves `values` (a NumPy array, a torch tensor, a list) as NAME.npy in `data_dir()`,
        in its own dtype and shape (a tensor as .numpy() sees it, bfloat16 as float32), for the
        port to read with `run.data("NAME")` (xor_repro_port::Run::data) instead of drawing
        it again; written whole or not at all. Returns `values` unchanged, so
        `X = rec.save_data("X", make_moons(...))` reads as the line it replaces."""
        _check_name("save_data", name)
        if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            fail(f"save_data: {name!r}: a file name of letters, digits, '-', '_' and '.'")
        import numpy as np
        array = _array(f"save_data: {name}", values)
        if array.dtype.str[1:] not in ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1"):
            fail(f"save_data: {name}: dtype {array.dtype} is not one tch's Tensor::read_npy reads "
                 "(float16/32/64, int8/16/32/64, uint8); convert it, e.g. bools to uint8")
        folder = self.data_dir()
        try:
            os.makedirs(folder, exist_ok=True)
            tmp = os.path.join(folder, f".{name}.npy.{os.getpid()}")
            with open(tmp, "wb") as f:
                np.save(f, array, allow_pickle=False)
            os.replace(tmp, os.path.join(folder, name + ".npy"))
        except OSError as e:
            fail(f"save_data: cannot write {name}.npy in {folder}: {e.strerror}")
        return values

    def optimizer(self, optimizer):
        """Traces `optimizer`'s hyper-parameters (`optimizer.param_groups`, see
        `hyper_parameters`) at every traced step from now on, as `rec.step(...)` begins it,
        right after the parameters: `optim.group0.lr`, `optim.group0.betas[0]`, ..., the
        names the Rust side's `run.step(step, &params).optimizer(&opt)` traces. Returns the
        optimizer."""
        if not (hasattr(optimizer, "param_groups") and hasattr(optimizer, "defaults")):
            fail(f"optimizer: expected a torch.optim optimizer, got {type(optimizer).__name__}")
        self._optimizer = optimizer
        return optimizer

    def initial_params(self, params):
        """The notebook's initial parameters (a dict name -> NumPy array, torch tensor or
        tf.Variable, or (name, tensor) pairs such as model.named_parameters(), or a module),
        replaced by --init-from's values when given (rounded once to each parameter's dtype)
        and recorded as stage `initial`. Tensors and variables are updated in place; NumPy
        arrays are replaced, so use the returned dict."""
        params = dict(_named("initial_params", params))
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
            self.param("initial", name, p if self._port else _numbers(f"initial_params: {name}", p))
            result[name] = p
        return result

    def final_params(self, params):
        """The parameters after training (stage `final`): a dict, (name, tensor)
        pairs such as model.named_parameters(), or a module."""
        for name, p in _named("final_params", params):
            self.param("final", name, p if self._port else _numbers(f"final_params: {name}", p))

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
        if self._open is not None and not self._open.ended:
            fail(f"the tracer of step {self._open.step} was never ended: use "
                 "`with rec.step(step, model) as t:`, or call t.end() after the optimizer's step")
        if self._prediction_table is not None and self.predictions:
            fail("predictions were given twice: predictions_from() and the XOR rows (rec.predictions)")
        folder = os.path.join(self.args.out, self.experiment, f"seed-{self.args.seed}", self.side)
        parent = os.path.dirname(folder)
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as e:
            fail(f"cannot create output folder {parent}: {e.strerror}")
        if self._stage is not None:
            tmp = self._stage
            self._params_npz.finish()
            if self._trace_npz is not None:
                self._trace_npz.finish()
        else:
            tmp = os.path.join(parent, f".tmp-{self.side}-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
        with open(os.path.join(tmp, "loss.csv"), "w") as f:
            f.write("step,loss\n")
            f.writelines(f"{i},{number(v)}\n" for i, v in enumerate(self.losses))
        # A script of one's own may record only its losses: no empty params or predictions
        # (a run made by from_args writes params.npz always, as the Rust port does).
        if self.params and not self._port:
            with open(os.path.join(tmp, "params.csv"), "w") as f:
                f.write("stage,name,index,value\n")
                for stage, name, values in self.params:
                    f.writelines(f"{stage},{name},{i},{number(v)}\n" for i, v in enumerate(values))
        if self._prediction_table is not None:
            columns, rows = self._prediction_table
            with open(os.path.join(tmp, "predictions.csv"), "w") as f:
                f.write(",".join(["row"] + columns) + "\n")
                f.writelines(",".join([str(r)] + [number(v) for v in row]) + "\n"
                             for r, row in enumerate(rows))
        elif self.predictions:
            self._predictions(os.path.join(tmp, "predictions.csv"), self.predictions)
        if self._metrics:
            with open(os.path.join(tmp, "metrics.csv"), "w") as f:
                f.write(",".join(["step"] + self._metric_names) + "\n")
                for step, values in self._metrics.items():
                    cells = [number(values[n]) if n in values else "" for n in self._metric_names]
                    f.write(",".join([str(step)] + cells) + "\n")
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
        steps = getattr(self.args, "steps", None)
        info = {
            "experiment": self.experiment,
            "notebook": self.notebook,
            "seed": self.args.seed,
            # A port's run (from_args) says how many losses it holds, where --steps may
            # mean epochs; a reference script the steps it was run for (the Rust side's
            # RunInfo: losses_recorded, steps).
            **({"losses_recorded": len(self.losses)} if self._port
               else {"steps": len(self.losses) if steps is None else steps}),
            "init_from": getattr(self.args, "init_from", None),
            "implementation": "python",
            "versions": self.versions,
            "kernels": self.kernels,
            "wall_seconds": wall,
        }
        if getattr(self.args, "lr", None) is not None:
            info["lr"] = self.args.lr
        if self.ops:
            info["ops"] = dict(sorted(self.ops.items()))
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


def hyper_parameters(optimizer):
    """[(name, float)]: each parameter group's hyper-parameters as `optimizer.step()` reads
    them, `optim.group{i}.{key}` (the Rust side's `xor_repro_port::HyperParameters`): per
    group, the entries of the optimizer's `defaults`, in their order (the group's own dict
    order when the group sets nothing of its own); `params`, entries that are None
    (`foreach`, `fused`) and strings left out; a tuple as `key[0]`, `key[1]`; a boolean as 0 or 1; a
    tensor (a tensor lr) as its number. Entries a scheduler adds to the group (`initial_lr`,
    OneCycleLR's `max_lr`) are not the optimizer's and are left out."""
    named = []
    for i, group in enumerate(optimizer.param_groups):
        for key in optimizer.defaults:
            if key == "params" or key not in group:
                continue
            value = group[key]
            if value is None or isinstance(value, str):  # LBFGS's line_search_fn: no number
                continue
            if isinstance(value, (tuple, list)):
                named += [(f"optim.group{i}.{key}[{j}]", _hyper_number(key, v)) for j, v in enumerate(value)]
            else:
                named.append((f"optim.group{i}.{key}", _hyper_number(key, value)))
    return named


def _hyper_number(key, value):
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        fail(f"optimizer: param_groups' {key} is not a number ({type(value).__name__})")


class Autograd:
    """One training step of an autograd script, traced in program order (from `Run.step`),
    as the Rust side's `xor_repro_port::Autograd` traces it, so both sides' trace.csv walk
    side by side: the parameters as the step finds them (on creation), each value passed
    through `value` or `keep` on the line that computes it, every gradient at `backward`,
    and the parameters the step leaves (NAME.updated) on leaving the `with` block (or at
    `end()`), after the optimizer's step.

    The gradients come in autograd's order: the kept values in reverse, a layer's parameters
    (noted with `params` as the layer runs, before its output is kept) right after its
    output's gradient, weight before bias. Parameters never noted follow, the last one
    first. On a step that is not traced, `backward` is `loss.backward()` and nothing else
    runs or is copied."""

    def __init__(self, run, step, model):
        self.run, self.step = run, step
        self.on = run.tracing(step)
        self.ended = False
        self._backward = False
        self._forward = []  # ("kept", (name, tensor)) or ("params", [(name, tensor), ...])
        self._params = []
        if self.on:
            self._params = _named(f"step {step}", model)
            for name, p in self._params:
                run.trace(step, name, p)
            if run._optimizer is not None:
                for name, value in hyper_parameters(run._optimizer):
                    run.trace(step, name, value)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.end()
        else:
            self.ended = True
        return False

    def value(self, name, tensor):
        """Traces `tensor` as `name` (a value whose gradient the trace does not hold) and
        returns it."""
        if self.on:
            self.run.trace(self.step, name, tensor)
        return tensor

    def keep(self, name, tensor):
        """Traces `tensor` as `name`, keeps it for its gradient NAME.grad, and returns it."""
        if self.on:
            self._not_after_backward("keep")
            if not getattr(tensor, "requires_grad", False):
                fail(f"step {self.step}: keep({name!r}): the value does not require grad "
                     "(computed under no_grad, or from no parameter); trace it with value()")
            self.run.trace(self.step, name, tensor)
            self._forward.append(("kept", (name, tensor)))
        return tensor

    def params(self, named):
        """Notes a layer's parameters as it runs, before its output is kept: their gradients
        follow its output's. (name, tensor) pairs, a dict, or the layer itself (its
        parameters named as the step's model names them)."""
        if not self.on:
            return
        self._not_after_backward("params")
        if hasattr(named, "named_parameters") and not isinstance(named, Mapping):
            names = {id(p): n for n, p in self._params}
            pairs = []
            for local, p in named.named_parameters():
                if id(p) not in names:
                    fail(f"step {self.step}: params: the layer's {local} is not a parameter of "
                         "the model given to rec.step()")
                pairs.append((names[id(p)], p))
        else:
            pairs = _named(f"step {self.step}: params", named)
        self._forward.append(("params", pairs))

    def backward(self, loss):
        """`loss.backward()`; on a traced step, first the kept values' gradients (the same
        backward pass, with the graph kept; it accumulates into no .grad), then, after it,
        every gradient in autograd's order."""
        self._not_after_backward("backward")
        self._backward = True
        if not self.on:
            loss.backward()
            return
        import torch
        kept = [entry for kind, entry in self._forward if kind == "kept"]
        grads = []
        if kept:
            grads = torch.autograd.grad(loss, [t for _, t in kept], retain_graph=True,
                                        allow_unused=True)
            for (name, _), g in zip(kept, grads):
                if g is None:
                    fail(f"step {self.step}: keep({name!r}): the loss does not depend on it")
        loss.backward()
        # Built in forward order and traced reversed: parameters never noted go first here,
        # so they are traced last, the last one first.
        noted = {n for kind, entry in self._forward if kind == "params" for n, _ in entry}
        in_order = [(name + ".grad", self._grad(name, p)) for name, p in self._params
                    if name not in noted]
        grads = iter(grads)
        for kind, entry in self._forward:
            if kind == "kept":
                in_order.append((entry[0] + ".grad", next(grads)))
            else:
                # Reversed below, so the weight's gradient comes before the bias's.
                for name, p in reversed(entry):
                    in_order.append((name + ".grad", self._grad(name, p)))
        for name, grad in reversed(in_order):
            self.run.trace(self.step, name, grad)

    def end(self):
        """Traces what the step leaves, NAME.updated (on leaving the `with` block)."""
        if self.ended:
            return
        self.ended = True
        for name, p in self._params:
            self.run.trace(self.step, name + ".updated", p)

    def _grad(self, name, p):
        if p.grad is None:
            fail(f"step {self.step}: {name} has no gradient after backward "
                 "(the loss does not use it, or it does not require grad)")
        return p.grad

    def _not_after_backward(self, what):
        if self.ended:
            fail(f"step {self.step}: {what}() after the step's tracer was ended")
        if self._backward:
            fail(f"step {self.step}: {what}() after backward(); a step has one backward pass")


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
