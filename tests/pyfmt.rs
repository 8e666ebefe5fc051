//! Known answers for `pyfmt`'s printers from the real libraries, asked at test time: NumPy's
//! `str(ndarray)` for float64 and float32 arrays (the one `FloatingFormat` both go through),
//! and PyTorch's `str(tensor)`.

mod common;

use xor_repro::pyfmt;

/// Arrays that reach every branch of NumPy's `FloatingFormat`: positional and exponent
/// notation, ragged and rounded fractions, ties in the last digit, negative zero, wrapped
/// rows, more dimensions, and `nan`/`inf` padding. Python expressions over `rng`.
const ARRAYS: &[(&str, &[usize])] = &[
    ("rng.standard_normal((4, 1))", &[4, 1]),
    ("rng.standard_normal((2, 10))", &[2, 10]),
    ("rng.standard_normal(30) * 1e-5", &[30]),
    ("rng.standard_normal(7) * 1e9", &[7]),
    ("rng.standard_normal(12) * 1e7", &[12]),
    ("rng.standard_normal((3, 4)) * 1e3", &[3, 4]),
    ("np.round(rng.random((4, 1)), 3)", &[4, 1]),
    ("rng.random((2, 3, 2))", &[2, 3, 2]),
    ("np.array([0.0, 1.0, 0.25, 1e-7])", &[4]),
    ("np.array([-0.0, 2.0, -3.5])", &[3]),
    ("np.array([1125233.25, 23818844.0, 305630.625])", &[3]),
    ("np.array([1125233.25, 1e-5])", &[2]),
    ("np.array([-46391952.0, 1e-5, 0.5])", &[3]),
    ("np.array([2.0**-20, 2.0**-13, 2.0**-30])", &[3]),
    ("np.array([0.0, 0.0])", &[2]),
    ("np.array([np.nan, 1.0])", &[2]),
    ("np.array([0.0, np.inf])", &[2]),
    ("np.array([-np.inf, 44.0, 0.5])", &[3]),
    ("np.array([np.nan, 1e-9, -np.inf])", &[3]),
    ("np.array([np.nan, np.inf])", &[2]),
];

#[test]
fn float_arrays_print_as_numpy_prints_them_in_both_dtypes() {
    for dtype in ["float64", "float32"] {
        let mut script =
            String::from("import numpy as np\nrng = np.random.default_rng(11)\nfor expr in [\n");
        for (expr, _) in ARRAYS {
            script.push_str(&format!("    {expr:?},\n"));
        }
        script.push_str(&format!(
            "]:\n    a = eval(expr).astype(np.{dtype})\n    \
             print(' '.join(repr(float(v)) for v in a.ravel()))\n    \
             print(repr(str(a)))\n"
        ));
        let out = common::python(&script);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2 * ARRAYS.len());
        for ((expr, shape), pair) in ARRAYS.iter().zip(lines.chunks(2)) {
            let values = common::numbers(pair[0]);
            let numpy = python_string(pair[1]);
            let ours = if dtype == "float64" {
                pyfmt::ndarray(&values, shape)
            } else {
                let values: Vec<f32> = values.iter().map(|v| *v as f32).collect();
                pyfmt::ndarray_f32(&values, shape)
            };
            assert_eq!(ours, numpy, "{dtype} {expr}: {values:?}");
        }
    }
}

/// Tensors in each of PyTorch's modes (fixed, integer, scientific), with wrapping, more
/// dimensions and a suffix that has to go to its own line.
const TENSORS: &[(&str, &[usize], &[&str])] = &[
    ("torch.randn(4, 2)", &[4, 2], &[]),
    ("torch.rand(1, 4)", &[1, 4], &[]),
    ("torch.randn(30)", &[30], &[]),
    ("torch.randn(3, 4) * 1e-5", &[3, 4], &[]),
    ("torch.randn(5) * 1e9", &[5], &[]),
    ("torch.tensor([1.0, 1.0, -3.0])", &[3], &[]),
    ("torch.tensor([1.0, 20000.0])", &[2], &[]),
    ("torch.rand(2, 2, 3)", &[2, 2, 3], &[]),
    ("torch.rand(4, 1)", &[4, 1], &["grad_fn=<SigmoidBackward0>"]),
    (
        "torch.randn(12)",
        &[12],
        &["dtype=torch.float64", "grad_fn=<SigmoidBackward0>"],
    ),
];

#[test]
fn tensors_print_as_pytorch_prints_them() {
    let mut script = String::from("import torch\ntorch.manual_seed(3)\nfor expr in [\n");
    for (expr, _, _) in TENSORS {
        script.push_str(&format!("    {expr:?},\n"));
    }
    script.push_str(
        "]:\n    t = eval(expr)\n    \
         print(' '.join(repr(v) for v in t.double().flatten().tolist()))\n    \
         print(repr(str(t)))\n",
    );
    let out = common::python(&script);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2 * TENSORS.len());
    for ((expr, shape, suffixes), pair) in TENSORS.iter().zip(lines.chunks(2)) {
        let values = common::numbers(pair[0]);
        // PyTorch adds the suffixes itself when the tensor has them; here they are spliced
        // into its printout in the same place, so the wrapping rule is what is compared.
        let torch = python_string(pair[1]);
        let torch = with_suffixes(&torch, suffixes);
        assert_eq!(pyfmt::tensor(&values, shape, suffixes), torch, "{expr}");
    }
}

/// PyTorch's own placement of `suffixes` after a printed tensor (torch/_tensor_str.py,
/// `_add_suffixes`), computed in Python so the test does not trust ours.
fn with_suffixes(printed: &str, suffixes: &[&str]) -> String {
    if suffixes.is_empty() {
        return printed.to_string();
    }
    let body = printed
        .strip_suffix(')')
        .expect("a tensor's printout ends in ')'");
    let list: Vec<String> = suffixes.iter().map(|s| format!("{s:?}")).collect();
    let out = common::python(&format!(
        "from torch._tensor_str import _add_suffixes\n\
         print(repr(_add_suffixes({body:?}, [{}], 7, False)))",
        list.join(", ")
    ));
    python_string(out.trim_end())
}

/// The text of a Python `repr(str)` line (quotes, `\n` and `\\` escapes; the printouts
/// hold nothing else).
fn python_string(repr: &str) -> String {
    let inner = &repr[1..repr.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("a lone backslash in {repr}"),
            }
        } else {
            out.push(c);
        }
    }
    out
}
