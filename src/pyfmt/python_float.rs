//! Python's own printing of a float: `repr(x)` (what `print(x)` and f-strings without a spec
//! show) and the format specs `.{p}f` and `.{p}e`.

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
}
