//! `mdl-table.md`: the notebook's table, `layer | activation | tolerance | MDL(tolerance)`.

use super::github_table::{render, Cell};
use super::Emitter;
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
            .map(|(group, best)| {
                vec![
                    Cell::Int(group.layer),
                    Cell::Text(group.activation.clone()),
                    Cell::Float(best.run.error),
                    Cell::Float(best.dl_bits),
                ]
            })
            .collect();
        render(&headers, &rows)
    }
}
