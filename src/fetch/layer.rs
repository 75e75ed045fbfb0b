//! One layer's fetch: its runs (only what changed since the cache, with `--incremental`),
//! sorted canonically and staged as a cache export, handed on to be read at once.

use std::io::BufWriter;
use std::time::{Instant, SystemTime};

use tempfile::NamedTempFile;

use super::graphql::columns::{CacheLayout, LAYER};
use super::graphql::query::{layer_filter, named_filter, server_filters_on};
use super::graphql::timestamps;
use super::paging::context::{FetchContext, Fetched};
use super::paging::incremental::{self, PreviousLayer};
use super::paging::listing::list_runs;
use super::paging::pager::fetch_runs;
use super::paging::watermark;
use crate::config::export_spec::ExportSpec;
use crate::read::cells::{whole, Whole};
use crate::store::cache::{self, StagedLayer};
use crate::store::digest_aside::DigestAsideWriter;

/// A layer's runs as cache rows, with what the cache manifest records of them.
pub(super) struct LayerRuns {
    pub(super) rows: Vec<Vec<String>>,
    pub(super) run_count: u64,
    pub(super) reused: u64,
    pub(super) watermark: Option<SystemTime>,
}

/// Fetches `layer`, the `index`-th (only what changed since the cache, with
/// `--incremental`), stages it, and hands the staged export to `ctx.staged`.
/// Also returns how many of its runs carry each cache key (`role_check::carriers`).
pub async fn fetch_layer(
    ctx: &FetchContext<'_>,
    index: usize,
    layer: i64,
) -> anyhow::Result<(StagedLayer, Vec<u64>)> {
    let settings = ctx.job;
    let filters = layer_filter(&settings.columns.layer, &[layer], &settings.fetch.runs);
    let runs = layer_runs(ctx, layer, &filters).await?;
    stage_layer(ctx, index, layer, filters, runs).await
}

/// Stages `runs` as the cache export of `layer` (fetched with `filters`), the `index`-th
/// export, and hands it to `ctx.staged`; also returns how many of its runs carry each key.
pub(super) async fn stage_layer(
    ctx: &FetchContext<'_>,
    index: usize,
    layer: i64,
    filters: String,
    runs: LayerRuns,
) -> anyhow::Result<(StagedLayer, Vec<u64>)> {
    let settings = ctx.job;
    let LayerRuns {
        rows,
        run_count,
        reused,
        watermark,
    } = runs;
    let carriers = super::role_check::carriers(&rows, ctx.layout);
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
    hand_over(ctx, index, layer, &file, &sha256)?;
    let staged = StagedLayer {
        file,
        layer,
        filters,
        runs,
        run_count,
        reused,
        watermark: watermark.map(timestamps::format),
        sha256,
    };
    Ok((staged, carriers))
}

/// Hands the staged export of `layer` to `ctx.staged`, under the name it will have.
fn hand_over(
    ctx: &FetchContext<'_>,
    index: usize,
    layer: i64,
    file: &NamedTempFile,
    sha256: &str,
) -> anyhow::Result<()> {
    let committed = ctx.cache_dir.join(cache::file_name(layer, sha256));
    let to_sync = file
        .reopen()
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.path().display()))?;
    let spec = ExportSpec {
        layer: Some(layer),
        path: file.path().to_path_buf(),
        label: Some(ctx.site.label(&committed)),
        project: Some(std::sync::Arc::clone(ctx.project)),
    };
    (ctx.staged)(index, spec, to_sync);
    Ok(())
}

/// Writes a layer's rows, in canonical order, to its temp file in the cache, digesting them
/// on the way. Returns the file, its runs and its hex sha256.
fn stage(
    file: NamedTempFile,
    header: &[String],
    rows: Vec<Vec<String>>,
) -> anyhow::Result<(NamedTempFile, u64, String)> {
    let order = CacheLayout::canonical_order(&rows);
    let failed = |e: std::io::Error| cache::cache_error(file.path(), &e);
    let csv_failed = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => failed(e),
        other => anyhow::anyhow!("{}: cannot write the cache: {other:?}", file.path().display()),
    };
    let digested = DigestAsideWriter::new(file.reopen().map_err(failed)?);
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(BufWriter::with_capacity(1 << 16, digested));
    writer.write_record(header).map_err(csv_failed)?;
    for &at in &order {
        writer.write_record(&rows[at]).map_err(csv_failed)?;
    }
    let buffered = writer.into_inner().map_err(|e| failed(e.into_error()))?;
    let (_, sha256) = buffered
        .into_inner()
        .map_err(|e| failed(e.into_error()))?
        .finish();
    let runs = rows.len() as u64;
    free_aside(rows);
    Ok((file, runs, crate::model::table::hex(&sha256)))
}

/// Frees `value` on a thread of its own (here if no thread can be had): a large layer's
/// cells and ids take a while to free, and are not to be freed on the way to its table.
fn free_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// The layer's runs: with `--incremental` and a cache to start from, what changed merged
/// over the cache; else all of them. A layer key the server cannot filter on is fetched
/// in full (the server's count is then of every layer, and cannot check a merge).
async fn layer_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<LayerRuns> {
    let key = &ctx.job.columns.layer;
    let on_server = server_filters_on(key);
    if !on_server && ctx.job.verbose >= 1 {
        ctx.progress.println(&format!(
            "layer {layer}: layer key {key:?} has a dot: W&B cannot filter on it, so layers are picked from every run here"
        ));
    }
    let previous = match ctx.job.fetch.incremental && on_server {
        true => incremental::previous_layer(ctx, layer, filters)?,
        false => None,
    };
    match previous {
        Some(previous) => refresh(ctx, layer, filters, previous).await,
        None => full(ctx, layer, filters).await,
    }
}

/// Every run of the layer, and the watermark the fetch leaves.
async fn full(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<LayerRuns> {
    let started = Instant::now();
    let fetched = fetch_runs(ctx, layer, filters).await?;
    let mut rows = fetched.rows;
    free_aside(fetched.ids);
    if !server_filters_on(&ctx.job.columns.layer) {
        rows.retain(|row| in_layer(&row[LAYER], layer));
    }
    Ok(LayerRuns {
        watermark: watermark::after_fetch(fetched.newest_update, started.elapsed()),
        rows,
        run_count: fetched.run_count,
        reused: 0,
    })
}

/// Whether a run's layer cell says `layer`, as the export reader reads it (`6`, `"6"`,
/// `6.0` alike).
fn in_layer(cell: &str, layer: i64) -> bool {
    whole(cell.as_bytes()) == Whole::Value(i128::from(layer))
}

/// The most run ids one request names (`name $in [...]`), so that no request body is huge.
const NAMES_PER_REQUEST: usize = 200;

/// Incremental: list the layer's runs (ids, states, `updatedAt`), fetch in full those the
/// cache cannot stand for (`PreviousLayer::plan`), and keep the rest from the cache; a
/// cached run the listing lacks is gone. A listing short of the server's count, or a
/// merge short of the listing (a run gone between the listing and its fetch), makes the
/// layer fetch in full.
async fn refresh(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    previous: PreviousLayer,
) -> anyhow::Result<LayerRuns> {
    let started = Instant::now();
    let listing = list_runs(ctx, layer, filters).await?;
    let verbose = ctx.job.verbose >= 1;
    if listing.short() {
        if verbose {
            ctx.progress.println(&format!(
                "layer {layer}: the listing has {} runs but the server counts {}; fetching the layer in full",
                listing.runs.len(),
                listing.run_count
            ));
        }
        return full(ctx, layer, filters).await;
    }
    let plan = previous.plan(&listing.runs);
    let fetched = fetch_named(ctx, layer, filters, &plan.fetch).await?;
    let mark = watermark::after_fetch(listing.newest_update, started.elapsed());
    let watermark = mark.max(Some(previous.watermark));
    let (rows, reused) = previous.merge(plan, fetched);
    if rows.len() == listing.runs.len() {
        return Ok(LayerRuns {
            rows,
            run_count: listing.run_count,
            reused,
            watermark,
        });
    }
    if verbose {
        ctx.progress.println(&format!(
            "layer {layer}: the cache and the changes make {} runs but the listing has {}; fetching the layer in full",
            rows.len(),
            listing.runs.len()
        ));
    }
    full(ctx, layer, filters).await
}

/// The runs of `filters` named `ids`, a batch of `NAMES_PER_REQUEST` at a time.
async fn fetch_named(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    ids: &[String],
) -> anyhow::Result<Fetched> {
    let mut all = Fetched::default();
    for batch in ids.chunks(NAMES_PER_REQUEST) {
        let fetched = fetch_runs(ctx, layer, &named_filter(filters, batch)?).await?;
        all.rows.extend(fetched.rows);
        all.ids.extend(fetched.ids);
        all.run_count += fetched.run_count;
        all.newest_update = all.newest_update.max(fetched.newest_update);
    }
    Ok(all)
}
