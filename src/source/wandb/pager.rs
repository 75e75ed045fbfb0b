//! One layer's paged stream: cursor by cursor into a cache export, checked for loss and loops.

use std::collections::HashSet;
use std::io::BufWriter;
use std::path::Path;

use super::client::GraphQlClient;
use super::columns::CacheLayout;
use super::decode::{decode_data, DecodeError, RunsData};
use super::query::{layer_filter, PageRequest};
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

/// Fetches every run of `layer`, writing them to a staged cache export in server order.
pub async fn fetch_layer(ctx: &FetchContext<'_>, layer: i64) -> anyhow::Result<StagedLayer> {
    let settings = ctx.settings;
    let filters = layer_filter(&settings.columns.layer, &[layer], &settings.fetch.states);
    let file = cache::temp_file(ctx.cache_dir)?;
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(BufWriter::with_capacity(1 << 16, file.reopen()?));
    writer.write_record(ctx.layout.header())?;
    let bar = ctx.progress.layer(layer);
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursors: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut run_count: Option<u64> = None;
    let mut empty_pages = 0;
    for page in 1.. {
        let what = format!("layer {layer} page {page}");
        let request = PageRequest {
            entity: ctx.entity,
            project: &settings.project,
            filters: &filters,
            cursor: cursor.as_deref(),
            per_page: settings.fetch.page_size,
            with_count: run_count.is_none(),
        };
        let body = ctx.client.post(ctx.query, request.variables(), &what).await?;
        let data: RunsData = decode_data(&body).map_err(|e| describe_decode(e, &what, &ctx.client.host()))?;
        let Some(project) = data.project else {
            return fail(
                Kind::NotFound,
                format!(
                    "project {}/{} not found or not visible to this key; check the spelling, --entity, and WANDB_BASE_URL",
                    ctx.entity, settings.project
                ),
            );
        };
        if run_count.is_none() {
            let count = project.run_count.unwrap_or(0);
            run_count = Some(count);
            bar.set_length(count);
        }
        let before = seen.len();
        for edge in &project.runs.edges {
            if seen.insert(edge.node.name.clone()) {
                writer.write_record(ctx.layout.row(&edge.node))?;
            }
        }
        bar.set_position(seen.len() as u64);
        if !project.runs.page_info.has_next_page {
            break;
        }
        empty_pages = if seen.len() == before { empty_pages + 1 } else { 0 };
        if empty_pages >= MAX_EMPTY_PAGES {
            return fail(
                Kind::Protocol,
                format!("{what}: the server keeps saying more pages follow but sends no new runs; it may be misbehaving: try later"),
            );
        }
        let next = project
            .runs
            .edges
            .last()
            .and_then(|edge| edge.cursor.clone())
            .or(project.runs.page_info.end_cursor);
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
    writer.flush()?;
    drop(writer);
    let received = seen.len() as u64;
    let expected = run_count.unwrap_or(0);
    if received < expected {
        return fail(
            Kind::Incomplete,
            format!("layer {layer}: received {received} runs but the server counted {expected}; runs were lost in paging: fetch again"),
        );
    }
    if settings.verbose >= 1 {
        ctx.progress.println(&format!(
            "layer {layer}: {received} runs (server counted {expected})"
        ));
    }
    Ok(StagedLayer {
        file,
        layer,
        filters,
        runs: received,
        run_count: expected,
    })
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
