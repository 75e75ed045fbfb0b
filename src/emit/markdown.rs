//! `mdl-table.md`: the notebook's table, `layer | activation | tolerance | MDL(tolerance)`.

use super::github_table::{render, Cell};
use super::Emitter;
use crate::table::MdlTable;

pub struct Markdown;

impl Emitter for Markdown {
    fn file_name(&self) -> &'static str {
        "mdl-table.md"
    }

    fn render(&self, table: &MdlTable) -> String {
        let headers = ["layer", "activation", "tolerance", "MDL(tolerance)"];
        let rows: Vec<Vec<Cell>> = table
            .rows
            .iter()
            .map(|row| {
                vec![
                    Cell::Int(row.run.layer),
                    Cell::Text(row.run.activation.clone()),
                    Cell::Float(row.run.error),
                    Cell::Float(row.dl_bits),
                ]
            })
            .collect();
        render(&headers, &rows)
    }
}
