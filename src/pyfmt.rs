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
