//! A big fetch through a flaky server: every run of a 12-layer sweep (layers 6-8 among
//! them), a transient fault every few dozen requests, and at the end exactly the server's
//! runs in the cache and in runs.csv (none lost, none twice), with the child's peak memory
//! (VmHWM, polled from /proc) under a bound.
//!
//! 10,000 runs by default; `MDL_FETCH_LOAD_RUNS=100000 cargo test --release --test main load::`
//! runs the full size.

use crate::support;

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_wandb::*;
use support::*;

const PROJECT: &str = "fake-project";
const ENTITY: &str = "fake-entity";
const LAYERS: std::ops::RangeInclusive<i64> = 0..=11;
/// Peak resident memory allowed to the child, whatever the size.
const MAX_RSS_KB: u64 = 200 * 1024;
/// One fault per this many requests.
const FAULT_EVERY: usize = 25;

fn size() -> usize {
    std::env::var("MDL_FETCH_LOAD_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// Transient faults, taken in turn.
fn transient(i: usize) -> Fault {
    let faults = [
        Fault::Status(503),
        Fault::Status429 { retry_after: None },
        Fault::Reset,
        Fault::TruncatedBody,
        Fault::Status(502),
        Fault::Status429 {
            retry_after: Some("0".into()),
        },
        Fault::Status(500),
        Fault::Status(504),
    ];
    faults[i % faults.len()].clone()
}

/// Peak resident set (kB) of a live process, from /proc; `None` once it is gone.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Rows of a CSV file: (header, records).
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap()).collect();
    (header, rows)
}

#[test]
fn a_big_fetch_through_a_flaky_server_loses_nothing_and_stays_small() {
    let runs = size();
    let layers: Vec<i64> = LAYERS.collect();
    let started = Instant::now();
    let dataset = Dataset::sweep(SweepOptions {
        runs,
        layers: layers.clone(),
        extra_summary_keys: 8,
        nan_rate: 0.02,
        states: vec!["finished".into(), "finished".into(), "crashed".into()],
        ..SweepOptions::default()
    });
    let expected: BTreeMap<i64, HashSet<String>> = layers
        .iter()
        .map(|&l| (l, dataset.runs_of_layers(&[l]).map(|r| r.name.clone()).collect()))
        .collect();
    assert_eq!(expected.values().map(HashSet::len).sum::<usize>(), runs);

    // About 100 pages whatever the size, and a fault every FAULT_EVERY requests among them.
    let page_cap = (runs / 100).clamp(20, 1000);
    let pages: usize = expected
        .values()
        .map(|names| names.len().div_ceil(page_cap))
        .sum();
    let faults: Vec<FaultRule> = (0..)
        .map(|i| 10 + i * FAULT_EVERY)
        .take_while(|&n| n <= pages)
        .enumerate()
        .map(|(i, n)| FaultRule::once(transient(i), Trigger::Nth(n)))
        .collect();
    assert!(faults.len() >= 3, "{pages} pages");
    let server = FakeWandb::start(FakeConfig {
        page_cap,
        log_bodies: false,
        faults: faults.clone(),
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    });
    let generated = started.elapsed();

    let work = Workdir::new();
    let layer_list = layers.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut child = fetch_command(&work, &server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["-q", "-v"])
        .args(["--layers", &layer_list, "--page-size", "1000"])
        .args(["--timeout", "60", "--max-attempts", "5"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr_reader = {
        let mut pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut pipe, &mut text).unwrap();
            text
        })
    };
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let err = stderr_reader.join().unwrap();
    let fetched = started.elapsed() - generated;
    assert!(status.success(), "{status}: {err}");
    eprintln!(
        "{runs} runs, {pages} pages of {page_cap}, {} faults: generated in {generated:.1?}, fetched and tabulated in {fetched:.1?}, peak RSS {} MB",
        faults.len(),
        peak_kb / 1024
    );

    // Every fault fired, and was retried.
    assert!(server.armed_faults().is_empty(), "{:?}", server.armed_faults());
    for (i, _) in faults.iter().enumerate() {
        assert!(server.fault_count(&transient(i)) >= 1);
    }
    assert_eq!(err.matches("retry 2/5 of ").count(), faults.len(), "{err}");

    // The cache holds exactly the server's runs, each once, layer by layer.
    let cache = work.join(&format!("cache/{ENTITY}/{PROJECT}"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cache.join("cache-manifest.json")).unwrap()).unwrap();
    let cached = manifest["layers"].as_array().unwrap();
    assert_eq!(cached.len(), layers.len());
    let mut total = 0;
    for entry in cached {
        let layer = entry["layer"].as_i64().unwrap();
        let (header, rows) = read_csv(&cache.join(entry["file"].as_str().unwrap()));
        let id = header.iter().position(|h| h == "ID").unwrap();
        let ids: HashSet<String> = rows.iter().map(|r| r[id].to_string()).collect();
        assert_eq!(ids.len(), rows.len(), "layer {layer}: a run twice");
        assert_eq!(ids, expected[&layer], "layer {layer}: not the server's runs");
        assert_eq!(entry["runs"].as_u64(), Some(rows.len() as u64));
        assert_eq!(entry["run_count"].as_u64(), Some(rows.len() as u64));
        total += rows.len();
    }
    assert_eq!(total, runs);

    // runs.csv: one row per run read.
    let (_, rows) = read_csv(&work.join(&format!("out/{PROJECT}/runs.csv")));
    assert_eq!(rows.len(), runs);

    // Memory: the fetch streams pages to disk and the replay streams exports.
    assert!(
        peak_kb > 0 && peak_kb < MAX_RSS_KB,
        "peak RSS {peak_kb} kB (limit {MAX_RSS_KB} kB)"
    );
}
