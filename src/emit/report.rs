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
            let rows = table.best_rows().count();
            let by_default = (table.best_rows())
                .filter(|(_, best)| !best.priced_by_own_dict_size())
                .count();
            let which = match (by_default, rows) {
                (0, _) => "every row's run gives its own".to_string(),
                (n, all) if n == all => "no row's run gives its own".to_string(),
                (n, all) => format!("{n} of the {all} rows' runs give none"),
            };
            format!(
                "D = each run's dictionary size ({} when a run gives none; {which})",
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
            "Dense baseline: d_model × B = {} × {} = {} bits, the cost of sending the raw activations. {}\n",
            table.d_model,
            general(pricing.bits),
            general(table.dense_bits()),
            match all_above_dense(table) {
                true => ALL_ABOVE_DENSE,
                false => "A row marked `yes` under `> dense` costs more than that.",
            }
        );
        let _ = writeln!(
            out,
            "## Smallest error per layer and activation (the notebook's rule)\n"
        );
        out.push_str(&best_table(table));
        out.push_str(&sections(table, true));
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

/// One section per `--tolerance`: its heading and its table, as stdout shows them after the
/// notebook's table: when the tables leave out `> dense`, a sentence before them says why.
/// Without `links`, run names are not linked to their pages (on a terminal or a pipe, a
/// link is 80 characters of address in every row).
pub fn tolerance_sections(table: &MdlTable, links: bool) -> String {
    let sections = sections(table, links);
    match all_above_dense(table) && !sections.is_empty() {
        true => format!(
            "\nEvery row below costs more than the dense baseline, d_model × B = {} bits.\n{sections}",
            general(table.dense_bits())
        ),
        false => sections,
    }
}

/// The sentence that stands for a `> dense` column of `yes` in every row.
const ALL_ABOVE_DENSE: &str = "Every row below costs more than that.";

/// Whether every row of every table costs more than the dense baseline: then the tables
/// leave out their `> dense` column and one sentence says so.
pub(super) fn all_above_dense(table: &MdlTable) -> bool {
    let dense = table.dense_bits();
    let best = table.best_rows().map(|(_, best)| best);
    let within = table.groups.iter().flat_map(|g| g.at_tolerance.iter().flatten());
    best.chain(within).all(|priced| priced.dl_bits > dense)
}

/// The report's ε sections: one heading and table per `--tolerance`.
fn sections(table: &MdlTable, links: bool) -> String {
    let mut out = String::new();
    for (index, eps) in table.tolerances.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n## MDL at tolerance ε = {}: the cheapest run with error ≤ ε\n",
            general(*eps)
        );
        out.push_str(&tolerance_table(table, index, links));
    }
    out
}

/// The columns of both kinds of table: one name per quantity, with its unit; `> dense`
/// only when some row is not above the baseline.
pub(super) fn headers(table: &MdlTable) -> Vec<&'static str> {
    let mut headers = vec![
        "layer",
        "activation",
        "error",
        "DL (bits)",
        "k",
        "L0 (features)",
        "D (features)",
    ];
    if !all_above_dense(table) {
        headers.push("> dense");
    }
    headers.extend(["run", "state"]);
    headers
}

/// The most characters of a run's name the report shows.
const SHOWN_NAME_CHARS: usize = 60;

/// The run a row shows, linked to its W&B page when known and `links`, and its state.
fn run_cells(priced: &Priced, links: bool) -> [Cell; 2] {
    let run = &priced.run;
    // The name in full is in mdl-table.csv; here it only has to be recognised, and must
    // not break the table: no '|', line break or control character.
    let mut name: String = (run.name.chars().take(SHOWN_NAME_CHARS))
        .map(|c| if c.is_control() || c == '|' { '?' } else { c })
        .collect();
    if run.name.chars().count() > SHOWN_NAME_CHARS {
        name.push('…');
    }
    let name = match run.url().filter(|_| links) {
        Some(url) => format!("[{}]({url})", code_span(&name)),
        None => code_span(&name),
    };
    [Cell::Text(name), Cell::Text(run.state.clone())]
}

/// `text` as a markdown code span: shown as it is, never read as markdown or HTML (a run
/// named `<img src=x onerror=...>` or `*bold*` is just that text). Its fence is one
/// backquote longer than the longest run of them inside, and spaced off when the text
/// starts or ends with one.
fn code_span(text: &str) -> String {
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = match text.starts_with('`') || text.ends_with('`') {
        true => " ",
        false => "",
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// k, or `–` for a run without one: activations that pick no fixed number of features
/// (topafa, ReLU, JumpReLU) have k = 0, which is no value of k.
fn k_cell(k: i64) -> Cell {
    match k {
        0 => Cell::Text("–".into()),
        k => Cell::Int(k),
    }
}

/// A row's cells from the error on: the same for both kinds of table.
fn priced_cells(table: &MdlTable, priced: &Priced, links: bool) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Float(priced.run.error),
        Cell::Float(priced.dl_bits),
        k_cell(priced.run.k),
        Cell::Float(priced.run.l0),
        Cell::Int(priced.dict_size as i64),
    ];
    if !all_above_dense(table) {
        let above = priced.dl_bits > table.dense_bits();
        cells.push(Cell::Text(if above { "yes" } else { "no" }.into()));
    }
    cells.extend(run_cells(priced, links));
    cells
}

fn best_table(table: &MdlTable) -> String {
    let rows: Vec<Vec<Cell>> = table
        .best_rows()
        .map(|(group, best)| {
            let mut cells = vec![Cell::Int(group.layer), Cell::Text(group.activation.clone())];
            cells.extend(priced_cells(table, best, true));
            cells
        })
        .collect();
    render(&headers(table), &rows)
}

fn tolerance_table(table: &MdlTable, index: usize, links: bool) -> String {
    let headers = headers(table);
    let rows: Vec<Vec<Cell>> = (table.groups.iter())
        .map(|group| {
            let mut row = vec![Cell::Int(group.layer), Cell::Text(group.activation.clone())];
            match group.at_tolerance.get(index).and_then(Option::as_ref) {
                Some(run) => row.extend(priced_cells(table, run, links)),
                None => {
                    row.push(Cell::Text("no run ≤ ε".into()));
                    row.resize(headers.len(), Cell::Text(String::new()));
                }
            }
            row
        })
        .collect();
    render(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::sample_table::{table, Run};

    /// Two layers of topk and topafa (k = 0), one ε; L0s from 40 to 2000.
    const RUNS: [Run<'static>; 5] = [
        (6, "topk", 64, 40.0, 0.01),
        (6, "topk", 256, 200.0, 0.002),
        (6, "topafa", 0, 2000.0, 0.001),
        (7, "topk", 64, 60.0, 0.02),
        (7, "topafa", 0, 900.0, 0.003),
    ];

    /// The header line of every table in `report`.
    fn header_lines(report: &str) -> Vec<&str> {
        let lines: Vec<&str> = report.lines().collect();
        (lines.windows(2))
            .filter(|pair| pair[0].starts_with('|') && pair[1].starts_with("|--"))
            .map(|pair| pair[0])
            .collect()
    }

    fn cells(line: &str) -> Vec<&str> {
        line.trim_matches('|').split('|').map(str::trim).collect()
    }

    #[test]
    fn each_quantity_has_one_name_and_its_unit() {
        let report = Report.render(&table(&RUNS, &[0.005], 768));
        let headers = header_lines(&report);
        assert_eq!(headers.len(), 2, "{report}");
        for header in headers {
            assert_eq!(
                cells(header),
                [
                    "layer",
                    "activation",
                    "error",
                    "DL (bits)",
                    "k",
                    "L0 (features)",
                    "D (features)",
                    "> dense",
                    "run",
                    "state"
                ]
            );
        }
        for word in ["tolerance |", "MDL(", "loss", "mse", "reconstruction"] {
            assert!(!report.contains(word), "{word:?} in\n{report}");
        }
        assert!(report.contains("## MDL at tolerance ε = 0.005: the cheapest run with error ≤ ε"));
    }

    #[test]
    fn k_is_a_dash_for_an_activation_without_one() {
        let report = Report.render(&table(&RUNS, &[0.05], 768));
        let rows: Vec<Vec<&str>> = (report.lines())
            .filter(|l| l.starts_with("|") && !l.starts_with("|--") && !l.contains("activation"))
            .map(cells)
            .collect();
        assert_eq!(rows.len(), 8, "4 rows in each of 2 tables:\n{report}");
        for row in rows {
            match row[1] {
                "topafa" => assert_eq!(row[4], "–", "{row:?}"),
                _ => assert!(row[4] == "64" || row[4] == "256", "{row:?}"),
            }
        }
    }

    #[test]
    fn rows_on_both_sides_of_the_dense_baseline_say_which_they_are() {
        // Dense: 1000 × 7 = 7000 bits; the topk rows cost less, the topafa rows more.
        let report = Report.render(&table(&RUNS, &[0.05], 1000));
        assert!(report.contains("A row marked `yes` under `> dense` costs more than that."));
        assert!(!report.contains("Every row"), "{report}");
        assert_eq!(
            report.matches("| yes ").count() + report.matches("| no ").count(),
            8
        );
        assert!(report.contains("| no "), "{report}");
    }

    #[test]
    fn rows_all_above_the_dense_baseline_are_said_so_once() {
        // Dense: 2 × 7 = 14 bits, below every row.
        let table = table(&RUNS, &[0.005, 0.05], 2);
        let report = Report.render(&table);
        assert_eq!(report.matches("costs more than").count(), 1, "{report}");
        assert!(report.contains(
            "14 bits, the cost of sending the raw activations. Every row below costs more than that."
        ));
        assert!(!report.contains("> dense") && !report.contains("yes"), "{report}");
        for header in header_lines(&report) {
            assert_eq!(cells(header).len(), 9, "{header}");
        }
        // On stdout, after the notebook's table, the ε tables say it once too.
        let printed = tolerance_sections(&table, true);
        assert_eq!(
            printed.matches("costs more than the dense baseline").count(),
            1,
            "{printed}"
        );
        assert!(printed
            .starts_with("\nEvery row below costs more than the dense baseline, d_model × B = 14 bits.\n"));
    }
}
