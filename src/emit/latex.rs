//! `mdl-table.tex`: the markdown table's rows and columns as a booktabs `tabular`, plain
//! LaTeX (no siunitx), for `\input` inside a paper's `table` environment.

use std::fmt::Write;

use super::Emitter;
use crate::emit::pyfmt::general;
use crate::model::mdl::Code;
use crate::model::table::MdlTable;

pub struct Latex;

pub const FILE_NAME: &str = "mdl-table.tex";

/// The markdown table's headers, escaped (none needs it today; a future one might).
const HEADERS: [&str; 4] = ["layer", "activation", "tolerance", "MDL(tolerance)"];

impl Emitter for Latex {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut out = made_by(table);
        out.push_str("\\begin{tabular}{rlrr}\n\\toprule\n");
        let headers: Vec<String> = HEADERS.iter().map(|h| text(h)).collect();
        let _ = writeln!(out, "{} \\\\", headers.join(" & "));
        out.push_str("\\midrule\n");
        let mut previous_layer = None;
        for (group, best) in table.best_rows() {
            // A little room between layers, booktabs' way of grouping rows.
            if previous_layer.is_some_and(|layer| layer != group.layer) {
                out.push_str("\\addlinespace\n");
            }
            previous_layer = Some(group.layer);
            let cells = [
                number(&group.layer.to_string()),
                text(crate::pynum::strip(&group.activation)),
                number(&general(best.run.error)),
                number(&general(best.dl_bits)),
            ];
            let _ = writeln!(out, "{} \\\\", cells.join(" & "));
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n");
        out
    }
}

/// The comment lines that say how the table was made, what its columns are, and what it needs.
fn made_by(table: &MdlTable) -> String {
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
    out.push_str(
        "% Made by mdl-fetch: per layer and activation, the run with the smallest error (tolerance)\n",
    );
    let _ = writeln!(
        out,
        "% and its description length MDL(tolerance) in bits, by the {} code {formula},",
        pricing.code
    );
    let _ = writeln!(out, "% B = {}, {dict}.", general(pricing.bits));
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
    out.push_str(
        "% Needs \\usepackage{booktabs}; use as \\input{mdl-table.tex} inside a table environment.\n",
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

/// A number as Python's `g` format prints it (`0.000165076`, `1.5e-05`, `-3`, `inf`), set
/// as a paper would: exponents as `\times 10^{n}` and signs in math mode.
pub fn number(printed: &str) -> String {
    let (sign, digits) = match printed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", printed),
    };
    let body = match digits {
        "inf" => "\\infty".to_string(),
        "nan" => return "NaN".to_string(),
        _ => match digits.split_once('e') {
            Some((mantissa, exponent)) => {
                let exponent: i32 = exponent.parse().unwrap_or_default();
                match mantissa {
                    "1" => format!("10^{{{exponent}}}"),
                    _ => format!("{mantissa} \\times 10^{{{exponent}}}"),
                }
            }
            None if sign.is_empty() => return digits.to_string(),
            None => digits.to_string(),
        },
    };
    format!("${sign}{body}$")
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

    #[test]
    fn the_rows_and_columns_are_the_markdown_tables() {
        let runs = [
            (6, "top_k", 64, 40.0, 0.01),
            (6, "50%&#", 0, 2000.0, 1e-5),
            (7, "top_k", 64, 60.0, 0.02),
        ];
        let table = crate::emit::sample_table::table(&runs, &[], 768);
        let tex = Latex.render(&table);
        let body: Vec<&str> = (tex.lines())
            .skip_while(|l| *l != "\\midrule")
            .skip(1)
            .take_while(|l| *l != "\\bottomrule")
            .collect();
        let expected = [
            "6 & 50\\%\\&\\# & $10^{-5}$ & 41169.9 \\\\",
            "6 & top\\_k & 0.01 & 823.399 \\\\",
            "\\addlinespace",
            "7 & top\\_k & 0.02 & 1235.1 \\\\",
        ];
        assert_eq!(body, expected, "{tex}");
        let markdown = crate::emit::markdown::Markdown.render(&table);
        assert_eq!(
            markdown.lines().count() - 2,
            3,
            "the same three rows:\n{markdown}"
        );
        assert!(tex.contains(
            "\\begin{tabular}{rlrr}\n\\toprule\nlayer & activation & tolerance & MDL(tolerance) \\\\\n"
        ));
        assert!(tex.starts_with("% Made by mdl-fetch"), "{tex}");
        assert!(tex.ends_with("\\bottomrule\n\\end{tabular}\n"), "{tex}");
    }

    #[test]
    fn numbers_are_set_in_plain_latex() {
        assert_eq!(number("21079"), "21079");
        assert_eq!(number("0.000165076"), "0.000165076");
        assert_eq!(number("1.5e-05"), "$1.5 \\times 10^{-5}$");
        assert_eq!(number("1e+16"), "$10^{16}$");
        assert_eq!(number("-3"), "$-3$");
        assert_eq!(number("-2.5e-07"), "$-2.5 \\times 10^{-7}$");
        assert_eq!(number("inf"), "$\\infty$");
        assert_eq!(number("-inf"), "$-\\infty$");
        assert_eq!(number("nan"), "NaN");
    }
}
