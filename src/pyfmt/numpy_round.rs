//! NumPy's rounding, which differs from rounding the decimal digits: the notebooks print
//! `y_pred.round(3)` and `pred.round()`.

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
mod tests {
    use super::np_round;

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
