"""What each pinned Python library says about the kernel path it takes on this machine, under
this process's switches (NPY_DISABLE_CPU_FEATURES, OPENBLAS_CORETYPE, TF_ENABLE_ONEDNN_OPTS,
ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS, MKL_CBWR), in the names xor-repro
uses:

- numpy-exp: the target NumPy dispatches float64 exp to (numpy.lib.introspect)
- openblas: the core NumPy's OpenBLAS runs (threadpoolctl)
- tensorflow: Eigen or oneDNN (IsMklEnabled), and oneDNN's ISA (ONEDNN_VERBOSE)
- aten: torch.backends.cpu.get_cpu_capability()
- mkl: the code path MKL_VERBOSE names for libtorch's sgemm, and MKL's version

Imported by record.py for run.json (cheap questions only); run as a script, it asks every
library, the ISA too, and prints one JSON object (`xor-repro kernels` reads it). A library that
cannot be asked gives {"error": "..."}."""

import json
import os
import sys


def numpy_exp():
    from numpy.lib import introspect

    info = introspect.opt_func_info(func_name="^exp$", signature="^d")
    current = next(iter(info["exp"].values()))["current"]
    return {"path": current, "source": "numpy.lib.introspect.opt_func_info"}


def openblas():
    import numpy  # noqa: F401  (threadpoolctl finds the libraries already loaded)
    import threadpoolctl

    cores = [i["architecture"] for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
    if not cores:
        return {"error": "threadpoolctl found no OpenBLAS"}
    return {"path": cores[0], "source": "threadpoolctl"}


def aten():
    import torch

    return {"path": torch.backends.cpu.get_cpu_capability().lower(), "source": "torch.backends.cpu.get_cpu_capability()"}


def mkl():
    """MKL's own word: the processor class its verbose mode names for one sgemm, which the C
    library prints to the process's standard output (captured here through the descriptor)."""
    import ctypes
    import tempfile

    import torch

    libc = ctypes.CDLL(None)
    with tempfile.TemporaryFile() as captured:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(captured.fileno(), 1)
        try:
            with torch.backends.mkl.verbose(torch.backends.mkl.VERBOSE_ON):
                torch.ones(4, 2).mm(torch.ones(2, 4))
            libc.fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode(errors="replace")
    header = next((line for line in text.splitlines() if "for Intel(R) 64 architecture" in line), None)
    if header is None:
        return {"error": "MKL_VERBOSE printed no header"}
    described = header.split("for Intel(R) 64 architecture", 1)[1].split(", Lnx")[0].strip()
    version = header.split("MKL_VERBOSE", 1)[1].split(" for ")[0].strip()
    return {"path": described, "source": f"MKL_VERBOSE ({version})"}


def tensorflow_enabled():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tensorflow.python.util import _pywrap_util_port

    return bool(_pywrap_util_port.IsMklEnabled())


def tensorflow(with_isa):
    if not tensorflow_enabled():
        return {"path": "Eigen", "source": "IsMklEnabled() is False"}
    if not with_isa:
        return {"path": "oneDNN", "source": "IsMklEnabled()"}
    return {"path": f"oneDNN {onednn_isa()}", "source": "IsMklEnabled() and ONEDNN_VERBOSE"}


ISA_NAMES = [  # ONEDNN_VERBOSE's description -> ONEDNN_MAX_CPU_ISA's name, widest first
    ("AVX-512", "AVX512_CORE"),
    ("AVX2", "AVX2"),
    ("AVX", "AVX"),
    ("SSE4.1", "SSE41"),
]


def onednn_isa():
    """The ISA line oneDNN prints when verbose, from a child process (verbose output goes to
    the C stdout, and only a fresh process sees ONEDNN_VERBOSE)."""
    import subprocess

    code = "import tensorflow as tf; tf.matmul(tf.ones([4, 10]), tf.ones([10, 1]))"
    env = dict(os.environ, ONEDNN_VERBOSE="1", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if ",isa:" in line:
            described = line.split(",isa:", 1)[1]
            for needle, name in ISA_NAMES:
                if needle in described:
                    return name
            return described.strip()
    return "(no ONEDNN_VERBOSE isa line)"


def ask(question, *args):
    try:
        return question(*args)
    except Exception as e:  # a library that is missing or fails is reported, not fatal
        return {"error": f"{type(e).__name__}: {e}"}


def for_framework(framework):
    """The cheap answers for one framework's run.json."""
    if framework == "NumPy":
        return {"numpy-exp": ask(numpy_exp), "openblas": ask(openblas)}
    if framework == "TensorFlow":
        return {"tensorflow": ask(tensorflow, False)}
    if framework == "PyTorch":
        return {"aten": ask(aten), "mkl": ask(mkl)}
    return {}


if __name__ == "__main__":
    answers = {
        "numpy-exp": ask(numpy_exp),
        "openblas": ask(openblas),
        "tensorflow": ask(tensorflow, True),
        "aten": ask(aten),
        "mkl": ask(mkl),
    }
    json.dump(answers, sys.stdout)
    print()
