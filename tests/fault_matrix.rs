//! Every fault the fake W&B server can make, at the first, a middle and the last page, on
//! one layer and on all: a transient fault ends in artifacts and a cache byte-identical to a
//! clean run's; a permanent one in one `error:` line naming the cause, the documented exit
//! code, and the previous artifacts, cache and manifests untouched (bytes and mtimes).
//!
//! The matrix is `ROWS` below: a new fault is one line. Cases run in parallel threads,
//! each against its own server in its own folder, at `-vv` with a recognisable key that
//! must then appear nowhere: not on stdout or stderr, not in any file the run left.

use crate::support;

use std::collections::BTreeMap;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use fake_wandb::*;
use support::disk;
use support::*;

const PROJECT: &str = "fake-project";
const ENTITY: &str = "fake-entity";
/// A fake key that is easy to find if it leaks.
const KEY: &str = "mdlfetch-SECRET-matrix-key-0123456789abcdef";
const LAYERS: [i64; 3] = [6, 7, 8];
/// The layer of the one-layer cases.
const ONE_LAYER: i64 = 7;
const RUNS_PER_LAYER: usize = 20;
const PAGE_CAP: usize = 5;
/// Pages per layer: 20 runs, 5 a page, and the fourth says no page follows.
const PAGES: usize = RUNS_PER_LAYER / PAGE_CAP;
const MAX_ATTEMPTS: u32 = 4;
/// Runs in parallel; each case is mostly waiting on sockets and child processes.
const WORKERS: usize = 8;

/// What a fault must lead to.
#[derive(Clone, Debug)]
enum Expect {
    /// Retried until it passes: success, artifacts identical to a clean run's.
    Recovers,
    /// Stops: this exit code, one `error:` line containing this text, nothing changed.
    Fails { code: i32, says: &'static str },
}
use Expect::*;

/// One row of the matrix: a fault, how many times it fires per layer once triggered
/// (`usize::MAX`: for ever), and what must happen.
struct Row {
    name: &'static str,
    fault: fn() -> Fault,
    times: usize,
    expect: Expect,
}

const FOREVER: usize = usize::MAX;

/// The matrix. Transient faults fire twice (the third attempt passes, within
/// `MAX_ATTEMPTS`); permanent ones as often as they are asked.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    Row { name: "429 with Retry-After", fault: || Fault::Status429 { retry_after: Some("1".into()) }, times: 2, expect: Recovers },
    Row { name: "429 without Retry-After", fault: || Fault::Status429 { retry_after: None }, times: 2, expect: Recovers },
    Row { name: "500", fault: || Fault::Status(500), times: 2, expect: Recovers },
    Row { name: "502", fault: || Fault::Status(502), times: 2, expect: Recovers },
    Row { name: "503", fault: || Fault::Status(503), times: 2, expect: Recovers },
    Row { name: "504", fault: || Fault::Status(504), times: 2, expect: Recovers },
    Row { name: "connection reset", fault: || Fault::Reset, times: 2, expect: Recovers },
    Row { name: "answer slower than --timeout", fault: || Fault::Slow(Duration::from_millis(2500)), times: 1, expect: Recovers },
    Row { name: "truncated body", fault: || Fault::TruncatedBody, times: 2, expect: Recovers },
    Row { name: "503 until retries run out", fault: || Fault::Status(503), times: FOREVER, expect: Fails { code: 8, says: "gave up after 4 attempts, last: HTTP 503" } },
    Row { name: "501 (not retried)", fault: || Fault::Status(501), times: FOREVER, expect: Fails { code: 9, says: "HTTP 501" } },
    Row { name: "malformed JSON", fault: || Fault::MalformedJson, times: FOREVER, expect: Fails { code: 9, says: "not JSON" } },
    Row { name: "errors array", fault: || Fault::ErrorsArray, times: FOREVER, expect: Fails { code: 9, says: "W&B reported an error: An internal error occurred" } },
    Row { name: "HTML 403", fault: || Fault::Html403, times: FOREVER, expect: Fails { code: 6, says: "(HTTP 403, an HTML page" } },
    Row { name: "project null", fault: || Fault::ProjectNull, times: FOREVER, expect: Fails { code: 7, says: "not found or not visible to this key" } },
    // Cursors are never sent back, but a server that always says more follow is endless.
    Row { name: "repeated cursor", fault: || Fault::RepeatCursor, times: FOREVER, expect: Fails { code: 9, says: "sends no new runs" } },
    Row { name: "endless cursor", fault: || Fault::EndlessCursor, times: FOREVER, expect: Fails { code: 9, says: "sends no new runs" } },
    Row { name: "runs lost between requests", fault: || Fault::LoseRuns(1), times: 1, expect: Fails { code: 10, says: "runs were lost in paging" } },
];

#[derive(Clone, Copy, Debug)]
enum Position {
    First,
    Middle,
    Last,
}

impl Position {
    fn page(self) -> usize {
        match self {
            Position::First => 1,
            Position::Middle => PAGES / 2,
            Position::Last => PAGES,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Scope {
    OneLayer,
    AllLayers,
}

impl Scope {
    fn layers(self) -> Vec<i64> {
        match self {
            Scope::OneLayer => vec![ONE_LAYER],
            Scope::AllLayers => LAYERS.to_vec(),
        }
    }
}

struct Case {
    row: &'static Row,
    position: Position,
    scope: Scope,
}

impl Case {
    fn name(&self) -> String {
        format!(
            "{} at {:?} page ({}) of {:?}",
            self.row.name,
            self.position,
            self.position.page(),
            self.scope
        )
    }

    /// One rule per faulty layer, armed from the server's start.
    fn rules(&self) -> Vec<FaultRule> {
        self.scope
            .layers()
            .into_iter()
            .map(|layer| {
                FaultRule::new(
                    (self.row.fault)(),
                    Trigger::RunsPage {
                        page: self.position.page(),
                        layer: Some(layer),
                    },
                    self.row.times,
                )
            })
            .collect()
    }
}

fn dataset() -> Dataset {
    Dataset::sweep(SweepOptions {
        runs: LAYERS.len() * RUNS_PER_LAYER,
        layers: LAYERS.to_vec(),
        extra_summary_keys: 3,
        nan_rate: 0.05,
        states: vec!["finished".into(), "finished".into(), "crashed".into()],
        ..SweepOptions::default()
    })
}

fn server(faults: Vec<FaultRule>) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: PAGE_CAP,
        api_key: KEY.into(),
        faults,
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset())
    })
}

/// The binary against `server` in `work`, fast backoff, at `-vv`. Each layer is paged in
/// one stream (`--window-runs 0`), the pages this matrix counts; the windows a short first
/// page could otherwise lead to have their own tests (`windowed_fetch.rs`).
fn fetch(work: &Workdir, server: &FakeWandb, timeout_secs: u32) -> Output {
    fetch_command(work, server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["-q", "-vv", "--window-runs", "0"])
        .args(["--timeout", &timeout_secs.to_string()])
        .args(["--max-attempts", &MAX_ATTEMPTS.to_string()])
        .output()
        .unwrap()
}

/// The artifacts and the cache's layer exports (the cache manifest holds a timestamp).
fn results(work: &Workdir) -> BTreeMap<String, Vec<u8>> {
    let mut found: BTreeMap<String, Vec<u8>> = TABLE_ARTIFACTS
        .iter()
        .filter_map(|name| {
            let bytes = std::fs::read(work.join(&format!("out/{PROJECT}/{name}"))).ok()?;
            Some((name.to_string(), bytes))
        })
        .collect();
    let cache = work.join(&format!("cache/{ENTITY}/{PROJECT}"));
    for (name, bytes) in disk::contents(&cache) {
        if name.starts_with("layer-") {
            found.insert(format!("cache/{name}"), bytes);
        }
    }
    found
}

/// Whatever a run printed or left that holds the key, its auth header, or a piece of it.
fn key_leaks(work: &Workdir, output: &Output) -> Vec<String> {
    let header = base64::engine::general_purpose::STANDARD.encode(format!("api:{KEY}"));
    let files = disk::contents(work.path());
    let mut haystacks: Vec<(String, &[u8])> = vec![
        ("stdout".into(), &output.stdout[..]),
        ("stderr".into(), &output.stderr[..]),
    ];
    haystacks.extend(files.iter().map(|(name, bytes)| (name.clone(), &bytes[..])));
    disk::leaks(haystacks, &[KEY, &header, "SECRET"])
}

/// Runs one case; `Err` says what went wrong.
fn run_case(case: &Case, clean: &BTreeMap<String, Vec<u8>>, before: &Workdir) -> Result<(), String> {
    let timeout = if matches!((case.row.fault)(), Fault::Slow(_)) {
        1
    } else {
        10
    };
    let server = server(case.rules());
    let work = Workdir::new();
    copy_dir(before.path(), work.path());
    let out_before = disk::snapshot(&work.join("out"));
    let cache_before = disk::snapshot(&work.join("cache"));
    let output = fetch(&work, &server, timeout);
    let err = stderr(&output);
    let mut problems = Vec::new();
    let fired = server.fault_count(&(case.row.fault)());
    if fired == 0 {
        problems.push("the fault never fired".to_string());
    }
    match &case.row.expect {
        Recovers => {
            if !output.status.success() {
                problems.push(format!("exit {:?}", output.status.code()));
            }
            let expected_fired = case.row.times * case.scope.layers().len();
            if fired != expected_fired {
                problems.push(format!("fired {fired} times, not {expected_fired}"));
            }
            let got = results(&work);
            for (name, bytes) in clean {
                match got.get(name) {
                    None => problems.push(format!("{name} missing")),
                    Some(b) if b != bytes => problems.push(format!("{name} differs from a clean run's")),
                    Some(_) => {}
                }
            }
            if got.len() != clean.len() {
                problems.push(format!("files {:?} vs clean {:?}", got.keys(), clean.keys()));
            }
        }
        Fails { code, says } => {
            if output.status.code() != Some(*code) {
                problems.push(format!("exit {:?}, not {code}", output.status.code()));
            }
            let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
            if errors.len() != 1 || err.lines().last() != errors.first().copied() {
                problems.push("not exactly one `error:` line, last".into());
            }
            if !errors
                .first()
                .is_some_and(|line| line.starts_with("error: ") && line.contains(says))
            {
                problems.push(format!("the error does not say {says:?}"));
            }
            for (what, before, dir) in [
                ("artifacts", &out_before, "out"),
                ("cache", &cache_before, "cache"),
            ] {
                let changes = disk::diff(before, &disk::snapshot(&work.join(dir)));
                if !changes.is_empty() {
                    problems.push(format!("{what} changed: {changes:?}"));
                }
            }
        }
    }
    if err.contains("panicked") {
        problems.push("panicked".into());
    }
    let temps = disk::temp_files(work.path());
    if !temps.is_empty() {
        problems.push(format!("temp files left: {temps:?}"));
    }
    problems.extend(key_leaks(&work, &output));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}\n  stderr: {}",
            case.name(),
            problems.join("; "),
            err.trim_end().replace('\n', "\n          ")
        ))
    }
}

/// Copies a folder tree (new mtimes; the cases snapshot after copying).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for name in disk::files(from) {
        let target = to.join(&name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&name), &target).unwrap();
    }
}

#[test]
fn every_fault_at_every_position_on_one_layer_and_all() {
    let started = Instant::now();
    // The previous state every case starts from, and a clean run's results.
    let before = Workdir::new();
    let clean_server = server(Vec::new());
    let output = fetch(&before, &clean_server, 10);
    assert!(output.status.success(), "clean run: {}", stderr(&output));
    assert_eq!(
        clean_server.runs_requests().len(),
        LAYERS.len() * PAGES,
        "every layer takes {PAGES} pages"
    );
    let clean = results(&before);
    assert_eq!(
        clean.len(),
        TABLE_ARTIFACTS.len() + LAYERS.len(),
        "{:?}",
        clean.keys()
    );
    assert!(key_leaks(&before, &output).is_empty());

    let mut cases = Vec::new();
    for row in ROWS {
        for position in [Position::First, Position::Middle, Position::Last] {
            for scope in [Scope::OneLayer, Scope::AllLayers] {
                cases.push(Case { row, position, scope });
            }
        }
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|threads| {
        for _ in 0..WORKERS {
            threads.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                if let Err(problem) = run_case(case, &clean, &before) {
                    failures.lock().unwrap().push(problem);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{} cases in {:.1?}", cases.len(), started.elapsed());
}
