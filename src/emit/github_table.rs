//! The GitHub-markdown table layout Python's `tabulate(..., tablefmt="github")` prints.

use crate::emit::pyfmt;

/// A cell as tabulate sees it: its type decides format and alignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Text(String),
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
        let numeric = !cells.is_empty() && cells.iter().all(|c| !matches!(c, Cell::Text(_)));
        let mut texts: Vec<String> = cells.iter().map(|cell| format_cell(cell)).collect();
        if numeric {
            let decimals: Vec<isize> = texts.iter().map(|t| after_point(t)).collect();
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

fn format_cell(cell: &Cell) -> String {
    match cell {
        Cell::Int(value) => value.to_string(),
        Cell::Float(value) => pyfmt::general(*value),
        Cell::Text(text) => text.trim().replace('|', "\\|"),
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Digits after the decimal point (or after the `e` when there is none), -1 for integers:
/// tabulate's `_afterpoint`, quirks included.
fn after_point(text: &str) -> isize {
    let text = text.trim_end();
    if text.parse::<i64>().is_ok() {
        return -1;
    }
    let lower = text.to_ascii_lowercase();
    let point = lower.rfind('.').or_else(|| lower.rfind('e'));
    match point {
        Some(pos) => (text.len() - pos - 1) as isize,
        None => -1,
    }
}
