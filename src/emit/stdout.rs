//! What a run prints on stdout: the notebook's markdown table, then the tolerance tables.

use crate::emit::Emitter;
use crate::model::table::MdlTable;

/// The text stdout gets, for a run that writes artifacts and for `--out -` alike.
pub fn render(table: &MdlTable) -> String {
    super::markdown::Markdown.render(table) + &super::report::tolerance_sections(table)
}
