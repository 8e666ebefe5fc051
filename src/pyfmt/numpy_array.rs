//! NumPy's `str(ndarray)` (numpy/_core/arrayprint.py's `_formatArray` with default print
//! options: line width 75, separator ' '), for the arrays the notebooks print: float32 and
//! float64 through `numpy_float`'s `FloatingFormat`, and integers. Arrays of more than 1000
//! elements, which NumPy summarises with `...`, are not supported.

use super::numpy_float::{FloatingFormat, NumpyFloat};

const LINE_WIDTH: usize = 75;

/// `str(a)` of a float64 NumPy array of `shape` holding `values` row-major
/// (`print(y_pred.round(3))`, `print("Final XOR preds:", preds)`).
pub fn ndarray(values: &[f64], shape: &[usize]) -> String {
    float_array(values, shape)
}

/// `str(a)` of a float32 NumPy array of `shape` holding `values` row-major (TensorFlow's
/// `.numpy()` of float32 tensors, as a notebook prints `preds.numpy()` and float32 rows).
pub fn ndarray_f32(values: &[f32], shape: &[usize]) -> String {
    float_array(values, shape)
}

fn float_array<T: NumpyFloat>(values: &[T], shape: &[usize]) -> String {
    assert!(
        values.len() <= 1000,
        "NumPy summarises arrays of more than 1000 elements"
    );
    assert_eq!(
        values.len(),
        shape.iter().product::<usize>(),
        "shape and values disagree"
    );
    let format = FloatingFormat::new(values);
    let words: Vec<String> = values.iter().map(|v| format.format(*v)).collect();
    format_array(&words, shape)
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
    format_array(&words, shape)
}

/// `_formatArray`: nested brackets, elements separated by spaces and wrapped at 75 columns,
/// sub-arrays on new lines aligned under their opening bracket (blank lines between blocks of
/// three or more dimensions).
fn format_array(words: &[String], shape: &[usize]) -> String {
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
    recurse(words, shape, " ", LINE_WIDTH)
}

#[cfg(test)]
mod tests {
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
    fn float32_arrays_as_notebook_002_prints_them() {
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
