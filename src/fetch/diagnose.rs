//! When no run of any asked layer matched: what was asked, how many runs the project has,
//! and the config keys of one of its runs, so that the user can name the layer's key.

use serde_json::Value;

use super::graphql::query::{layer_filter, server_filters_on};
use super::paging::context::FetchContext;
use super::paging::pager::count_runs;
use crate::config::settings::RunFilter;
use crate::error::{fail, Kind};

/// One run of the project, with its whole config.
const SAMPLE_QUERY: &str = "query SampleRun($project: String!, $entity: String!) {
  project(name: $project, entityName: $entity) {
    runs(first: 1) { edges { node { name config } } }
  }
}";

/// The config keys W&B itself writes, which never hold the layer.
const INTERNAL_KEYS: [&str; 2] = ["_wandb", "wandb_version"];

/// The most sample keys named in the message.
const SHOWN_KEYS: usize = 24;

/// Fails (exit 5) saying why no run matched, with what the project does hold.
pub async fn no_runs<T>(ctx: &FetchContext<'_>) -> anyhow::Result<T> {
    let settings = ctx.job;
    let (layers, key) = (&settings.layers, &settings.columns.layer);
    let place = format!("{}/{}", ctx.entity, ctx.project.project);
    let first = layers.first().copied().unwrap_or_default();
    let total = count_runs(ctx, first, "{}").await?;
    if total == 0 {
        return fail(Kind::Empty, format!("nothing to tabulate: project {place} has no runs this key can see; check the project's name and --entity"));
    }
    let asked = format!("config.{key} in {layers:?}");
    let mut message = format!("nothing to tabulate: 0 of the {total} runs in {place} match ");
    if !server_filters_on(key) {
        // The layers were picked here, from every run the other filters match.
        let matched = count_runs(ctx, first, &layer_filter(key, layers, &settings.fetch.runs)).await?;
        message = format!("nothing to tabulate: none of the {matched} runs (of {total}) in {place} that --state, --tag, --sweep, --group and --filter pick has ");
    }
    let any_filter = layer_filter(key, layers, &RunFilter::default());
    let by_layer = match server_filters_on(key) {
        true => count_runs(ctx, first, &any_filter).await?,
        false => 0,
    };
    if by_layer > 0 {
        let filter = layer_filter(key, layers, &settings.fetch.runs);
        message += &format!(
            "{filter}, though {by_layer} have {asked}: check --state, --tag, --sweep, --group and --filter"
        );
        return fail(Kind::Empty, message);
    }
    message += &format!("{asked}; if the layer is under another config key, name it with --column layer=KEY (columns.layer in the profile)");
    if let Some((keys, like)) = sample_keys(ctx).await? {
        message += &format!("; a run's config keys: {keys}");
        if let Some(like) = like.filter(|like| like != key) {
            message += &format!("; {like:?} looks like the layer: pass --column layer={like}");
        }
    }
    fail(Kind::Empty, message)
}

/// The config keys of one run of the project, comma-separated, and the one that looks like
/// a layer (`None` if it has none).
async fn sample_keys(ctx: &FetchContext<'_>) -> anyhow::Result<Option<(String, Option<String>)>> {
    let variables = serde_json::json!({ "entity": ctx.entity, "project": ctx.project.project });
    let body = ctx.client.post(SAMPLE_QUERY, variables, "a sample run").await?;
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let config = &body["data"]["project"]["runs"]["edges"][0]["node"]["config"];
    // A JSONString: JSON text inside a string (an object is accepted too).
    let config = match config {
        Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        other => other.clone(),
    };
    let Value::Object(config) = config else {
        return Ok(None);
    };
    let mut keys: Vec<&str> = (config.keys().map(String::as_str))
        .filter(|key| !INTERNAL_KEYS.contains(key))
        .collect();
    keys.sort_unstable();
    let like =
        crate::config::role_keys::lookalike(crate::config::role_keys::Role::Layer, &keys).map(str::to_string);
    let more = keys.len().saturating_sub(SHOWN_KEYS);
    keys.truncate(SHOWN_KEYS);
    let mut shown = keys.join(", ");
    if more > 0 {
        shown += &format!(" and {more} more");
    }
    Ok((!keys.is_empty()).then_some((shown, like)))
}
