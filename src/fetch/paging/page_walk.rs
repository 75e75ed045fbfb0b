//! The paged walk of one filter, which a layer's stream and each of its windows take:
//! asking for a page by creation time (the run count with the first), reading its answer
//! while the page before it has its rows made, taking in its runs by id, and asking
//! `SeekWalk` whether another page follows.

use std::collections::HashSet;

use super::context::{describe_decode, not_found, FetchContext, Fetched};
use super::in_flight::{InFlight, PendingRows};
use super::seek::{Seek, SeekPage, SeekWalk};
use super::windows::Split;
use crate::error::{fail, Kind};
use crate::fetch::graphql::decode::DecodeError;
use crate::fetch::graphql::page::{self, Head, RowsTask};
use crate::fetch::graphql::query::PageRequest;
use crate::fetch::progress::LayerBar;

/// Sends one walk's page requests; their retries show on the layer's line.
pub(super) struct Asker<'a> {
    ctx: &'a FetchContext<'a>,
    /// How messages name the walk: `layer 6`, `layer 6 window 2/4 (...)`.
    name: String,
    filters: &'a str,
    bar: LayerBar,
}

impl<'a> Asker<'a> {
    pub(super) fn new(
        ctx: &'a FetchContext<'a>,
        name: String,
        filters: &'a str,
        bar: &LayerBar,
    ) -> Asker<'a> {
        Asker {
            ctx,
            name,
            filters,
            bar: bar.clone(),
        }
    }

    /// How messages name page `page` of the walk.
    pub(super) fn what(&self, page: u32) -> String {
        format!("{} page {page}", self.name)
    }

    /// Asks for page `page`, the one `walk` names, with the run count on the first.
    pub(super) fn send(&self, page: u32, walk: &SeekWalk) -> anyhow::Result<InFlight> {
        let filters = walk.filter(self.filters)?;
        let variables = PageRequest::oldest_first(
            self.ctx.entity,
            &self.ctx.project.project,
            &filters,
            self.ctx.job.fetch.page_size,
            page == 1,
        )
        .variables();
        Ok(InFlight::send(
            self.ctx.client,
            self.ctx.query,
            variables,
            self.what(page),
            self.bar.clone(),
        ))
    }
}

/// Reads the page `answer` brings (`what`, to messages): while its head is decoded, the
/// rows of the page before it (`making`) are awaited and added to `rows`. Returns the head
/// and the page's rows, still being made; fails when the server has no such project.
pub(super) async fn read_page(
    ctx: &FetchContext<'_>,
    answer: InFlight,
    what: &str,
    making: Option<PendingRows>,
    rows: &mut Vec<Vec<String>>,
) -> anyhow::Result<(Head, RowsTask)> {
    let (head, page_rows) = page::read(answer.wait().await?, ctx.layout.clone());
    if let Some(pending) = making {
        rows.extend(pending.rows(ctx).await?);
    }
    read_head(ctx, head, page_rows, what).await
}

/// Awaits a page's head (`what`, to messages), its rows still being made; fails when the
/// server has no such project.
pub(super) async fn read_head(
    ctx: &FetchContext<'_>,
    head: tokio::sync::oneshot::Receiver<Result<Option<Head>, DecodeError>>,
    page_rows: RowsTask,
    what: &str,
) -> anyhow::Result<(Head, RowsTask)> {
    let head = head
        .await
        .map_err(|_| anyhow::anyhow!("{what}: reading the page failed"))?
        .map_err(|e| describe_decode(e, what, &ctx.client.host()))?;
    match head {
        Some(head) => Ok((head, page_rows)),
        None => not_found(ctx),
    }
}

/// What `head`'s page was for `SeekWalk`, and which of its runs to keep: those `ids` did
/// not hold yet (and now holds).
pub(super) fn take_page(head: Head, ids: &mut HashSet<String>) -> (SeekPage, Vec<bool>) {
    let before = ids.len();
    let mut seek = SeekPage {
        has_next_page: head.page_info.has_next_page,
        runs: head.created.into_iter().zip(head.names).collect(),
        new_runs: false,
    };
    let keep = (seek.runs.iter())
        .map(|(_, name)| ids.insert(name.clone()))
        .collect();
    seek.new_runs = ids.len() > before;
    (seek, keep)
}

/// Whether `walk` asks for another page after `seek`'s; fails (naming `what`) when the
/// server's pages make the walk loop.
pub(super) fn ask_next(walk: &mut SeekWalk, seek: &SeekPage, what: &str) -> anyhow::Result<bool> {
    match walk.after_page(seek) {
        Ok(Seek::Done) => Ok(false),
        Ok(Seek::Ask) => Ok(true),
        Err(error) => fail(Kind::Protocol, format!("{what}: {}", error.message())),
    }
}

/// How a walk shows on its layer's line: a layer's own walk counts toward the server's
/// count; a window's runs add to the layer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    Layer,
    Window,
}

/// What a walk brought: every run of its filter, or its first page (its rows being made,
/// and what it was for paging) and how the rest of the layer is to be split into windows.
pub(super) enum Walked {
    Whole(Fetched),
    Split(Fetched, PendingRows, SeekPage, Split),
}

/// Pages through every run `asker`'s filter matches. After the first page, `split` may
/// say to fetch the rest in windows instead: the walk then stops there.
pub(super) async fn walk(
    ctx: &FetchContext<'_>,
    asker: &Asker<'_>,
    bar: &LayerBar,
    shown: Shown,
    split: impl Fn(&Fetched, &SeekPage, &[bool]) -> Option<Split>,
) -> anyhow::Result<Walked> {
    let mut fetched = Fetched::default();
    let mut walk = SeekWalk::default();
    let mut in_flight = Some(asker.send(1, &walk)?);
    // The previous page's rows, made while this page was on its way, and which to keep.
    let mut making: Option<PendingRows> = None;
    for page in 1.. {
        let Some(answer) = in_flight.take() else {
            break;
        };
        let what = asker.what(page);
        let (head, rows) = read_page(ctx, answer, &what, making.take(), &mut fetched.rows).await?;
        if page == 1 {
            fetched.run_count = head.run_count.unwrap_or(0);
            if shown == Shown::Layer {
                bar.counting(fetched.run_count);
            }
        }
        fetched.newest_update = fetched.newest_update.max(head.newest_update);
        let before = fetched.ids.len();
        let (seek, keep) = take_page(head, &mut fetched.ids);
        match shown {
            Shown::Layer => bar.received(fetched.ids.len() as u64),
            Shown::Window => bar.add((fetched.ids.len() - before) as u64),
        }
        if let Some(split) = (page == 1).then(|| split(&fetched, &seek, &keep)).flatten() {
            let first = PendingRows::new(what, rows, keep);
            return Ok(Walked::Split(fetched, first, seek, split));
        }
        if ask_next(&mut walk, &seek, &what)? {
            in_flight = Some(asker.send(page + 1, &walk)?);
        }
        making = Some(PendingRows::new(what, rows, keep));
    }
    if let Some(pending) = making.take() {
        fetched.rows.extend(pending.rows(ctx).await?);
    }
    Ok(Walked::Whole(fetched))
}
