//! What the accept loop, the GraphQL resolvers and the test-facing handle share.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::dataset::DatasetHandle;
use super::faults::{Fault, FaultBook};
use super::log::LoggedRequest;
use super::real_backend::RealBackend;
use super::serial::{Serial, Turns};
use super::stats::Stats;

pub struct Shared {
    pub entity: String,
    pub projects: Vec<String>,
    pub api_key: String,
    pub page_cap: AtomicUsize,
    pub latency: Mutex<Duration>,
    pub gzip: AtomicBool,
    pub log_bodies: bool,
    pub dataset: DatasetHandle,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub faults: Mutex<FaultBook>,
    pub stats: Stats,
    /// Answer `GET /__stats` (and `/__stats/reset`).
    pub stats_endpoint: bool,
    /// The real backend's behaviours switched on.
    pub real: RealBackend,
    /// Runs queries answered so far: seeds the order of tied rows under `unstable_ties`.
    pub requests_seen: AtomicU64,
    /// Queries executed at once (`WORKERS`), as a server's worker pool runs them: each to
    /// its end, so answers leave one after another as they are ready, not all together at
    /// the end of a burst (the resolvers would otherwise take turns).
    pub workers: tokio::sync::Semaphore,
    /// Whether requests are served one at a time and counts scan.
    pub serial: Serial,
    /// The turn each request takes (a no-op unless `serial.one_at_a_time`).
    pub turns: Turns,
}

/// The server's runtime threads, and the queries it executes at once.
pub const WORKERS: usize = 2;

/// Locks, shrugging off poisoning (a panicking test thread must not wedge the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Per-request data handed to the resolvers: the page fault to apply, and what they did.
#[derive(Debug, Default)]
pub struct PageCtx {
    pub fault: Option<Fault>,
    pub edges: AtomicUsize,
}
