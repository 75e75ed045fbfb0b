//! Export cells read as pandas reads them: names as text, metrics as floats (empty and
//! pandas' NA spellings are missing, `Infinity` as such), layers and dictionary sizes as
//! integers; a cell that is none of these is a one-line error naming file, line and column.

use crate::error::{fail, Kind};

#[inline]
pub fn text<'r>(text: Option<&'r str>, file: &str, line: u64, column: &str) -> anyhow::Result<&'r str> {
    match text {
        Some(text) => Ok(text),
        None => fail(
            Kind::Input,
            format!("{file}:{line}: column {column:?} is not valid UTF-8; re-export the file as UTF-8"),
        ),
    }
}

/// A metric cell: empty and the NA spellings mean missing (NaN); `Infinity`, `-inf` are read as such.
#[inline]
pub fn number(bytes: &[u8], file: &str, line: u64, column: &str) -> anyhow::Result<f64> {
    if bytes.is_empty() {
        return Ok(f64::NAN);
    }
    match parse_float(bytes) {
        Some(value) => Ok(value),
        None => {
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
            fail(
                Kind::Input,
                format!("{file}:{line}: {column} value {shown:?} is not a number; check that columns.{} names the right column", column_key(column)),
            )
        }
    }
}

fn column_key(column: &str) -> &str {
    match column {
        "l0_norm" => "l0",
        "l2_loss" => "error",
        _ => column,
    }
}

/// The cells `pandas.read_csv` reads as NaN by default (its `na_values`), besides the empty
/// one; only the exact text counts (` NA` is not one).
pub const NA_SPELLINGS: [&str; 18] = [
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
    "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// True for a cell pandas reads as missing: one of `NA_SPELLINGS`.
#[cold]
pub fn is_na(bytes: &[u8]) -> bool {
    NA_SPELLINGS.iter().any(|na| na.as_bytes() == bytes)
}

/// Parses a float the way pandas reads an export cell: ASCII blanks around a decimal
/// allowed, `inf` and `infinity` in any case with a sign (but no blanks), the
/// `NA_SPELLINGS` as NaN and no other NaN.
#[inline]
pub fn parse_float(bytes: &[u8]) -> Option<f64> {
    // The usual cell is a plain decimal: parse its bytes as they are, with no UTF-8 check,
    // trim or `str` parser in between (the same correctly rounded value). `fast_float2`
    // takes only a whole decimal; a cell it refuses (blanks, `NaN`, `Infinity`, junk)
    // takes the general path below.
    if bytes.first().is_some_and(u8::is_ascii_digit) {
        if let Ok(value) = fast_float2::parse::<f64, _>(bytes) {
            return Some(value);
        }
    }
    parse_float_slow(bytes)
}

/// `parse_float` for cells that are not a plain decimal.
#[cold]
fn parse_float_slow(bytes: &[u8]) -> Option<f64> {
    if is_na(bytes) {
        return Some(f64::NAN);
    }
    // pandas' C parser skips C's `isspace` blanks, not Unicode ones (nor `\x1c`).
    let text = std::str::from_utf8(bytes).ok()?;
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let word = !trimmed.bytes().any(|b| b.is_ascii_digit());
    if word && trimmed.len() != text.len() {
        return None;
    }
    trimmed.parse::<f64>().ok().filter(|value| !value.is_nan())
}

/// A whole-number cell, as the notebook's pandas and `int()` would take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// Empty, or an NA spelling.
    Missing,
    /// Its value: plain digits exactly, a number pandas reads as a whole float (`64.0`,
    /// `1e3`), or text Python's `int()` reads (`1_000`, `٦٤`, `６４`).
    Value(i128),
    /// A whole number past what 64 bits hold.
    TooBig,
    /// Not a whole number (`64.5`, `inf`, `abc`).
    NotWhole,
}

/// Reads a whole-number cell; see `Whole`.
#[inline]
pub fn whole(bytes: &[u8]) -> Whole {
    if bytes.is_empty() {
        return Whole::Missing;
    }
    let unsigned = bytes
        .strip_prefix(b"-")
        .or(bytes.strip_prefix(b"+"))
        .unwrap_or(bytes);
    if (1..=20).contains(&unsigned.len()) && unsigned.iter().all(u8::is_ascii_digit) {
        let text = std::str::from_utf8(bytes).expect("ASCII digits");
        return within_64_bits(text.parse::<i128>().expect("at most 20 digits"));
    }
    match parse_float(bytes) {
        Some(value) if value.is_nan() => Whole::Missing,
        Some(value) if value.is_finite() && value.fract() == 0.0 => match value.abs() < 2f64.powi(64) {
            true => Whole::Value(value as i128),
            false => Whole::TooBig,
        },
        Some(_) => Whole::NotWhole,
        None => match std::str::from_utf8(bytes).ok().and_then(crate::pynum::int) {
            Some(crate::pynum::PyInt::Small(value)) => Whole::Value(value.into()),
            Some(crate::pynum::PyInt::Big) => Whole::TooBig,
            None => Whole::NotWhole,
        },
    }
}

fn within_64_bits(value: i128) -> Whole {
    match i128::from(i64::MIN) <= value && value <= i128::from(u64::MAX) {
        true => Whole::Value(value),
        false => Whole::TooBig,
    }
}

/// An integer cell such as a layer or a k: see `Whole` for what reads as one; empty or an
/// NA spelling is absent.
#[inline]
pub fn integer_field(bytes: &[u8], file: &str, line: u64, column: &str) -> anyhow::Result<Option<i64>> {
    let why = match whole(bytes) {
        Whole::Missing => return Ok(None),
        Whole::Value(value) => match i64::try_from(value) {
            Ok(value) => return Ok(Some(value)),
            Err(_) => "is past the 64-bit range",
        },
        Whole::TooBig => "is past the 64-bit range",
        Whole::NotWhole => "is not a whole number",
    };
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    fail(
        Kind::Input,
        format!("{file}:{line}: {column} value {shown:?} {why}"),
    )
}

/// A dictionary-size cell: `Ok(None)` when missing (the name or the profile then says D),
/// else a whole number of at least 1, or why the cell is no dictionary size (a run with
/// one is skipped, never priced with another D).
#[inline]
pub fn dict_size_field(bytes: &[u8], column: &str) -> Result<Option<u64>, String> {
    match whole(bytes) {
        Whole::Missing => Ok(None),
        Whole::Value(value) if crate::model::mdl::is_dict_size(value) => Ok(Some(value as u64)),
        _ => {
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
            Err(format!(
                "{column} {shown:?} is no dictionary size (a whole number of at least 1, at most 2^64 - 1)"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{dict_size_field, parse_float, whole, Whole};

    #[test]
    fn whole_numbers_read_as_pandas_then_int_would() {
        for (text, value) in [
            ("64", 64),
            ("-3", -3),
            ("64.0", 64),
            ("1e3", 1000),
            ("1_000", 1000),
            ("\u{666}\u{664}", 64),
            ("\u{FF16}\u{FF14}", 64),
            (" 12 ", 12),
            ("9007199254740993", 9_007_199_254_740_993),
            ("18446744073709551615", u64::MAX as i128),
        ] {
            assert_eq!(whole(text.as_bytes()), Whole::Value(value), "{text:?}");
        }
        for text in ["", "NA", "nan", "null"] {
            assert_eq!(whole(text.as_bytes()), Whole::Missing, "{text:?}");
        }
        for text in ["18446744073709551616", "1e30", "99999999999999999999999"] {
            assert_eq!(whole(text.as_bytes()), Whole::TooBig, "{text:?}");
        }
        for text in ["64.5", "inf", "abc", "1__0", "0x10"] {
            assert_eq!(whole(text.as_bytes()), Whole::NotWhole, "{text:?}");
        }
    }

    #[test]
    fn a_dictionary_size_is_at_least_one_or_says_why_not() {
        assert_eq!(dict_size_field(b"24576", "d_sae"), Ok(Some(24576)));
        assert_eq!(dict_size_field(b"", "d_sae"), Ok(None));
        assert_eq!(
            dict_size_field(b"9007199254740993", "d_sae"),
            Ok(Some(9_007_199_254_740_993))
        );
        for bad in ["-4096", "-1", "0", "-0", "0.5", "1e30", "abc"] {
            let why = dict_size_field(bad.as_bytes(), "d_sae").unwrap_err();
            assert!(
                why.contains("d_sae") && why.contains("no dictionary size"),
                "{bad}: {why}"
            );
        }
    }

    /// The standard library's reading, which the fast path must agree with to the bit.
    fn std_float(bytes: &[u8]) -> Option<u64> {
        std::str::from_utf8(bytes)
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .map(f64::to_bits)
    }

    #[test]
    fn plain_decimals_read_as_the_standard_library_reads_them() {
        // Every string of up to 6 of these bytes that starts with a digit, valid or not.
        let alphabet = b"09.eE-+ _xnI";
        let mut strings: Vec<Vec<u8>> = vec![b"0".to_vec(), b"1".to_vec(), b"9".to_vec()];
        let mut start = 0;
        for _ in 0..5 {
            let end = strings.len();
            for i in start..end {
                for &b in alphabet {
                    let mut longer = strings[i].clone();
                    longer.push(b);
                    strings.push(longer);
                }
            }
            start = end;
        }
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..100_000 {
            let x = f64::from(f32::from_bits(rng.u32(..0x7f00_0000)));
            strings.push(format!("{x}").into_bytes());
            strings.push(format!("{x:e}").into_bytes());
            strings.push(format!("{:.25}", rng.f64() * 1e3).into_bytes());
        }
        for bytes in &strings {
            let ours = parse_float(bytes).map(f64::to_bits);
            assert_eq!(ours, std_float(bytes), "{:?}", String::from_utf8_lossy(bytes));
        }
    }
}
