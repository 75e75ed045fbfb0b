//! One layer's fetch: its runs (only what changed since the cache, with `--incremental`),
//! sorted canonically and staged as a cache export, handed on to be read at once.

use std::io::BufWriter;

use tempfile::NamedTempFile;

use super::columns::CacheLayout;
use super::incremental::{self, PreviousLayer};
use super::pager::{count_runs, fetch_runs, FetchContext};
use super::query::layer_filter;
use crate::config::export_spec::ExportSpec;
use crate::store::cache::{self, StagedLayer};
use crate::store::digest::DigestWriter;

/// Fetches `layer`, the `index`-th (only what changed since the cache, with
/// `--incremental`), stages it, and hands the staged export to `ctx.staged`.
pub async fn fetch_layer(ctx: &FetchContext<'_>, index: usize, layer: i64) -> anyhow::Result<StagedLayer> {
    let settings = ctx.settings;
    let filters = layer_filter(&settings.rules.columns.layer, &[layer], &settings.fetch.runs);
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
            label: Some(ctx.site.label(&committed)),
            project: Some(std::sync::Arc::clone(ctx.project)),
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
    Ok((file, rows.len() as u64, crate::store::digest::hex(&sha256)))
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
