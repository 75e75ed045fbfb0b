//! As after a fetch (`fetch/role_check.rs`): a role key the table needs that no run
//! folder carries (`--column l0=metrics/L0` for `metrics/l0`) is an error naming the keys
//! the folders' runs do have that are nearest to it; an unnamed dictionary size beside a
//! `d_sae` config key is a warning naming the flag.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::folder::FolderRun;
use crate::config::role_keys::{lookalike, nearest, quoted_list, Role};
use crate::config::settings::ColumnNames;
use crate::error::{fail, Kind};
use crate::fetch::graphql::decode::lookup;

/// Fails (exit 3) when no run of `runs` carries the L0, error or named activation key;
/// warns when none carries the dictionary-size key but they have one that looks like it.
pub fn check(runs: &[&FolderRun], columns: &ColumnNames, shown: &str) -> anyhow::Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let carried = |key: &str, in_summary: bool| {
        (runs.iter()).any(|run| lookup(if in_summary { &run.summary } else { &run.config }, key).is_some())
    };
    let mut needed = vec![(Role::L0, &columns.l0, true), (Role::Error, &columns.error, true)];
    if let Some(activation) = &columns.activation {
        needed.push((Role::Activation, activation, false));
    }
    if let Some((role, key, in_summary)) = needed
        .into_iter()
        .find(|(_, key, in_summary)| !carried(key, *in_summary))
    {
        let keys = keys_of(runs, in_summary);
        return fail(
            Kind::Input,
            no_run_carries(role, key, &keys, runs.len(), shown, in_summary),
        );
    }
    if !carried(&columns.dict_size, false) {
        let keys = keys_of(runs, false);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        if let Some(like) = lookalike(Role::DictSize, &keys) {
            crate::style::warn(&format!(
                "no run folder has a config key {:?}: every run is priced at the default D (--dict-size), but the runs have {like:?}, which looks like each run's dictionary size: pass --column dict_size={like}",
                columns.dict_size
            ));
        }
    }
    Ok(())
}

/// Every config (or summary) key of `runs`, W&B's own `_` keys left out.
fn keys_of(runs: &[&FolderRun], in_summary: bool) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for run in runs {
        let map: &Map<String, Value> = if in_summary { &run.summary } else { &run.config };
        keys.extend(map.keys().filter(|key| !key.starts_with('_')).cloned());
    }
    keys.into_iter().collect()
}

fn no_run_carries(
    role: Role,
    key: &str,
    keys: &[String],
    runs: usize,
    shown: &str,
    in_summary: bool,
) -> String {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut near = nearest(key, &keys, 3);
    if let Some(like) = lookalike(role, &keys).filter(|like| !near.contains(like)) {
        near.insert(0, like);
    }
    let kind = match in_summary {
        true => "summary",
        false => "config",
    };
    let flag = role.name();
    let lacks = format!(
        "none of the {runs} run folders under {shown} has the {kind} key {key:?} (--column {flag}={key})"
    );
    match near.first() {
        Some(best) => format!(
            "{lacks}; their {kind} keys nearest to it: {}: pass --column {flag}={best}",
            quoted_list(&near)
        ),
        None if keys.is_empty() => format!("{lacks}; they have no {kind} keys at all"),
        None => {
            let listed: Vec<&str> = keys.iter().take(30).copied().collect();
            format!(
                "{lacks}; their {kind} keys are {}: pass --column {flag}=KEY",
                quoted_list(&listed)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(summary: Value, config: Value) -> FolderRun {
        FolderRun {
            summary: summary.as_object().unwrap().clone(),
            config: config.as_object().unwrap().clone(),
            ..FolderRun::default()
        }
    }

    #[test]
    fn a_key_no_folder_carries_names_the_nearest_ones() {
        let a = run(
            json!({"metrics/l0": 3, "losses/mse_loss": 0.1, "_step": 4}),
            json!({"hook_layer": 6}),
        );
        let b = run(json!({"metrics/l0": 4}), json!({}));
        let mut columns = ColumnNames {
            l0: "metrics/L0".into(),
            error: "losses/mse_loss".into(),
            ..ColumnNames::default()
        };
        let error = check(&[&a, &b], &columns, "wandb").unwrap_err().to_string();
        assert!(
            error.contains("none of the 2 run folders under wandb has the summary key \"metrics/L0\""),
            "{error}"
        );
        assert!(error.contains("pass --column l0=metrics/l0"), "{error}");
        columns.l0 = "metrics/l0".into();
        check(&[&a, &b], &columns, "wandb").unwrap();
        columns.activation = Some("architecture".into());
        let error = check(&[&a, &b], &columns, "wandb").unwrap_err().to_string();
        assert!(error.contains("config key \"architecture\""), "{error}");
    }
}
