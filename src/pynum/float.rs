//! Python's `float(text)`: how tabulate reads a text cell that looks like a number.

/// `float(text)`, or `None` where Python raises `ValueError`: blanks around, decimal
/// digits of any script, single underscores between digits, `inf`, `infinity` and `nan`
/// in any case with a sign.
pub fn float(text: &str) -> Option<f64> {
    let chars = super::ascii_digits(text.trim())?;
    if !super::underscores_well_placed(&chars) {
        return None;
    }
    let ascii: String = chars.into_iter().filter(|&c| c != '_').collect();
    // Rust's grammar is Python's once digits are ASCII and underscores gone: a sign, then
    // `inf`, `infinity`, `nan` (any case) or a decimal with an optional exponent.
    ascii.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::float;

    #[test]
    fn pythons_float_rules() {
        assert_eq!(float(" 1_000.5 "), Some(1000.5));
        assert_eq!(float("\u{663}.\u{665}"), Some(3.5));
        assert_eq!(float("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(float("+nan").unwrap().is_nan());
        assert_eq!(float("1."), Some(1.0));
        for junk in ["", "1__0", "1_.5", "in_f", "0x10", "1,5", "\u{1c}1"] {
            assert_eq!(float(junk), None, "{junk:?}");
        }
    }
}
