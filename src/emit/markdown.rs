//! `mdl-table.md`: the notebook's table, `layer | activation | tolerance | MDL(tolerance)`.

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
        render(&headers, &rows)
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
