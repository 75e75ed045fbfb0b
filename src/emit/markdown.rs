//! `mdl-table.md`: the notebook's table, `layer | activation | tolerance | MDL(tolerance)`,
//! with a line under it when a row's run is not finished.

use super::github_table::{render, Cell};
use super::Emitter;
use crate::model::frontier::Priced;
use crate::model::select::GroupResult;
use crate::model::table::MdlTable;

pub struct Markdown;

impl Emitter for Markdown {
    fn file_name(&self) -> &'static str {
        "mdl-table.md"
    }

    fn render(&self, table: &MdlTable) -> String {
        let headers = ["layer", "activation", "tolerance", "MDL(tolerance)"];
        let rows: Vec<Vec<Cell>> = table
            .best_rows()
            .map(|(group, best)| seed_cells(group, best))
            .collect();
        render(&headers, &rows) + &unfinished_footnote(table)
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

/// The seed's four cells of a row: layer, activation, tolerance, MDL(tolerance).
pub fn seed_cells(group: &GroupResult, best: &Priced) -> Vec<Cell> {
    vec![
        Cell::Int(group.layer),
        Cell::Text(group.activation.clone()),
        Cell::Float(best.run.error),
        Cell::Float(best.dl_bits),
    ]
}
