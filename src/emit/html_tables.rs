//! mdl-report.html's tables: the notebook's rows and one table per `--tolerance`, with the
//! columns of mdl-report.md, sortable (numbers carry their full value in `data-sort`), each
//! row's run linked to its W&B page; and the inputs read, with their digests.

use maud::{html, Markup};

use super::pyfmt::{general, repr};
use super::report::{all_above_dense, headers};
use crate::model::frontier::Priced;
use crate::model::table::{InputFile, MdlTable};

/// The notebook's table: each group's smallest-error run.
pub fn best(table: &MdlTable) -> Markup {
    let rows = table
        .best_rows()
        .map(|(group, best)| row(table, group.layer, &group.activation, best));
    sortable(table, "best", rows.collect())
}

/// The table of the `index`th `--tolerance`: each group's cheapest run within ε, or a row
/// that says there is none.
pub fn within(table: &MdlTable, index: usize) -> Markup {
    let columns = headers(table).len();
    let rows =
        (table.groups.iter()).map(
            |group| match group.at_tolerance.get(index).and_then(Option::as_ref) {
                Some(priced) => row(table, group.layer, &group.activation, priced),
                None => html! {
                    tr.none {
                        td.number data-sort=(group.layer) { (group.layer) }
                        td { (group.activation) }
                        td colspan=(columns - 2) { "no run ≤ ε" }
                    }
                },
            },
        );
    sortable(table, &format!("tolerance-{}", index + 1), rows.collect())
}

/// A table whose headers sort it.
fn sortable(table: &MdlTable, id: &str, rows: Vec<Markup>) -> Markup {
    html! {
        table.sortable id=(id) {
            thead { tr { @for header in headers(table) { th scope="col" { button type="button" { (header) } } } } }
            tbody { @for row in rows { (row) } }
        }
    }
}

/// One run's row: its group, then the columns of mdl-report.md.
fn row(table: &MdlTable, layer: i64, activation: &str, priced: &Priced) -> Markup {
    let run = &priced.run;
    let above = (!all_above_dense(table)).then(|| priced.dl_bits > table.dense_bits());
    html! {
        tr {
            td.number data-sort=(layer) { (layer) }
            td { (activation) }
            (number(run.error))
            (number(priced.dl_bits))
            @if run.k == 0 { td.number data-sort="" { "–" } } @else { td.number data-sort=(run.k) { (run.k) } }
            (number(run.l0))
            td.number data-sort=(priced.dict_size) { (priced.dict_size) }
            @if let Some(above) = above { td { (if above { "yes" } else { "no" }) } }
            td.run title=(run.id) {
                @match web_page(run.url()) {
                    Some(url) => a href=(url) { (shown(&run.name)) },
                    None => (shown(&run.name)),
                }
            }
            td { (run.state) }
        }
    }
}

/// A number as mdl-table.md prints it, sorted by its full value.
fn number(value: f64) -> Markup {
    html! { td.number data-sort=(repr(value)) { (general(value)) } }
}

/// A run's page, when it is a web address (the only kind a link is made to).
fn web_page(url: Option<String>) -> Option<String> {
    url.filter(|url| url.starts_with("https://") || url.starts_with("http://"))
}

/// A name as text a page can hold: control characters become U+FFFD (maud escapes the rest).
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// The inputs read, each with its digest as manifest.json gives it.
pub fn inputs(inputs: &[InputFile]) -> Markup {
    html! {
        table.sortable id="inputs" {
            thead { tr { @for header in ["file", "layer", "rows", "runs", "skipped", "filtered out", "blake3"] { th scope="col" { button type="button" { (header) } } } } }
            tbody {
                @for input in inputs {
                    tr {
                        td { code { (input.file) } }
                        @match input.layer {
                            Some(layer) => td.number data-sort=(layer) { (layer) },
                            None => td {},
                        }
                        td.number data-sort=(input.rows) { (input.rows) }
                        td.number data-sort=(input.runs) { (input.runs) }
                        td.number data-sort=(input.skipped) { (input.skipped) }
                        td.number data-sort=(input.filtered_out) { (input.filtered_out) }
                        td.digest { (input.blake3) }
                    }
                }
            }
        }
    }
}
