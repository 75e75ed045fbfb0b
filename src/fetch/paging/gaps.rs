//! A large layer after its first page, as the creation-time gaps still to read, each read
//! from its oldest end (pages oldest first) and from its newest end (newest first), the
//! two ends meeting; no count places them. The layer starts as one gap: from the first
//! page's newest second up, open-ended. Its newest end's first page is the layer's newest
//! runs, and from then on the gap's oldest end also reads what was created after that page
//! (its filter leaves out only what the newest end read), so runs created during the fetch
//! are not missed. A gap is cut in two (halving the runs estimated between the pages in
//! flight at its ends, from how many runs the server counted and how many came), and each
//! half gets the end it lacks: so windows are made only as more requests in flight are
//! worth it, and two ends that meet leave no page partial but the last.
//!
//! A gap is closed when a page of it says no more follow, or when its two ends cross. Pure:
//! the pages come in from outside, so it is tested without a server.

use super::seek::{PagingError, SeekPage, MAX_EMPTY_PAGES};
use crate::fetch::graphql::timestamps::Second;

/// Which end of a gap a page reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Oldest first, from the gap's lower edge.
    Oldest,
    /// Newest first, from its upper edge.
    Newest,
}

/// An edge of a gap: a creation second, and the runs of that second read already.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edge {
    pub second: Second,
    pub seen: Vec<String>,
}

/// What one page asks for: the runs of `from.second ..= to.second` (open-ended when `to`
/// is `None`), and those created at `top.second` or after, less the runs `seen` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub from: Second,
    pub to: Option<Second>,
    pub top: Option<Second>,
    pub seen: Vec<String>,
}

/// A page to ask for: which gap, from which end, what it covers, and how messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub ticket: u64,
    pub end: End,
    pub range: Range,
    pub name: String,
    /// The first page from the top of the layer: the one that checks the layer's first page.
    pub first_from_top: bool,
}

#[derive(Debug, Clone, Default)]
struct Gap {
    /// How messages name it: window N.
    number: usize,
    low: Edge,
    /// `None` until the newest end's first page (only the top gap).
    high: Option<Edge>,
    /// The top gap: where its newest end began (the runs at or after it are the oldest
    /// end's to read).
    top: Option<Edge>,
    is_top: bool,
    closed: bool,
    /// The ticket of the page in flight at each end.
    asking: [Option<u64>; 2],
    pages: [u32; 2],
    empty: [u32; 2],
}

fn slot(end: End) -> usize {
    match end {
        End::Oldest => 0,
        End::Newest => 1,
    }
}

impl Gap {
    fn open(&self) -> bool {
        !self.closed
    }

    fn in_flight(&self) -> usize {
        self.asking.iter().flatten().count()
    }

    /// Seconds between the edges, both counted; `None` before the upper edge is known.
    fn span(&self) -> Option<u64> {
        let high = self.high.as_ref()?;
        Some(u64::try_from(high.second - self.low.second + 1).unwrap_or(0))
    }

    /// The range a page from `end` covers now.
    fn range(&self, end: End) -> Range {
        let mut seen = self.low.seen.clone();
        seen.extend(self.high.iter().flat_map(|high| high.seen.iter().cloned()));
        let top = match end {
            End::Oldest => self.top.as_ref(),
            End::Newest => None,
        };
        seen.extend(top.iter().flat_map(|top| top.seen.iter().cloned()));
        seen.sort_unstable();
        seen.dedup();
        Range {
            from: self.low.second,
            to: self.high.as_ref().map(|high| high.second),
            top: top.map(|top| top.second),
            seen,
        }
    }

    /// Whether the two edges crossed: every run between them is read.
    fn crossed(&self) -> bool {
        self.high
            .as_ref()
            .is_some_and(|high| high.second < self.low.second)
    }

    /// After its range is read: a plain gap is done; the top gap still has what came
    /// after its newest end began, which only its oldest end's pages say is done.
    fn range_read(&mut self, end: End) {
        if !self.is_top || end == End::Oldest {
            self.closed = true;
        } else if let Some(high) = self.high.as_mut() {
            high.second = self.low.second - 1;
            high.seen.clear();
        }
    }
}

/// Moves `edge` to the newest (or oldest) second of `page` going the way `end` reads,
/// noting the runs of that second.
fn advance(edge: &mut Edge, page: &SeekPage, second: Second) {
    if edge.second != second {
        edge.second = second;
        edge.seen.clear();
    }
    for (run_second, id) in &page.runs {
        if *run_second == Some(second) && !edge.seen.contains(id) {
            edge.seen.push(id.clone());
        }
    }
}

/// Every gap of a layer, in creation order, with what the planning needs.
#[derive(Debug, Clone)]
pub struct Gaps {
    gaps: Vec<Gap>,
    page: u64,
    /// What the server counted for the layer.
    counted: u64,
    /// A window's runs, when `--window-runs` says; else about a page, as requests allow.
    window: Option<u64>,
    next_ticket: u64,
    name: String,
}

mod plan;

impl Gaps {
    /// The layer named `name` (`layer 6`) after its first page, which brought `page` runs
    /// up to second `newest` (`seen` of them at it), of the `counted` the server counted.
    pub fn new(name: &str, newest: Edge, page: u64, counted: u64, window: Option<u64>) -> Gaps {
        let top = Gap {
            number: 1,
            low: newest,
            is_top: true,
            ..Gap::default()
        };
        Gaps {
            gaps: vec![top],
            page: page.max(1),
            counted,
            window,
            next_ticket: 0,
            name: name.to_string(),
        }
    }

    /// Whether every gap is read and no page is in flight.
    pub fn done(&self) -> bool {
        self.gaps.iter().all(|gap| gap.closed && gap.in_flight() == 0)
    }

    /// The windows made so far.
    pub fn windows(&self) -> usize {
        self.gaps.len()
    }

    /// Takes in the page `ticket` asked for; an error when the server keeps saying more
    /// follow without sending any run that was not read before.
    pub fn answered(&mut self, ticket: u64, page: &SeekPage) -> Result<(), PagingError> {
        let found = self.gaps.iter_mut().find_map(|gap| {
            let end = [End::Oldest, End::Newest]
                .into_iter()
                .find(|end| gap.asking[slot(*end)] == Some(ticket))?;
            Some((gap, end))
        });
        let Some((gap, end)) = found else {
            return Ok(());
        };
        gap.asking[slot(end)] = None;
        if gap.closed {
            return Ok(());
        }
        if !page.has_next_page {
            gap.range_read(end);
            return Ok(());
        }
        let seconds = page.runs.iter().filter_map(|(second, _)| *second);
        let (Some(oldest), Some(newest)) = (seconds.clone().min(), seconds.max()) else {
            return Err(PagingError::Endless);
        };
        // A page that neither brought a new run nor moved its edge got nowhere.
        let before = (gap.low.clone(), gap.high.clone());
        gap.take(end, page, oldest, newest);
        let moved = before != (gap.low.clone(), gap.high.clone());
        gap.empty[slot(end)] = match page.new_runs || moved {
            true => 0,
            false => gap.empty[slot(end)] + 1,
        };
        if gap.empty[slot(end)] >= MAX_EMPTY_PAGES {
            return Err(PagingError::Endless);
        }
        if gap.crossed() {
            gap.range_read(End::Newest);
        }
        Ok(())
    }
}

impl Gap {
    /// Moves the edge `end` reads from past `page`, whose runs span `oldest..=newest`.
    fn take(&mut self, end: End, page: &SeekPage, oldest: Second, newest: Second) {
        match end {
            End::Oldest => advance(&mut self.low, page, newest),
            End::Newest => {
                if self.top.is_none() && self.is_top {
                    let mut top = Edge::default();
                    advance(&mut top, page, newest);
                    self.top = Some(top);
                }
                let high = self.high.get_or_insert_with(|| Edge {
                    second: oldest,
                    seen: Vec::new(),
                });
                advance(high, page, oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests;
