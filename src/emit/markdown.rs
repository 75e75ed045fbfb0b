//! `mdl-table.md`: the notebook's table, `layer | activation | tolerance | MDL(tolerance)`,
//! with a line under it when a row's run is not finished.

use super::github_table::{refusal, render, unprintable, Cell};
use super::tabulate_text::TabType;
use super::Emitter;
use crate::error::{fail, Kind};
use crate::model::frontier::Priced;
use crate::model::select::GroupResult;
use crate::model::table::MdlTable;

pub struct Markdown;

impl Emitter for Markdown {
    fn file_name(&self) -> &'static str {
        "mdl-table.md"
    }

    fn render(&self, table: &MdlTable) -> String {
        render(&HEADERS, &seed_rows(table)) + &unfinished_footnote(table)
    }
}

/// A line under the table for rows whose run is not finished (nothing when every run is,
/// or the exports do not say): the table is then not final, and must not pass for it.
fn unfinished_footnote(table: &MdlTable) -> String {
    let unfinished: Vec<String> = (table.best_rows())
        .filter(|(_, best)| best.run.unfinished())
        .map(|(group, best)| {
            let (name, state) = (&best.run.name, &best.run.state);
            format!(
                "layer {} {} (run {name:?}, {state})",
                group.layer, group.activation
            )
        })
        .collect();
    match unfinished.is_empty() {
        true => String::new(),
        false => format!(
            "\nNot final: {} not finished; the numbers may still change.\n",
            unfinished.join("; ")
        ),
    }
}

const HEADERS: [&str; 4] = ["layer", "activation", "tolerance", "MDL(tolerance)"];

fn seed_rows(table: &MdlTable) -> Vec<Vec<Cell>> {
    table
        .best_rows()
        .map(|(group, best)| seed_cells(group, best))
        .collect()
}

/// Refuses a table whose activations tabulate would print so that the markdown breaks
/// (a `|`, a line break inside the name) or depends on installed packages (a control
/// character): exit 3, naming the file and line of the row's run.
pub fn check_printable(table: &MdlTable) -> anyhow::Result<()> {
    if let Some(found) = refusal(&HEADERS, &seed_rows(table)) {
        let (group, best) = table.best_rows().nth(found.row).expect("a row of the table");
        let place = best.run.origin.to_string();
        return refuse(&place, &group.activation, found.reason);
    }
    // Groups without a usable error have no row here, but one in mdl-report.md.
    for group in table.empty_groups() {
        if let Some(reason) = unprintable(&group.activation, TabType::Str) {
            return refuse(&format!("layer {}", group.layer), &group.activation, reason);
        }
    }
    Ok(())
}

fn refuse(place: &str, activation: &str, reason: &str) -> anyhow::Result<()> {
    fail(
        Kind::Input,
        format!(
            "{place}: activation {} {reason}; the markdown table cannot show it as the notebook's tabulate would, so rename the activation (or give it with --column activation=KEY)",
            crate::model::skips::shown(activation)
        ),
    )
}

/// The seed's four cells of a row: layer, activation, tolerance, MDL(tolerance).
pub fn seed_cells(group: &GroupResult, best: &Priced) -> Vec<Cell> {
    vec![
        Cell::Int(group.layer),
        Cell::Text(group.activation.clone()),
        Cell::Float(best.run.error),
        Cell::Float(best.dl_bits),
    ]
}
