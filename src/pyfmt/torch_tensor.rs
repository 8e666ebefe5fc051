//! PyTorch's `str(tensor)` for floating tensors (torch/_tensor_str.py with default print
//! options: precision 4, line width 80), as `print(tensor)` and Jupyter show it.

use super::python_float::{fixed, sci};

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

#[cfg(test)]
mod tests {
    use super::tensor;

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
