//! `mdl-table.tex`'s number columns: every number to the same significant digits, set so
//! that a column's decimal points line up, either padded with `\phantom` in an `r` column
//! to the column's widest fraction and exponent, or as siunitx reads numbers in an `S`
//! column whose `table-format` fits them all.

use super::latex_style::Align;
use crate::emit::pyfmt::general_digits;

/// A column's cell where there is no number (no run within ε): an en dash.
pub const NO_NUMBER: &str = "--";

/// A finite number as printed with some significant digits, in its parts.
#[derive(Debug, Clone, PartialEq)]
struct Parts {
    negative: bool,
    integer: String,
    fraction: String,
    exponent: Option<i32>,
}

impl Parts {
    /// `x` to `digits` significant digits (Python's `%.{digits}g`), or `None` when it is
    /// not finite.
    fn of(x: f64, digits: u32) -> Option<Parts> {
        if !x.is_finite() {
            return None;
        }
        let printed = general_digits(x, digits);
        let (negative, unsigned) = match printed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, printed.as_str()),
        };
        let (mantissa, exponent) = match unsigned.split_once('e') {
            Some((mantissa, exponent)) => (mantissa, Some(exponent.parse().ok()?)),
            None => (unsigned, None),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        Some(Parts {
            negative,
            integer: integer.into(),
            fraction: fraction.into(),
            exponent,
        })
    }
}

/// What a column's numbers need room for: the longest integer part and fraction, and the
/// exponent's digits and sign when any number has one.
#[derive(Debug, Default)]
struct Room {
    negative: bool,
    integer: usize,
    fraction: usize,
    /// Digits of the longest exponent, 0 when no number has one.
    exponent: usize,
    negative_exponent: bool,
}

impl Room {
    fn of<'a>(numbers: impl Iterator<Item = &'a Parts>) -> Room {
        numbers.fold(Room::default(), |room, n| {
            let exponent = n.exponent.map_or(0, |e| e.unsigned_abs().to_string().len());
            Room {
                negative: room.negative || n.negative,
                integer: room.integer.max(n.integer.len()),
                fraction: room.fraction.max(n.fraction.len()),
                exponent: room.exponent.max(exponent),
                negative_exponent: room.negative_exponent || n.exponent.is_some_and(|e| e < 0),
            }
        })
    }
}

/// A number column set for `align`: its column type and its cells, one per value, `None`
/// being `--`.
pub fn column(values: &[Option<f64>], digits: u32, align: Align) -> (String, Vec<String>) {
    let parts: Vec<Option<Parts>> = (values.iter())
        .map(|value| value.and_then(|x| Parts::of(x, digits)))
        .collect();
    let room = Room::of(parts.iter().flatten());
    let cells = (values.iter().zip(&parts))
        .map(|(value, parts)| match (parts, align) {
            (Some(parts), Align::Plain) => padded(parts, &room),
            (Some(parts), Align::Siunitx) => siunitx_number(parts),
            (None, Align::Plain) => format!("\\multicolumn{{1}}{{c}}{{{}}}", not_a_number(*value)),
            (None, Align::Siunitx) => format!("{{{}}}", not_a_number(*value)),
        })
        .collect();
    let spec = match align {
        Align::Plain => "r".to_string(),
        Align::Siunitx => format!("S[table-format={}]", table_format(&room)),
    };
    (spec, cells)
}

/// The text of a cell without a finite number: `--`, `NaN` or an infinity.
fn not_a_number(value: Option<f64>) -> &'static str {
    match value {
        None => NO_NUMBER,
        Some(x) if x.is_nan() => "NaN",
        Some(x) if x > 0.0 => "$\\infty$",
        Some(_) => "$-\\infty$",
    }
}

/// A number for an `r` column: its integer part, then its fraction and exponent padded
/// with `\phantom` to the column's room, so that every cell ends the same width after its
/// decimal point and the points line up.
fn padded(parts: &Parts, room: &Room) -> String {
    let mut cell = String::new();
    if parts.negative {
        cell.push_str("$-$");
    }
    cell.push_str(&parts.integer);
    if !parts.fraction.is_empty() {
        cell.push('.');
        cell.push_str(&parts.fraction);
    }
    let mut missing = String::new();
    if parts.fraction.is_empty() && room.fraction > 0 {
        missing.push('.');
    }
    missing.push_str(&"0".repeat(room.fraction - parts.fraction.len()));
    if !missing.is_empty() {
        cell.push_str(&format!("\\phantom{{{missing}}}"));
    }
    if room.exponent > 0 {
        cell.push_str(&exponent(parts.exponent, room));
    }
    cell
}

/// `${}\times10^{-5}$` with the exponent padded to the column's longest, or the whole of
/// such an exponent as a `\phantom` for a number without one.
fn exponent(exponent: Option<i32>, room: &Room) -> String {
    let Some(e) = exponent else {
        let sign = if room.negative_exponent { "-" } else { "" };
        let zeros = "0".repeat(room.exponent);
        return format!("\\phantom{{${{}}\\times10^{{{sign}{zeros}}}$}}");
    };
    let digits = e.unsigned_abs().to_string();
    let mut power = String::new();
    if e < 0 {
        power.push('-');
    } else if room.negative_exponent {
        power.push_str("\\phantom{-}");
    }
    power.push_str(&digits);
    if digits.len() < room.exponent {
        let zeros = "0".repeat(room.exponent - digits.len());
        power.push_str(&format!("\\phantom{{{zeros}}}"));
    }
    format!("${{}}\\times10^{{{power}}}$")
}

/// A number as siunitx reads it: `-1.5e-5`.
fn siunitx_number(parts: &Parts) -> String {
    let mut cell = String::new();
    if parts.negative {
        cell.push('-');
    }
    cell.push_str(&parts.integer);
    if !parts.fraction.is_empty() {
        cell.push('.');
        cell.push_str(&parts.fraction);
    }
    if let Some(e) = parts.exponent {
        cell.push_str(&format!("e{e}"));
    }
    cell
}

/// An `S` column's `table-format` for its numbers: `5.1`, `-1.6e-1`.
fn table_format(room: &Room) -> String {
    let sign = if room.negative { "-" } else { "" };
    let mut format = format!("{sign}{}.{}", room.integer.max(1), room.fraction);
    if room.exponent > 0 {
        let sign = if room.negative_exponent { "-" } else { "" };
        format.push_str(&format!("e{sign}{}", room.exponent));
    }
    format
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_split_as_python_prints_them() {
        let parts = Parts::of(-1.5e-5, 6).unwrap();
        assert_eq!(
            parts,
            Parts {
                negative: true,
                integer: "1".into(),
                fraction: "5".into(),
                exponent: Some(-5)
            }
        );
        assert_eq!(Parts::of(21079.0, 3).unwrap().exponent, Some(4));
        assert_eq!(Parts::of(f64::NAN, 6), None);
    }

    #[test]
    fn plain_columns_pad_each_fraction_to_the_widest() {
        let (spec, cells) = column(&[Some(21079.0), Some(41937.49), Some(3905.556)], 6, Align::Plain);
        assert_eq!(spec, "r");
        assert_eq!(cells, ["21079\\phantom{.00}", "41937.5\\phantom{0}", "3905.56"]);
        let (_, cells) = column(&[Some(0.000980963), Some(0.0021)], 6, Align::Plain);
        assert_eq!(cells, ["0.000980963", "0.0021\\phantom{00000}"]);
    }

    #[test]
    fn plain_columns_with_an_exponent_pad_every_exponent_to_the_same_width() {
        let values = [Some(1.5e-5), Some(0.002), Some(-2e-12), None, Some(2e20)];
        let (_, cells) = column(&values, 6, Align::Plain);
        let none = "\\phantom{${}\\times10^{-00}$}";
        assert_eq!(
            cells,
            [
                "1.5\\phantom{00}${}\\times10^{-5\\phantom{0}}$".to_string(),
                format!("0.002{none}"),
                "$-$2\\phantom{.000}${}\\times10^{-12}$".to_string(),
                "\\multicolumn{1}{c}{--}".to_string(),
                "2\\phantom{.000}${}\\times10^{\\phantom{-}20}$".to_string(),
            ]
        );
    }

    #[test]
    fn siunitx_columns_give_a_table_format_that_fits_every_number() {
        let (spec, cells) = column(&[Some(21079.0), Some(41937.49), None], 6, Align::Siunitx);
        assert_eq!(spec, "S[table-format=5.1]");
        assert_eq!(cells, ["21079", "41937.5", "{--}"]);
        let values = [Some(1.5e-5), Some(-0.25), Some(f64::INFINITY), Some(f64::NAN)];
        let (spec, cells) = column(&values, 6, Align::Siunitx);
        assert_eq!(spec, "S[table-format=-1.2e-1]");
        assert_eq!(cells, ["1.5e-5", "-0.25", "{$\\infty$}", "{NaN}"]);
    }

    #[test]
    fn digits_round_every_number_alike() {
        let (_, cells) = column(&[Some(0.000165076), Some(41937.49)], 3, Align::Siunitx);
        assert_eq!(cells, ["0.000165", "4.19e4"]);
    }
}
