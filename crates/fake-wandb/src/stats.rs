//! Running totals of what the fake server received and sent (requests, body and wire
//! bytes, time spent answering), for benchmarks: `FakeWandb::stats()` in-process, and
//! `GET /__stats` (`GET /__stats/reset` to read and zero them) when
//! `FakeConfig::stats_endpoint` is on. Stats requests are neither counted nor logged.

use std::sync::atomic::{AtomicU64, Ordering};

/// The counters, updated as answers are written.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    runs_pages: AtomicU64,
    run_edges: AtomicU64,
    request_body_bytes: AtomicU64,
    response_body_bytes: AtomicU64,
    wire_body_bytes: AtomicU64,
    wire_bytes: AtomicU64,
    gzipped: AtomicU64,
    busy_us: AtomicU64,
    in_service: AtomicU64,
    most_in_service: AtomicU64,
    scanned_runs: AtomicU64,
    scan_us: AtomicU64,
    last_answer_unix_us: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Requests answered (any path, any status, resets included).
    pub requests: u64,
    /// Of those, the ones that selected `Project.runs`.
    pub runs_pages: u64,
    /// Run edges sent in all answers.
    pub run_edges: u64,
    /// Request bodies received (the GraphQL JSON), bytes.
    pub request_body_bytes: u64,
    /// Answer bodies before any gzip, bytes.
    pub response_body_bytes: u64,
    /// Answer bodies as written to the socket (gzipped when the client accepted it), bytes.
    pub wire_body_bytes: u64,
    /// Everything written to the socket: status lines, headers and bodies, bytes.
    pub wire_bytes: u64,
    /// Answers sent gzipped.
    pub gzipped: u64,
    /// Time spent answering, injected latency excluded, summed over requests (microseconds).
    pub busy_us: u64,
    /// The most requests in service at once (between taking their turn and having their
    /// answer ready): 1 on a server that serves one at a time.
    pub most_in_service: u64,
    /// Runs counted by `runCount`s that scan (`Serial::scan_per_run`), and the time those
    /// scans took (microseconds).
    pub scanned_runs: u64,
    pub scan_us: u64,
    /// When the last answer was ready to write, as microseconds since the UNIX epoch (0
    /// before any): what a client does after it, its tail, is timed from there.
    pub last_answer_unix_us: u64,
}

/// What one answer added.
pub struct Answer {
    pub runs_page: bool,
    pub edges: usize,
    pub request_body: usize,
    pub response_body: usize,
    pub wire_body: usize,
    pub wire: usize,
    pub gzipped: bool,
    pub busy: std::time::Duration,
}

impl Stats {
    pub fn record(&self, a: &Answer) {
        let add = |c: &AtomicU64, n: u64| {
            c.fetch_add(n, Ordering::Relaxed);
        };
        add(&self.requests, 1);
        add(&self.runs_pages, a.runs_page as u64);
        add(&self.run_edges, a.edges as u64);
        add(&self.request_body_bytes, a.request_body as u64);
        add(&self.response_body_bytes, a.response_body as u64);
        add(&self.wire_body_bytes, a.wire_body as u64);
        add(&self.wire_bytes, a.wire as u64);
        add(&self.gzipped, a.gzipped as u64);
        add(&self.busy_us, a.busy.as_micros() as u64);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        let now = now.map_or(0, |since| since.as_micros() as u64);
        self.last_answer_unix_us.fetch_max(now, Ordering::Relaxed);
    }

    /// A request entered service.
    pub fn service_began(&self) {
        let now = self.in_service.fetch_add(1, Ordering::Relaxed) + 1;
        self.most_in_service.fetch_max(now, Ordering::Relaxed);
    }

    /// A request left service.
    pub fn service_ended(&self) {
        self.in_service.fetch_sub(1, Ordering::Relaxed);
    }

    /// A count scanned `runs` runs, which took `took`.
    pub fn scanned(&self, runs: usize, took: std::time::Duration) {
        self.scanned_runs.fetch_add(runs as u64, Ordering::Relaxed);
        self.scan_us.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// The totals; with `reset`, zeroes them as it reads.
    pub fn snapshot(&self, reset: bool) -> StatsSnapshot {
        let get = |c: &AtomicU64| {
            if reset {
                c.swap(0, Ordering::Relaxed)
            } else {
                c.load(Ordering::Relaxed)
            }
        };
        StatsSnapshot {
            requests: get(&self.requests),
            runs_pages: get(&self.runs_pages),
            run_edges: get(&self.run_edges),
            request_body_bytes: get(&self.request_body_bytes),
            response_body_bytes: get(&self.response_body_bytes),
            wire_body_bytes: get(&self.wire_body_bytes),
            wire_bytes: get(&self.wire_bytes),
            gzipped: get(&self.gzipped),
            busy_us: get(&self.busy_us),
            // What is in service now stays its floor.
            most_in_service: match reset {
                true => self
                    .most_in_service
                    .swap(self.in_service.load(Ordering::Relaxed), Ordering::Relaxed),
                false => self.most_in_service.load(Ordering::Relaxed),
            },
            scanned_runs: get(&self.scanned_runs),
            scan_us: get(&self.scan_us),
            last_answer_unix_us: get(&self.last_answer_unix_us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix_us() -> u64 {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since.unwrap().as_micros() as u64
    }

    fn answer() -> Answer {
        Answer {
            runs_page: true,
            edges: 1,
            request_body: 1,
            response_body: 1,
            wire_body: 1,
            wire: 1,
            gzipped: false,
            busy: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn the_last_answer_is_timed_on_the_wall_clock_and_a_reset_forgets_it() {
        let stats = Stats::default();
        assert_eq!(stats.snapshot(false).last_answer_unix_us, 0);
        let before = unix_us();
        stats.record(&answer());
        std::thread::sleep(std::time::Duration::from_millis(2));
        let between = unix_us();
        stats.record(&answer());
        let after = unix_us();
        let last = stats.snapshot(true).last_answer_unix_us;
        assert!(
            before < between && between <= last && last <= after,
            "{before} {between} {last} {after}"
        );
        assert_eq!(stats.snapshot(false).last_answer_unix_us, 0);
    }
}
