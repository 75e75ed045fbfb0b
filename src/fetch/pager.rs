//! One layer's fetch: cursor by cursor into rows, checked for loss and loops, then sorted
//! canonically and staged as a cache export (merged with the cache when incremental).

use std::collections::HashSet;
use std::io::BufWriter;
use std::path::Path;

use tempfile::NamedTempFile;

use super::client::GraphQlClient;
use super::columns::CacheLayout;
use super::decode::{decode_data, CountData, DecodeError};
use super::incremental::{self, PreviousLayer};
use super::page;
use super::query::{layer_filter, PageRequest, COUNT_QUERY};
use crate::config::settings::{ExportSpec, Settings};
use crate::error::{fail, Error, Kind};
use crate::fetch::progress::Progress;
use crate::store::cache::{self, StagedLayer};
use crate::store::digest::DigestWriter;

/// Everything the layer streams share.
pub struct FetchContext<'a> {
    pub client: &'a GraphQlClient,
    pub settings: &'a Settings,
    pub layout: &'a CacheLayout,
    pub query: &'a str,
    pub entity: &'a str,
    pub cache_dir: &'a Path,
    pub progress: &'a Progress,
    /// Called with each layer's export (its position, and its file to sync once it has
    /// been read) as soon as it is staged.
    pub staged: &'a (dyn Fn(usize, ExportSpec, std::fs::File) + Sync),
}

/// Pages without a single new run before the server is called endless.
const MAX_EMPTY_PAGES: u32 = 3;

/// The runs one filter matched, as cache rows, with the server's count of them.
pub struct Fetched {
    pub rows: Vec<Vec<String>>,
    pub ids: HashSet<String>,
    pub run_count: u64,
}

/// Fetches `layer`, the `index`-th (only what changed since the cache, with
/// `--incremental`), stages it, and hands the staged export to `ctx.staged`.
pub async fn fetch_layer(ctx: &FetchContext<'_>, index: usize, layer: i64) -> anyhow::Result<StagedLayer> {
    let settings = ctx.settings;
    let filters = layer_filter(&settings.columns.layer, &[layer], &settings.fetch.states);
    let previous = match settings.fetch.incremental {
        true => incremental::previous_layer(ctx, layer, &filters)?,
        false => None,
    };
    let (rows, run_count, reused) = match previous {
        Some(previous) => refresh(ctx, layer, &filters, previous).await?,
        None => {
            let fetched = fetch_runs(ctx, layer, &filters).await?;
            (fetched.rows, fetched.run_count, 0)
        }
    };
    let file = cache::temp_file(ctx.cache_dir)?;
    let header: Vec<String> = ctx.layout.header().into_iter().map(String::from).collect();
    // Off the async workers: sorting, writing and syncing a layer must not hold up the
    // other layers' page requests.
    let (file, runs, sha256) = tokio::task::spawn_blocking(move || stage(file, &header, rows))
        .await
        .map_err(|e| anyhow::anyhow!("staging layer {layer}: {e}"))??;
    if settings.verbose >= 1 {
        ctx.progress.println(&format!(
            "layer {layer}: {runs} runs (server counted {run_count}; {reused} reused from the cache)"
        ));
    }
    let committed = ctx.cache_dir.join(cache::file_name(layer, &sha256));
    let to_sync = file
        .reopen()
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.path().display()))?;
    (ctx.staged)(
        index,
        ExportSpec {
            layer: Some(layer),
            path: file.path().to_path_buf(),
            label: Some(
                cache::export_label(&settings.fetch, &committed)
                    .unwrap_or_else(|| committed.display().to_string()),
            ),
        },
        to_sync,
    );
    Ok(StagedLayer {
        file,
        layer,
        filters,
        runs,
        run_count,
        reused,
        sha256,
    })
}

/// Writes a layer's rows, in canonical order, to its temp file in the cache, digesting them
/// on the way. Returns the file, its runs and its hex sha256.
fn stage(
    file: NamedTempFile,
    header: &[String],
    mut rows: Vec<Vec<String>>,
) -> anyhow::Result<(NamedTempFile, u64, String)> {
    rows.sort_by(|a, b| CacheLayout::canonical_key(a).cmp(&CacheLayout::canonical_key(b)));
    let failed = |e: std::io::Error| cache::cache_error(file.path(), &e);
    let csv_failed = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => failed(e),
        other => anyhow::anyhow!("{}: cannot write the cache: {other:?}", file.path().display()),
    };
    let digested = DigestWriter::new(file.reopen().map_err(failed)?);
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(BufWriter::with_capacity(1 << 16, digested));
    writer.write_record(header).map_err(csv_failed)?;
    for row in &rows {
        writer.write_record(row).map_err(csv_failed)?;
    }
    let buffered = writer.into_inner().map_err(|e| failed(e.into_error()))?;
    let (_, sha256) = buffered
        .into_inner()
        .map_err(|e| failed(e.into_error()))?
        .finish();
    // Best effort: a failure here shows again, reported, at the commit's sync.
    Ok((file, rows.len() as u64, cache::hex(&sha256)))
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

/// Pages through every run matching `filters`. Each page is read on a blocking thread; as
/// soon as its head is decoded the next page is asked for, and its rows are made during
/// that round trip.
pub async fn fetch_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<Fetched> {
    let settings = ctx.settings;
    let bar = ctx.progress.layer(layer);
    let mut fetched = Fetched {
        rows: Vec::new(),
        ids: HashSet::new(),
        run_count: 0,
    };
    let request = |page: u32, cursor: Option<&str>, with_count: bool, edge_cursors: bool| {
        let variables = PageRequest {
            entity: ctx.entity,
            project: &settings.project,
            filters,
            cursor,
            per_page: settings.fetch.page_size,
            with_count,
            edge_cursors,
        }
        .variables();
        InFlight::send(
            ctx.client,
            ctx.query,
            variables,
            format!("layer {layer} page {page}"),
        )
    };
    let describe = |error, what: &str| describe_decode(error, what, &ctx.client.host());
    let mut cursors: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut counted = false;
    let mut edge_cursors = false;
    let mut repeating = false;
    let mut empty_pages = 0;
    let mut in_flight = Some(request(1, None, true, false));
    // The previous page's rows, made while this page was on its way, and which to keep.
    let mut making: Option<(String, page::RowsTask, Vec<bool>)> = None;
    for page in 1.. {
        let Some(answer) = in_flight.take() else {
            break;
        };
        let what = format!("layer {layer} page {page}");
        let body = answer.wait().await?;
        let (head, rows) = page::read(body, ctx.layout.clone());
        if let Some((what, rows, keep)) = making.take() {
            fetched
                .rows
                .extend(kept_rows(rows, keep).await.map_err(|e| describe(e, &what))?);
        }
        let head = head
            .await
            .map_err(|_| anyhow::anyhow!("{what}: reading the page failed"))?
            .map_err(|e| describe(e, &what))?;
        let Some(head) = head else {
            return not_found(ctx);
        };
        if !counted {
            fetched.run_count = head.run_count.unwrap_or(0);
            bar.set_length(fetched.run_count);
            counted = true;
        }
        let before = fetched.ids.len();
        let keep: Vec<bool> = (head.names.into_iter())
            .map(|name| fetched.ids.insert(name))
            .collect();
        bar.set_position(fetched.ids.len() as u64);
        if head.page_info.has_next_page {
            if head.page_info.end_cursor.is_none() && !edge_cursors {
                // A server without `endCursor`: ask this page again, with each edge's cursor.
                edge_cursors = true;
                repeating = true;
            } else {
                empty_pages = if repeating {
                    empty_pages // the runs of a page asked again are not new, and not a loop either
                } else if fetched.ids.len() == before {
                    empty_pages + 1
                } else {
                    0
                };
                repeating = false;
                if empty_pages >= MAX_EMPTY_PAGES {
                    return fail(
                        Kind::Protocol,
                        format!("{what}: the server keeps saying more pages follow but sends no new runs; it may be misbehaving: try later"),
                    );
                }
                let Some(next) = head.page_info.end_cursor.or(head.last_cursor) else {
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
            in_flight = Some(request(page + 1, cursor.as_deref(), false, edge_cursors));
        }
        making = Some((what, rows, keep));
    }
    if let Some((what, rows, keep)) = making.take() {
        fetched
            .rows
            .extend(kept_rows(rows, keep).await.map_err(|e| describe(e, &what))?);
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

/// A page's rows, less those of runs an earlier page already brought.
async fn kept_rows(rows: page::RowsTask, keep: Vec<bool>) -> Result<Vec<Vec<String>>, DecodeError> {
    let rows = rows.await.map_err(|e| DecodeError::Shape {
        path: "data.project.runs.edges".into(),
        reason: format!("making the rows failed: {e}"),
    })??;
    Ok(rows
        .into_iter()
        .zip(keep)
        .filter_map(|(row, keep)| keep.then_some(row))
        .collect())
}

/// A request sent on its own task, so it goes out while this one works; dropped unanswered
/// (when the fetch fails), it is cancelled.
struct InFlight(tokio::task::JoinHandle<anyhow::Result<bytes::Bytes>>);

impl InFlight {
    fn send(client: &GraphQlClient, query: &str, variables: serde_json::Value, what: String) -> InFlight {
        let (client, query) = (client.clone(), query.to_string());
        InFlight(tokio::spawn(async move {
            client.post(&query, variables, &what).await
        }))
    }

    async fn wait(mut self) -> anyhow::Result<bytes::Bytes> {
        (&mut self.0)
            .await
            .map_err(|e| anyhow::anyhow!("a page request failed: {e}"))?
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.abort();
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::Cli;
    use crate::fetch::query::runs_query;
    use crate::fetch::secret::ApiKey;
    use clap::Parser;
    use fake_wandb::{Dataset, FakeConfig, FakeWandb, Fault, FaultRule, SweepOptions, Trigger};

    /// Pages through layer 6 of a 3-layer sweep (20 runs each) at 7 runs a page, with
    /// `faults` armed; returns the run count and the edge cursors asked per page.
    fn fetch_layer_6(faults: Vec<FaultRule>) -> (anyhow::Result<Fetched>, Vec<bool>) {
        let server = FakeWandb::start(FakeConfig {
            page_cap: 7,
            faults,
            ..FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
                runs: 60,
                ..SweepOptions::default()
            }))
        });
        let cli = Cli::try_parse_from([
            "mdl-fetch",
            "--project",
            "fake-project",
            "--entity",
            "fake-entity",
            "-q",
        ])
        .unwrap();
        let settings = Settings::resolve(&cli.table).unwrap();
        let base = reqwest::Url::parse(&server.base_url()).unwrap();
        let client = GraphQlClient::new(&settings.fetch, &base, &ApiKey::new(server.api_key()), 0).unwrap();
        let layout = CacheLayout::new(&settings);
        let query = runs_query(&layout.projection());
        let progress = Progress::new(true);
        let ctx = FetchContext {
            client: &client,
            settings: &settings,
            layout: &layout,
            query: &query,
            entity: "fake-entity",
            cache_dir: Path::new("unused"),
            progress: &progress,
            staged: &|_, _, _| {},
        };
        let filters = layer_filter("layer", &[6], &[]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let fetched = runtime.block_on(fetch_runs(&ctx, 6, &filters));
        let asked = server
            .runs_requests()
            .iter()
            .map(|r| r.variables["edgeCursors"] == serde_json::json!(true))
            .collect();
        (fetched, asked)
    }

    #[test]
    fn edge_cursors_are_asked_only_of_a_server_without_end_cursors() {
        let (fetched, asked) = fetch_layer_6(Vec::new());
        assert_eq!(fetched.unwrap().rows.len(), 20);
        assert_eq!(asked, [false, false, false]);

        // No endCursor on the first page: that page again with edge cursors, then on.
        let once = FaultRule::new(Fault::NoEndCursor, Trigger::RunsPage { page: 1, layer: None }, 1);
        let (fetched, asked) = fetch_layer_6(vec![once]);
        let fetched = fetched.unwrap();
        assert_eq!((fetched.rows.len(), fetched.run_count), (20, 20));
        assert_eq!(asked, [false, true, true, true]);

        // Never an endCursor: the edges' cursors page through it all the same.
        let always = FaultRule::new(Fault::NoEndCursor, Trigger::Always, usize::MAX);
        let (fetched, asked) = fetch_layer_6(vec![always]);
        assert_eq!(fetched.unwrap().rows.len(), 20);
        assert_eq!(asked, [false, true, true, true]);
    }
}
