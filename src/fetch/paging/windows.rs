//! Planning a large layer's creation-time windows, fetched side by side instead of one
//! stream of pages: when to split (after the layer's first page), where the cuts go, and what
//! to count next to place them. Pure: the counts come in from outside, so the planner is
//! tested without a server.
//!
//! Every window is `from <= createdAt < to` in whole seconds; the first starts just after
//! the second of the first page's last run when the page holds every run of that second,
//! else at that second (the runs of it the page has come again and are dropped by id);
//! the last has no upper bound, so runs created during the fetch land in it. A cut goes where the number of runs created before it, `C(t)`,
//! leaves the window before it a whole number of pages, or a little less: the greedy
//! walk aims each cut at `C(previous cut) + window_runs` and takes a counted time at most
//! `tolerance` runs short of that. Where no counted time is close enough, it asks for a
//! count at the time a straight line between the counted neighbours predicts (the secant),
//! and halfway from there to each neighbour (so the bracket at least halves however
//! unevenly runs were made), all in one request per round; a second holding more runs
//! than the tolerance cannot be cut finer and is taken as it is.

use std::collections::BTreeMap;

use crate::fetch::graphql::timestamps::Second;

/// Windows are at least this many pages (fewer windows than `--concurrency` otherwise):
/// each window's last page is partial, so tiny windows cost requests.
pub const MIN_PAGES_PER_WINDOW: u64 = 2;

/// Pages after the first below which a layer stays one stream: placing the cuts takes a
/// round trip or two of counts, which a few pages do not repay.
pub const MIN_PAGES_TO_SPLIT: u64 = 8;

/// Rounds of counts after the first before the cuts are taken as they are.
pub const MAX_REFINE_ROUNDS: usize = 6;

/// How a layer is split, decided from its first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Runs a page brings (what the server granted on the first page).
    pub page: u64,
    /// Runs per window but the last, a whole number of pages.
    pub window_runs: u64,
    /// How many runs short of `window_runs` a window may fall.
    pub tolerance: u64,
}

/// How to split a layer whose first page brought `first_page` of `run_count` runs, or
/// `None` for one plain stream of pages: a layer of a page or two, or (unless `window_runs`
/// says otherwise) of fewer than `MIN_PAGES_TO_SPLIT` more pages, one fetched a request at
/// a time, or `window_runs == Some(0)` (the plain path, forced). `window_runs` asks for
/// windows of about that many runs; `None` makes up to `concurrency` windows.
pub fn split(
    window_runs: Option<u64>,
    concurrency: usize,
    run_count: u64,
    first_page: u64,
    has_next_page: bool,
) -> Option<Split> {
    if !has_next_page || first_page == 0 || run_count <= 2 * first_page {
        return None;
    }
    let page = first_page;
    let rest = run_count - first_page;
    let rest_pages = rest.div_ceil(page);
    let window_runs = match window_runs {
        Some(0) => return None,
        Some(runs) => runs.div_ceil(page).max(1) * page,
        None => {
            let windows = (concurrency as u64).min(rest_pages / MIN_PAGES_PER_WINDOW);
            if windows < 2 || rest_pages < MIN_PAGES_TO_SPLIT {
                return None;
            }
            rest_pages.div_ceil(windows) * page
        }
    };
    (rest > window_runs).then_some(Split {
        page,
        window_runs,
        tolerance: page / 4,
    })
}

/// One window: the runs created in `[from, to)`, `to` open-ended for the last, and how
/// many the counts put in it when it was planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Second,
    pub to: Option<Second>,
    pub expected: u64,
}

/// The counts gathered so far, and where they put the cuts.
#[derive(Debug, Clone)]
pub struct Planner {
    split: Split,
    start: Second,
    /// The runs the first page brought.
    first_page: u64,
    /// The layer's runs when its first page was read.
    total: u64,
    /// The newest run's creation second, once known.
    newest: Option<Second>,
    /// `C(t)`: the runs created before second `t`.
    counts: BTreeMap<Second, u64>,
}

/// A time and the runs created before it.
type Point = (Second, u64);

impl Planner {
    /// A planner for the windows of a layer of `total` runs after its first page, whose
    /// last run was created in second `start`.
    pub fn new(split: Split, start: Second, total: u64) -> Planner {
        Planner {
            split,
            start,
            first_page: split.page,
            total,
            newest: None,
            counts: BTreeMap::new(),
        }
    }

    /// The newest run's creation second.
    pub fn set_newest(&mut self, newest: Second) {
        self.newest = Some(newest.max(self.start));
    }

    /// `runs` were created before second `at`.
    pub fn record(&mut self, at: Second, runs: u64) {
        self.counts.insert(at, runs);
    }

    /// Whether the counts agree with each other and with the first page: they never fall
    /// as time goes on, and no more runs came before the start than the first page
    /// brought. A server that does not filter on `createdAt` as documented fails this.
    pub fn consistent(&self) -> bool {
        let start_ok = self.counts.get(&self.start).is_some_and(|&c| c < self.first_page);
        let rising = self
            .counts
            .values()
            .zip(self.counts.values().skip(1))
            .all(|(a, b)| a <= b);
        start_ok && rising
    }

    /// The seconds to count first: the start, and the second after it.
    pub fn first_probes(&self) -> [Second; 2] {
        [self.start, self.start + 1]
    }

    /// The seconds to count next; empty when the cuts are placed (or cannot be bettered).
    pub fn probes(&self) -> Vec<Second> {
        let wanted: Vec<Second> = (self.first_probes().into_iter())
            .filter(|t| !self.counts.contains_key(t))
            .collect();
        if self.newest.is_none() || !wanted.is_empty() {
            return wanted;
        }
        let mut probes = self.walk(true).1;
        probes.sort_unstable();
        probes.dedup();
        probes
    }

    /// Where the first window begins, and the runs before it: after the start's second
    /// when the first page holds all its runs.
    fn begin(&self) -> Option<Point> {
        let after = self.start + 1;
        match self.counts.get(&after) {
            Some(&before) if before <= self.first_page => Some((after, before)),
            _ => self.counts.get(&self.start).map(|&before| (self.start, before)),
        }
    }

    /// The windows the counts so far give, in time order; the last one open-ended.
    pub fn windows(&self) -> Vec<Window> {
        let (cuts, _) = self.walk(false);
        let end = self.end_count();
        let mut windows: Vec<Window> = cuts
            .windows(2)
            .map(|pair| Window {
                from: pair[0].0,
                to: Some(pair[1].0),
                expected: pair[1].1 - pair[0].1,
            })
            .collect();
        let (from, before) = *cuts.last().expect("the start is always a cut");
        windows.push(Window {
            from,
            to: None,
            expected: end.saturating_sub(before),
        });
        windows
    }

    /// Every counted time from the start on, and after the newest run the whole layer.
    fn points(&self) -> Vec<Point> {
        let mut points: Vec<Point> = self.counts.range(self.start..).map(|(t, c)| (*t, *c)).collect();
        if let Some(newest) = self.newest {
            let after = newest + 1;
            if points.last().is_none_or(|(t, _)| *t < after) {
                points.push((after, self.end_count()));
            }
        }
        points
    }

    /// The runs created before the end: the layer's count, or more if counts since say so.
    fn end_count(&self) -> u64 {
        self.counts.values().copied().max().unwrap_or(0).max(self.total)
    }

    /// The greedy walk over the cuts: returns the cuts (with the runs before each), and
    /// when `refine`, the seconds worth counting to place the cuts better.
    fn walk(&self, refine: bool) -> (Vec<Point>, Vec<Second>) {
        let Split {
            window_runs,
            tolerance,
            ..
        } = self.split;
        let Some(first) = self.begin() else {
            return (vec![(self.start, 0)], Vec::new());
        };
        let points: Vec<Point> = self.points().into_iter().filter(|(t, _)| *t >= first.0).collect();
        let end = self.end_count();
        let mut cuts = vec![first];
        let mut probes = Vec::new();
        let mut cut = first;
        while end.saturating_sub(cut.1) > window_runs {
            let target = cut.1 + window_runs;
            let lower = points.iter().rfind(|(t, c)| *t > cut.0 && *c <= target).copied();
            let Some(upper) = points.iter().find(|(t, c)| *t > cut.0 && *c > target).copied() else {
                break;
            };
            let low = lower.unwrap_or(cut);
            let close_enough = lower.is_some() && target - low.1 <= tolerance;
            if close_enough || !refine || upper.0 - low.0 <= 1 {
                // Short of the target, or else a second holding more than a window.
                cut = lower.unwrap_or(upper);
                cuts.push(cut);
                continue;
            }
            let aim = target - tolerance / 2;
            let probe = secant(low, upper, aim);
            let halves = [low.0 + (probe - low.0) / 2, probe + (upper.0 - probe) / 2];
            probes.push(probe);
            probes.extend(
                halves
                    .into_iter()
                    .filter(|t| *t > low.0 && *t < upper.0 && *t != probe),
            );
            // Assume the probe hits its aim, to place the cuts after it this round too.
            cut = (probe, aim.max(low.1));
        }
        (cuts, probes)
    }
}

/// The second a straight line from `low` to `high` (times and counts) reaches `aim` runs,
/// strictly between the two.
fn secant(low: Point, high: Point, aim: u64) -> Second {
    let span = i128::from(high.0 - low.0);
    let rise = i128::from(high.1.saturating_sub(low.1).max(1));
    let climb = i128::from(aim.saturating_sub(low.1));
    let offset = (span * climb / rise) as i64;
    (low.0 + offset).clamp(low.0 + 1, high.0 - 1)
}

#[cfg(test)]
mod tests;
