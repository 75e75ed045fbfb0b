//! How tabulate reads a text cell: the type it takes it for (`_type`), the terminal
//! escapes it does not count (`_strip_ansi`) and the digits after its point (`_afterpoint`).

use std::sync::LazyLock;

use regex::Regex;

use crate::pynum;

/// tabulate's column types, from least to most generic (`_more_generic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TabType {
    None,
    Bool,
    Int,
    Float,
    Str,
}

impl TabType {
    pub fn is_numeric(self) -> bool {
        matches!(self, TabType::Int | TabType::Float)
    }
}

/// Colour and other CSI codes, and OSC 8 hyperlinks (whose link text stays).
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]",
        r"|\x1b\]8;(?:\w+=\w+:?)*;[^\x1b]+\x1b\\([^\x1b]+)\x1b\]8;;\x1b\\",
    ))
    .expect("the escape pattern compiles")
});

/// `_strip_ansi`: the text without its terminal escapes, as tabulate measures it.
pub fn strip_ansi(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\u{1b}') {
        return text.into();
    }
    ANSI.replace_all(text, |caps: &regex::Captures| {
        caps.get(1)
            .map_or(String::new(), |link| link.as_str().to_string())
    })
}

/// True when the text holds an escape tabulate recognises.
pub fn has_ansi(text: &str) -> bool {
    text.contains('\u{1b}') && ANSI.is_match(text)
}

/// `_type` of a string cell (escapes stripped first, as tabulate does).
pub fn text_type(text: &str) -> TabType {
    let text = strip_ansi(text);
    let text = text.as_ref();
    if text.is_empty() {
        TabType::None
    } else if text == "True" || text == "False" {
        TabType::Bool
    } else if pynum::int(text).is_some() || (thousands(text) && !text.contains('.')) {
        TabType::Int
    } else if is_number(text) || thousands(text) {
        TabType::Float
    } else {
        TabType::Str
    }
}

/// `_isnumber`: `float()` reads it, and it is finite or literally `inf`, `-inf`, `nan`.
fn is_number(text: &str) -> bool {
    pynum::float(text).is_some_and(|value| {
        value.is_finite() || ["inf", "-inf", "nan"].contains(&text.to_lowercase().as_str())
    })
}

/// `_isnumber_with_thousands_separator`: `1,000`, `-1,000.25`, `.5`, `1.` (and the empty
/// text); Python's `$` also matches before a final line break.
fn thousands(text: &str) -> bool {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[+-]?[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]*)?|\.[0-9]+)?\n?$")
            .expect("the thousands pattern compiles")
    });
    PATTERN.is_match(text)
}

/// `_afterpoint`: characters after the point (or the `e` when there is none); -1 for an
/// integer or a text that is no number.
pub fn after_point(text: &str) -> isize {
    if !(is_number(text) || thousands(text)) || pynum::int(text).is_some() {
        return -1;
    }
    let lower = text.to_lowercase();
    match lower.rfind('.').or_else(|| lower.rfind('e')) {
        Some(at) => lower[at + 1..].chars().count() as isize,
        None => -1,
    }
}

/// How a number-typed column shows a text cell (`_format`): an int column as it is (one
/// line break at the end aside: tabulate then prints the cell's one line), a float column
/// as `format(float(text), "g")` when `float()` reads it without its commas.
pub fn numeric_text(text: &str, column: TabType) -> String {
    if column != TabType::Float || text.is_empty() {
        let line = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix(['\n', '\r']));
        return line.unwrap_or(text).to_string();
    }
    let plain = text.replace(',', "");
    match pynum::float(&plain) {
        Some(value) => super::pyfmt::general(value),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_as_tabulate_takes_them() {
        assert_eq!(text_type(""), TabType::None);
        assert_eq!(text_type("True"), TabType::Bool);
        assert_eq!(text_type(" 7 "), TabType::Int);
        assert_eq!(text_type("1,000"), TabType::Int);
        assert_eq!(text_type("1,000.5"), TabType::Float);
        assert_eq!(text_type("1e3"), TabType::Float);
        assert_eq!(text_type("nan"), TabType::Float);
        assert_eq!(text_type("+inf"), TabType::Str);
        assert_eq!(text_type("1e400"), TabType::Str);
        assert_eq!(text_type("\u{1b}[31m42\u{1b}[0m"), TabType::Int);
        assert_eq!(text_type("topk"), TabType::Str);
        assert_eq!(text_type("\u{663}\u{662}"), TabType::Int);
    }

    #[test]
    fn escapes_and_points() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m text"), "red text");
        let link = "\u{1b}]8;;https://example.com\u{1b}\\link\u{1b}]8;;\u{1b}\\";
        assert_eq!(strip_ansi(link), "link");
        assert_eq!(after_point("123.45"), 2);
        assert_eq!(after_point("1001"), -1);
        assert_eq!(after_point("eggs"), -1);
        assert_eq!(after_point("True"), -1);
        assert_eq!(after_point("123e45"), 2);
        assert_eq!(after_point("123,456.78"), 2);
    }
}
