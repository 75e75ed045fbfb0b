//! A large layer after its first page: its creation-time windows read side by side, from
//! both ends (`gaps` says which page to ask next; no count places them), as many pages in
//! flight as the client's estimate of what is worth it allows (`--concurrency` at most):
//! on a server that answers one request at a time that is a layer's two ends, which cost
//! no request more than one stream. The runs come in once each, by id, and the layer is
//! checked against the server's count of it. The first page from the top also counts the
//! runs created before the first page's oldest second: any, and the server does not filter
//! on creation time as documented (or its first page lost the oldest runs), so the layer is
//! read again in one stream. (That count matches no run, so a server that counts by
//! scanning what it matches does it at once.)

use crate::fetch::progress::stream_name;
use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};

use super::context::{FetchContext, Fetched};
use super::gaps::{Ask, Edge, End, Gaps};
use super::in_flight::{InFlight, PendingRows};
use super::page_walk::{read_head, take_page, walk, Asker, Shown, Walked};
use super::seek::SeekPage;
use super::windows::Split;
use crate::error::{fail, Kind};
use crate::fetch::graphql::columns::ID;
use crate::fetch::graphql::page;
use crate::fetch::graphql::query::PageRequest;
use crate::fetch::graphql::window_query::{before_filter, window_filter, WindowRange};
use crate::fetch::progress::LayerBar;
use crate::fetch::transport::limiter::START;

/// The layer's first page: its rows being made, and what it was for paging.
pub(super) struct FirstPage {
    pub rows: PendingRows,
    pub seek: SeekPage,
}

/// A page asked for, and its answer to come.
type Asked = std::pin::Pin<Box<dyn std::future::Future<Output = (Ask, anyhow::Result<Bytes>)> + Send>>;

/// A windowed layer's fetch: what its requests share.
struct Windowed<'a> {
    ctx: &'a FetchContext<'a>,
    layer: i64,
    filters: &'a str,
    split: Split,
    bar: &'a LayerBar,
}

/// Fetches the rest of a layer whose first page is in `fetched` (its ids) and `first`, as
/// `split` says, and returns every run of it.
pub(super) async fn fetch_rest(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    mut fetched: Fetched,
    first: FirstPage,
    split: Split,
    bar: &LayerBar,
) -> anyhow::Result<Fetched> {
    let windowed = Windowed {
        ctx,
        layer,
        filters,
        split,
        bar,
    };
    let mut pending = vec![first.rows];
    let windows = windowed.read(&mut fetched, &first.seek, &mut pending).await?;
    for rows in pending {
        let rows = rows.rows(ctx).await?;
        fetched.rows.extend(rows);
    }
    let Some(windows) = windows else {
        if ctx.job.verbose >= 1 {
            ctx.progress.println(&format!(
                "{}: the server's count by creation time does not fit its first page; fetching the layer in one stream",
                stream_name(layer)
            ));
        }
        return one_stream(ctx, layer, filters, fetched, bar).await;
    };
    bar.received(fetched.ids.len() as u64);
    check_complete(layer, windows, &fetched)?;
    Ok(fetched)
}

/// The first page's newest second, and the runs of it the page brought.
fn newest_of(first: &SeekPage) -> Option<Edge> {
    let newest = (first.runs.iter()).filter_map(|(second, _)| *second).max()?;
    let seen = (first.runs.iter())
        .filter(|(second, _)| *second == Some(newest))
        .map(|(_, id)| id.clone())
        .collect();
    Some(Edge { second: newest, seen })
}

impl Windowed<'_> {
    /// Reads the layer's windows until every one is read, adding their runs to `fetched`
    /// and their rows being made to `pending`. Returns the windows made, or `None` when
    /// the first page from the top shows the layer's first page short (or its times
    /// cannot be read).
    async fn read(
        &self,
        fetched: &mut Fetched,
        first: &SeekPage,
        pending: &mut Vec<PendingRows>,
    ) -> anyhow::Result<Option<usize>> {
        let Some(newest) = newest_of(first) else {
            return Ok(None);
        };
        let Some(oldest) = first.runs.iter().filter_map(|(second, _)| *second).min() else {
            return Ok(None);
        };
        let name = format!("layer {}", self.layer);
        let mut gaps = Gaps::new(
            &name,
            newest,
            self.split.page,
            fetched.run_count,
            self.split.window,
        );
        let mut flight: FuturesUnordered<Asked> = FuturesUnordered::new();
        let (mut asked, mut most) = (0, 0);
        while !gaps.done() {
            for ask in gaps.next(self.room(flight.len()), fetched.ids.len() as u64) {
                flight.push(self.send(oldest, ask)?);
                asked += 1;
            }
            most = most.max(flight.len());
            let Some((ask, answer)) = flight.next().await else {
                break;
            };
            let (head, rows) = page::read(answer?, self.ctx.layout.clone());
            let (head, rows) = read_head(self.ctx, head, rows, &ask.name).await?;
            if ask.first_from_top && head.run_count.is_some_and(|before| before > 0) {
                return Ok(None);
            }
            fetched.newest_update = fetched.newest_update.max(head.newest_update);
            let (seek, keep) = take_page(head, &mut fetched.ids);
            self.bar.received(fetched.ids.len() as u64);
            pending.push(PendingRows::new(ask.name.clone(), rows, keep));
            if let Err(error) = gaps.answered(ask.ticket, &seek) {
                return fail(Kind::Protocol, format!("{}: {}", ask.name, error.message()));
            }
        }
        if self.ctx.job.verbose >= 1 {
            let rest = fetched.run_count.saturating_sub(self.split.page);
            self.ctx.progress.println(&format!(
                "layer {}: {rest} runs after the first page in {} creation-time windows read from both ends, {asked} requests, up to {most} at once",
                self.layer,
                gaps.windows()
            ));
        }
        Ok(Some(gaps.windows()))
    }

    /// How many more pages the layer may have in flight: with `--window-runs`, as many as
    /// the gate lets through; else the requests worth having, less those in flight. Until
    /// the client has judged how many are worth it, none while a page is in flight: the
    /// first two pages after the layer's first, sent together, are that judgement (on a
    /// server that serves them side by side, waiting for the second is waiting for nothing;
    /// on one that serves one at a time, it costs the server a moment idle, once).
    fn room(&self, mine: usize) -> usize {
        if self.split.window.is_some() {
            return usize::MAX;
        }
        let (in_flight, worth) = self.ctx.client.in_flight();
        let Some(worth) = worth else {
            return match mine {
                0 => START.saturating_sub(in_flight),
                _ => 0,
            };
        };
        let most = worth.min(self.ctx.job.fetch.concurrency);
        most.saturating_sub(in_flight.max(mine))
    }

    /// Sends `ask`'s page; the first from the top also counts the runs created before
    /// second `oldest`, the first page's oldest (none, when that page is the layer's first).
    fn send(&self, oldest: i64, ask: Ask) -> anyhow::Result<Asked> {
        let range = WindowRange {
            from: ask.range.from,
            to: ask.range.to,
            top: ask.range.top,
            seen: &ask.range.seen,
        };
        let window = window_filter(self.filters, range)?;
        let before = before_filter(self.filters, oldest)?;
        let variables = PageRequest {
            entity: self.ctx.entity,
            project: &self.ctx.project.project,
            filters: &window,
            per_page: self.ctx.job.fetch.page_size,
            with_count: ask.first_from_top,
            newest_first: ask.end == End::Newest,
            count: Some(&before),
        }
        .variables();
        let (client, query, bar) = (self.ctx.client, self.ctx.query, self.bar.clone());
        let answer = InFlight::send(client, query, variables, ask.name.clone(), bar);
        Ok(Box::pin(async move { (ask, answer.wait().await) }))
    }
}

/// The layer again from its start, in one stream, merged into what came before; fails
/// when that stream brought fewer runs than the server counted for it.
async fn one_stream(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
    mut fetched: Fetched,
    bar: &LayerBar,
) -> anyhow::Result<Fetched> {
    let asker = Asker::new(ctx, format!("{} in one stream", stream_name(layer)), filters, bar);
    let again = match walk(ctx, &asker, bar, Shown::Window, |_, _, _| None).await? {
        Walked::Whole(again) => again,
        Walked::Split(..) => unreachable!("a stream that may not split is never split"),
    };
    let received = again.ids.len() as u64;
    if received < again.run_count {
        let message = format!(
            "{} in one stream: received {received} runs but the server counted {}; runs were lost in paging: fetch again",
            stream_name(layer),
            again.run_count
        );
        return fail(Kind::Incomplete, message);
    }
    fetched.newest_update = fetched.newest_update.max(again.newest_update);
    for row in again.rows {
        if fetched.ids.insert(row[ID].clone()) {
            fetched.rows.push(row);
        }
    }
    bar.received(fetched.ids.len() as u64);
    Ok(fetched)
}

/// Fails when fewer runs came than the server counted for the layer.
fn check_complete(layer: i64, windows: usize, fetched: &Fetched) -> anyhow::Result<()> {
    let received = fetched.ids.len() as u64;
    if received < fetched.run_count {
        return fail(
            Kind::Incomplete,
            format!(
                "{} (in {windows} windows): received {received} runs but the server counted {}; runs were lost in paging: fetch again",
                stream_name(layer),
                fetched.run_count
            ),
        );
    }
    Ok(())
}
