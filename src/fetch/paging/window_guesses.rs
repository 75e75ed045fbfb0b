//! First guesses at where a large layer's window cuts go, before any count: from the runs
//! a cache of the layer holds, or from the pace at which the first page's runs were made.

use crate::fetch::graphql::timestamps::Second;

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
