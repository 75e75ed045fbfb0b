//! Python's float formatting (`format(x, "g")` and `repr(x)`), so tables match the notebook's.

/// `format(x, "g")`: 6 significant digits, scientific below 1e-4 or from 1e6, no trailing zeros.
pub fn general(x: f64) -> String {
    general_digits(x, 6)
}

/// `format(x, ".{digits}g")`: `digits` significant digits (0 counts as 1, as in Python),
/// scientific below 1e-4 or from 10^digits, no trailing zeros.
pub fn general_digits(x: f64, digits: u32) -> String {
    let precision = digits.clamp(1, 17) as i32;
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
    let scientific = format!("{:.*e}", (precision - 1) as usize, x);
    let (mantissa, exponent) = split_exponent(&scientific);
    if (-4..precision).contains(&exponent) {
        let decimals = (precision - 1 - exponent) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    } else {
        format!("{}e{}", trim_zeros(mantissa), exponent_text(exponent))
    }
}

/// `repr(x)`: the shortest text that reads back as the same float, the even digit on an
/// exact tie between two shortest texts (as Python's `repr`), in fixed notation for decimal
/// exponents -4 to 15, else as `1.5e-05`.
pub fn repr(x: f64) -> String {
    let mut text = Vec::with_capacity(24);
    push_repr(&mut text, x);
    String::from_utf8(text).expect("repr writes ASCII")
}

/// Appends `repr(x)` to `buf`, allocating nothing: the hot path of runs.csv.
pub fn push_repr(buf: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        buf.extend_from_slice(if x.is_nan() {
            b"nan"
        } else if x > 0.0 {
            b"inf"
        } else {
            b"-inf"
        });
        return;
    }
    // `ryu` finds the same shortest digits as Python (ties to even); only the layout differs.
    let mut shortest = ryu::Buffer::new();
    let text = shortest.format_finite(x).as_bytes();
    if ryu_layout_is_pythons(text) {
        buf.extend_from_slice(text);
        return;
    }
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut digits = [0u8; 40];
    let (sig, e10) = significant_digits(text, &mut digits);
    if negative {
        buf.push(b'-');
    }
    if sig == b"0" {
        buf.extend_from_slice(b"0.0");
    } else if (-4..16).contains(&e10) {
        push_fixed(buf, sig, e10);
    } else {
        push_scientific(buf, sig, e10);
    }
}

/// Whether `ryu`'s text is already Python's: both write fixed notation (`120.0`, `0.0015`)
/// for decimal exponents -4 to 15, except that `ryu` also does for -5 (`0.00001`, which
/// Python writes `1e-05`), and neither does past 15. Most metrics take this path and skip
/// the re-layout below.
#[inline]
fn ryu_layout_is_pythons(text: &[u8]) -> bool {
    let unsigned = text.strip_prefix(b"-").unwrap_or(text);
    !unsigned.contains(&b'e') && !unsigned.starts_with(b"0.0000")
}

/// The significant digits of an unsigned `ryu` text (`0.00123`, `1.5e-7`), copied into
/// `digits` without the point or the zeros around them (`0` for zero), and the decimal
/// exponent of the first one.
#[inline]
fn significant_digits<'d>(text: &[u8], digits: &'d mut [u8; 40]) -> (&'d [u8], i32) {
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&text[..at], parse_exponent(&text[at + 1..])),
        None => (text, 0),
    };
    let mut n = 0;
    let mut point = None;
    for &b in mantissa {
        if b == b'.' {
            point = Some(n);
        } else if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    let int_digits = point.unwrap_or(n) as i32;
    let mut lead = 0;
    while lead + 1 < n && digits[lead] == b'0' {
        lead += 1;
    }
    let mut end = n;
    while end > lead + 1 && digits[end - 1] == b'0' {
        end -= 1;
    }
    (&digits[lead..end], exp + int_digits - 1 - lead as i32)
}

/// `sig` with its point placed for a decimal exponent of -4 to 15: `0.00015`, `120.0`, `1.5`.
#[inline]
fn push_fixed(buf: &mut Vec<u8>, sig: &[u8], e10: i32) {
    if e10 < 0 {
        buf.extend_from_slice(b"0.");
        buf.resize(buf.len() + (-e10 - 1) as usize, b'0');
        buf.extend_from_slice(sig);
        return;
    }
    let whole = e10 as usize + 1;
    if sig.len() <= whole {
        buf.extend_from_slice(sig);
        buf.resize(buf.len() + (whole - sig.len()), b'0');
        buf.extend_from_slice(b".0");
    } else {
        buf.extend_from_slice(&sig[..whole]);
        buf.push(b'.');
        buf.extend_from_slice(&sig[whole..]);
    }
}

/// `sig` as Python writes other exponents: `1.5e-05`, `1e+16`.
#[inline]
fn push_scientific(buf: &mut Vec<u8>, sig: &[u8], e10: i32) {
    buf.push(sig[0]);
    if sig.len() > 1 {
        buf.push(b'.');
        buf.extend_from_slice(&sig[1..]);
    }
    buf.push(b'e');
    buf.push(if e10 < 0 { b'-' } else { b'+' });
    let magnitude = e10.unsigned_abs();
    if magnitude < 10 {
        buf.push(b'0');
    }
    buf.extend_from_slice(itoa::Buffer::new().format(magnitude).as_bytes());
}

fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let value = digits.iter().fold(0i32, |acc, &d| {
        acc.saturating_mul(10).saturating_add(i32::from(d - b'0'))
    });
    if negative {
        -value
    } else {
        value
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
    fn general_digits_matches_pythons_precision() {
        // Python: format(x, ".{digits}g").
        let cases = [
            (0.0001650755002629012, 3, "0.000165"),
            (21079.0, 3, "2.11e+04"),
            (41937.49, 4, "4.194e+04"),
            (41937.49, 2, "4.2e+04"),
            (123456.0, 6, "123456"),
            (1234567.0, 7, "1234567"),
            (0.000123456, 1, "0.0001"),
            (2.5, 0, "2"),
            (99.96, 3, "100"),
            (1e-5, 2, "1e-05"),
            (0.1 + 0.2, 17, "0.30000000000000004"),
        ];
        for (x, digits, python) in cases {
            assert_eq!(general_digits(x, digits), python, "format({x}, '.{digits}g')");
        }
    }

    /// Python's own texts for 4,600 floats (`scripts/pyfmt_fixtures.py`): float32 metrics
    /// (many of them exact ties), description lengths, random bit patterns, extremes.
    #[test]
    fn repr_and_general_match_python() {
        let table = include_str!("../../fixtures/pyfmt/floats.txt");
        let (mut ties, mut lines) = (0, 0);
        for line in table.lines() {
            let mut fields = line.split(' ');
            let (bits, python_repr, python_g) = (
                fields.next().unwrap(),
                fields.next().unwrap(),
                fields.next().unwrap(),
            );
            let x = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
            assert_eq!(repr(x), python_repr, "repr of {bits}");
            assert_eq!(general(x), python_g, "format(_, 'g') of {bits}");
            if x.is_finite() {
                assert_eq!(repr(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
                // Rust's own shortest text rounds a tie the other way.
                ties += usize::from(
                    format!("{x:e}").parse::<f64>().is_ok() && !same_digits(&format!("{x:e}"), python_repr),
                );
            }
            lines += 1;
        }
        assert!(lines > 4000, "{lines} fixture lines");
        assert!(
            ties > 20,
            "only {ties} exact ties: the fixture no longer exercises them"
        );
    }

    /// The texts on each side of the bounds where `ryu`'s fixed notation is taken as is.
    #[test]
    fn repr_at_the_layout_bounds() {
        let cases = [
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00009999, "9.999e-05"),
            (1e-5, "1e-05"),
            (-0.000015, "-1.5e-05"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (1e16, "1e+16"),
            (-2.5e16, "-2.5e+16"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (5.0, "5.0"),
        ];
        for (x, python) in cases {
            assert_eq!(repr(x), python, "repr({x:e})");
        }
    }

    /// Whether two float texts have the same significant digits.
    fn same_digits(a: &str, b: &str) -> bool {
        let digits = |s: &str| {
            let mantissa = s.split(['e', 'E']).next().unwrap_or("");
            let kept: String = mantissa.chars().filter(char::is_ascii_digit).collect();
            kept.trim_start_matches('0').trim_end_matches('0').to_string()
        };
        digits(a) == digits(b)
    }
}
