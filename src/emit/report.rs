//! `mdl-report.md`: the tables beyond the notebook's, each with the code and the dense baseline.

use std::fmt::Write;

use super::github_table::{render, Cell};
use super::Emitter;
use crate::emit::pyfmt::general;
use crate::model::frontier::Priced;
use crate::model::mdl::Code;
use crate::model::table::MdlTable;

pub struct Report;

impl Emitter for Report {
    fn file_name(&self) -> &'static str {
        "mdl-report.md"
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut out = String::new();
        let pricing = &table.pricing;
        let formula = match pricing.code {
            Code::Naive => "`L0 * (B + log2 D)`",
            Code::Binomial => "`L0 * B + log2 C(D, L0)`",
        };
        let dict = if pricing.fixed_dict_size {
            format!("D = {} for every run", pricing.dict_size)
        } else {
            format!(
                "D = each run's dictionary size ({} when a run gives none)",
                pricing.dict_size
            )
        };
        let _ = writeln!(out, "# Description lengths\n");
        let _ = writeln!(
            out,
            "Code: **{}**, {formula} bits per activation vector; B = {} bits; {dict}.\n",
            pricing.code,
            general(pricing.bits)
        );
        let _ = writeln!(
            out,
            "Dense baseline: d_model × B = {} × {} = {} bits, the cost of sending the raw activations; \
a row marked `yes` under `> dense` costs more than that.\n",
            table.d_model,
            general(pricing.bits),
            general(table.dense_bits())
        );
        let _ = writeln!(
            out,
            "## Smallest error per layer and activation (the notebook's rule)\n"
        );
        out.push_str(&best_table(table));
        out.push_str(&tolerance_sections(table));
        if !table.notes.is_empty() {
            let _ = writeln!(out, "\n## Data notes\n");
            for note in &table.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out.push_str("\n![DL against error per layer](frontier.svg)\n");
        out
    }
}

/// One section per `--tolerance`: its heading and its table (also printed on stdout).
pub fn tolerance_sections(table: &MdlTable) -> String {
    let mut out = String::new();
    for (index, eps) in table.tolerances.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n## MDL at tolerance ε = {}: the cheapest run with error ≤ ε\n",
            general(*eps)
        );
        out.push_str(&tolerance_table(table, index));
    }
    out
}

/// The most characters of a run's name the report shows.
const SHOWN_NAME_CHARS: usize = 60;

/// The run a row shows, linked to its W&B page when known, and its state.
fn run_cells(priced: &Priced) -> [Cell; 2] {
    let run = &priced.run;
    // The name in full is in mdl-table.csv; here it only has to be recognised, and must
    // not break the table: no '|', line break or control character.
    let mut name: String = (run.name.chars().take(SHOWN_NAME_CHARS))
        .map(|c| if c.is_control() || c == '|' { '?' } else { c })
        .collect();
    if run.name.chars().count() > SHOWN_NAME_CHARS {
        name.push('…');
    }
    let name = match run.url() {
        Some(url) => format!("[{}]({url})", name.replace(['[', ']'], "")),
        None => name,
    };
    [Cell::Text(name), Cell::Text(run.state.clone())]
}

fn above_dense(dl_bits: f64, dense: f64) -> Cell {
    Cell::Text(if dl_bits > dense { "yes" } else { "no" }.into())
}

fn best_table(table: &MdlTable) -> String {
    let dense = table.dense_bits();
    let headers = [
        "layer",
        "activation",
        "tolerance",
        "MDL(tolerance)",
        "k",
        "L0",
        "D",
        "> dense",
        "run",
        "state",
    ];
    let rows: Vec<Vec<Cell>> = table
        .best_rows()
        .map(|(group, best)| {
            let mut cells = super::markdown::seed_cells(group, best);
            cells.extend([
                Cell::Int(best.run.k),
                Cell::Float(best.run.l0),
                Cell::Int(best.dict_size as i64),
                above_dense(best.dl_bits, dense),
            ]);
            cells.extend(run_cells(best));
            cells
        })
        .collect();
    render(&headers, &rows)
}

fn tolerance_table(table: &MdlTable, index: usize) -> String {
    let dense = table.dense_bits();
    let headers = [
        "layer",
        "activation",
        "MDL(ε)",
        "error",
        "k",
        "L0",
        "D",
        "> dense",
        "run",
        "state",
    ];
    let rows: Vec<Vec<Cell>> = table
        .groups
        .iter()
        .map(
            |group| match group.at_tolerance.get(index).and_then(Option::as_ref) {
                Some(run) => [
                    Cell::Int(group.layer),
                    Cell::Text(group.activation.clone()),
                    Cell::Float(run.dl_bits),
                    Cell::Float(run.run.error),
                    Cell::Int(run.run.k),
                    Cell::Float(run.run.l0),
                    Cell::Int(run.dict_size as i64),
                    above_dense(run.dl_bits, dense),
                ]
                .into_iter()
                .chain(run_cells(run))
                .collect(),
                None => {
                    let mut row = vec![
                        Cell::Int(group.layer),
                        Cell::Text(group.activation.clone()),
                        Cell::Text("no run ≤ ε".into()),
                    ];
                    row.extend((0..7).map(|_| Cell::Text(String::new())));
                    row
                }
            },
        )
        .collect();
    render(&headers, &rows)
}
