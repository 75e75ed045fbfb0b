//! The settings that shape the artifacts, as one JSON value: what manifest.json records
//! and digests, so that a table can be traced to exactly how it was made.

use crate::config::grammar::NameGrammar;
use crate::config::settings::Settings;

/// The settings that shape the artifacts, as manifest.json records them (and digests them).
pub fn settings_record(settings: &Settings) -> serde_json::Value {
    let (table, rules) = (&settings.table, &settings.rules);
    let mut json = serde_json::json!({
        "project": settings.project,
        "layers": table.layers,
        "code": table.pricing.code.name(),
        "bits": table.pricing.bits,
        "dict_size": table.pricing.dict_size,
        "fixed_dict_size": table.pricing.fixed_dict_size,
        "d_model": table.d_model,
        "tolerances": table.tolerances,
        "columns": {
            "name": rules.columns.name,
            "l0": rules.columns.l0,
            "error": rules.columns.error,
            "layer": rules.columns.layer,
            "dict_size": rules.columns.dict_size,
            "activation": rules.columns.activation,
            "k": rules.columns.k,
        },
        "name_rule": name_rule(&rules.grammar),
        "layer_rule": rules.layer_rule.as_ref().map(|rule| rule.as_str().to_string()),
        "strict": rules.strict,
    });
    // Several projects are listed; one keeps the manifest as it always was.
    if let [_, _, ..] = settings.projects.as_slice() {
        let names: Vec<String> = (settings.projects.iter())
            .map(|p| match &p.entity {
                Some(entity) => format!("{entity}/{}", p.name),
                None => p.name.clone(),
            })
            .collect();
        json["projects"] = serde_json::json!(names);
    }
    // The LaTeX style, when one is asked for; without, the manifest stays as it always was.
    let latex = &settings.output.latex;
    if *latex != crate::emit::latex_style::LatexStyle::default() {
        json["latex"] = latex_record(latex);
    }
    json
}

/// How mdl-table.tex looks, as the profile's `[latex]` table spells it.
fn latex_record(latex: &crate::emit::latex_style::LatexStyle) -> serde_json::Value {
    let headers = &latex.headers;
    serde_json::json!({
        "headers": {
            "layer": headers.layer,
            "activation": headers.activation,
            "error": headers.error,
            "dl": headers.dl,
            "tolerance": headers.tolerance,
        },
        "digits": latex.digits,
        "align": match latex.align {
            crate::emit::latex_style::Align::Plain => "plain",
            crate::emit::latex_style::Align::Siunitx => "siunitx",
        },
        "caption": latex.caption,
        "label": latex.label,
    })
}

/// The name grammar as the profile's `[name]` table spells it: `separator`, `activation`,
/// `k` (and `dict_size` when set), or `regex`.
pub fn name_rule(grammar: &NameGrammar) -> serde_json::Value {
    match grammar {
        NameGrammar::Split {
            separator,
            activation,
            k,
            dict_size,
        } => {
            let mut rule = serde_json::json!({"separator": separator, "activation": activation, "k": k});
            if let Some(dict_size) = dict_size {
                rule["dict_size"] = serde_json::json!(dict_size);
            }
            rule
        }
        NameGrammar::Pattern(regex) => serde_json::json!({"regex": regex.as_str()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_rule_is_written_with_the_profile_keys() {
        let split = name_rule(&NameGrammar::default());
        assert_eq!(split.to_string(), r#"{"activation":-3,"k":-2,"separator":"_"}"#);
        let sized = name_rule(&NameGrammar::Split {
            separator: "-".into(),
            activation: 1,
            k: 2,
            dict_size: Some(-1),
        });
        assert_eq!(sized["dict_size"], -1);
        let regex = regex::Regex::new(r"^(?P<activation>[a-z]+)-k(?P<k>\d+)$").unwrap();
        let pattern = name_rule(&NameGrammar::Pattern(regex));
        assert_eq!(
            pattern,
            serde_json::json!({"regex": r"^(?P<activation>[a-z]+)-k(?P<k>\d+)$"})
        );
    }
}
