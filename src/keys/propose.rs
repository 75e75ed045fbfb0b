//! The key proposed for each role the table reads: a key named as sweeps name that role
//! (`d_sae`, `dict_size`, `n_features`, ...) whose values have the role's type, in the
//! place a fetch reads it from (config for the layout, summary for the metrics; any column
//! of an export). A layer logged only as a hook name (`blocks.6.hook_resid_pre`) is read
//! through a layer regex.

use regex::Regex;

use super::census::{Census, KeyStat, Place};

/// The layer regex proposed for a hook name (TransformerLens' `blocks.N.`).
pub const HOOK_LAYER_REGEX: &str = r"blocks\.(\d+)\.";

pub use crate::config::role_keys::Role;

/// The roles, in the order the proposals are shown.
pub const ROLES: [Role; 6] = [
    Role::Layer,
    Role::DictSize,
    Role::Activation,
    Role::K,
    Role::L0,
    Role::Error,
];

/// What `keys` asks of a role beside its names (`config::role_keys`).
impl Role {
    /// Where a fetch reads the role's key: config for the layout, summary for metrics.
    pub fn places(self, online: bool) -> &'static [Place] {
        match (online, self) {
            (false, _) => &[Place::Column],
            (true, Role::L0 | Role::Error) => &[Place::Summary],
            (true, _) => &[Place::Config],
        }
    }

    /// What the role's values must be, in words.
    pub fn wants(self) -> &'static str {
        match self {
            Role::Layer | Role::K => "whole numbers",
            Role::DictSize => "whole numbers of at least 1",
            Role::Activation => "text",
            Role::L0 | Role::Error => "numbers",
        }
    }

    /// Whether `stat`'s values have the role's type.
    pub fn fits(self, stat: &KeyStat) -> bool {
        match self {
            Role::Layer | Role::K => stat.whole_numbers(),
            Role::DictSize => stat.whole_numbers() && stat.whole.first().is_some_and(|d| *d >= 1),
            Role::Activation => stat.text(),
            Role::L0 | Role::Error => stat.numeric(),
        }
    }
}

/// The key chosen for a role.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub key: String,
    pub place: Place,
    /// For a layer read from text: the regex whose first group is the layer.
    pub layer_regex: Option<String>,
    /// For the layer: the layers its values hold.
    pub layers: Vec<i64>,
}

/// A role's proposal: the key chosen, if any, and the other keys that would do.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub role: Role,
    pub choice: Option<Choice>,
    pub others: Vec<String>,
}

/// A proposal for every role.
pub fn propose(census: &Census, online: bool) -> Vec<Proposal> {
    ROLES
        .iter()
        .map(|role| propose_role(census, *role, online))
        .collect()
}

fn propose_role(census: &Census, role: Role, online: bool) -> Proposal {
    let places = role.places(online);
    let mut ranked: Vec<(usize, std::cmp::Reverse<u64>, &KeyStat)> = (census.keys())
        .filter(|stat| places.contains(&stat.place) && !stat.key.starts_with('_') && role.fits(stat))
        .filter_map(|stat| rank(role, &stat.key).map(|rank| (rank, std::cmp::Reverse(stat.runs), stat)))
        .collect();
    ranked.sort_by_key(|(rank, runs, _)| (*rank, *runs));
    let mut keys = ranked.into_iter().map(|(_, _, stat)| stat);
    let choice = keys.next().map(|stat| choice_of(role, stat));
    let choice = match (choice, role) {
        (None, Role::Layer) => layer_from_text(census, places),
        (choice, _) => choice,
    };
    Proposal {
        role,
        choice,
        others: keys.map(|stat| stat.key.clone()).collect(),
    }
}

/// How well `key` names `role`: its place among the role's names, matched whole, then by
/// its last part (`sae.d_sae`, `cfg/architecture`), then less a `.min` W&B adds to a
/// summary; `None` when it does not name it.
fn rank(role: Role, key: &str) -> Option<usize> {
    let names = role.lookalikes();
    let last = key.rsplit(['/', '.']).next().unwrap_or(key);
    let bare = key.strip_suffix(".min");
    let position = |text: &str| names.iter().position(|name| name.eq_ignore_ascii_case(text));
    (position(key))
        .or_else(|| position(last).map(|at| 100 + at))
        .or_else(|| bare.and_then(position).map(|at| 200 + at))
}

/// The choice of `stat` for `role`: the layers its values hold, for the layer.
pub fn choice_of(role: Role, stat: &KeyStat) -> Choice {
    Choice {
        key: stat.key.clone(),
        place: stat.place,
        layer_regex: None,
        layers: match role {
            Role::Layer => stat.whole.iter().copied().collect(),
            _ => Vec::new(),
        },
    }
}

/// A text key every value of which names a layer by `HOOK_LAYER_REGEX`, hook names first.
fn layer_from_text(census: &Census, places: &[Place]) -> Option<Choice> {
    let mut texts: Vec<&KeyStat> = (census.keys())
        .filter(|stat| places.contains(&stat.place) && stat.text() && !stat.more_values)
        .filter(|stat| !layers_in_text(stat).is_empty())
        .collect();
    texts.sort_by_key(|stat| (!stat.key.contains("hook"), std::cmp::Reverse(stat.runs)));
    texts.first().map(|stat| text_layer_choice(stat))
}

/// The choice of the text key `stat` for the layer, read by `HOOK_LAYER_REGEX`.
pub fn text_layer_choice(stat: &KeyStat) -> Choice {
    Choice {
        key: stat.key.clone(),
        place: stat.place,
        layer_regex: Some(HOOK_LAYER_REGEX.to_string()),
        layers: layers_in_text(stat),
    }
}

/// The layers `HOOK_LAYER_REGEX` reads from each of `stat`'s text values; empty unless
/// every one of them names one.
pub fn layers_in_text(stat: &KeyStat) -> Vec<i64> {
    let regex = Regex::new(HOOK_LAYER_REGEX).expect("the hook regex compiles");
    let mut layers = Vec::new();
    for value in &stat.values {
        let Ok(text) = serde_json::from_str::<String>(value) else {
            continue;
        };
        let layer = (regex.captures(&text)).and_then(|captures| captures[1].parse::<i64>().ok());
        match layer {
            Some(layer) => layers.push(layer),
            None => return Vec::new(),
        }
    }
    layers.sort_unstable();
    layers.dedup();
    layers
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn census(runs: &[&[(Place, &str, serde_json::Value)]]) -> Census {
        let mut census = Census::default();
        for run in runs {
            census.add_run(Some("finished"));
            for (place, key, value) in *run {
                census.observe(*place, key, value);
            }
        }
        census
    }

    fn chosen(proposals: &[Proposal], role: Role) -> Option<String> {
        let proposal = proposals.iter().find(|p| p.role == role).unwrap();
        proposal.choice.as_ref().map(|choice| choice.key.clone())
    }

    #[test]
    fn saelens_keys_are_proposed_in_their_places() {
        use Place::*;
        let run: &[(Place, &str, serde_json::Value)] = &[
            (Config, "hook_layer", json!(6)),
            (Config, "hook_name", json!("blocks.6.hook_resid_pre")),
            (Config, "architecture", json!("topk")),
            (Config, "d_sae", json!(16384)),
            (Config, "k", json!(64)),
            (Config, "l0_coefficient", json!(5.0)),
            (Summary, "metrics/l0", json!(63.5)),
            (Summary, "losses/mse_loss", json!(0.002)),
            (Summary, "_step", json!(100)),
        ];
        let proposals = propose(&census(&[run]), true);
        let keys: Vec<Option<String>> = ROLES.iter().map(|role| chosen(&proposals, *role)).collect();
        let expected = [
            "hook_layer",
            "d_sae",
            "architecture",
            "k",
            "metrics/l0",
            "losses/mse_loss",
        ];
        assert_eq!(keys, expected.map(|key| Some(key.to_string())));
        let layer = proposals[0].choice.clone().unwrap();
        assert_eq!((layer.layers, layer.layer_regex), (vec![6], None));
        // Offline, an export's columns are all candidates; a metric in config is not one online.
        let moved: &[(Place, &str, serde_json::Value)] = &[(Config, "l2_loss", json!(0.1))];
        assert_eq!(chosen(&propose(&census(&[moved]), true), Role::Error), None);
    }

    #[test]
    fn a_layer_only_in_a_hook_name_is_read_by_the_hook_regex() {
        let runs: Vec<Vec<(Place, &str, serde_json::Value)>> = [4, 9]
            .iter()
            .map(|layer| {
                vec![(
                    Place::Column,
                    "hook_name",
                    json!(format!("blocks.{layer}.hook_resid_pre")),
                )]
            })
            .collect();
        let runs: Vec<&[(Place, &str, serde_json::Value)]> = runs.iter().map(Vec::as_slice).collect();
        let proposals = propose(&census(&runs), false);
        let layer = proposals[0].choice.clone().unwrap();
        assert_eq!(layer.key, "hook_name");
        assert_eq!(layer.layer_regex.as_deref(), Some(HOOK_LAYER_REGEX));
        assert_eq!(layer.layers, [4, 9]);
    }

    #[test]
    fn a_key_of_the_wrong_type_or_an_internal_key_is_not_proposed() {
        use Place::Column;
        let run: &[(Place, &str, serde_json::Value)] = &[
            (Column, "layer", json!("six")),
            (Column, "dict_size", json!(0)),
            (Column, "_l0", json!(3.0)),
            (Column, "sae.top_k", json!(32)),
            (Column, "l2_loss.min", json!(0.5)),
        ];
        let proposals = propose(&census(&[run]), false);
        assert_eq!(chosen(&proposals, Role::Layer), None);
        assert_eq!(chosen(&proposals, Role::DictSize), None);
        assert_eq!(chosen(&proposals, Role::L0), None);
        assert_eq!(chosen(&proposals, Role::K).as_deref(), Some("sae.top_k"));
        assert_eq!(chosen(&proposals, Role::Error).as_deref(), Some("l2_loss.min"));
    }
}
