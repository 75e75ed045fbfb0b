//! What the accept loop, the GraphQL resolvers and the test-facing handle share.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::dataset::DatasetHandle;
use super::faults::{Fault, FaultBook};
use super::log::LoggedRequest;
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
}

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
