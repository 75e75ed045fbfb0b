//! Lines on stderr that keep live progress bars whole: while a fetch draws bars on a
//! terminal, a line goes above them (the bars cleared, the line written, the bars drawn
//! again), not into the middle of them.

use std::sync::{Mutex, MutexGuard};

use indicatif::MultiProgress;

static LIVE_BARS: Mutex<Option<MultiProgress>> = Mutex::new(None);

fn live_bars() -> MutexGuard<'static, Option<MultiProgress>> {
    LIVE_BARS.lock().unwrap_or_else(|e| e.into_inner())
}

/// From now on, lines go above `bars`.
pub fn print_above(bars: &MultiProgress) {
    *live_bars() = Some(bars.clone());
}

/// The bars are gone: lines go straight to stderr again.
pub fn bars_gone() {
    *live_bars() = None;
}

/// Prints `line` on stderr, above the bars while there are some.
pub fn say(line: &str) {
    let bars = live_bars().clone();
    match bars {
        Some(bars) => bars.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}
