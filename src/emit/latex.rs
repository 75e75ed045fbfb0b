//! `mdl-table.tex`: the markdown table's rows as a booktabs `tabular` for a paper: headers
//! that say what they are (renamable), one precision for every number, decimal-aligned
//! number columns (plain `r` or siunitx `S`), a column per `--tolerance`, and with a
//! caption or label a `table` environment around it; without them, a bare `tabular` to
//! `\input`.

use std::fmt::Write;

use super::latex_cells::{self, NO_NUMBER};
use super::latex_style::{Align, LatexStyle};
use super::Emitter;
use crate::emit::pyfmt::general;
use crate::model::mdl::Code;
use crate::model::table::MdlTable;

/// The LaTeX table, in the style the profile and flags ask for.
#[derive(Debug, Clone, Default)]
pub struct Latex {
    pub style: LatexStyle,
}

pub const FILE_NAME: &str = "mdl-table.tex";

impl Emitter for Latex {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, table: &MdlTable) -> String {
        let style = &self.style;
        let mut out = made_by(table, style);
        if !style.floats() {
            out.push_str(&tabular(table, style));
            return out;
        }
        // The caption under the table, where the standard classes space it.
        out.push_str("\\begin{table}\n\\centering\n");
        out.push_str(&tabular(table, style));
        if let Some(caption) = &style.caption {
            let _ = writeln!(out, "\\caption{{{caption}}}");
        }
        if let Some(label) = &style.label {
            let _ = writeln!(out, "\\label{{{label}}}");
        }
        out.push_str("\\end{table}\n");
        out
    }
}

/// The `tabular`: a header row, then a row per group with a run, `\addlinespace` between
/// layers.
fn tabular(table: &MdlTable, style: &LatexStyle) -> String {
    let rows: Vec<_> = table.best_rows().collect();
    let mut columns = vec![
        rows.iter().map(|(_, best)| Some(best.run.error)).collect(),
        rows.iter().map(|(_, best)| Some(best.dl_bits)).collect(),
    ];
    columns.extend((0..table.tolerances.len()).map(|index| {
        (rows.iter())
            .map(|(group, _)| Some(group.at_tolerance.get(index)?.as_ref()?.dl_bits))
            .collect::<Vec<Option<f64>>>()
    }));
    let (specs, cells): (Vec<String>, Vec<Vec<String>>) = (columns.iter())
        .map(|values| latex_cells::column(values, style.digits, style.align))
        .unzip();
    let headers = &style.headers;
    let mut titles = vec![headers.error.clone(), headers.dl.clone()];
    titles.extend(table.tolerances.iter().map(|eps| headers.tolerance(*eps)));
    if style.align == Align::Siunitx {
        // siunitx reads an `S` column's cells as numbers unless braced.
        titles = titles.into_iter().map(|title| format!("{{{title}}}")).collect();
    }
    let mut out = format!("\\begin{{tabular}}{{rl{}}}\n\\toprule\n", specs.concat());
    let mut header = vec![headers.layer.clone(), headers.activation.clone()];
    header.extend(titles);
    let _ = writeln!(out, "{} \\\\", header.join(" & "));
    out.push_str("\\midrule\n");
    for (index, (group, _)) in rows.iter().enumerate() {
        // A little room between layers, booktabs' way of grouping rows.
        if index > 0 && rows[index - 1].0.layer != group.layer {
            out.push_str("\\addlinespace\n");
        }
        let mut row = vec![
            group.layer.to_string(),
            text(crate::pynum::strip(&group.activation)),
        ];
        row.extend(cells.iter().map(|column| column[index].clone()));
        let _ = writeln!(out, "{} \\\\", row.join(" & "));
    }
    out.push_str("\\bottomrule\n\\end{tabular}\n");
    out
}

/// The comment lines that say how the table was made, what its columns are, and what it needs.
fn made_by(table: &MdlTable, style: &LatexStyle) -> String {
    let pricing = &table.pricing;
    let formula = match pricing.code {
        Code::Naive => "L0 * (B + log2 D)",
        Code::Binomial => "L0 * B + log2 C(D, L0)",
    };
    let dict = match pricing.fixed_dict_size {
        true => format!("D = {}", pricing.dict_size),
        false => format!(
            "D = each run's dictionary size ({} when a run gives none)",
            pricing.dict_size
        ),
    };
    let mut out = String::new();
    out.push_str("% Made by mdl-fetch: per layer and SAE activation, the run with the smallest error\n");
    let _ = writeln!(
        out,
        "% and its description length DL in bits, by the {} code {formula},",
        pricing.code
    );
    let _ = writeln!(out, "% B = {}, {dict}.", general(pricing.bits));
    if !table.tolerances.is_empty() {
        let _ = writeln!(
            out,
            "% DL at eps: the smallest description length among runs with error <= eps; {NO_NUMBER} where none is."
        );
    }
    let _ = writeln!(out, "% Numbers to {} significant digits.", style.digits);
    let unfinished: Vec<String> = (table.best_rows())
        .filter(|(_, best)| best.run.unfinished())
        .map(|(group, best)| format!("layer {} {} ({})", group.layer, group.activation, best.run.state))
        .collect();
    if !unfinished.is_empty() {
        let _ = writeln!(
            out,
            "% Not final: {} not finished; the numbers may still change.",
            comment(&unfinished.join("; "))
        );
    }
    let packages = match style.align {
        Align::Plain => "\\usepackage{booktabs}",
        Align::Siunitx => "\\usepackage{booktabs} and \\usepackage{siunitx}",
    };
    let placement = match style.floats() {
        true => "where the table goes",
        false => "inside a table environment",
    };
    let _ = writeln!(
        out,
        "% Needs {packages}; use as \\input{{{FILE_NAME}}} {placement}."
    );
    out
}

/// Text for a comment line: on one line, whatever the names hold.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Text as LaTeX typesets it literally: its special characters escaped, `--` and quotes
/// kept from becoming dashes and curly quotes, and `<`, `>`, `|` from becoming other glyphs
/// in the default font encoding.
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '#' | '_' | '%' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            // `--` would print as an en dash: `{}` between the hyphens keeps them apart.
            '-' if chars.peek() == Some(&'-') => out.push_str("-{}"),
            // Quotes would print as typographic ones.
            '`' => out.push_str("\\textasciigrave{}"),
            '\'' => out.push_str("\\textquotesingle{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(text("top_k"), "top\\_k");
        assert_eq!(text("50% & #1"), "50\\% \\& \\#1");
        assert_eq!(text("a{b}$c"), "a\\{b\\}\\$c");
        assert_eq!(text("x^2~y"), "x\\textasciicircum{}2\\textasciitilde{}y");
        assert_eq!(text("C:\\sae"), "C:\\textbackslash{}sae");
        assert_eq!(text("<relu>|"), "\\textless{}relu\\textgreater{}\\textbar{}");
        assert_eq!(text("batchtopk"), "batchtopk");
        assert_eq!(text("jump-relu"), "jump-relu");
    }

    #[test]
    fn ligatures_and_control_characters_stay_harmless() {
        assert_eq!(text("top--k"), "top-{}-k");
        assert_eq!(text("a---b"), "a-{}-{}-b");
        assert_eq!(text("`q'"), "\\textasciigrave{}q\\textquotesingle{}");
        assert_eq!(text("a\tb\u{1b}c"), "a b?c");
        assert_eq!(text("ε-sae"), "ε-sae");
    }

    /// The rows of a rendered table: the lines between `\midrule` and `\bottomrule`.
    fn body(tex: &str) -> Vec<&str> {
        (tex.lines())
            .skip_while(|l| *l != "\\midrule")
            .skip(1)
            .take_while(|l| *l != "\\bottomrule")
            .collect()
    }

    #[test]
    fn the_rows_are_the_markdown_tables_with_aligned_numbers() {
        let runs = [
            (6, "top_k", 64, 40.0, 0.01),
            (6, "50%&#", 0, 2000.0, 1e-5),
            (7, "top_k", 64, 60.0, 0.02),
        ];
        let table = crate::emit::sample_table::table(&runs, &[], 768);
        let tex = Latex::default().render(&table);
        let none = "\\phantom{${}\\times10^{-0}$}";
        let expected = [
            "6 & 50\\%\\&\\# & 1\\phantom{.00}${}\\times10^{-5}$ & 41169.9\\phantom{00} \\\\".to_string(),
            format!("6 & top\\_k & 0.01{none} & 823.399 \\\\"),
            "\\addlinespace".to_string(),
            format!("7 & top\\_k & 0.02{none} & 1235.1\\phantom{{00}} \\\\"),
        ];
        assert_eq!(body(&tex), expected, "{tex}");
        let markdown = crate::emit::markdown::Markdown.render(&table);
        assert_eq!(
            markdown.lines().count() - 2,
            3,
            "the same three rows:\n{markdown}"
        );
        assert!(tex.contains("\\begin{tabular}{rlrr}\n\\toprule\nLayer & SAE & MSE & DL (bits) \\\\\n"));
        assert!(tex.starts_with("% Made by mdl-fetch"), "{tex}");
        assert!(tex.ends_with("\\bottomrule\n\\end{tabular}\n"), "{tex}");
        assert!(
            !tex.contains("\\begin{table}"),
            "no float without a caption: {tex}"
        );
    }

    #[test]
    fn each_tolerance_is_a_column_of_the_same_tabular() {
        let runs = [
            (6, "topk", 64, 40.0, 0.004),
            (6, "topk", 256, 200.0, 0.002),
            (7, "topafa", 0, 900.0, 0.003),
        ];
        let table = crate::emit::sample_table::table(&runs, &[2e-4, 0.005], 768);
        let tex = Latex::default().render(&table);
        let header = "Layer & SAE & MSE & DL (bits) & \
                      $\\mathrm{DL}_{\\varepsilon=2\\cdot10^{-4}}$ & $\\mathrm{DL}_{\\varepsilon=5\\cdot10^{-3}}$ \\\\";
        assert!(
            tex.contains(&format!("\\begin{{tabular}}{{rlrrrr}}\n\\toprule\n{header}\n")),
            "{tex}"
        );
        // No run is within 2e-4; within 5e-3, layer 6's cheapest is not its best (k = 64).
        assert!(table.groups.iter().all(|group| group.at_tolerance[0].is_none()));
        assert_eq!(table.groups[0].at_tolerance[1].as_ref().unwrap().run.k, 64);
        let dash = "\\multicolumn{1}{c}{--}";
        let rows = body(&tex).into_iter().filter(|row| *row != "\\addlinespace");
        for (row, layer) in rows.zip(["6 & topk & 0.002", "7 & topafa & 0.003"]) {
            assert!(row.starts_with(layer), "{row}");
            assert_eq!(row.matches(dash).count(), 1, "{row}");
        }
        assert!(
            tex.contains("% DL at eps: the smallest description length"),
            "{tex}"
        );
        let plain = Latex::default().render(&crate::emit::sample_table::table(&runs, &[], 768));
        assert!(
            !plain.contains("DL at eps") && plain.contains("{rlrr}"),
            "{plain}"
        );
    }

    #[test]
    fn headers_digits_alignment_and_caption_follow_the_style() {
        let runs = [(6, "topk", 64, 40.0, 0.004), (7, "topk", 64, 900.0, 0.0123)];
        let table = crate::emit::sample_table::table(&runs, &[0.01], 768);
        let mut style = LatexStyle {
            digits: 3,
            align: Align::Siunitx,
            caption: Some("Description lengths of \\textbf{GPT-2} SAEs.".into()),
            label: Some("tab:mdl".into()),
            ..LatexStyle::default()
        };
        style.headers.set("dl", "Bits").unwrap();
        style.headers.set("tolerance", "DL at {eps}").unwrap();
        let tex = Latex { style }.render(&table);
        assert!(tex.contains(
            "\\begin{table}\n\\centering\n\\begin{tabular}{rlS[table-format=1.4]S[table-format=3.2e1]S[table-format=3.0]}\n"
        ), "{tex}");
        assert!(
            tex.contains("Layer & SAE & {MSE} & {Bits} & {DL at 10^{-2}} \\\\"),
            "{tex}"
        );
        assert!(tex.contains("7 & topk & 0.0123 & 1.85e4 & {--} \\\\"), "{tex}");
        assert!(tex.ends_with(
            "\\end{tabular}\n\\caption{Description lengths of \\textbf{GPT-2} SAEs.}\n\\label{tab:mdl}\n\\end{table}\n"
        ), "{tex}");
        assert!(tex.contains("\\usepackage{siunitx}") && tex.contains("3 significant digits"));
    }
}
