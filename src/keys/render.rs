//! What `mdl-fetch keys` prints: a table of keys per place (type, runs carrying it, a few
//! values), then the proposed `--column` flags; or all of it as JSON.

use serde_json::{json, Value};

use super::census::{Census, KeyStat, Place};
use super::propose::{Choice, Proposal, Role};

/// Values shown per key, and the most characters of one.
const SHOWN_VALUES: usize = 3;
const VALUE_WIDTH: usize = 32;

/// Where the runs came from.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// `entity/project` online, the files offline.
    pub what: String,
    pub online: bool,
    /// The runs the project holds (online).
    pub run_count: Option<u64>,
    /// The project's name and entity, when known: what `init` is told.
    pub project: Option<String>,
    pub entity: Option<String>,
}

/// Everything `keys` says.
pub struct Report<'a> {
    pub source: &'a SourceInfo,
    pub census: &'a Census,
    pub proposals: &'a [Proposal],
}

/// The `--column` flag (and `--layer-regex`) that says `choice` for `role`.
pub fn flag(role: Role, choice: &Choice) -> String {
    let mut flag = format!(
        "--column {}",
        shell_word(&format!("{}={}", role.name(), choice.key))
    );
    if let Some(regex) = &choice.layer_regex {
        flag.push_str(&format!(" --layer-regex '{regex}'"));
    }
    flag
}

/// `text` as one shell word: bare when plain, else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,@%+".contains(c);
    match text.chars().all(plain) && !text.is_empty() {
        true => text.to_string(),
        false => format!("'{}'", text.replace('\'', r"'\''")),
    }
}

/// The human-readable report.
pub fn text(report: &Report<'_>) -> String {
    let mut out = format!("{}\n", headline(report.source, report.census));
    let places = match report.source.online {
        true => [Place::Config, Place::Summary].as_slice(),
        false => [Place::Metadata, Place::Column].as_slice(),
    };
    for place in places {
        let stats: Vec<&KeyStat> = report.census.keys().filter(|stat| stat.place == *place).collect();
        if *place == Place::Metadata {
            let names: Vec<&str> = stats.iter().map(|stat| stat.key.as_str()).collect();
            out.push_str(&format!("\nW&B's own columns: {}\n", names.join(", ")));
            continue;
        }
        out.push('\n');
        out.push_str(&key_table(place.noun(), &stats));
    }
    out.push_str(&proposals_text(report));
    out
}

/// `entity/project: 300 runs read (the newest 300 of 1200); 250 finished, 50 crashed`.
fn headline(source: &SourceInfo, census: &Census) -> String {
    let runs = match census.runs {
        1 => "1 run".to_string(),
        runs => format!("{runs} runs"),
    };
    let mut line = format!("{}: {runs} read", source.what);
    if let Some(count) = source.run_count {
        line.push_str(&format!(" (the newest {} of {count})", census.runs));
    }
    let states: Vec<String> = (census.states.iter())
        .map(|(state, runs)| format!("{runs} {state}"))
        .collect();
    if !states.is_empty() {
        line.push_str(&format!("; {}", states.join(", ")));
    }
    line
}

fn key_table(place: &str, stats: &[&KeyStat]) -> String {
    let header = [place.to_string(), "types".into(), "runs".into(), "values".into()];
    let rows: Vec<[String; 4]> = (stats.iter())
        .map(|stat| {
            [
                stat.key.clone(),
                stat.kinds_text(),
                stat.runs.to_string(),
                shown_values(stat),
            ]
        })
        .collect();
    let width = |column: usize| {
        let widest = rows
            .iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0);
        widest.max(header[column].chars().count())
    };
    let (key, types, runs) = (width(0), width(1), width(2));
    let line = |row: &[String; 4]| {
        let text = format!(
            "{:key$}  {:types$}  {:>runs$}  {}",
            row[0], row[1], row[2], row[3]
        );
        format!("{}\n", text.trim_end())
    };
    std::iter::once(line(&header))
        .chain(rows.iter().map(line))
        .collect()
}

/// A key's first values, each cut to `VALUE_WIDTH` characters, `…` when there are more.
fn shown_values(stat: &KeyStat) -> String {
    let cut = |value: &String| match value.chars().count() > VALUE_WIDTH {
        true => format!("{}…", value.chars().take(VALUE_WIDTH - 1).collect::<String>()),
        false => value.clone(),
    };
    let mut shown: Vec<String> = stat.values.iter().take(SHOWN_VALUES).map(cut).collect();
    if stat.values.len() > SHOWN_VALUES || stat.more_values {
        shown.push("…".into());
    }
    shown.join(", ")
}

fn proposals_text(report: &Report<'_>) -> String {
    let mut out = String::from("\nproposed flags:\n");
    let flags: Vec<(String, String)> = (report.proposals.iter())
        .map(|proposal| match &proposal.choice {
            Some(choice) => (
                flag(proposal.role, choice),
                describe(report.census, proposal.role, choice),
            ),
            None => (
                format!("(no {} key)", proposal.role.name()),
                missing(proposal.role),
            ),
        })
        .collect();
    let width = flags
        .iter()
        .map(|(flag, _)| flag.chars().count())
        .max()
        .unwrap_or(0);
    for (flag, why) in &flags {
        out.push_str(&format!("  {flag:width$}  {why}\n"));
    }
    if let Some(project) = &report.source.project {
        let entity =
            (report.source.entity.as_ref()).map_or(String::new(), |entity| format!(" --entity {entity}"));
        let exports = match report.source.online {
            true => String::new(),
            false => format!(" --export {}", report.source.what),
        };
        out.push_str(&format!(
            "\nto write them as config/{project}.toml: mdl-fetch init --project {project}{entity}{exports}\n"
        ));
    }
    out
}

/// `config, integer, 300 of 300 runs: layers 4, 5, 6`.
fn describe(census: &Census, role: Role, choice: &Choice) -> String {
    let Some(stat) = census.find(&choice.key, &[choice.place]) else {
        return String::new();
    };
    let mut text = format!(
        "{}, {}, {} of {} runs",
        stat.place.noun(),
        stat.kinds_text(),
        stat.runs,
        census.runs
    );
    if !choice.layers.is_empty() {
        let layers: Vec<String> = choice.layers.iter().map(i64::to_string).collect();
        text.push_str(&format!(": layers {}", layers.join(", ")));
    }
    if role == Role::K && stat.runs < census.runs {
        text.push_str(" (k = 0 where absent)");
    }
    text
}

/// Why a role has no key, and what was looked for.
pub fn missing(role: Role) -> String {
    let names = role.lookalikes().join(", ");
    match role {
        Role::Activation | Role::K => format!("none of {names} with {}: read from run names", role.wants()),
        Role::Layer => format!("none of {names} with {}, nor text naming blocks.N.", role.wants()),
        _ => format!("none of {names} with {}", role.wants()),
    }
}

/// The report as JSON (schema `mdl-fetch/keys/v1`).
pub fn json(report: &Report<'_>) -> String {
    let keys: Vec<Value> = (report.census.keys())
        .map(|stat| {
            let values: Vec<Value> = (stat.values.iter().take(8))
                .map(|text| serde_json::from_str(text).unwrap_or_else(|_| Value::from(text.as_str())))
                .collect();
            let types: Vec<&str> = stat.kinds.iter().map(|kind| kind.as_str()).collect();
            json!({ "key": stat.key, "place": stat.place.as_str(), "types": types, "runs": stat.runs,
                    "values": values, "more_values": stat.values.len() > 8 || stat.more_values })
        })
        .collect();
    let proposals: Vec<Value> = (report.proposals.iter())
        .map(|proposal| {
            let choice = proposal.choice.as_ref();
            json!({ "role": proposal.role.name(), "key": choice.map(|c| &c.key),
                    "flag": choice.map(|c| flag(proposal.role, c)),
                    "layer_regex": choice.and_then(|c| c.layer_regex.as_ref()),
                    "layers": choice.map(|c| &c.layers), "others": proposal.others })
        })
        .collect();
    let source = report.source;
    let value = json!({
        "schema": "mdl-fetch/keys/v1",
        "source": { "what": source.what, "online": source.online, "run_count": source.run_count },
        "runs": report.census.runs, "states": report.census.states, "keys": keys, "proposals": proposals,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).expect("JSON of plain values")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_quote_what_a_shell_would_split() {
        let choice = Choice {
            key: "losses/mse loss".into(),
            place: Place::Column,
            layer_regex: None,
            layers: Vec::new(),
        };
        assert_eq!(flag(Role::Error, &choice), "--column 'error=losses/mse loss'");
        let hook = Choice {
            key: "hook_name".into(),
            layer_regex: Some(r"blocks\.(\d+)\.".into()),
            ..choice
        };
        assert_eq!(
            flag(Role::Layer, &hook),
            r"--column layer=hook_name --layer-regex 'blocks\.(\d+)\.'"
        );
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
