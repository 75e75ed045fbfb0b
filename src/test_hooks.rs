//! Debug builds only: environment variables that widen a stage so tests can signal or kill
//! a process in the middle of it. Release builds compile these to nothing.

/// The number in `variable`, when it is set (debug builds only; release builds: `None`).
/// `MDL_FETCH_TEST_RUNS_CSV_LIMIT` lowers the rows past which runs.csv is left out.
pub fn number(variable: &str) -> Option<u64> {
    #[cfg(debug_assertions)]
    return std::env::var(variable).ok().and_then(|n| n.parse().ok());
    #[cfg(not(debug_assertions))]
    {
        let _ = variable;
        None
    }
}

/// Sleeps for the milliseconds in `variable`, when it is set (debug builds only).
/// `MDL_FETCH_TEST_COMMIT_PAUSE_MS` widens each rename of the commit,
/// `MDL_FETCH_TEST_SYNCED_PAUSE_MS` the gap between the commit's syncs and its renames,
/// `MDL_FETCH_TEST_RENDER_PAUSE_MS` the rendering of the artifacts,
/// `MDL_FETCH_TEST_CACHE_READ_PAUSE_MS` an `--offline` run between reading the cache
/// manifests and opening the layer files they name.
pub fn pause(variable: &str) {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var(variable).ok().and_then(|ms| ms.parse().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    #[cfg(not(debug_assertions))]
    let _ = variable;
}
