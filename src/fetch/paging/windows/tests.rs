//! Tests of the window planner: layers of evenly made runs, bursts and lulls, seconds
//! holding more than a window, runs made during the fetch, and counts that contradict the
//! first page, each planned as the fetcher plans them.

use super::*;
use crate::fetch::paging::window_guesses::{guess_from_cache, guess_from_pace};

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
