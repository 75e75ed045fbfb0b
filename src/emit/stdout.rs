//! What a table run prints on stdout: the table in the format `--format` names.

use super::latex_style::LatexStyle;
use super::{csv_table, json, latex, markdown, report, tolerance_csv, Emitter};
use crate::model::table::MdlTable;

/// The table's text on stdout; each is the artifact of the same name, byte for byte (`md`
/// adds the `--tolerance` tables after the notebook's, `csv` a blank line and
/// `mdl-tolerance.csv`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// mdl-table.md, then one table per --tolerance.
    #[default]
    Md,
    /// mdl-table.csv, then (with --tolerance) a blank line and mdl-tolerance.csv.
    Csv,
    /// mdl-table.json.
    Json,
    /// mdl-table.tex (booktabs).
    Latex,
}

/// The text to print on stdout for `table` in `format` (`latex`: in that style); the `md`
/// tables' runs are linked to their pages only with `links` (the caller leaves them out on
/// a terminal or a pipe).
pub fn text(table: &MdlTable, format: Format, latex: &LatexStyle, links: bool) -> String {
    match format {
        Format::Md => markdown::Markdown.render(table) + &report::tolerance_sections(table, links),
        Format::Csv => csv_table::CsvTable.render(table) + &tolerance_rows(table),
        Format::Json => json::Json.render(table),
        Format::Latex => latex::Latex { style: latex.clone() }.render(table),
    }
}

/// After `mdl-table.csv` on stdout: a blank line and `mdl-tolerance.csv`, when the table
/// has ε rows.
fn tolerance_rows(table: &MdlTable) -> String {
    match tolerance_csv::ToleranceCsv.made_for(table) {
        true => format!("\n{}", tolerance_csv::ToleranceCsv.render(table)),
        false => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_prints_its_artifact() {
        let runs = [(6, "topk", 64, 40.0, 0.01), (7, "topafa", 0, 900.0, 0.003)];
        let table = crate::emit::sample_table::table(&runs, &[0.05], 768);
        let markdown = markdown::Markdown.render(&table);
        let md = text(&table, Format::Md, &LatexStyle::default(), true);
        assert!(md.starts_with(&markdown) && md.len() > markdown.len(), "{md}");
        assert!(md.contains("## MDL at tolerance ε = 0.05"), "{md}");
        let csv = csv_table::CsvTable.render(&table);
        let tolerance = tolerance_csv::ToleranceCsv.render(&table);
        assert_eq!(
            text(&table, Format::Csv, &LatexStyle::default(), true),
            format!("{csv}\n{tolerance}")
        );
        assert_eq!(
            text(&table, Format::Json, &LatexStyle::default(), true),
            json::Json.render(&table)
        );
        let style = LatexStyle {
            digits: 3,
            ..LatexStyle::default()
        };
        let tex = latex::Latex { style: style.clone() }.render(&table);
        assert_eq!(text(&table, Format::Latex, &style, true), tex);
        // Without --tolerance, md is the notebook's table alone.
        let plain = crate::emit::sample_table::table(&runs, &[], 768);
        assert_eq!(
            text(&plain, Format::Md, &LatexStyle::default(), true),
            markdown::Markdown.render(&plain)
        );
        assert_eq!(
            text(&plain, Format::Csv, &LatexStyle::default(), true),
            csv_table::CsvTable.render(&plain)
        );
    }
}
