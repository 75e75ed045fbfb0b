//! Python's reading of text: `int()` and `float()` as the notebook and tabulate call them,
//! and `str.strip()` as tabulate trims a text cell.
//!
//! `int()` and `float()` trim what Rust's `str::trim` trims (ASCII blanks and Unicode
//! white space) and read every Unicode decimal digit; `str.strip()` also trims the
//! information separators `\x1c` to `\x1f`, which Python counts as white space.

pub mod digits;
pub mod float;
pub mod int;

pub use float::float;
pub use int::{int, PyInt};

/// Python's `str.isspace()` for one character.
#[inline]
pub fn is_str_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
#[inline]
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_str_space)
}

/// Underscores as Python's number readers allow them: each one between two digits.
fn underscores_well_placed(chars: &[char]) -> bool {
    chars.iter().enumerate().all(|(at, &c)| {
        c != '_'
            || (at > 0
                && chars[at - 1].is_ascii_digit()
                && chars.get(at + 1).is_some_and(char::is_ascii_digit))
    })
}

/// The text with its Unicode decimal digits as ASCII digits; `None` when any other
/// character is not ASCII.
fn ascii_digits(text: &str) -> Option<Vec<char>> {
    text.chars()
        .map(|c| match digits::decimal_value(c) {
            Some(d) => Some(char::from(b'0' + d)),
            None => c.is_ascii().then_some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_takes_the_information_separators_too() {
        assert_eq!(strip("\u{1c} topk\u{1f}\u{a0}"), "topk");
        assert_eq!(strip("a\u{1c}b"), "a\u{1c}b");
        assert_eq!("\u{1c}7".trim(), "\u{1c}7", "int() keeps them, and fails");
    }

    #[test]
    fn underscores_only_between_digits() {
        let ok = |s: &str| underscores_well_placed(&s.chars().collect::<Vec<_>>());
        assert!(ok("1_000_000"));
        assert!(ok("1.0"));
        assert!(!ok("_1"));
        assert!(!ok("1_"));
        assert!(!ok("1__0"));
        assert!(!ok("1_.5"));
    }
}
