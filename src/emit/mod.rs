//! Emitters: each formats a finished `MdlTable` as one artifact; none computes anything.

pub mod csv_table;
pub mod frontier_csv;
pub mod github_table;
mod html_assets;
pub mod html_report;
mod html_tables;
pub mod identity;
pub mod json;
pub mod latex;
mod latex_cells;
pub mod latex_style;
pub mod markdown;
pub mod plot;
mod plot_axis;
mod plot_legend;
mod plot_style;
pub mod png;
pub mod pyfmt;
pub mod report;
pub mod runs_csv;
#[cfg(test)]
pub(crate) mod sample_table;
pub mod stdout;
pub mod tabulate_text;
pub mod tolerance_csv;

use crate::model::table::MdlTable;

/// One output format; formats render on threads of their own, so they are `Send + Sync`.
pub trait Emitter: Send + Sync {
    /// The artifact's file name inside the output folder.
    fn file_name(&self) -> &'static str;
    /// The artifact's full text.
    fn render(&self, table: &MdlTable) -> String;
    /// Whether `table` gets this artifact at all (`mdl-tolerance.csv` needs `--tolerance`).
    fn made_for(&self, _table: &MdlTable) -> bool {
        true
    }
}

/// What the artifacts show beyond the table's numbers, from the settings: how the LaTeX
/// table looks, and where the table came from (for the HTML report).
#[derive(Debug, Clone, Default)]
pub struct Presentation {
    pub latex: latex_style::LatexStyle,
    pub provenance: html_report::Provenance,
}

/// Every table artifact, in the order they are written.
pub fn table_emitters(presentation: &Presentation) -> Vec<Box<dyn Emitter>> {
    vec![
        Box::new(markdown::Markdown),
        Box::new(csv_table::CsvTable),
        Box::new(json::Json),
        Box::new(latex::Latex {
            style: presentation.latex.clone(),
        }),
        Box::new(frontier_csv::FrontierCsv),
        Box::new(report::Report),
        Box::new(html_report::HtmlReport {
            provenance: presentation.provenance.clone(),
        }),
        Box::new(plot::FrontierPlot),
        Box::new(tolerance_csv::ToleranceCsv),
    ]
}

/// The table artifacts `table` gets, and the names of those it does not: an earlier run's
/// copy of one of these would show other numbers than the artifacts beside it, so it goes.
pub fn emitters_for(
    table: &MdlTable,
    presentation: &Presentation,
) -> (Vec<Box<dyn Emitter>>, Vec<&'static str>) {
    let (made, left_out): (Vec<_>, Vec<_>) =
        (table_emitters(presentation).into_iter()).partition(|emitter| emitter.made_for(table));
    (made, left_out.iter().map(|emitter| emitter.file_name()).collect())
}
