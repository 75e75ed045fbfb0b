//! Planning a large layer's creation-time windows, fetched side by side instead of one
//! cursor walk: when to split (after the layer's first page), where the cuts go, and what
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
/// `None` for the plain cursor walk: a layer of a page or two, or (unless `window_runs`
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

/// First guesses at the cuts from the runs a cache holds (creation seconds, sorted): the
/// second of every `window_runs`-th cached run after second `start`.
pub fn guess_from_cache(cached: &[Second], start: Second, window_runs: u64) -> Vec<Second> {
    let first = cached.partition_point(|t| *t <= start);
    let step = window_runs.max(1) as usize;
    let mut guesses: Vec<Second> = cached[first..]
        .iter()
        .step_by(step)
        .skip(1)
        .copied()
        .filter(|t| *t > start)
        .collect();
    guesses.dedup();
    guesses
}

/// First guesses at the cuts from the first page alone: its `runs` spread over
/// `[first, start]` say how fast runs were made; where `window_runs`, twice that and so on
/// would end at that pace, for the `rest` runs after the page.
pub fn guess_from_pace(first: Second, start: Second, runs: u64, rest: u64, window_runs: u64) -> Vec<Second> {
    let span = start - first;
    if span < 1 || runs < 2 || window_runs == 0 {
        return Vec::new();
    }
    let seconds_per_window = (span as f64) * (window_runs as f64) / (runs as f64);
    let windows = rest / window_runs;
    (1..=windows)
        .map(|j| start + (seconds_per_window * j as f64).round() as Second)
        .filter(|t| *t > start)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer's runs, by creation second: `C(t)` is how many are before `t`.
    struct Layer(Vec<Second>);

    impl Layer {
        fn count_before(&self, t: Second) -> u64 {
            self.0.partition_point(|s| *s < t) as u64
        }
    }

    /// Plans windows over `layer` as the fetcher does: the first page, then rounds of
    /// counts (at most `MAX_REFINE_ROUNDS` after the first). Returns the windows, the
    /// rounds taken and the seconds counted.
    fn plan(layer: &Layer, split: Split, guesses: Vec<Second>) -> (Vec<Window>, usize, usize) {
        let start = layer.0[split.page as usize - 1];
        let mut planner = Planner::new(split, start, layer.0.len() as u64);
        planner.set_newest(*layer.0.last().unwrap());
        let mut probes = guesses;
        probes.extend(planner.first_probes());
        let mut counted = 0;
        let mut rounds = 0;
        while !probes.is_empty() && rounds <= MAX_REFINE_ROUNDS {
            for t in probes {
                planner.record(t, layer.count_before(t));
                counted += 1;
            }
            assert!(planner.consistent());
            rounds += 1;
            probes = planner.probes();
        }
        (planner.windows(), rounds, counted)
    }

    /// Checks the windows tile the layer from the start on, each closed one a whole
    /// number of pages at most `window_runs` and at most `tolerance` short, each `expected`
    /// right; returns the pages each takes.
    fn check(layer: &Layer, split: Split, windows: &[Window]) -> Vec<u64> {
        let start = layer.0[split.page as usize - 1];
        // Just after the first page's last second when the page holds all of it.
        let page_holds_all = layer.count_before(start + 1) <= split.page;
        assert_eq!(windows[0].from, start + i64::from(page_holds_all));
        assert_eq!(windows.last().unwrap().to, None, "the last window is open");
        for pair in windows.windows(2) {
            assert_eq!(pair[0].to, Some(pair[1].from), "{windows:?}");
        }
        windows
            .iter()
            .map(|w| {
                let to = w.to.map_or(layer.0.len() as u64, |t| layer.count_before(t));
                let runs = to - layer.count_before(w.from);
                assert_eq!(runs, w.expected, "{w:?}");
                if w.to.is_some() {
                    assert!(runs <= split.window_runs, "{w:?} {split:?}");
                    assert!(runs + split.tolerance >= split.window_runs, "{w:?} {split:?}");
                }
                runs.div_ceil(split.page)
            })
            .collect()
    }

    /// Runs a seeded number of seconds apart (`1..=max_gap`), `n` of them.
    fn spaced(n: usize, max_gap: i64, seed: u64) -> Layer {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut t = 1_700_000_000;
        Layer(
            (0..n)
                .map(|_| {
                    t += rng.i64(1..=max_gap);
                    t
                })
                .collect(),
        )
    }

    #[test]
    fn small_layers_and_single_streams_keep_the_plain_path() {
        assert_eq!(split(None, 8, 1000, 1000, false), None, "one page");
        assert_eq!(split(None, 8, 2000, 1000, true), None, "two pages");
        assert_eq!(split(None, 1, 100_000, 1000, true), None, "one request at a time");
        assert_eq!(split(Some(0), 8, 100_000, 1000, true), None, "forced plain");
        assert_eq!(split(None, 8, 4000, 1000, true), None, "3 pages left");
        assert_eq!(
            split(None, 8, 8000, 1000, true),
            None,
            "7 pages left: not worth it"
        );
        let nine = split(None, 8, 9000, 1000, true).unwrap();
        assert_eq!(nine.window_runs, 2000, "8 pages left: 4 windows of 2");
        let auto = split(None, 8, 100_000, 1000, true).unwrap();
        // 99 pages after the first, 8 windows: 13 pages each.
        assert_eq!(
            auto,
            Split {
                page: 1000,
                window_runs: 13_000,
                tolerance: 250
            }
        );
        // A server granting fewer runs than asked: its page size counts.
        let asked = split(Some(450), 2, 3000, 100, true).unwrap();
        assert_eq!((asked.page, asked.window_runs), (100, 500));
    }

    #[test]
    fn evenly_made_runs_are_cut_into_whole_pages_in_a_few_rounds() {
        let layer = spaced(100_000, 60, 7);
        let split = split(None, 8, 100_000, 1000, true).unwrap();
        let (windows, rounds, counted) = plan(&layer, split, Vec::new());
        let pages = check(&layer, split, &windows);
        assert_eq!(windows.len(), 8, "{windows:?}");
        // The 99,000 runs after the first page in 99 pages, or one more: no window wastes one.
        let total: u64 = pages.iter().sum();
        assert!((99..=100).contains(&total), "{pages:?}");
        assert!(rounds <= 1 + MAX_REFINE_ROUNDS, "{rounds}");
        assert!(counted <= 40, "{counted} seconds counted");
    }

    #[test]
    fn a_guess_from_the_pace_of_the_first_page_saves_rounds() {
        let layer = spaced(30_000, 60, 11);
        let split = split(None, 8, 30_000, 1000, true).unwrap();
        let start = layer.0[999];
        let guesses = guess_from_pace(layer.0[0], start, 1000, 29_000, split.window_runs);
        let (blind, blind_rounds, _) = plan(&layer, split, Vec::new());
        let (guided, guided_rounds, _) = plan(&layer, split, guesses);
        check(&layer, split, &blind);
        check(&layer, split, &guided);
        assert!(guided_rounds <= blind_rounds, "{guided_rounds} > {blind_rounds}");
    }

    #[test]
    fn a_cache_of_the_same_runs_places_every_cut_at_once() {
        let layer = spaced(20_000, 60, 3);
        let split = split(None, 4, 20_000, 1000, true).unwrap();
        let start = layer.0[999];
        let guesses = guess_from_cache(&layer.0, start, split.window_runs);
        let (windows, rounds, _) = plan(&layer, split, guesses);
        let pages = check(&layer, split, &windows);
        assert_eq!(rounds, 1, "{windows:?}");
        assert_eq!(pages.iter().sum::<u64>(), 19);
    }

    #[test]
    fn bursts_and_lulls_are_bisected() {
        // 3,000 runs in one busy hour, a month's lull, then 3,000 more a minute or so apart.
        let mut runs = spaced(3000, 2, 5).0;
        let later = spaced(3000, 90, 6).0.into_iter().map(|t| t + 30 * 86_400);
        runs.extend(later);
        let layer = Layer(runs);
        let split = split(Some(500), 8, 6000, 100, true).unwrap();
        let (windows, _, _) = plan(&layer, split, Vec::new());
        let pages = check(&layer, split, &windows);
        // 5,900 runs after the first page, 59 pages; a few cuts may fall short in the
        // busy hour, where one second holds two runs.
        assert!(pages.iter().sum::<u64>() <= 62, "{pages:?}");
    }

    #[test]
    fn a_second_holding_more_than_a_window_is_one_window() {
        // 100 runs a second apart, 1,000 in the one second after them, 100 more after.
        let mut runs: Vec<Second> = (0..100).collect();
        runs.extend(std::iter::repeat_n(100, 1000));
        runs.extend(101..201);
        let layer = Layer(runs);
        let split = split(Some(200), 8, 1200, 50, true).unwrap();
        let (windows, _, _) = plan(&layer, split, Vec::new());
        let busy = windows
            .iter()
            .find(|w| w.from <= 100 && w.to.is_none_or(|t| t > 100));
        let busy = busy.expect("a window holds the busy second");
        assert!(busy.expected >= 1000, "{windows:?}");
        // Every window but the busy one (and the open last) within the rules.
        for w in windows.iter().filter(|w| *w != busy && w.to.is_some()) {
            assert!(w.expected <= 200, "{w:?}");
        }
    }

    #[test]
    fn runs_made_during_the_fetch_land_in_the_open_last_window() {
        let layer = spaced(10_000, 60, 9);
        let split = split(None, 4, 10_000, 1000, true).unwrap();
        let (windows, _, _) = plan(&layer, split, Vec::new());
        let (last, closed) = windows.split_last().unwrap();
        // A run made after the newest the planning saw is in no closed window, but in the
        // last, which has no end.
        let newest = *layer.0.last().unwrap();
        assert!(
            closed.iter().all(|w| w.to.is_some_and(|t| t <= newest + 1)),
            "{windows:?}"
        );
        assert_eq!(last.to, None);
        assert!(last.from <= newest);
    }

    #[test]
    fn counts_that_fall_or_exceed_the_first_page_are_inconsistent() {
        let split = Split {
            page: 100,
            window_runs: 300,
            tolerance: 25,
        };
        let mut planner = Planner::new(split, 1000, 1000);
        assert_eq!(planner.probes(), [1000, 1001], "the start is counted first");
        planner.record(1000, 99);
        assert!(planner.consistent());
        planner.record(2000, 500);
        planner.record(3000, 400);
        assert!(!planner.consistent(), "a count that falls");
        let mut planner = Planner::new(split, 1000, 1000);
        planner.record(1000, 1000);
        assert!(!planner.consistent(), "a server ignoring createdAt");
    }

    #[test]
    fn the_secant_stays_strictly_inside() {
        assert_eq!(secant((0, 0), (100, 1000), 500), 50);
        assert_eq!(secant((0, 0), (100, 1000), 0), 1);
        assert_eq!(secant((0, 0), (100, 1000), 5000), 99);
        assert_eq!(secant((10, 5), (12, 5), 5), 11);
    }
}
