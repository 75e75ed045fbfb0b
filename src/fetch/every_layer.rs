//! A project's runs in one stream, split into layers here: when the table takes every layer
//! the runs are in (no `layers` asked), or when the layer key holds text such as SAELens'
//! `hook_name` (`blocks.6.hook_resid_pre`), which the server cannot match to a layer number
//! and the layer regex reads here.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use super::graphql::columns::LAYER;
use super::graphql::decode::unwrap_config;
use super::graphql::query::any_layer_filter;
use super::layer::{stage_layer, LayerRuns};
use super::paging::context::FetchContext;
use super::paging::pager::fetch_runs;
use super::paging::watermark;
use super::progress::EVERY_LAYER;
use crate::read::cells::{whole, Whole};
use crate::store::cache::StagedLayer;

/// Fetches every run the run filter matches in one stream and stages each layer the table
/// takes as its own cache export, numbered from `first_index` in layer order; runs whose
/// layer cell says no layer are left out, said in one warning.
pub async fn fetch_every_layer(
    ctx: &FetchContext<'_>,
    first_index: usize,
) -> anyhow::Result<Vec<(StagedLayer, Vec<u64>)>> {
    let settings = ctx.job;
    let filters = any_layer_filter(&settings.fetch.runs);
    if settings.verbose >= 1 {
        ctx.progress.println(&format!(
            "every layer in one stream ({filters}), each run's layer read from config.{} here",
            settings.columns.layer
        ));
    }
    let started = Instant::now();
    let fetched = fetch_runs(ctx, EVERY_LAYER, &filters).await?;
    let mark = watermark::after_fetch(fetched.newest_update, started.elapsed());
    let (by_layer, unread) = split_by_layer(fetched.rows, ctx);
    if let Some((count, example)) = unread {
        crate::style::warn(&format!(
            "{count} run(s) of {}/{} have no layer under config.{} (first: {example}) and are left out; name the layer's key with --column layer=KEY",
            ctx.entity, ctx.project.project, settings.columns.layer
        ));
    }
    let mut staged = Vec::new();
    let taken = by_layer
        .into_iter()
        .filter(|(layer, _)| settings.layer_set.contains(*layer));
    for (position, (layer, rows)) in taken.enumerate() {
        let runs = LayerRuns {
            run_count: rows.len() as u64,
            rows,
            reused: 0,
            watermark: mark,
        };
        staged.push(stage_layer(ctx, first_index + position, layer, filters.clone(), runs).await?);
    }
    Ok(staged)
}

/// Cache rows by layer.
type RowsByLayer = BTreeMap<i64, Vec<Vec<String>>>;

/// The rows by the layer their layer cell says (a whole number, or text the layer rule
/// reads), and how many said none, with the first such run's name.
fn split_by_layer(rows: Vec<Vec<String>>, ctx: &FetchContext<'_>) -> (RowsByLayer, Option<(u64, String)>) {
    let mut by_layer = RowsByLayer::new();
    let mut unread: Option<(u64, String)> = None;
    for row in rows {
        match layer_of_cell(&row[LAYER], ctx) {
            Some(layer) => by_layer.entry(layer).or_default().push(row),
            None => {
                let slot = unread.get_or_insert_with(|| (0, format!("{:?}", row[0])));
                slot.0 += 1;
            }
        }
    }
    (by_layer, unread)
}

/// A layer cell's layer: a whole number (`6`, `"6"`, `6.0`), or text the layer rule reads.
fn layer_of_cell(cell: &str, ctx: &FetchContext<'_>) -> Option<i64> {
    match whole(cell.as_bytes()) {
        Whole::Value(layer) => i64::try_from(layer).ok(),
        _ => ctx.job.layer_rule.and_then(|rule| rule.layer_of(cell)),
    }
}

/// One run of the run filter with its config.
const SAMPLE_QUERY: &str = "query SampleLayer($project: String!, $entity: String!, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runs(first: 1, filters: $filters) { edges { node { config } } }
  }
}";

/// Whether a run of the project logs the layer key as text that is no number (SAELens'
/// `hook_name`): then no server filter on a layer number can match it. Asked only for a
/// layer key the user named; the default `layer` is a number.
pub async fn layer_key_holds_text(ctx: &FetchContext<'_>) -> anyhow::Result<bool> {
    let key = &ctx.job.columns.layer;
    if key == "layer" {
        return Ok(false);
    }
    let variables = serde_json::json!({
        "entity": ctx.entity,
        "project": ctx.project.project,
        "filters": any_layer_filter(&ctx.job.fetch.runs),
    });
    let body = ctx
        .client
        .post(SAMPLE_QUERY, variables, "a sample run's layer")
        .await?;
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let config = &body["data"]["project"]["runs"]["edges"][0]["node"]["config"];
    let config: Value = match config {
        Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        other => other.clone(),
    };
    let text = match config.get(key).map(unwrap_config) {
        Some(Value::String(text)) => text.clone(),
        _ => return Ok(false),
    };
    Ok(!matches!(whole(text.as_bytes()), Whole::Value(_)))
}
