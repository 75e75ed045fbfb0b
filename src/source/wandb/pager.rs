//! One layer's fetch: cursor by cursor into rows, checked for loss and loops, then sorted
//! canonically and staged as a cache export (merged with the cache when incremental).

use std::collections::HashSet;
use std::io::BufWriter;
use std::path::Path;

use super::client::GraphQlClient;
use super::columns::CacheLayout;
use super::decode::{decode_data, CountData, DecodeError, RunsData};
use super::incremental::{self, PreviousLayer};
use super::query::{layer_filter, PageRequest, COUNT_QUERY};
use crate::error::{fail, Error, Kind};
use crate::progress::Progress;
use crate::settings::Settings;
use crate::source::cache::{self, StagedLayer};

/// Everything the layer streams share.
pub struct FetchContext<'a> {
    pub client: &'a GraphQlClient,
    pub settings: &'a Settings,
    pub layout: &'a CacheLayout,
    pub query: &'a str,
    pub entity: &'a str,
    pub cache_dir: &'a Path,
    pub progress: &'a Progress,
}

/// Pages without a single new run before the server is called endless.
const MAX_EMPTY_PAGES: u32 = 3;

/// The runs one filter matched, as cache rows, with the server's count of them.
pub struct Fetched {
    pub rows: Vec<Vec<String>>,
    pub ids: HashSet<String>,
    pub run_count: u64,
}

/// Fetches `layer` (only what changed since the cache, with `--incremental`) and stages it.
pub async fn fetch_layer(ctx: &FetchContext<'_>, layer: i64) -> anyhow::Result<StagedLayer> {
    let settings = ctx.settings;
    let filters = layer_filter(&settings.columns.layer, &[layer], &settings.fetch.states);
    let previous = match settings.fetch.incremental {
        true => incremental::previous_layer(ctx, layer, &filters)?,
        false => None,
    };
    let (mut rows, run_count, reused) = match previous {
        Some(previous) => refresh(ctx, layer, &filters, previous).await?,
        None => {
            let fetched = fetch_runs(ctx, layer, &filters).await?;
            (fetched.rows, fetched.run_count, 0)
        }
    };
    rows.sort_by(|a, b| CacheLayout::canonical_key(a).cmp(&CacheLayout::canonical_key(b)));
    let file = cache::temp_file(ctx.cache_dir)?;
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(BufWriter::with_capacity(1 << 16, file.reopen()?));
    writer.write_record(ctx.layout.header())?;
    for row in &rows {
        writer.write_record(row)?;
    }
    writer.flush()?;
    drop(writer);
    if settings.verbose >= 1 {
        ctx.progress.println(&format!(
            "layer {layer}: {} runs (server counted {run_count}; {reused} reused from the cache)",
            rows.len()
        ));
    }
    Ok(StagedLayer {
        file,
        layer,
        filters,
        runs: rows.len() as u64,
        run_count,
        reused,
    })
}

/// Incremental: fetch what is new or was unfinished, keep the rest from the cache, and
/// check the result against the server's full count (falling back to a full fetch).
async fn refresh(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    previous: PreviousLayer,
) -> anyhow::Result<(Vec<Vec<String>>, u64, u64)> {
    let refresh_filter = previous.refresh_filter(filters)?;
    let fetched = fetch_runs(ctx, layer, &refresh_filter).await?;
    let total = count_runs(ctx, layer, filters).await?;
    let (rows, reused) = previous.merge(fetched);
    if rows.len() as u64 == total {
        return Ok((rows, total, reused));
    }
    if ctx.settings.verbose >= 1 {
        ctx.progress.println(&format!(
            "layer {layer}: the cache and the changes make {} runs but the server counts {total}; fetching the layer in full",
            rows.len()
        ));
    }
    let full = fetch_runs(ctx, layer, filters).await?;
    Ok((full.rows, full.run_count, 0))
}

/// How many runs match `filters` right now.
async fn count_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<u64> {
    let what = format!("layer {layer} count");
    let variables = serde_json::json!({
        "entity": ctx.entity,
        "project": ctx.settings.project,
        "filters": filters,
    });
    let body = ctx.client.post(COUNT_QUERY, variables, &what).await?;
    let data: CountData = decode_data(&body).map_err(|e| describe_decode(e, &what, &ctx.client.host()))?;
    match data.project {
        Some(project) => Ok(project.run_count),
        None => not_found(ctx),
    }
}

fn not_found<T>(ctx: &FetchContext<'_>) -> anyhow::Result<T> {
    fail(
        Kind::NotFound,
        format!(
            "project {}/{} not found or not visible to this key; check the spelling, --entity, and WANDB_BASE_URL",
            ctx.entity, ctx.settings.project
        ),
    )
}

/// Pages through every run matching `filters`.
pub async fn fetch_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<Fetched> {
    let settings = ctx.settings;
    let bar = ctx.progress.layer(layer);
    let mut fetched = Fetched {
        rows: Vec::new(),
        ids: HashSet::new(),
        run_count: 0,
    };
    let mut cursors: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut counted = false;
    let mut empty_pages = 0;
    for page in 1.. {
        let what = format!("layer {layer} page {page}");
        let request = PageRequest {
            entity: ctx.entity,
            project: &settings.project,
            filters,
            cursor: cursor.as_deref(),
            per_page: settings.fetch.page_size,
            with_count: !counted,
        };
        let body = ctx.client.post(ctx.query, request.variables(), &what).await?;
        let data: RunsData = decode_data(&body).map_err(|e| describe_decode(e, &what, &ctx.client.host()))?;
        let Some(project) = data.project else {
            return not_found(ctx);
        };
        if !counted {
            fetched.run_count = project.run_count.unwrap_or(0);
            bar.set_length(fetched.run_count);
            counted = true;
        }
        let before = fetched.ids.len();
        for edge in &project.runs.edges {
            if fetched.ids.insert(edge.node.name.clone()) {
                fetched.rows.push(ctx.layout.row(&edge.node));
            }
        }
        bar.set_position(fetched.ids.len() as u64);
        if !project.runs.page_info.has_next_page {
            break;
        }
        empty_pages = if fetched.ids.len() == before {
            empty_pages + 1
        } else {
            0
        };
        if empty_pages >= MAX_EMPTY_PAGES {
            return fail(
                Kind::Protocol,
                format!("{what}: the server keeps saying more pages follow but sends no new runs; it may be misbehaving: try later"),
            );
        }
        let next = project
            .runs
            .page_info
            .end_cursor
            .or_else(|| project.runs.edges.last().and_then(|edge| edge.cursor.clone()));
        let Some(next) = next else {
            return fail(
                Kind::Protocol,
                format!("{what}: the server says more pages follow but gives no cursor"),
            );
        };
        if cursor.as_deref() == Some(next.as_str()) || !cursors.insert(next.clone()) {
            return fail(
                Kind::Protocol,
                format!(
                    "{what}: the server sent a cursor it had sent before; paging would never end: try later"
                ),
            );
        }
        cursor = Some(next);
    }
    bar.finish();
    let received = fetched.ids.len() as u64;
    if received < fetched.run_count {
        return fail(
            Kind::Incomplete,
            format!(
                "layer {layer}: received {received} runs but the server counted {}; runs were lost in paging: fetch again",
                fetched.run_count
            ),
        );
    }
    Ok(fetched)
}

fn describe_decode(error: DecodeError, what: &str, host: &str) -> Error {
    let message = match error {
        DecodeError::NotJson(detail) => {
            format!("{what}: {host} answered with something that is not JSON: {detail}; check WANDB_BASE_URL")
        }
        DecodeError::Shape { path, reason } => {
            format!(
                "{what}: unexpected answer from {host} at {path}: {reason}; is WANDB_BASE_URL a W&B server?"
            )
        }
        DecodeError::GraphQl(message) => {
            format!("{what}: W&B reported an error: {message}; check the entity, project and profile keys")
        }
    };
    Error::new(Kind::Protocol, message)
}
