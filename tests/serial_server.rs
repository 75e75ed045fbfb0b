//! The fake's serial mode, which serves one request at a time and makes counts scan (as a
//! backend without parallel workers or a suitable index would), and a large layer fetched
//! from it: in windows and in one stream, the same cache and artifacts, byte for byte.

use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use fake_wandb::*;
use support::*;

const COUNT: &str = r#"query($f: JSONString) { project(name: "fake-project", entityName: "fake-entity") { runCount(filters: $f) } }"#;

/// Posts `count` count queries at once to `server` (under `filters`).
fn counts_at_once(server: &FakeWandb, filters: &str, count: usize) {
    let body = serde_json::json!({ "query": COUNT, "variables": { "f": filters } }).to_string();
    let client = reqwest::Client::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let posts = (0..count).map(|_| {
        client
            .post(format!("{}/graphql", server.base_url()))
            .basic_auth("api", Some(server.api_key()))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    });
    for answer in runtime.block_on(futures::future::join_all(posts)) {
        assert!(answer.unwrap().status().is_success());
    }
}

fn sweep(runs: usize) -> Dataset {
    Dataset::sweep(SweepOptions {
        runs,
        layers: vec![6, 7],
        ..SweepOptions::default()
    })
}

#[test]
fn a_serial_server_serves_one_request_at_a_time_and_a_kind_one_several() {
    for (serial, one_at_a_time) in [
        (Serial::scanning(Duration::ZERO), true),
        (Serial::default(), false),
    ] {
        let server = FakeWandb::start(FakeConfig {
            latency: Duration::from_millis(100),
            serial,
            ..FakeConfig::with_dataset(sweep(40))
        });
        counts_at_once(&server, "{}", 6);
        let stats = server.stats(false);
        assert_eq!(stats.requests, 6);
        match one_at_a_time {
            true => assert_eq!(stats.most_in_service, 1, "{serial:?}"),
            false => assert!(stats.most_in_service > 1, "{serial:?}: {stats:?}"),
        }
    }
}

#[test]
fn a_count_scans_every_run_it_counts() {
    let per_run = Duration::from_micros(40);
    let server = FakeWandb::start(FakeConfig {
        serial: Serial::scanning(per_run),
        ..FakeConfig::with_dataset(sweep(300))
    });
    // Layer 6: every other run; both layers: all of them.
    counts_at_once(&server, r#"{"config.layer": 6}"#, 1);
    let one_layer = server.stats(true);
    assert_eq!(one_layer.scanned_runs, 150);
    counts_at_once(&server, "{}", 1);
    let whole = server.stats(true);
    assert_eq!(whole.scanned_runs, 300);
    assert_eq!(whole.scan_us, 2 * one_layer.scan_us);
    assert_eq!(whole.scan_us, 300 * per_run.as_micros() as u64);

    let kind = FakeWandb::start(FakeConfig::with_dataset(sweep(300)));
    counts_at_once(&kind, "{}", 1);
    assert_eq!(
        kind.stats(false).scanned_runs,
        0,
        "the kind fake counts from its index"
    );
}

/// The cache's layer exports and the artifacts of a fetch of layer 6 from `server`.
fn fetch(server: &FakeWandb, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let work = Workdir::new();
    let output = fetch_command(&work, server)
        .args(["-q", "--layers", "6", "--timeout", "30"])
        .args(extra)
        .output()
        .unwrap();
    ok(&output);
    let mut all = cache_exports(&work);
    for (name, bytes) in artifacts(&work.join("out/fake-project")) {
        all.insert(name.to_string(), bytes);
    }
    all
}

#[test]
fn windows_from_a_serial_scanning_server_give_the_bytes_of_one_stream() {
    let server = FakeWandb::start(FakeConfig {
        page_cap: 25,
        latency: Duration::from_millis(5),
        serial: Serial::scanning(Duration::from_micros(20)),
        real: fake_backend(),
        ..FakeConfig::with_dataset(sweep(1000))
    });
    let one_stream = fetch(&server, &["--concurrency", "1"]);
    let one_stream_requests = server.stats(true).requests;
    assert_eq!(one_stream_requests, 20, "500 runs of layer 6 in pages of 25");
    for extra in [&["--concurrency", "8"][..], &["--window-runs", "60"][..]] {
        assert_eq!(fetch(&server, extra), one_stream, "{extra:?}");
        let stats = server.stats(true);
        assert_eq!(stats.most_in_service, 1, "{extra:?}");
        assert!(stats.requests > 1, "{extra:?}");
    }
}
