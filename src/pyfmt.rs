//! How Python and PyTorch print numbers, so that transcripts match the notebooks character
//! for character: `repr(float)`, format specs like `{:.4e}`, and `print(tensor)`
//! (torch/_tensor_str.py with default print options: precision 4, line width 80).

/// Python's `repr(x)` of a float: the shortest round-trip digits, in fixed notation when the
/// decimal exponent is in -4..16, else `d.ddde-XX`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` also gives the shortest round-trip digits: "d.ddde±X".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let point = exp + 1; // digits before the decimal point
    if (-4..16).contains(&exp) {
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!(
                "{sign}{digits}{}.0",
                "0".repeat(point as usize - digits.len())
            )
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{sign}{a}.{b}")
        }
    } else {
        let (a, b) = digits.split_at(1);
        let mantissa = if b.is_empty() {
            a.to_string()
        } else {
            format!("{a}.{b}")
        };
        format!("{sign}{mantissa}e{}", exponent_suffix(exp))
    }
}

/// Python's exponent notation: a sign and at least two digits.
fn exponent_suffix(exp: i32) -> String {
    format!("{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// Python's `format(x, '.{precision}e')`.
pub fn sci(x: f64, precision: usize) -> String {
    if !x.is_finite() {
        return float_repr(x);
    }
    let s = format!("{x:.precision$e}");
    let (mantissa, exp) = s.split_once('e').expect("{:e} has an exponent");
    format!(
        "{mantissa}e{}",
        exponent_suffix(exp.parse().expect("integer exponent"))
    )
}

/// Python's `format(x, '.{precision}f')`.
pub fn fixed(x: f64, precision: usize) -> String {
    if !x.is_finite() {
        return float_repr(x);
    }
    format!("{x:.precision$}")
}

const PRECISION: usize = 4;
const LINE_WIDTH: usize = 80;

/// torch's `_Formatter` for a floating tensor: one width and notation for all elements.
struct TensorFormatter {
    int_mode: bool,
    sci_mode: bool,
    max_width: usize,
}

impl TensorFormatter {
    fn new(values: &[f64]) -> TensorFormatter {
        let mut f = TensorFormatter {
            int_mode: true,
            sci_mode: false,
            max_width: 1,
        };
        let nonzero: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v != 0.0)
            .collect();
        if nonzero.is_empty() {
            return f;
        }
        let min = nonzero
            .iter()
            .map(|v| v.abs())
            .fold(f64::INFINITY, f64::min);
        let max = nonzero.iter().map(|v| v.abs()).fold(0.0, f64::max);
        f.int_mode = nonzero.iter().all(|v| *v == v.ceil());
        let width = |s: String| s.len();
        if f.int_mode {
            if max / min > 1000.0 || max > 1.0e8 {
                f.sci_mode = true;
                f.max_width = nonzero
                    .iter()
                    .map(|v| width(sci(*v, PRECISION)))
                    .max()
                    .unwrap();
            } else {
                f.max_width = nonzero
                    .iter()
                    .map(|v| width(fixed(*v, 0)) + 1)
                    .max()
                    .unwrap();
            }
        } else if max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4 {
            f.sci_mode = true;
            f.max_width = nonzero
                .iter()
                .map(|v| width(sci(*v, PRECISION)))
                .max()
                .unwrap();
        } else {
            f.max_width = nonzero
                .iter()
                .map(|v| width(fixed(*v, PRECISION)))
                .max()
                .unwrap();
        }
        f
    }

    fn format(&self, v: f64) -> String {
        let s = if self.sci_mode {
            sci(v, PRECISION)
        } else if self.int_mode {
            let mut s = fixed(v, 0);
            if v.is_finite() {
                s.push('.');
            }
            s
        } else {
            fixed(v, PRECISION)
        };
        format!("{}{s}", " ".repeat(self.max_width.saturating_sub(s.len())))
    }

    fn vector(&self, values: &[f64], indent: usize) -> String {
        let per_line = ((LINE_WIDTH - indent) / (self.max_width + 2)).max(1);
        let lines: Vec<String> = values
            .chunks(per_line)
            .map(|line| {
                line.iter()
                    .map(|v| self.format(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        format!(
            "[{}]",
            lines.join(&format!(",\n{}", " ".repeat(indent + 1)))
        )
    }

    fn tensor(&self, values: &[f64], shape: &[usize], indent: usize) -> String {
        match shape {
            [] => self.format(values[0]),
            [_] => self.vector(values, indent),
            [rows, rest @ ..] => {
                let step = values.len() / rows.max(&1);
                let slices: Vec<String> = (0..*rows)
                    .map(|i| self.tensor(&values[i * step..(i + 1) * step], rest, indent + 1))
                    .collect();
                let sep = format!(
                    ",{}{}",
                    "\n".repeat(shape.len() - 1),
                    " ".repeat(indent + 1)
                );
                format!("[{}]", slices.join(&sep))
            }
        }
    }
}

/// `str(tensor)` for a floating tensor of `shape` holding `values` (row-major, each the
/// tensor's element widened to f64), with suffixes such as `grad_fn=<SigmoidBackward0>`,
/// `requires_grad=True` or `dtype=torch.float64`.
pub fn tensor(values: &[f64], shape: &[usize], suffixes: &[&str]) -> String {
    const PREFIX: &str = "tensor(";
    let indent = PREFIX.len();
    let body = if values.is_empty() {
        "[]".to_string()
    } else {
        TensorFormatter::new(values).tensor(values, shape, indent)
    };
    let mut out = format!("{PREFIX}{body}");
    let mut last_line_len = match out.rfind('\n') {
        Some(i) => out.len() - i + 1,
        None => out.len() + 2,
    };
    for suffix in suffixes {
        if last_line_len + suffix.len() + 2 > LINE_WIDTH {
            out.push_str(&format!(",\n{}{suffix}", " ".repeat(indent)));
            last_line_len = indent + suffix.len();
        } else {
            out.push_str(&format!(", {suffix}"));
            last_line_len += suffix.len() + 2;
        }
    }
    out.push(')');
    out
}

/// What Jupyter shows for a cell ending in a tuple `a, b, …` (IPython's pretty printer,
/// 79 columns): one line if it fits, else one element per line, continuation lines of a
/// multi-line element indented by one more space.
pub fn display_tuple(reprs: &[String]) -> String {
    let one_line = format!("({})", reprs.join(", "));
    if !one_line.contains('\n') && one_line.chars().count() <= 79 {
        return one_line;
    }
    let items: Vec<String> = reprs.iter().map(|r| r.replace('\n', "\n ")).collect();
    format!("({})", items.join(",\n "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        // Values printed by notebook 000 (`loss.item()` of float32 losses).
        assert_eq!(float_repr(0.2650403082370758), "0.2650403082370758");
        assert_eq!(float_repr(0.166743665933609), "0.166743665933609");
        // Python's documented repr rules: exponent form below 1e-4 and from 1e16.
        assert_eq!(float_repr(1e-5), "1e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(123.0), "123.0");
        assert_eq!(float_repr(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn tensor_str_matches_notebook_000() {
        // Notebook 000, cell 48 and 49 (values are the float32s it printed, rounded).
        let w = [
            0.2998, 0.2307, -0.6119, -0.6878, -0.5591, -0.4051, -1.9148, 1.9110,
        ];
        assert_eq!(
            tensor(&w, &[4, 2], &[]),
            "tensor([[ 0.2998,  0.2307],\n        [-0.6119, -0.6878],\n        [-0.5591, -0.4051],\n        [-1.9148,  1.9110]])"
        );
        assert_eq!(
            tensor(&[0.0307, 0.3604, 0.0539, 2.6001], &[1, 4], &[]),
            "tensor([[0.0307, 0.3604, 0.0539, 2.6001]])"
        );
        assert_eq!(
            tensor(&[0.3336, 0.9862, 0.3336, 0.3336], &[4, 1], &["grad_fn=<SigmoidBackward0>"]),
            "tensor([[0.3336],\n        [0.9862],\n        [0.3336],\n        [0.3336]], grad_fn=<SigmoidBackward0>)"
        );
        assert_eq!(tensor(&[1.0, 1.0], &[2], &[]), "tensor([1., 1.])");
    }
}

// NumPy's `str(ndarray)` (numpy/_core/arrayprint.py with default print options: precision 8,
// floatmode 'maxprec', suppress False, line width 75, separator ' '), for the arrays
// notebooks 002 and 004 print. Arrays over the 1000-element summarisation threshold are not
// needed and are printed whole.

const NP_PRECISION: usize = 8;
const NP_LINE_WIDTH: usize = 75;

/// `dragon4_positional(x, precision=8, unique=True, trim='.')`: the shortest round-trip digits,
/// cut (with rounding of the exact value) to at most `precision` fractional digits, trailing
/// zeros dropped but the point kept: `0.03`, `1.`.
fn np_positional(x: f64, precision: usize) -> String {
    let shortest = format!("{x}");
    let frac_len = shortest.split_once('.').map_or(0, |(_, f)| f.len());
    let s = if frac_len <= precision {
        shortest
    } else {
        format!("{x:.precision$}")
    };
    match s.split_once('.') {
        Some((int, frac)) => format!("{int}.{}", frac.trim_end_matches('0')),
        None => format!("{s}."),
    }
}

/// `dragon4_scientific(x, precision, unique=True)`: mantissa digits (shortest, or rounded to
/// `precision` fractional digits) and the decimal exponent.
fn np_scientific_parts(x: f64, precision: usize) -> (String, String, i32) {
    let shortest = format!("{x:e}");
    let (mantissa, _) = shortest.split_once('e').expect("{:e} has an exponent");
    let frac_len = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let s = if frac_len <= precision {
        shortest
    } else {
        format!("{x:.precision$e}")
    };
    let (mantissa, exp) = s.split_once('e').expect("{:e} has an exponent");
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let frac = frac.trim_end_matches('0');
    (
        int.to_string(),
        frac.to_string(),
        exp.parse().expect("integer exponent"),
    )
}

/// NumPy's `FloatingFormat`: one notation and padding for every element of an array.
struct NpFloatFormat {
    exp_format: bool,
    pad_left: usize,
    pad_right: usize,
    /// Fractional mantissa digits in exponent notation (every element gets this many).
    exp_precision: usize,
    exp_size: usize,
}

impl NpFloatFormat {
    fn new(values: &[f64]) -> NpFloatFormat {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let abs_non_zero: Vec<f64> = finite
            .iter()
            .map(|v| v.abs())
            .filter(|v| *v != 0.0)
            .collect();
        let mut f = NpFloatFormat {
            exp_format: false,
            pad_left: 0,
            pad_right: 0,
            exp_precision: 0,
            exp_size: 0,
        };
        if !abs_non_zero.is_empty() {
            let max = abs_non_zero.iter().copied().fold(0.0, f64::max);
            let min = abs_non_zero.iter().copied().fold(f64::INFINITY, f64::min);
            f.exp_format = max >= 1e8 || min < 0.0001 || max / min > 1000.0;
        }
        if finite.is_empty() {
            // nothing to measure
        } else if f.exp_format {
            let parts: Vec<_> = finite
                .iter()
                .map(|v| np_scientific_parts(*v, NP_PRECISION))
                .collect();
            f.exp_precision = parts.iter().map(|(_, frac, _)| frac.len()).max().unwrap();
            f.pad_left = parts.iter().map(|(int, _, _)| int.len()).max().unwrap();
            f.exp_size = parts
                .iter()
                .map(|(_, _, e)| e.unsigned_abs().to_string().len().max(2))
                .max()
                .unwrap();
            f.pad_right = f.exp_size + 2 + f.exp_precision;
        } else {
            let strs: Vec<String> = finite
                .iter()
                .map(|v| np_positional(*v, NP_PRECISION))
                .collect();
            for s in &strs {
                let (int, frac) = s.split_once('.').expect("positional output has a point");
                f.pad_left = f.pad_left.max(int.len());
                f.pad_right = f.pad_right.max(frac.len());
            }
        }
        if finite.len() != values.len() {
            let neginf = values.iter().any(|v| v.is_infinite() && *v < 0.0);
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + neginf as usize).saturating_sub(offset));
        }
        f
    }

    fn format(&self, x: f64) -> String {
        if !x.is_finite() {
            let s = if x.is_nan() {
                "nan"
            } else if x > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            return format!("{s:>width$}", width = self.pad_left + self.pad_right + 1);
        }
        if self.exp_format {
            let (int, frac, exp) = np_scientific_parts(x, self.exp_precision);
            let sign = if exp < 0 { '-' } else { '+' };
            format!(
                "{int:>pl$}.{frac:0<p$}e{sign}{e:0>es$}",
                pl = self.pad_left,
                p = self.exp_precision,
                e = exp.unsigned_abs(),
                es = self.exp_size
            )
        } else {
            let s = np_positional(x, NP_PRECISION);
            let (int, frac) = s.split_once('.').expect("positional output has a point");
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

/// `_formatArray`: nested brackets, elements separated by spaces and wrapped at 75 columns,
/// sub-arrays on new lines aligned under their opening bracket (blank lines between blocks of
/// three or more dimensions).
fn np_format_array(words: &[String], shape: &[usize]) -> String {
    fn recurse(words: &[String], shape: &[usize], hanging: &str, width: usize) -> String {
        let Some((&len, rest)) = shape.split_first() else {
            return words[0].clone();
        };
        if len == 0 {
            return "[]".to_string();
        }
        let next_hanging = format!("{hanging} ");
        let next_width = width - 1;
        let step = words.len() / len;
        let mut s = String::new();
        if rest.is_empty() {
            let elem_width = width - 1;
            let mut line = hanging.to_string();
            for (i, word) in words.iter().enumerate() {
                if line.len() + word.len() > elem_width && line.len() > hanging.len() {
                    s.push_str(line.trim_end());
                    s.push('\n');
                    line = hanging.to_string();
                }
                line.push_str(word);
                if i + 1 < words.len() {
                    line.push(' ');
                }
            }
            s.push_str(&line);
        } else {
            let line_sep = "\n".repeat(rest.len());
            for i in 0..len {
                s.push_str(hanging);
                s.push_str(&recurse(
                    &words[i * step..(i + 1) * step],
                    rest,
                    &next_hanging,
                    next_width,
                ));
                if i + 1 < len {
                    s.push_str(&line_sep);
                }
            }
        }
        format!("[{}]", &s[hanging.len()..])
    }
    recurse(words, shape, " ", NP_LINE_WIDTH)
}

/// `str(a)` of a float64 NumPy array of `shape` holding `values` row-major
/// (`print(y_pred.round(3))`, `print("Final XOR preds:", preds)`).
pub fn ndarray(values: &[f64], shape: &[usize]) -> String {
    let f = NpFloatFormat::new(values);
    let words: Vec<String> = values.iter().map(|v| f.format(*v)).collect();
    np_format_array(&words, shape)
}

/// `str(a)` of an integer NumPy array (`print(y)`, `(y_pred >= 0.5).astype(int)`): every
/// element right-aligned to the widest of the minimum and maximum.
pub fn ndarray_int(values: &[i64], shape: &[usize]) -> String {
    let width = values
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0);
    let words: Vec<String> = values.iter().map(|v| format!("{v:>width$}")).collect();
    np_format_array(&words, shape)
}

/// `np.round(x, decimals)` for float64: multiply by 10**decimals, round half to even,
/// divide back (numpy's `PyArray_Round`), so `0.0295` rounds as NumPy rounds it.
pub fn np_round(x: f64, decimals: i32) -> f64 {
    if decimals == 0 {
        return x.round_ties_even();
    }
    let f = 10f64.powi(decimals);
    (x * f).round_ties_even() / f
}

#[cfg(test)]
mod ndarray_tests {
    use super::*;

    #[test]
    fn float_arrays_as_notebook_004_prints_them() {
        // 004_64eea6854d56fd8e.txt, `print(y_pred.round(3))` under "Final Predictions
        // (rounded):": shorter fractions are padded with spaces on the right.
        assert_eq!(
            ndarray(&[0.03, 0.498, 0.971, 0.501], &[4, 1]),
            "[[0.03 ]\n [0.498]\n [0.971]\n [0.501]]"
        );
    }

    #[test]
    fn float_arrays_as_notebook_002_prints_them() {
        // 002_537c36a4ddaa79e8.txt, cell 9, `print("Final XOR preds:", preds)` (the capture
        // lost the one-space indent of continuation rows; NumPy prints it).
        assert_eq!(
            ndarray(&[0.04852618, 0.98003239, 0.97855588, 0.01685806], &[4, 1]),
            "[[0.04852618]\n [0.98003239]\n [0.97855588]\n [0.01685806]]"
        );
        // Cell 8, `pred.round()` of a 1×1 prediction: `Predicted: [[0.]]`, `[[1.]]`.
        assert_eq!(ndarray(&[0.0], &[1, 1]), "[[0.]]");
        assert_eq!(ndarray(&[1.0], &[1, 1]), "[[1.]]");
    }

    #[test]
    fn int_arrays_as_the_notebooks_print_them() {
        // 004: `print("True classes:\n", y)`; 002 cell 8: `Input: [0 1]`, `True: [1]`.
        assert_eq!(
            ndarray_int(&[0, 1, 1, 0], &[4, 1]),
            "[[0]\n [1]\n [1]\n [0]]"
        );
        assert_eq!(ndarray_int(&[0, 1], &[2]), "[0 1]");
        assert_eq!(ndarray_int(&[1], &[1]), "[1]");
    }

    #[test]
    fn rounding_is_numpys() {
        // 004 prints 0.03, 0.498, 0.971, 0.501 for its predictions rounded to 3 decimals;
        // half-way cases go to even, as `np.rint` does (NumPy documents this for `around`).
        assert_eq!(np_round(0.0005 * 4.0, 3), 0.002);
        assert_eq!(np_round(2.5, 0), 2.0);
        assert_eq!(np_round(0.5, 0), 0.0);
        assert_eq!(np_round(1.5, 0), 2.0);
    }
}

/// `print(a)` of a float32 NumPy array of `shape` holding `values` (row-major), with NumPy's
/// default print options (precision 8, `floatmode='maxprec'`, line width 75, no
/// `suppress`): numpy/_core/arrayprint.py's `FloatingFormat` and `_formatArray`.
/// Arrays of more than 1000 elements, which NumPy summarises with `...`, are not supported.
/// (Added for `tf-relu10-mse`, whose notebook prints `preds.numpy()` and small float32 rows.)
pub fn ndarray_f32(values: &[f32], shape: &[usize]) -> String {
    assert!(
        values.len() <= 1000,
        "NumPy summarises arrays of more than 1000 elements"
    );
    assert_eq!(
        values.len(),
        shape.iter().product::<usize>(),
        "shape and values disagree"
    );
    // Float32 needs its own digits (the shortest that round-trip as float32, and NumPy's
    // float32 comparisons for choosing exponent notation); the layout is `ndarray`'s.
    let format = Float32Format::new(values);
    let words: Vec<String> = values.iter().map(|v| format.format(*v)).collect();
    if shape.is_empty() {
        return words[0].clone();
    }
    np_format_array(&words, shape)
}

/// `FloatingFormat` fitted to one float32 array: positional or scientific for all elements,
/// with common padding.
struct Float32Format {
    sci: bool,
    pad_left: usize,
    pad_right: usize,
    /// Scientific: fractional digits of every mantissa, and exponent digits.
    precision: usize,
    exp_size: usize,
}

/// Float32 digits as Dragon4 makes them in unique mode with a cutoff of 8 digits after the
/// point: the shortest round-trip digits if they fit, else the exact value rounded (half to
/// even) at the cutoff; trailing zeros trimmed. Returns (sign, int part, fraction, exponent).
fn dragon4_f32(x: f32, sci: bool) -> (String, String, String, i32) {
    const CUTOFF: usize = 8;
    let shortest = format!("{:e}", x.abs());
    let (mantissa, exp) = shortest.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x.is_sign_negative() { "-" } else { "" }.to_string();
    let trim = |s: &str| s.trim_end_matches('0').to_string();
    if sci {
        let (int, frac) = if digits.len() - 1 <= CUTOFF {
            (digits[..1].to_string(), digits[1..].to_string())
        } else {
            let rounded = format!("{:.CUTOFF$e}", x.abs() as f64);
            let (m, e) = rounded.split_once('e').unwrap();
            let (int, frac) = m.split_once('.').unwrap();
            return (sign, int.to_string(), trim(frac), e.parse().unwrap());
        };
        return (sign, int, trim(&frac), exp);
    }
    let frac_digits = (digits.len() as i32 - 1 - exp).max(0) as usize;
    let text = if frac_digits <= CUTOFF {
        format!("{:.frac_digits$}", x.abs() as f64)
    } else {
        format!("{:.CUTOFF$}", x.abs() as f64)
    };
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    (sign, int.to_string(), trim(frac), 0)
}

impl Float32Format {
    fn new(values: &[f32]) -> Float32Format {
        let finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let non_zero: Vec<f32> = finite
            .iter()
            .filter(|v| **v != 0.0)
            .map(|v| v.abs())
            .collect();
        // NumPy compares in float32 (a Python float meets a float32 scalar as a float32).
        let sci = !non_zero.is_empty() && {
            let max = non_zero.iter().copied().fold(f32::MIN, f32::max);
            let min = non_zero.iter().copied().fold(f32::MAX, f32::min);
            max >= 1.0e8f32 || min < 0.0001f32 || max / min > 1000.0f32
        };
        let parts: Vec<_> = finite.iter().map(|v| dragon4_f32(*v, sci)).collect();
        let pad_left = parts
            .iter()
            .map(|(s, i, _, _)| s.len() + i.len())
            .max()
            .unwrap_or(0);
        let longest_frac = parts.iter().map(|(_, _, f, _)| f.len()).max().unwrap_or(0);
        if sci {
            let exp_size = parts
                .iter()
                .map(|(_, _, _, e)| e.unsigned_abs().to_string().len().max(2))
                .max()
                .unwrap_or(2);
            Float32Format {
                sci,
                pad_left,
                pad_right: exp_size + 2 + longest_frac,
                precision: longest_frac,
                exp_size,
            }
        } else {
            Float32Format {
                sci,
                pad_left,
                pad_right: longest_frac,
                precision: 8,
                exp_size: 0,
            }
        }
    }

    fn format(&self, x: f32) -> String {
        if !x.is_finite() {
            let s = if x.is_nan() {
                "nan"
            } else if x > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            let width = self.pad_left + self.pad_right + 1;
            return format!("{s:>width$}");
        }
        let (sign, int, frac, exp) = dragon4_f32(x, self.sci);
        let int = format!("{sign}{int}");
        if self.sci {
            let frac = format!("{frac:0<width$}", width = self.precision);
            let exp_sign = if exp < 0 { '-' } else { '+' };
            format!(
                "{int:>pad$}.{frac}e{exp_sign}{:0>digits$}",
                exp.unsigned_abs(),
                pad = self.pad_left,
                digits = self.exp_size
            )
        } else {
            format!(
                "{int:>pad$}.{frac:<right$}",
                pad = self.pad_left,
                right = self.pad_right
            )
        }
    }
}

#[cfg(test)]
mod ndarray_f32_tests {
    use super::ndarray_f32;

    #[test]
    fn notebook_002_arrays() {
        // Notebook 002's TensorFlow part prints `x` rows of X_np and `tf.round(pred)`.
        assert_eq!(ndarray_f32(&[0.0, 1.0], &[2]), "[0. 1.]");
        assert_eq!(ndarray_f32(&[1.0], &[1]), "[1.]");
        // Its "Final XOR preds:" (the capture dropped the leading space of rows 2..4).
        let preds = [0.04663704f32, 0.98344207, 0.98039705, 0.01546111];
        assert_eq!(
            ndarray_f32(&preds, &[4, 1]),
            "[[0.04663704]\n [0.98344207]\n [0.98039705]\n [0.01546111]]"
        );
    }
}
