//! A fake W&B GraphQL server on 127.0.0.1 for integration tests and benchmarks: real
//! HTTP/1.1 on a real socket, W&B's schema subset, a generated dataset, injectable faults.
//!
//! A dev-dependency of mdl-fetch: its integration tests, the fetcher's unit tests and
//! `examples/fake_wandb.rs` reach it as `use fake_wandb::...`.

mod count_index;
mod dataset;
mod faults;
mod filters;
mod http;
mod inspect;
mod log;
mod offset_paging;
mod paging;
mod real_backend;
mod schema;
mod serial;
mod server;
mod state;
mod stats;
mod sweep;
mod values;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use dataset::{format_timestamp, parse_timestamp, Dataset, DatasetHandle, FakeRun};
pub use faults::{Fault, FaultRule, Trigger};
pub use inspect::QueryInfo;
pub use log::LoggedRequest;
pub use real_backend::{RealBackend, UpdatedAtFilter};
pub use serial::Serial;
pub use stats::StatsSnapshot;
pub use sweep::SweepOptions;
pub use values::SummaryValue;

use state::{lock, Shared};

/// How a fake server starts.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    pub dataset: Dataset,
    /// The viewer's default entity, owner of every project.
    pub entity: String,
    /// The projects served; each holds the whole dataset.
    pub projects: Vec<String>,
    /// The password of HTTP Basic auth (user `api`).
    pub api_key: String,
    /// The most runs one page grants (`min(first, page_cap)`; `first` null means 50).
    pub page_cap: usize,
    /// Added before every answer (for benchmarks).
    pub latency: Duration,
    /// Gzip answers of 256 bytes or more when the client sends `Accept-Encoding: gzip`.
    pub gzip: bool,
    /// Keep each answer's body in the request log.
    pub log_bodies: bool,
    /// Fault rules armed from the start.
    pub faults: Vec<FaultRule>,
    /// Answer `GET /__stats` with the request and byte totals (`/__stats/reset` also
    /// zeroes them), for benchmarks run from another process.
    pub stats_endpoint: bool,
    /// Which of the real backend's harder behaviours to show (none: the kind fake).
    pub real: RealBackend,
    /// Whether requests are served one at a time and counts scan (neither: the kind fake).
    pub serial: Serial,
}

/// The key of `FakeConfig::default()` (40 characters, like an old-style W&B key).
pub const DEFAULT_KEY: &str = "0123456789abcdef0123456789abcdef01234567";

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            dataset: Dataset::new(),
            entity: "fake-entity".into(),
            projects: vec!["fake-project".into()],
            api_key: DEFAULT_KEY.into(),
            page_cap: 1000,
            latency: Duration::ZERO,
            gzip: true,
            log_bodies: true,
            faults: Vec::new(),
            stats_endpoint: false,
            real: RealBackend::default(),
            serial: Serial::default(),
        }
    }
}

impl FakeConfig {
    /// The defaults, serving `dataset`.
    pub fn with_dataset(dataset: Dataset) -> FakeConfig {
        FakeConfig {
            dataset,
            ..FakeConfig::default()
        }
    }
}

/// A running fake server; dropping it stops the server and closes its connections.
pub struct FakeWandb {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeWandb {
    /// Binds 127.0.0.1 on an ephemeral port and serves from its own thread and tokio
    /// runtime (so it works from sync tests and from inside async ones).
    pub fn start(config: FakeConfig) -> FakeWandb {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        FakeWandb::serve(listener, config)
    }

    /// Serves on an already bound listener.
    pub fn serve(listener: std::net::TcpListener, config: FakeConfig) -> FakeWandb {
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let mut book = faults::FaultBook::default();
        for rule in config.faults {
            book.add(rule);
        }
        let shared = Arc::new(Shared {
            entity: config.entity,
            projects: config.projects,
            api_key: config.api_key,
            page_cap: AtomicUsize::new(config.page_cap),
            latency: Mutex::new(config.latency),
            gzip: AtomicBool::new(config.gzip),
            log_bodies: config.log_bodies,
            dataset: DatasetHandle::new(config.dataset),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(book),
            stats: stats::Stats::default(),
            stats_endpoint: config.stats_endpoint,
            real: config.real,
            requests_seen: AtomicU64::new(0),
            workers: tokio::sync::Semaphore::new(state::WORKERS),
            turns: serial::Turns::new(&config.serial),
            serial: config.serial,
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fake-wandb".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(state::WORKERS)
                    .thread_name("fake-wandb-worker")
                    .enable_all()
                    .build()
                    .expect("fake-wandb runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let schema = schema::build(thread_shared.clone());
                    server::run(listener, thread_shared, schema, rx).await;
                });
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn fake-wandb thread");
        FakeWandb {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    pub fn entity(&self) -> &str {
        &self.shared.entity
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// The requests that asked for a runs page, in arrival order.
    pub fn runs_requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.info.runs_page)
            .cloned()
            .collect()
    }

    /// Requests and bytes answered so far (since the last reset); `reset` zeroes them.
    pub fn stats(&self, reset: bool) -> StatsSnapshot {
        self.shared.stats.snapshot(reset)
    }

    /// Forgets the request log (counters for triggers keep counting).
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Arms a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.faults).add(rule);
    }

    /// Disarms every rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The rules still armed (with their remaining `times`).
    pub fn armed_faults(&self) -> Vec<FaultRule> {
        lock(&self.shared.faults).armed()
    }

    /// How many requests had `fault` applied.
    pub fn fault_count(&self, fault: &Fault) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.fault.as_ref() == Some(fault))
            .count()
    }

    /// The served dataset, to read or change while the server runs.
    pub fn dataset(&self) -> DatasetHandle {
        self.shared.dataset.clone()
    }

    pub fn set_page_cap(&self, cap: usize) {
        self.shared.page_cap.store(cap, Ordering::Relaxed);
    }

    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    pub fn set_gzip(&self, on: bool) {
        self.shared.gzip.store(on, Ordering::Relaxed);
    }
}

impl Drop for FakeWandb {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
