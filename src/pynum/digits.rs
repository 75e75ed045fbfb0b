//! Unicode decimal digits, which Python's `int()` and `float()` read as ASCII digits.
//!
//! Every character of general category Nd belongs to a run of ten, `0` to `9`, in code
//! point order; the table holds each run's `0`, as Python 3.11's `unicodedata` (Unicode
//! 14.0.0) lists them: `[c for c in range(0x110000) if unicodedata.decimal(chr(c), None) == 0]`.

/// The first code point (the digit zero) of every run of decimal digits.
const ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50,
    0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
    0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
    0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6,
    0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The digit a character stands for, as `unicodedata.decimal` gives it.
#[inline]
pub fn decimal_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let code = c as u32;
    let at = ZEROS.partition_point(|&zero| zero <= code).checked_sub(1)?;
    let offset = code - ZEROS[at];
    (offset < 10).then_some(offset as u8)
}

#[cfg(test)]
mod tests {
    use super::decimal_value;

    #[test]
    fn runs_of_ten_from_each_zero() {
        assert_eq!(decimal_value('7'), Some(7));
        assert_eq!(decimal_value('\u{663}'), Some(3));
        assert_eq!(decimal_value('\u{FF11}'), Some(1));
        assert_eq!(decimal_value('\u{1D7FF}'), Some(9));
        assert_eq!(decimal_value('\u{1D7CE}'), Some(0));
        assert_eq!(decimal_value('\u{65F}'), None);
        assert_eq!(decimal_value('\u{66A}'), None);
        assert_eq!(decimal_value('a'), None);
        assert_eq!(decimal_value('\u{B2}'), None, "superscript two is not Nd");
    }
}
