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
        let columns = "r".repeat(table.tolerances.len());
        let _ = write!(out, "\\begin{{tabular}}{{rlrr{columns}}}\n\\toprule\n");
        let mut headers: Vec<String> = HEADERS.iter().map(|h| text(h)).collect();
        headers.extend(table.tolerances.iter().map(|eps| tolerance_header(*eps)));
        let _ = writeln!(out, "{} \\\\", headers.join(" & "));
        out.push_str("\\midrule\n");
        let mut previous_layer = None;
        for (group, best) in table.best_rows() {
            // A little room between layers, booktabs' way of grouping rows.
            if previous_layer.is_some_and(|layer| layer != group.layer) {
                out.push_str("\\addlinespace\n");
            }
            previous_layer = Some(group.layer);
            let mut cells = vec![
                number(&group.layer.to_string()),
                text(crate::pynum::strip(&group.activation)),
                number(&general(best.run.error)),
                number(&general(best.dl_bits)),
            ];
            cells.extend((0..table.tolerances.len()).map(|index| {
                match group.at_tolerance.get(index).and_then(Option::as_ref) {
                    Some(within) => number(&general(within.dl_bits)),
                    None => NO_RUN_WITHIN.to_string(),
                }
            }));
            let _ = writeln!(out, "{} \\\\", cells.join(" & "));
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n");
        out
    }
}

/// An ε column's cell when no run of the group is within ε: an en dash.
const NO_RUN_WITHIN: &str = "--";

/// An ε column's header, `MDL($\varepsilon=2\times10^{-4}$)`.
fn tolerance_header(eps: f64) -> String {
    format!("MDL($\\varepsilon={}$)", scientific(eps))
}

/// A number in math mode in scientific notation with the digits it was given
/// (`2\times10^{-4}`, `10^{-2}`, `1.5\times10^{-5}`): a paper writes tolerances so.
fn scientific(value: f64) -> String {
    let printed = format!("{value:e}");
    match printed.split_once('e') {
        Some((mantissa, exponent)) if value != 0.0 => match mantissa {
            "1" => format!("10^{{{exponent}}}"),
            "-1" => format!("-10^{{{exponent}}}"),
            _ => format!("{mantissa}\\times10^{{{exponent}}}"),
        },
        _ => number(&general(value)).trim_matches('$').to_string(),
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
    if !table.tolerances.is_empty() {
        out.push_str(
            "% MDL(eps): the smallest description length among runs with error <= eps; -- where none is.\n",
        );
    }
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
    fn each_tolerance_is_a_column_of_the_same_tabular() {
        let runs = [
            (6, "topk", 64, 40.0, 0.004),
            (6, "topk", 256, 200.0, 0.002),
            (7, "topafa", 0, 900.0, 0.003),
        ];
        let table = crate::emit::sample_table::table(&runs, &[2e-4, 0.005], 768);
        let tex = Latex.render(&table);
        let header = "layer & activation & tolerance & MDL(tolerance) & \
                      MDL($\\varepsilon=2\\times10^{-4}$) & MDL($\\varepsilon=5\\times10^{-3}$) \\\\";
        assert!(
            tex.contains(&format!("\\begin{{tabular}}{{rlrrrr}}\n\\toprule\n{header}\n")),
            "{tex}"
        );
        // No run is within 2e-4; within 5e-3, layer 6's cheapest is not its best (k = 64).
        let bits = |group: usize| general(table.groups[group].best.as_ref().unwrap().dl_bits);
        let within = |group: usize| {
            let priced = table.groups[group].at_tolerance[1].as_ref().unwrap();
            general(priced.dl_bits)
        };
        assert!(table.groups.iter().all(|group| group.at_tolerance[0].is_none()));
        assert_eq!(table.groups[0].at_tolerance[1].as_ref().unwrap().run.k, 64);
        let rows = [
            format!("6 & topk & 0.002 & {} & -- & {} \\\\", bits(0), within(0)),
            format!("7 & topafa & 0.003 & {} & -- & {} \\\\", bits(1), within(1)),
        ];
        for row in rows {
            assert!(tex.lines().any(|line| line == row), "{row} in {tex}");
        }
        assert!(
            tex.contains("% MDL(eps): the smallest description length"),
            "{tex}"
        );
        let plain = Latex.render(&crate::emit::sample_table::table(&runs, &[], 768));
        assert!(!plain.contains("MDL(eps)") && plain.contains("{rlrr}"), "{plain}");
    }

    #[test]
    fn tolerances_are_set_in_scientific_notation() {
        assert_eq!(scientific(2e-4), "2\\times10^{-4}");
        assert_eq!(scientific(0.01), "10^{-2}");
        assert_eq!(scientific(1.5e-5), "1.5\\times10^{-5}");
        assert_eq!(scientific(3.0), "3\\times10^{0}");
        assert_eq!(scientific(-1e-3), "-10^{-3}");
        assert_eq!(scientific(0.0), "0");
        assert_eq!(scientific(f64::INFINITY), "\\infty");
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
