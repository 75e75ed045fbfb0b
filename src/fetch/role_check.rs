//! After a fetch: every role key the table depends on must be carried by some run. A key
//! no run carries (`--column l0=metrics/L0` for `metrics/l0`) is an error naming the keys
//! a run of the project does have that are nearest to it, before the cache is touched; an
//! unnamed dictionary size beside a `d_sae` key is a warning naming the flag.

use serde_json::Value;

use super::graphql::columns::{CacheLayout, LAYER};
use super::graphql::query::{any_layer_filter, layer_filter};
use super::paging::context::FetchContext;
use crate::config::role_keys::{lookalike, nearest, quoted_list, Role};
use crate::error::{fail, Kind};

/// How many of a layer's runs carry each of the cache's config and summary keys, in the
/// layout's order (config keys, then summary keys).
pub fn carriers(rows: &[Vec<String>], layout: &CacheLayout) -> Vec<u64> {
    let keys = layout.config_keys.len() + layout.summary_keys.len();
    let mut counts = vec![0u64; keys];
    for row in rows {
        for (count, cell) in counts.iter_mut().zip(&row[LAYER..]) {
            *count += u64::from(!cell.is_empty());
        }
    }
    counts
}

/// One run of the asked layers with its whole config and summary.
const SAMPLE_QUERY: &str = "query SampleKeys($project: String!, $entity: String!, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runs(first: 1, filters: $filters) { edges { node { config summaryMetrics } } }
  }
}";

/// A sampled run's config keys and summary keys.
struct SampleKeys {
    config: Vec<String>,
    summary: Vec<String>,
}

/// Fails (exit 3) when a role key no fetched run carries is one the table needs (L0,
/// error, a named activation); warns when no run carries the dictionary size but the
/// runs have a key that looks like one. `counts` sums `carriers` over the layers.
pub async fn check(
    ctx: &FetchContext<'_>,
    counts: &[u64],
    runs: u64,
    one_stream: bool,
) -> anyhow::Result<()> {
    if runs == 0 {
        return Ok(());
    }
    let columns = ctx.job.columns;
    let layout = ctx.layout;
    let carried = |key: &str| {
        let at = (layout.config_keys.iter().chain(&layout.summary_keys)).position(|k| k == key);
        at.is_some_and(|at| counts[at] > 0)
    };
    let mut needed = vec![(Role::L0, &columns.l0, true), (Role::Error, &columns.error, true)];
    if let Some(activation) = &columns.activation {
        needed.push((Role::Activation, activation, false));
    }
    let missing = needed.into_iter().find(|(_, key, _)| !carried(key));
    let dict_unnamed = !carried(&columns.dict_size);
    if missing.is_none() && !dict_unnamed {
        return Ok(());
    }
    let sample = sample_keys(ctx, one_stream).await?;
    if let Some((role, key, in_summary)) = missing {
        let keys = match in_summary {
            true => &sample.summary,
            false => &sample.config,
        };
        return fail(Kind::Input, no_run_carries(ctx, role, key, keys, runs));
    }
    let config: Vec<&str> = sample.config.iter().map(String::as_str).collect();
    if let Some(like) = lookalike(Role::DictSize, &config) {
        crate::style::warn(&format!(
            "no run has a config key {:?}: every run is priced at the default D (--dict-size), but the runs have {like:?}, which looks like each run's dictionary size: pass --column dict_size={like}",
            columns.dict_size
        ));
    }
    Ok(())
}

/// The message for a role key none of the `runs` fetched carries, with the sampled run's
/// keys nearest to it.
fn no_run_carries(ctx: &FetchContext<'_>, role: Role, key: &str, keys: &[String], runs: u64) -> String {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut near = nearest(key, &keys, 3);
    if let Some(like) = lookalike(role, &keys).filter(|like| !near.contains(like)) {
        near.insert(0, like);
    }
    let kind = match role {
        Role::L0 | Role::Error => "summary",
        _ => "config",
    };
    let place = format!("{}/{}", ctx.entity, ctx.project.project);
    let flag = role.name();
    let lacks = format!(
        "none of the {runs} runs fetched from {place} has the {kind} key {key:?} (--column {flag}={key})"
    );
    match near.first() {
        Some(best) => format!(
            "{lacks}; a run's {kind} keys nearest to it: {}: pass --column {flag}={best}; the cache is unchanged",
            quoted_list(&near)
        ),
        None => format!(
            "{lacks}; a run's {kind} keys are {}: pass --column {flag}=KEY; the cache is unchanged",
            shown_keys(&keys)
        ),
    }
}

/// At most 30 keys, sorted, and how many more.
fn shown_keys(keys: &[&str]) -> String {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    let more = sorted.len().saturating_sub(30);
    sorted.truncate(30);
    let mut shown = quoted_list(&sorted);
    if more > 0 {
        shown += &format!(" and {more} more");
    }
    shown
}

/// The config and summary keys of one run of the asked layers (W&B's own `_wandb` and
/// `_`-prefixed keys left out).
async fn sample_keys(ctx: &FetchContext<'_>, one_stream: bool) -> anyhow::Result<SampleKeys> {
    let settings = ctx.job;
    let filters = match one_stream {
        true => any_layer_filter(&settings.fetch.runs),
        false => layer_filter(&settings.columns.layer, settings.layers, &settings.fetch.runs),
    };
    let variables = serde_json::json!({
        "entity": ctx.entity,
        "project": ctx.project.project,
        "filters": filters,
    });
    let body = ctx
        .client
        .post(SAMPLE_QUERY, variables, "a sample run's keys")
        .await?;
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let node = &body["data"]["project"]["runs"]["edges"][0]["node"];
    Ok(SampleKeys {
        config: object_keys(&node["config"]),
        summary: object_keys(&node["summaryMetrics"]),
    })
}

/// The keys of a JSONString object (JSON text in a string; an object is taken too).
fn object_keys(value: &Value) -> Vec<String> {
    let parsed = match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        other => other.clone(),
    };
    let Value::Object(map) = parsed else {
        return Vec::new();
    };
    map.keys().filter(|key| !key.starts_with('_')).cloned().collect()
}
