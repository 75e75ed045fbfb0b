//! The GitHub-markdown table layout Python's `tabulate(..., tablefmt="github")` prints.

use crate::emit::pyfmt;
use crate::emit::tabulate_text::{self, after_point, strip_ansi, TabType};
use crate::pynum;

/// A cell as tabulate sees it: its type decides format and alignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Cell {
    /// The type tabulate takes the cell for.
    fn tab_type(&self) -> TabType {
        match self {
            Cell::Int(_) => TabType::Int,
            Cell::Float(_) => TabType::Float,
            Cell::Text(text) => tabulate_text::text_type(text),
        }
    }
}

/// A text cell tabulate would print so that the table breaks, or differently with and
/// without its optional packages: `render` lays it out as tabulate would, but callers
/// refuse the table instead (see `refusal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub row: usize,
    pub column: usize,
    pub reason: &'static str,
}

/// The first cell, column by column, whose layout `Refusal` describes.
pub fn refusal(headers: &[&str], rows: &[Vec<Cell>]) -> Option<Refusal> {
    (0..headers.len()).find_map(|column| {
        let kind = column_type(rows.iter().map(|row| &row[column]));
        rows.iter()
            .enumerate()
            .find_map(|(row, cells)| match &cells[column] {
                Cell::Text(text) => unprintable(text, kind).map(|reason| Refusal { row, column, reason }),
                _ => None,
            })
    })
}

/// Why tabulate's text for a cell of a column of type `kind` cannot stand in a markdown table.
pub fn unprintable(text: &str, kind: TabType) -> Option<&'static str> {
    let shown = format_text(text, kind);
    if shown.contains('|') {
        Some("holds a '|', which tabulate prints bare, so the row splits into extra columns")
    } else if shown.contains(['\n', '\r']) {
        Some("holds a line break, which tabulate prints as an extra table row")
    } else if kind.is_numeric() && tabulate_text::has_ansi(text) {
        Some("is a number in terminal escapes, which tabulate reformats unreliably")
    } else if strip_ansi(&shown).chars().any(char::is_control) {
        Some("holds a control character, whose width tabulate takes from the optional wcwidth package, so the layout depends on what is installed")
    } else {
        None
    }
}

/// `_column_type`: the most generic type of the cells, from `bool` up.
fn column_type<'a>(cells: impl Iterator<Item = &'a Cell>) -> TabType {
    cells.map(Cell::tab_type).fold(TabType::Bool, TabType::max)
}

/// Minimum room tabulate leaves around a header.
const MIN_PADDING: usize = 2;

/// Renders headers and rows; numbers right-aligned on the decimal point, text left-aligned.
pub fn render(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let columns: Vec<Column> = (0..headers.len())
        .map(|c| Column::layout(headers[c], rows.iter().map(|row| &row[c])))
        .collect();
    let mut out = String::new();
    let header_cells: Vec<String> = columns.iter().map(Column::header).collect();
    push_line(&mut out, &header_cells);
    let rules: Vec<String> = columns.iter().map(|c| "-".repeat(c.width)).collect();
    push_rule(&mut out, &rules);
    for r in 0..rows.len() {
        let cells: Vec<String> = columns.iter().map(|c| c.cell(r)).collect();
        push_line(&mut out, &cells);
    }
    out
}

fn push_line(out: &mut String, cells: &[String]) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(cell);
        out.push_str(" |");
    }
    out.push('\n');
}

fn push_rule(out: &mut String, rules: &[String]) {
    out.push('|');
    for rule in rules {
        out.push('-');
        out.push_str(rule);
        out.push_str("-|");
    }
    out.push('\n');
}

/// A column laid out: its formatted cells, alignment and width.
struct Column {
    header: String,
    cells: Vec<String>,
    numeric: bool,
    width: usize,
}

impl Column {
    fn layout<'a>(header: &str, cells: impl Iterator<Item = &'a Cell>) -> Column {
        let cells: Vec<&Cell> = cells.collect();
        let kind = column_type(cells.iter().copied());
        let numeric = kind.is_numeric();
        let mut texts: Vec<String> = cells.iter().map(|cell| format_cell(cell, kind)).collect();
        if numeric {
            let decimals: Vec<isize> = texts.iter().map(|t| after_point(&strip_ansi(t))).collect();
            let most = decimals.iter().copied().max().unwrap_or(-1);
            for (text, own) in texts.iter_mut().zip(&decimals) {
                text.push_str(&" ".repeat((most - own) as usize));
            }
        }
        let header_width = width(header) + MIN_PADDING;
        let width = texts.iter().map(|t| width(t)).fold(header_width, usize::max);
        Column {
            header: header.to_string(),
            cells: texts,
            numeric,
            width,
        }
    }

    fn header(&self) -> String {
        self.pad(&self.header)
    }

    fn cell(&self, row: usize) -> String {
        self.pad(&self.cells[row])
    }

    fn pad(&self, text: &str) -> String {
        let room = " ".repeat(self.width.saturating_sub(width(text)));
        if self.numeric {
            room + text
        } else {
            text.to_string() + &room
        }
    }
}

fn format_cell(cell: &Cell, kind: TabType) -> String {
    match cell {
        Cell::Int(value) => value.to_string(),
        Cell::Float(value) => pyfmt::general(*value),
        Cell::Text(text) => format_text(text, kind),
    }
}

/// A text cell as tabulate shows it: in a number column as `_format` has it (blanks kept),
/// else without the blanks `str.strip()` takes.
fn format_text(text: &str, kind: TabType) -> String {
    if kind.is_numeric() {
        tabulate_text::numeric_text(text, kind)
    } else {
        pynum::strip(text).to_string()
    }
}

/// Columns a text takes: its characters, less tabulate's terminal escapes.
fn width(text: &str) -> usize {
    strip_ansi(text).chars().count()
}
