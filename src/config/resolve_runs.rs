//! Resolves how runs are read and which count: the name grammar and layer rule (profile or
//! `--name-regex`/`--layer-regex`), and the run filter (`--state`, `--tag`, `--sweep`,
//! `--group`, `--filter`, or the profile's `[wandb]` keys).

use std::path::Path;

use regex::Regex;

use crate::config::cli::TableArgs;
use crate::config::grammar::{LayerRule, NameGrammar};
use crate::config::profile::Profile;
use crate::config::settings::RunFilter;
use crate::error::{fail, Kind};

/// The run states W&B reports.
pub const RUN_STATES: [&str; 7] = [
    "finished",
    "running",
    "crashed",
    "failed",
    "killed",
    "pending",
    "preempted",
];

/// Where a pattern came from, for its errors: a flag (a usage error) or the profile.
struct Origin<'a> {
    flag: Option<&'static str>,
    key: &'static str,
    profile_path: Option<&'a Path>,
}

impl Origin<'_> {
    fn fail<T>(&self, what: String) -> anyhow::Result<T> {
        match self.flag {
            Some(flag) => fail(Kind::Usage, format!("{flag} {what}")),
            None => {
                let path = self
                    .profile_path
                    .map_or_else(|| "profile".into(), |p| p.display().to_string());
                fail(Kind::Input, format!("{path}: name.{} {what}", self.key))
            }
        }
    }

    fn compile(&self, pattern: &str) -> anyhow::Result<Regex> {
        Regex::new(pattern).or_else(|e| {
            let reason = e.to_string().replace('\n', " ");
            self.fail(format!("is not a valid regex: {reason}"))
        })
    }
}

/// The name grammar: `--name-regex`, else the profile's `name.regex`, else its split rule.
pub fn resolve_grammar(
    args: &TableArgs,
    profile: &Profile,
    profile_path: Option<&Path>,
) -> anyhow::Result<NameGrammar> {
    let rule = &profile.name;
    let (pattern, flag) = match &args.runs.name_regex {
        Some(pattern) => (Some(pattern), Some("--name-regex")),
        None => (rule.regex.as_ref(), None),
    };
    let origin = Origin {
        flag,
        key: "regex",
        profile_path,
    };
    if let Some(pattern) = pattern {
        let regex = origin.compile(pattern)?;
        let groups: Vec<_> = regex.capture_names().flatten().collect();
        if !groups.contains(&"activation") || !groups.contains(&"k") {
            return origin.fail("needs named groups (?P<activation>...) and (?P<k>...)".into());
        }
        return Ok(NameGrammar::Pattern(regex));
    }
    let separator = rule.separator.clone().unwrap_or_else(|| "_".into());
    if separator.is_empty() {
        let origin = Origin {
            key: "separator",
            ..origin
        };
        return origin.fail("must not be empty".into());
    }
    Ok(NameGrammar::Split {
        separator,
        activation: rule.activation.unwrap_or(-3),
        k: rule.k.unwrap_or(-2),
        dict_size: rule.dict_size,
    })
}

/// The layer rule: `--layer-regex`, the profile's `name.layer_regex`, or a name regex
/// with a `layer` group.
pub fn resolve_layer_rule(
    args: &TableArgs,
    profile: &Profile,
    profile_path: Option<&Path>,
) -> anyhow::Result<Option<LayerRule>> {
    let with_layer = |pattern: &&String| pattern.contains("?P<layer>");
    let (pattern, flag) = match (&args.runs.layer_regex, &args.runs.name_regex) {
        (Some(pattern), _) => (Some(pattern), Some("--layer-regex")),
        (None, Some(pattern)) => (Some(pattern).filter(with_layer), Some("--name-regex")),
        (None, None) => (
            (profile.name.layer_regex.as_ref()).or(profile.name.regex.as_ref().filter(with_layer)),
            None,
        ),
    };
    let Some(pattern) = pattern else {
        return Ok(Some(default_layer_rule()));
    };
    let origin = Origin {
        flag,
        key: "layer_regex",
        profile_path,
    };
    origin.compile(pattern).map(LayerRule::new).map(Some)
}

/// The layer rule when none is set: a TransformerLens hook name in the run's name
/// (`blocks.6.hook_resid_pre_...`) says its layer, which also checks a `--export LAYER=`.
pub const DEFAULT_LAYER_REGEX: &str = r"blocks\.(\d+)\.";

fn default_layer_rule() -> LayerRule {
    LayerRule::new(regex::Regex::new(DEFAULT_LAYER_REGEX).expect("a valid regex"))
}

/// The runs asked for: each flag overrides its profile key.
pub fn run_filter(args: &TableArgs, profile: &Profile) -> anyhow::Result<RunFilter> {
    let (runs, wandb) = (&args.runs, &profile.wandb);
    let states = match runs.state.is_empty() {
        true => wandb.states.clone().unwrap_or_default(),
        false => runs.state.clone(),
    };
    let tags = match runs.tag.is_empty() {
        true => wandb.tags.clone().unwrap_or_default(),
        false => runs.tag.clone(),
    };
    let (extra, filter_origin) = match &runs.filter {
        Some(text) => (Some(text), "--filter"),
        None => (wandb.filter.as_ref(), "the profile's wandb.filter"),
    };
    if let (Some(_), false) = (extra, args.export.is_empty()) {
        return fail(
            Kind::Usage,
            format!("{filter_origin} is applied by the W&B server, so exports cannot be held to it; filter the runs table on the W&B page before exporting, or fetch instead of --export"),
        );
    }
    Ok(RunFilter {
        states: checked_states(states)?,
        tags,
        sweep: runs.sweep.clone().or_else(|| wandb.sweep.clone()),
        group: runs.group.clone().or_else(|| wandb.group.clone()),
        extra: extra.map(|text| parse_filter(text, filter_origin)).transpose()?,
    })
}

/// What export rows are held to: the states always; tags, sweep and group only for
/// `--export` files (a fetch asked the server, and a cache is checked against what it was
/// fetched with).
pub fn local_filter(runs: RunFilter, exports_given: bool) -> RunFilter {
    match exports_given {
        true => RunFilter { extra: None, ..runs },
        false => RunFilter {
            states: runs.states,
            ..RunFilter::default()
        },
    }
}

/// The states in lower case, each one W&B knows.
fn checked_states(states: Vec<String>) -> anyhow::Result<Vec<String>> {
    let mut checked: Vec<String> = Vec::new();
    for state in states {
        let lower = state.trim().to_ascii_lowercase();
        if !RUN_STATES.contains(&lower.as_str()) {
            return fail(
                Kind::Usage,
                format!(
                    "--state {state:?}: not a W&B run state; one of {}",
                    RUN_STATES.join(", ")
                ),
            );
        }
        if !checked.contains(&lower) {
            checked.push(lower);
        }
    }
    Ok(checked)
}

/// A W&B filter given as text: a JSON object.
fn parse_filter(text: &str, origin: &str) -> anyhow::Result<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        Ok(_) => fail(
            Kind::Usage,
            format!("{origin} {text}: give a JSON object, e.g. '{{\"config.lr\": {{\"$lt\": 0.001}}}}'"),
        ),
        Err(e) => fail(Kind::Usage, format!("{origin} {text}: not JSON: {e}")),
    }
}
