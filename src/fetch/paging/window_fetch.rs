//! A large layer after its first page: its creation-time windows planned from counts (see
//! `windows`), then paged side by side, each by creation time (`seek`), within the client's
//! `--concurrency` requests in flight; merged in time order with the first page, each run
//! once, as a single stream of pages would have brought them. Each window's runs are checked
//! against its own `runCount`; the layer's against the layer's, by the caller.

use crate::fetch::progress::LayerBar;

use super::cached_layer;
use super::context::{describe_decode, not_found, FetchContext, Fetched};
use super::in_flight::PendingRows;
use super::page_walk::{walk, Asker, Shown, Walked};
use super::window_guesses::{guess_from_cache, guess_from_pace};
use super::windows::{Planner, Split, Window, MAX_REFINE_ROUNDS};
use crate::error::{fail, Kind};
use crate::fetch::graphql::columns::{CREATED, ID};
use crate::fetch::graphql::timestamps::{format_second, parse_second, Second};
use crate::fetch::graphql::window_query::{
    probe_query, probe_variables, read_probe, window_filter, ProbeAnswer, MAX_COUNTS_PER_PROBE,
};

/// One stream of pages: a filter, and how messages name it.
struct Stream {
    filters: String,
    label: String,
}

/// The runs one stream brought, in the server's order, each once.
struct StreamRuns {
    rows: Vec<Vec<String>>,
    newest_update: Option<std::time::SystemTime>,
}

/// Fetches the rest of a layer whose first page is in `fetched` (its ids) and `first` (its
/// rows, being made), as `split` says, and returns every run of it.
pub(super) async fn fetch_rest(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    mut fetched: Fetched,
    first: PendingRows,
    split: Split,
    bar: &LayerBar,
) -> anyhow::Result<Fetched> {
    // The cache (if any) is read while the first page's rows are made.
    let (rows, cached) = tokio::join!(first.rows(ctx), cached_seconds(ctx, layer, filters));
    fetched.rows = rows?;
    let streams = match plan(ctx, layer, filters, &fetched, split, cached).await? {
        Some(streams) => streams,
        None => {
            if ctx.job.verbose >= 1 {
                ctx.progress.println(&format!(
                    "layer {layer}: the server's counts by creation time do not fit its first page; fetching the layer in one stream"
                ));
            }
            vec![Stream {
                filters: filters.to_string(),
                label: "in one stream".into(),
            }]
        }
    };
    let windows = streams.iter().map(|stream| fetch_stream(ctx, layer, stream, bar));
    for runs in futures::future::try_join_all(windows).await? {
        fetched.newest_update = fetched.newest_update.max(runs.newest_update);
        for row in runs.rows {
            if fetched.ids.insert(row[ID].clone()) {
                fetched.rows.push(row);
            }
        }
    }
    bar.received(fetched.ids.len() as u64);
    Ok(fetched)
}

/// The windows after the first page, from counts; `None` when the counts contradict the
/// first page (a server that does not filter on creation time as documented) or times
/// cannot be read.
async fn plan(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    fetched: &Fetched,
    split: Split,
    cached: Option<Vec<Second>>,
) -> anyhow::Result<Option<Vec<Stream>>> {
    let created = || fetched.rows.iter().filter_map(|row| parse_second(&row[CREATED]));
    let (Some(oldest), Some(start)) = (created().min(), created().max()) else {
        return Ok(None);
    };
    let first_page = split.page;
    let rest = fetched.run_count.saturating_sub(first_page);
    let guesses = match cached {
        Some(cached) => guess_from_cache(&cached, start, split.window_runs),
        None => guess_from_pace(oldest, start, first_page, rest, split.window_runs),
    };
    let mut planner = Planner::new(split, start, fetched.run_count);
    let mut seconds = planner.first_probes().to_vec();
    seconds.extend(guesses);
    let answer = probe(ctx, layer, filters, &seconds, true).await?;
    let Some(newest) = answer.newest.as_deref().and_then(parse_second) else {
        return Ok(None);
    };
    planner.set_newest(newest);
    let mut rounds = 1;
    record(&mut planner, &seconds, &answer);
    loop {
        if !planner.consistent() {
            return Ok(None);
        }
        let seconds = planner.probes();
        if seconds.is_empty() || rounds > MAX_REFINE_ROUNDS {
            break;
        }
        let answer = probe(ctx, layer, filters, &seconds, false).await?;
        record(&mut planner, &seconds, &answer);
        rounds += 1;
    }
    let windows = planner.windows();
    if ctx.job.verbose >= 1 {
        ctx.progress.println(&format!(
            "layer {layer}: {rest} runs after the first page in {} windows of up to {} runs, placed by {rounds} rounds of counts",
            windows.len(),
            split.window_runs
        ));
    }
    Ok(Some(streams_of(&windows, filters)?))
}

/// A stream for each of `windows`, its filter `filters` narrowed to the window.
fn streams_of(windows: &[Window], filters: &str) -> anyhow::Result<Vec<Stream>> {
    let count = windows.len();
    let streams = windows.iter().enumerate().map(|(i, window)| {
        let to = window.to.map_or("now".to_string(), format_second);
        Ok(Stream {
            filters: window_filter(filters, window.from, window.to)?,
            label: format!(
                "window {}/{count} ({} to {to})",
                i + 1,
                format_second(window.from)
            ),
        })
    });
    streams.collect()
}

fn record(planner: &mut Planner, seconds: &[Second], answer: &ProbeAnswer) {
    for (second, count) in seconds.iter().zip(&answer.counts) {
        planner.record(*second, *count);
    }
}

/// The runs of `filters` created before each of `seconds`, counted in as few requests as
/// the limit per request allows (sent at once), with the newest run when `newest`.
async fn probe(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    seconds: &[Second],
    newest: bool,
) -> anyhow::Result<ProbeAnswer> {
    let chunks = seconds
        .chunks(MAX_COUNTS_PER_PROBE)
        .enumerate()
        .map(|(i, chunk)| {
            let with_newest = newest && i == 0;
            async move {
                let what = format!("layer {layer} window counts");
                let query = probe_query(chunk.len(), with_newest);
                let variables =
                    probe_variables(ctx.entity, &ctx.project.project, filters, chunk, with_newest)?;
                let body = ctx.client.post(&query, variables, &what).await?;
                match read_probe(&body, chunk.len(), with_newest) {
                    Ok(Some(answer)) => Ok(answer),
                    Ok(None) => not_found(ctx),
                    Err(e) => Err(describe_decode(e, &what, &ctx.client.host()).into()),
                }
            }
        });
    let answers = futures::future::try_join_all(chunks).await?;
    let mut whole = ProbeAnswer {
        counts: Vec::with_capacity(seconds.len()),
        newest: None,
    };
    for answer in answers {
        whole.counts.extend(answer.counts);
        whole.newest = whole.newest.or(answer.newest);
    }
    Ok(whole)
}

/// The creation seconds of the runs the cache holds for this layer and filter, sorted, as a
/// first guess at the cuts; `None` without such a cache (or one that cannot be read).
async fn cached_seconds(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> Option<Vec<Second>> {
    let dir = ctx.cache_dir.to_path_buf();
    let filters = filters.to_string();
    let header: Vec<String> = ctx.layout.header().into_iter().map(String::from).collect();
    let read = tokio::task::spawn_blocking(move || {
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let created = cached_layer::cached_created(&dir, layer, &filters, &header).ok()??;
        let mut seconds: Vec<Second> = created.iter().filter_map(|t| parse_second(t)).collect();
        seconds.sort_unstable();
        Some(seconds)
    });
    read.await.ok().flatten()
}

/// Pages through one stream, its first page with its count; fails when fewer runs came
/// than the count.
async fn fetch_stream(
    ctx: &FetchContext<'_>,
    layer: i64,
    stream: &Stream,
    bar: &LayerBar,
) -> anyhow::Result<StreamRuns> {
    let name = format!("layer {layer} {}", stream.label);
    let asker = Asker::new(ctx, name, &stream.filters, bar);
    let fetched = match walk(ctx, &asker, bar, Shown::Window, |_, _, _| None).await? {
        Walked::Whole(fetched) => fetched,
        Walked::Split(..) => unreachable!("a window is never split"),
    };
    check_stream_complete(layer, stream, fetched.ids.len() as u64, fetched.run_count)?;
    Ok(StreamRuns {
        rows: fetched.rows,
        newest_update: fetched.newest_update,
    })
}

/// Fails when fewer runs (`received`) came in a stream than the server counted.
fn check_stream_complete(layer: i64, stream: &Stream, received: u64, run_count: u64) -> anyhow::Result<()> {
    if received < run_count {
        return fail(
            Kind::Incomplete,
            format!(
                "layer {layer} {}: received {received} runs but the server counted {run_count}; runs were lost in paging: fetch again",
                stream.label
            ),
        );
    }
    Ok(())
}
