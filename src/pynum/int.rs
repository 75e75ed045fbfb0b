//! Python's `int(text)`: the notebook's reading of k.

/// What `int(text)` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyInt {
    /// A value that fits an `i64`.
    Small(i64),
    /// A whole number Python reads that is past the `i64` range.
    Big,
}

/// Python refuses to read integers of more digits than this (`sys.int_info.default_max_str_digits`).
const MAX_DIGITS: usize = 4300;

/// `int(text)`, or `None` where Python raises `ValueError`: blanks around, one sign, decimal
/// digits of any script, single underscores between digits.
pub fn int(text: &str) -> Option<PyInt> {
    // The usual k: a few plain digits (18 at most cannot overflow).
    if (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        let value = text.bytes().fold(0, |n, b| n * 10 + i64::from(b - b'0'));
        return Some(PyInt::Small(value));
    }
    let text = text.trim();
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let chars = super::ascii_digits(body)?;
    let all_digits = chars.iter().all(|&c| c.is_ascii_digit() || c == '_');
    if chars.is_empty() || !all_digits || !super::underscores_well_placed(&chars) {
        return None;
    }
    let digits: Vec<u8> = chars
        .iter()
        .filter(|c| c.is_ascii_digit())
        .map(|&c| c as u8 - b'0')
        .collect();
    if digits.len() > MAX_DIGITS {
        return None;
    }
    Some(value_of(negative, &digits))
}

/// The digits' value with its sign, `Big` past the `i64` range.
fn value_of(negative: bool, digits: &[u8]) -> PyInt {
    let mut value: i64 = 0;
    for &d in digits {
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(i64::from(d))
            } else {
                v.checked_add(i64::from(d))
            }
        });
        match next {
            Some(next) => value = next,
            None => return PyInt::Big,
        }
    }
    PyInt::Small(value)
}

#[cfg(test)]
mod tests {
    use super::{int, PyInt};

    #[test]
    fn pythons_int_rules() {
        assert_eq!(int(" +12 "), Some(PyInt::Small(12)));
        assert_eq!(int("1_024"), Some(PyInt::Small(1024)));
        assert_eq!(int("\u{663}\u{662}"), Some(PyInt::Small(32)));
        assert_eq!(int("\u{FF11}\u{FF12}"), Some(PyInt::Small(12)));
        assert_eq!(int("-9223372036854775808"), Some(PyInt::Small(i64::MIN)));
        assert_eq!(int("9223372036854775808"), Some(PyInt::Big));
        assert_eq!(int(&"1".repeat(4300)), Some(PyInt::Big));
        assert_eq!(int(&"0".repeat(4301)), None);
        for junk in [
            "", "+", "1__024", "_1", "1_", "1.0", "- 1", "\u{1c}7", "x", "\u{B2}",
        ] {
            assert_eq!(int(junk), None, "{junk:?}");
        }
    }
}
