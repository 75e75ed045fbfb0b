//! What `mdl-table.tex` looks like beyond its rows: the column headers, the significant
//! digits of its numbers, how they align (padded `r` columns or siunitx `S` columns), and
//! an optional caption and label, from the profile's `[latex]` table and the flags.

/// The columns whose header can be renamed, as `--latex-header COLUMN=TEXT` and the
/// profile's `[latex.headers]` name them.
pub const COLUMNS: [&str; 5] = ["layer", "activation", "error", "dl", "tolerance"];

/// In the `tolerance` header, what stands for the ε of each `--tolerance` column.
pub const EPS_PLACEHOLDER: &str = "{eps}";

/// The significant digits of the markdown's numbers, Python's `%g`: the default.
pub const DEFAULT_DIGITS: u32 = 6;

/// The most significant digits a double has to give.
pub const MAX_DIGITS: u32 = 17;

/// How a number column lines up its decimal points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// `r` columns, each number padded with `\phantom` to the column's widest fraction and
    /// exponent: needs no package beyond booktabs.
    #[default]
    Plain,
    /// siunitx `S` columns, each with a `table-format` that fits its numbers.
    Siunitx,
}

/// The headers of the table's columns, LaTeX as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Headers {
    pub layer: String,
    pub activation: String,
    pub error: String,
    pub dl: String,
    /// Each ε column's header, `{eps}` standing for its ε (`2\cdot10^{-4}`).
    pub tolerance: String,
}

impl Default for Headers {
    fn default() -> Headers {
        Headers {
            layer: "Layer".into(),
            activation: "SAE".into(),
            error: "MSE".into(),
            dl: "DL (bits)".into(),
            tolerance: "$\\mathrm{DL}_{\\varepsilon={eps}}$".into(),
        }
    }
}

impl Headers {
    /// Renames `column` (one of `COLUMNS`); the error names the columns there are.
    pub fn set(&mut self, column: &str, text: &str) -> Result<(), String> {
        let header = match column {
            "layer" => &mut self.layer,
            "activation" => &mut self.activation,
            "error" => &mut self.error,
            "dl" => &mut self.dl,
            "tolerance" => &mut self.tolerance,
            other => {
                return Err(format!(
                    "{other:?} is not a column; columns: {}",
                    COLUMNS.join(", ")
                ))
            }
        };
        *header = text.to_string();
        Ok(())
    }

    /// The header of the ε column for `eps`.
    pub fn tolerance(&self, eps: f64) -> String {
        self.tolerance.replace(EPS_PLACEHOLDER, &scientific(eps))
    }
}

/// Everything that shapes `mdl-table.tex` beyond the table's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct LatexStyle {
    pub headers: Headers,
    /// Significant digits of every number but the layer, as Python's `%.{digits}g`.
    pub digits: u32,
    pub align: Align,
    /// With a caption (and a label), the `tabular` is wrapped in a `table` environment.
    pub caption: Option<String>,
    pub label: Option<String>,
}

impl Default for LatexStyle {
    fn default() -> LatexStyle {
        LatexStyle {
            headers: Headers::default(),
            digits: DEFAULT_DIGITS,
            align: Align::default(),
            caption: None,
            label: None,
        }
    }
}

impl LatexStyle {
    /// Whether the `tabular` is wrapped in a `table` environment of its own.
    pub fn floats(&self) -> bool {
        self.caption.is_some() || self.label.is_some()
    }
}

/// Why `text` cannot stand in the table as LaTeX (a header or a caption), if it cannot:
/// braces that do not pair up, or a line break or control character (a blank line would
/// end the paragraph inside the `tabular`).
pub fn check_text(text: &str) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!("holds the control character {c:?}; write it on one line"));
    }
    let mut depth = 0i64;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            // An escaped brace (`\{`) is text, not a group.
            '\\' => {
                chars.next();
            }
            '{' => depth += 1,
            '}' if depth == 0 => return Err("has a `}` that closes no `{`".into()),
            '}' => depth -= 1,
            _ => {}
        }
    }
    match depth {
        0 => Ok(()),
        _ => Err("has a `{` that is never closed".into()),
    }
}

/// Why `label` cannot be a `\label` key, if it cannot: empty, or holding a character
/// LaTeX gives a meaning of its own there.
pub fn check_label(label: &str) -> Result<(), String> {
    let special = |c: char| "\\{}%#$&^~ ".contains(c) || c.is_control();
    match label.chars().find(|c| special(*c)) {
        _ if label.is_empty() => Err("is empty; give a key such as tab:mdl".into()),
        Some(c) => Err(format!(
            "holds {c:?}, which a \\label key cannot; use letters, digits and : - . _ (e.g. tab:mdl)"
        )),
        None => Ok(()),
    }
}

/// A number in math mode in scientific notation with the digits it was given
/// (`2\cdot10^{-4}`, `10^{-2}`, `1.5\cdot10^{-5}`): a paper writes tolerances so.
pub fn scientific(value: f64) -> String {
    let printed = format!("{value:e}");
    match printed.split_once('e') {
        Some((mantissa, exponent)) if value != 0.0 && value.is_finite() => match mantissa {
            "1" => format!("10^{{{exponent}}}"),
            "-1" => format!("-10^{{{exponent}}}"),
            _ => format!("{mantissa}\\cdot10^{{{exponent}}}"),
        },
        _ if value.is_infinite() && value > 0.0 => "\\infty".into(),
        _ if value.is_infinite() => "-\\infty".into(),
        _ => crate::emit::pyfmt::general(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_are_set_in_scientific_notation() {
        assert_eq!(scientific(2e-4), "2\\cdot10^{-4}");
        assert_eq!(scientific(0.01), "10^{-2}");
        assert_eq!(scientific(1.5e-5), "1.5\\cdot10^{-5}");
        assert_eq!(scientific(3.0), "3\\cdot10^{0}");
        assert_eq!(scientific(-1e-3), "-10^{-3}");
        assert_eq!(scientific(0.0), "0");
        assert_eq!(scientific(f64::INFINITY), "\\infty");
    }

    #[test]
    fn headers_are_renamed_by_column_and_the_eps_is_put_in_its_place() {
        let mut headers = Headers::default();
        assert_eq!(
            headers.tolerance(2e-4),
            "$\\mathrm{DL}_{\\varepsilon=2\\cdot10^{-4}}$"
        );
        headers.set("activation", "Architecture").unwrap();
        headers.set("tolerance", "DL at $\\epsilon = {eps}$").unwrap();
        assert_eq!(headers.activation, "Architecture");
        assert_eq!(headers.tolerance(0.01), "DL at $\\epsilon = 10^{-2}$");
        let error = headers.set("mdl", "x").unwrap_err();
        assert!(error.contains("\"mdl\" is not a column; columns: layer, activation, error, dl, tolerance"));
    }

    #[test]
    fn text_that_would_break_the_document_is_refused() {
        assert!(check_text("$\\ell_2$ error").is_ok());
        assert!(check_text("a \\{ b").is_ok());
        assert!(check_text("{a}{b}").is_ok());
        assert!(check_text("a}").unwrap_err().contains("closes no"));
        assert!(check_text("\\textbf{a").unwrap_err().contains("never closed"));
        assert!(check_text("a\n\nb").unwrap_err().contains("control character"));
    }

    #[test]
    fn a_label_is_a_plain_key() {
        assert!(check_label("tab:mdl-gpt2_v1.2").is_ok());
        assert!(check_label("").unwrap_err().contains("empty"));
        assert!(check_label("tab mdl").unwrap_err().contains("' '"));
        assert!(check_label("tab{x}").unwrap_err().contains("'{'"));
    }
}
