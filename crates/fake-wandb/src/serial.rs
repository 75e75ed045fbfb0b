//! A server that is harder on a client fetching side by side: it does one request's work at
//! a time, and its counts scan, as a backend without parallel workers or without an index
//! to count from would. `Serial::default()` is the kind fake (requests served in parallel,
//! counts from an index).
//!
//! With `one_at_a_time`, each request's latency and work (the query, its JSON, gzip) are
//! done under one turn, handed out in arrival order: requests sent together queue, and
//! more of them in flight only make each one wait longer. With `scan_per_run`, `runCount`
//! takes that long for every run it counts, as reading each matched row would (the count
//! itself still comes from the index; the time is slept, so the fake does not take the
//! CPU the client runs on).

use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};

use super::stats::Stats;

/// The switches; both off in the kind fake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Serial {
    /// Serve one request at a time, latency included.
    pub one_at_a_time: bool,
    /// What `runCount` costs per run it counts.
    pub scan_per_run: Duration,
}

impl Serial {
    /// One request at a time, and counts that take `per_run` for each run counted.
    pub fn scanning(per_run: Duration) -> Serial {
        Serial {
            one_at_a_time: true,
            scan_per_run: per_run,
        }
    }

    /// How long a count of `runs` runs takes.
    pub fn scan_time(&self, runs: usize) -> Duration {
        self.scan_per_run
            .saturating_mul(u32::try_from(runs).unwrap_or(u32::MAX))
    }
}

/// The turn requests take when the server serves one at a time.
#[derive(Debug)]
pub struct Turns {
    turn: Option<Mutex<()>>,
}

impl Turns {
    pub fn new(serial: &Serial) -> Turns {
        Turns {
            turn: serial.one_at_a_time.then(|| Mutex::new(())),
        }
    }

    /// Waits for this request's turn (at once when requests are served in parallel); the
    /// request is in service until the returned guard drops.
    pub async fn begin<'a>(&'a self, stats: &'a Stats) -> InService<'a> {
        let turn = match &self.turn {
            Some(turn) => Some(turn.lock().await),
            None => None,
        };
        stats.service_began();
        InService { _turn: turn, stats }
    }
}

/// A request in service: its turn, held until dropped.
pub struct InService<'a> {
    _turn: Option<MutexGuard<'a, ()>>,
    stats: &'a Stats,
}

impl Drop for InService<'_> {
    fn drop(&mut self) {
        self.stats.service_ended();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_scans_each_run_it_counts() {
        let serial = Serial::scanning(Duration::from_micros(3));
        assert_eq!(serial.scan_time(0), Duration::ZERO);
        assert_eq!(serial.scan_time(1000), Duration::from_millis(3));
        assert_eq!(serial.scan_time(100_000), 100 * serial.scan_time(1000));
        assert_eq!(Serial::default().scan_time(100_000), Duration::ZERO);
    }
}
