//! Python's float formatting (`format(x, "g")` and `repr(x)`), so tables match the notebook's.

/// `format(x, "g")`: 6 significant digits, scientific below 1e-4 or from 1e6, no trailing zeros.
pub fn general(x: f64) -> String {
    const PRECISION: i32 = 6;
    if let Some(special) = special(x) {
        return special;
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, x);
    let (mantissa, exponent) = split_exponent(&scientific);
    if (-4..PRECISION).contains(&exponent) {
        let decimals = (PRECISION - 1 - exponent) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    } else {
        format!("{}e{}", trim_zeros(mantissa), exponent_text(exponent))
    }
}

/// `repr(x)`'s layout with the shortest text that reads back as the same float; where two
/// shortest texts are equally near (an exact tie), Python picks the even digit and this may not.
pub fn repr(x: f64) -> String {
    if let Some(special) = special(x) {
        return special;
    }
    let shortest = format!("{x:e}");
    let (mantissa, exponent) = split_exponent(&shortest);
    if (-4..16).contains(&exponent) {
        let fixed = format!("{x}");
        if fixed.contains('.') {
            fixed
        } else {
            fixed + ".0"
        }
    } else {
        format!("{mantissa}e{}", exponent_text(exponent))
    }
}

fn special(x: f64) -> Option<String> {
    if x.is_nan() {
        Some("nan".into())
    } else if x.is_infinite() {
        Some(if x > 0.0 { "inf".into() } else { "-inf".into() })
    } else {
        None
    }
}

fn split_exponent(scientific: &str) -> (&str, i32) {
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    (mantissa, exponent.parse().unwrap_or(0))
}

/// Python writes at least two exponent digits and always a sign: `1e-05`, `1e+20`.
fn exponent_text(exponent: i32) -> String {
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{sign}{:02}", exponent.unsigned_abs())
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_matches_python() {
        let cases = [
            (0.0001650755002629012, "0.000165076"),
            (21079.0, "21079"),
            (41937.49, "41937.5"),
            (1e-5, "1e-05"),
            (123456789.0, "1.23457e+08"),
            (999999.5, "1e+06"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0"),
        ];
        for (x, python) in cases {
            assert_eq!(general(x), python, "format({x}, 'g')");
        }
    }

    #[test]
    fn repr_matches_python_and_round_trips() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (1e16, "1e+16"),
            (123.456, "123.456"),
            (0.0001650755002629012, "0.0001650755002629012"),
        ];
        for (x, python) in cases {
            assert_eq!(repr(x), python);
            assert_eq!(repr(x).parse::<f64>().unwrap(), x);
        }
    }
}
