//! NumPy's `FloatingFormat` (numpy/_core/arrayprint.py with default print options:
//! precision 8, `floatmode='maxprec'`, no `suppress`): one notation and one padding for every
//! element of an array, fitted to the array. Float32 and float64 arrays share it; `NumpyFloat`
//! is what differs between them.

/// Fractional digits NumPy prints at most (`precision=8`).
const PRECISION: usize = 8;

/// What a float dtype brings to NumPy's printing: its own shortest round-trip digits (`{:e}`
/// prints them, `-1.2345e-3`), and its own comparisons when NumPy picks exponent notation.
/// The rest is done on the exact value.
pub(super) trait NumpyFloat: Copy + std::fmt::LowerExp {
    /// The value itself: every float32 is exactly a float64.
    fn exact(self) -> f64;

    /// Whether an array whose non-zero finite magnitudes span `min_abs..=max_abs` prints in
    /// exponent notation. NumPy compares in the array's dtype (a Python float meets a
    /// float32 scalar as a float32), so the thresholds are rounded to it.
    fn exponent_notation(max_abs: f64, min_abs: f64) -> bool;
}

impl NumpyFloat for f64 {
    fn exact(self) -> f64 {
        self
    }

    fn exponent_notation(max_abs: f64, min_abs: f64) -> bool {
        max_abs >= 1e8 || min_abs < 0.0001 || max_abs / min_abs > 1000.0
    }
}

impl NumpyFloat for f32 {
    fn exact(self) -> f64 {
        self as f64
    }

    fn exponent_notation(max_abs: f64, min_abs: f64) -> bool {
        // Both were float32s, so narrowing them back is exact.
        let (max_abs, min_abs) = (max_abs as f32, min_abs as f32);
        max_abs >= 1e8 || min_abs < 0.0001 || max_abs / min_abs > 1000.0
    }
}

/// One finite element's digits as NumPy's Dragon4 prints them in unique mode: as many
/// fractional digits as the shortest round-trip digits need, at most `PRECISION`, but the
/// digits themselves rounded (ties to even) from the exact value, which is not always the
/// shortest digits: the float32 1125233.25 prints as `1125233.2` where its shortest digits
/// are `1125233.3`, and -46391952 as `-46391952.` where they are `-46391950`.
struct Digits {
    /// The integer part with its sign: `-0`, `12`.
    int: String,
    /// Without trailing zeros.
    frac: String,
    /// The decimal exponent in exponent notation; 0 in positional notation.
    exp: i32,
}

impl Digits {
    fn of<T: NumpyFloat>(x: T, exponent_notation: bool) -> Digits {
        let shortest = format!("{x:e}");
        let (mantissa, exp) = shortest.split_once('e').expect("{:e} has an exponent");
        let exp: i32 = exp.parse().expect("integer exponent");
        let significant = mantissa.trim_start_matches('-').replace('.', "").len() as i32;
        if exponent_notation {
            let frac_len = (significant - 1) as usize;
            Digits::scientific(x.exact(), frac_len.min(PRECISION), true)
        } else {
            let frac_len = (significant - 1 - exp).max(0) as usize;
            Digits::positional(x.exact(), frac_len.min(PRECISION))
        }
    }

    /// `x` rounded to `frac_len` fractional digits of its mantissa.
    fn scientific(x: f64, frac_len: usize, trim: bool) -> Digits {
        let rounded = format!("{x:.frac_len$e}");
        let (mantissa, exp) = rounded.split_once('e').expect("{:e} has an exponent");
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        Digits {
            int: int.to_string(),
            frac: if trim {
                frac.trim_end_matches('0')
            } else {
                frac
            }
            .to_string(),
            exp: exp.parse().expect("integer exponent"),
        }
    }

    /// `x` rounded to `frac_len` fractional digits.
    fn positional(x: f64, frac_len: usize) -> Digits {
        let rounded = format!("{x:.frac_len$}");
        let (int, frac) = rounded.split_once('.').unwrap_or((&rounded, ""));
        Digits {
            int: int.to_string(),
            frac: frac.trim_end_matches('0').to_string(),
            exp: 0,
        }
    }
}

/// `FloatingFormat` fitted to one array.
pub(super) struct FloatingFormat {
    exponent_notation: bool,
    pad_left: usize,
    pad_right: usize,
    /// In exponent notation: the fractional mantissa digits every element gets, and the
    /// exponent's digits.
    exp_precision: usize,
    exp_size: usize,
}

impl FloatingFormat {
    pub(super) fn new<T: NumpyFloat>(values: &[T]) -> FloatingFormat {
        let exact: Vec<f64> = values.iter().map(|v| v.exact()).collect();
        let finite: Vec<T> = values
            .iter()
            .copied()
            .filter(|v| v.exact().is_finite())
            .collect();
        let abs_non_zero: Vec<f64> = exact
            .iter()
            .filter(|v| v.is_finite() && **v != 0.0)
            .map(|v| v.abs())
            .collect();
        let exponent_notation = !abs_non_zero.is_empty() && {
            let max = abs_non_zero.iter().copied().fold(0.0, f64::max);
            let min = abs_non_zero.iter().copied().fold(f64::INFINITY, f64::min);
            T::exponent_notation(max, min)
        };
        let parts: Vec<Digits> = finite
            .iter()
            .map(|v| Digits::of(*v, exponent_notation))
            .collect();
        let mut pad_left = parts.iter().map(|d| d.int.len()).max().unwrap_or(0);
        let longest_frac = parts.iter().map(|d| d.frac.len()).max().unwrap_or(0);
        let (pad_right, exp_precision, exp_size) = if exponent_notation {
            let exp_size = parts
                .iter()
                .map(|d| d.exp.unsigned_abs().to_string().len().max(2))
                .max()
                .unwrap_or(2);
            (exp_size + 2 + longest_frac, longest_frac, exp_size)
        } else {
            (longest_frac, 0, 0)
        };
        if finite.len() != values.len() {
            // Room for `nan`, `inf` and `-inf`, which span the point.
            let neginf = exact.contains(&f64::NEG_INFINITY);
            let offset = pad_right + 1;
            pad_left = pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + neginf as usize).saturating_sub(offset));
        }
        FloatingFormat {
            exponent_notation,
            pad_left,
            pad_right,
            exp_precision,
            exp_size,
        }
    }

    pub(super) fn format<T: NumpyFloat>(&self, x: T) -> String {
        let exact = x.exact();
        if !exact.is_finite() {
            let s = if exact.is_nan() {
                "nan"
            } else if exact > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            return format!("{s:>width$}", width = self.pad_left + self.pad_right + 1);
        }
        if self.exponent_notation {
            // Every mantissa gets the same digits, rounded from the exact value (NumPy's
            // `min_digits`): the float32 1e-5 prints as `9.9999997e-06` beside a number that
            // needs seven digits, not as `1.0000000e-05`.
            let Digits { int, frac, exp } = Digits::scientific(exact, self.exp_precision, false);
            let sign = if exp < 0 { '-' } else { '+' };
            format!(
                "{int:>pl$}.{frac}e{sign}{e:0>es$}",
                pl = self.pad_left,
                e = exp.unsigned_abs(),
                es = self.exp_size
            )
        } else {
            let Digits { int, frac, .. } = Digits::of(x, false);
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}
