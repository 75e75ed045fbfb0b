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

/// An integer cell such as a layer or a dictionary size; `6.0` counts as 6, empty or an NA
/// spelling as absent.
#[inline]
pub fn integer_field(bytes: &[u8], file: &str, line: u64, column: &str) -> anyhow::Result<Option<i64>> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let value = parse_float(bytes).filter(|v| v.is_nan() || (v.fract() == 0.0 && v.abs() < 9.0e15));
    match value {
        // Only an NA spelling reads as NaN: missing, as an empty cell.
        Some(value) if value.is_nan() => Ok(None),
        Some(value) => Ok(Some(value as i64)),
        None => {
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
            fail(
                Kind::Input,
                format!("{file}:{line}: {column} value {shown:?} is not a whole number"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_float;

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
