//! The real binary against the fake W&B server: paging, projections, filters, the cache and
//! its offline replay, transient and permanent faults, and a key that never leaks.

use crate::support;

use std::collections::BTreeMap;
use std::process::Output;
use std::time::Duration;

use base64::Engine;
use fake_wandb::*;
use support::disk::{self, snapshot};
use support::*;

const PROJECT: &str = "fake-project";
const ENTITY: &str = "fake-entity";
/// A sweep over layers 0-11 with wide summaries, some NaN errors and mixed states.
fn sweep_0_to_11() -> Dataset {
    Dataset::sweep(SweepOptions {
        runs: 12 * 30,
        layers: (0..12).collect(),
        extra_summary_keys: 45,
        nan_rate: 0.05,
        states: vec![
            "finished".into(),
            "finished".into(),
            "crashed".into(),
            "running".into(),
        ],
        ..SweepOptions::default()
    })
}

/// A fake server with a small page cap, so every layer takes several pages.
fn server_with(key: &str) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: 7,
        api_key: key.into(),
        real: fake_backend(),
        ..FakeConfig::with_dataset(sweep_0_to_11())
    })
}

/// Runs the binary against `server` in `work`, with the key in the environment.
fn fetch(work: &Workdir, server: &FakeWandb, key: &str, extra: &[&str]) -> Output {
    let mut command = work.command();
    command
        .env("WANDB_BASE_URL", server.base_url())
        .env("WANDB_API_KEY", key)
        .env("MDL_FETCH_LAYERS", "6-8")
        .env("MDL_FETCH_BACKOFF_BASE_MS", "20")
        .args([
            "--project",
            PROJECT,
            "-q",
            "--timeout",
            "2",
            "--max-attempts",
            "4",
        ]);
    command.args(extra).output().unwrap()
}

#[test]
fn multi_page_fetch_of_layers_6_to_8_equals_replaying_exports_of_the_same_runs() {
    let server = server_with(DEFAULT_KEY);
    let work = Workdir::new();
    ok(&fetch(
        &work,
        &server,
        DEFAULT_KEY,
        &["--entity", ENTITY, "--page-size", "1000"],
    ));

    let export = work.join("runs-6-8.csv");
    server
        .dataset()
        .with(|ds| ds.write_export(&export, &[6, 7, 8]))
        .unwrap();
    let replay = work.run(&[
        "--export",
        &export.display().to_string(),
        "--out",
        "replayed",
        "-q",
        "--project",
        PROJECT,
        "--entity",
        ENTITY,
    ]);
    ok(&replay);
    for name in ["mdl-table.md", "mdl-table.csv"] {
        let online = String::from_utf8(read(work.join(&format!("out/{PROJECT}/{name}")))).unwrap();
        let replayed = String::from_utf8(read(work.join(&format!("replayed/{name}")))).unwrap();
        assert_eq!(online, replayed, "{name}");
    }
    let table = String::from_utf8(read(work.join(&format!("out/{PROJECT}/mdl-table.md")))).unwrap();
    let rows = table.lines().filter(|line| line.starts_with('|')).count();
    assert_eq!(rows, 2 + 9, "{table}");

    let pages = server.runs_requests();
    assert!(
        pages.len() >= 3 * 5,
        "every layer took several pages: {}",
        pages.len()
    );
    for page in &pages {
        let filters = page.variables["filters"]
            .as_str()
            .expect("filters is a JSON string");
        let filters: serde_json::Value = serde_json::from_str(filters).unwrap();
        // Pages after the first narrow the layer's filter by creation time.
        let layer_filter = filters.get("$and").map_or(&filters, |clauses| &clauses[0]);
        let layers = &layer_filter["config.layer"]["$in"];
        // One layer, as a number and as text (the server compares types).
        assert!(layers.as_array().is_some_and(|l| l.len() == 2), "{filters}");
        let layer = layers[0].as_i64().unwrap();
        assert!((6..=8).contains(&layer), "{filters}");
        assert_eq!(layers[1], serde_json::json!(layer.to_string()), "{filters}");
        assert_eq!(page.variables["order"], "+created_at");
        let query = page.query.as_deref().unwrap();
        assert!(
            query.contains(r#"summaryMetrics(keys: ["l0_norm", "l2_loss"])"#),
            "{query}"
        );
        assert!(
            query.contains(r#"config(keys: ["layer", "dict_size"])"#),
            "{query}"
        );
        assert!(page.edges <= 7, "the page cap holds");
    }
    let transferred: usize = pages.iter().map(|p| p.edges).sum();
    assert_eq!(transferred, 90, "only the 90 runs of layers 6-8 crossed the wire");
    let count_requests = pages
        .iter()
        .filter(|p| p.query.as_deref().unwrap().contains("runCount"))
        .count();
    assert_eq!(
        count_requests,
        pages.len(),
        "the query text is one, runCount is switched by a variable"
    );
    let with_count = pages.iter().filter(|p| p.variables["withCount"] == true).count();
    assert_eq!(with_count, 3, "runCount asked once per layer");
}

#[test]
fn online_artifacts_equal_the_offline_replay_of_the_cache_it_wrote() {
    let server = server_with(DEFAULT_KEY);
    let work = Workdir::new();
    // No --entity: the key's default entity comes from the viewer query.
    ok(&fetch(&work, &server, DEFAULT_KEY, &[]));
    assert!(server
        .requests()
        .iter()
        .any(|r| r.query.as_deref().is_some_and(|q| q.contains("viewer"))));
    let manifest = String::from_utf8(read(
        work.join(&format!("cache/{ENTITY}/{PROJECT}/cache-manifest.json")),
    ))
    .unwrap();
    assert!(manifest.contains("\"run_count\": 30"), "{manifest}");

    let offline = work
        .command()
        .args(["--project", PROJECT, "--offline", "--out", "offline", "-q"])
        .output()
        .unwrap();
    ok(&offline);
    for name in TABLE_ARTIFACTS {
        let online = String::from_utf8(read(work.join(&format!("out/{PROJECT}/{name}")))).unwrap();
        let offline = String::from_utf8(read(work.join(&format!("offline/{name}")))).unwrap();
        assert_eq!(online, offline, "{name}");
    }
}

/// A clean fetch's artifacts, to compare faulty runs with.
fn clean_tables() -> BTreeMap<&'static str, Vec<u8>> {
    let server = server_with(DEFAULT_KEY);
    let work = Workdir::new();
    ok(&fetch(&work, &server, DEFAULT_KEY, &["--entity", ENTITY]));
    TABLE_ARTIFACTS
        .iter()
        .map(|name| (*name, read(work.join(&format!("out/{PROJECT}/{name}")))))
        .collect()
}

#[test]
fn transient_faults_end_in_success_with_identical_artifacts() {
    let clean = clean_tables();
    let faults = [
        (
            "429 with Retry-After",
            Fault::Status429 {
                retry_after: Some("1".into()),
            },
        ),
        ("429 without Retry-After", Fault::Status429 { retry_after: None }),
        ("500", Fault::Status(500)),
        ("502", Fault::Status(502)),
        ("503", Fault::Status(503)),
        ("504", Fault::Status(504)),
        ("connection reset", Fault::Reset),
        (
            "answer slower than --timeout",
            Fault::Slow(Duration::from_secs(4)),
        ),
        ("truncated body", Fault::TruncatedBody),
    ];
    // Each fault on a server and in a folder of its own, all at once: the test waits on
    // retries' backoffs, not on the CPU.
    std::thread::scope(|scope| {
        for (what, fault) in faults {
            let clean = &clean;
            scope.spawn(move || {
                let server = server_with(DEFAULT_KEY);
                server.inject(FaultRule::new(
                    fault.clone(),
                    Trigger::RunsPage {
                        page: 2,
                        layer: Some(7),
                    },
                    2,
                ));
                let work = Workdir::new();
                let output = fetch(&work, &server, DEFAULT_KEY, &["--entity", ENTITY, "-v"]);
                ok(&output);
                assert_eq!(server.fault_count(&fault), 2, "{what}: the fault fired twice");
                assert!(
                    stderr(&output).contains("retry 2/4 of layer 7 page 2"),
                    "{what}: {}",
                    stderr(&output)
                );
                for name in TABLE_ARTIFACTS {
                    let got = read(work.join(&format!("out/{PROJECT}/{name}")));
                    assert!(got == clean[name], "{what}: {name} differs from a clean run");
                }
            });
        }
    });
}

#[test]
fn permanent_faults_stop_with_one_line_and_leave_artifacts_and_cache_untouched() {
    let server = server_with(DEFAULT_KEY);
    let work = Workdir::new();
    ok(&fetch(&work, &server, DEFAULT_KEY, &["--entity", ENTITY]));
    let before_out = snapshot(&work.join("out"));
    let before_cache = snapshot(&work.join("cache"));
    assert!(before_cache.len() >= 4, "{:?}", before_cache.keys());

    let page_2 = Trigger::RunsPage {
        page: 2,
        layer: Some(7),
    };
    let cases: Vec<(&str, Option<FaultRule>, &str, i32, &str)> = vec![
        (
            "wrong key (401)",
            None,
            "not-the-key-0123456789",
            6,
            "rejected the API key (HTTP 401)",
        ),
        (
            "HTML 403",
            Some(FaultRule::always(Fault::Html403)),
            DEFAULT_KEY,
            6,
            "HTTP 403, an HTML page",
        ),
        (
            "project null",
            Some(FaultRule::always(Fault::ProjectNull)),
            DEFAULT_KEY,
            7,
            "not found or not visible",
        ),
        (
            "errors array",
            Some(FaultRule::once(Fault::ErrorsArray, page_2.clone())),
            DEFAULT_KEY,
            9,
            "W&B reported an error",
        ),
        (
            "malformed JSON",
            Some(FaultRule::once(Fault::MalformedJson, page_2.clone())),
            DEFAULT_KEY,
            9,
            "not JSON",
        ),
        (
            "endless cursor",
            Some(FaultRule::always(Fault::EndlessCursor)),
            DEFAULT_KEY,
            9,
            "no new runs",
        ),
        (
            // Cursors are never sent back; a page said to have more after it, again and
            // again, with nothing new, is an endless server all the same.
            "repeated cursor",
            Some(FaultRule::new(Fault::RepeatCursor, page_2.clone(), 5)),
            DEFAULT_KEY,
            9,
            "sends no new runs",
        ),
        (
            "runs lost between pages",
            Some(FaultRule::once(Fault::LoseRuns(2), page_2.clone())),
            DEFAULT_KEY,
            10,
            "runs were lost",
        ),
        (
            "retries run out",
            Some(FaultRule::always(Fault::Status(503))),
            DEFAULT_KEY,
            8,
            "gave up after 4 attempts",
        ),
        (
            "501 is not retried",
            Some(FaultRule::always(Fault::Status(501))),
            DEFAULT_KEY,
            9,
            "HTTP 501",
        ),
    ];
    for (what, rule, key, code, says) in cases {
        // A fresh server per case: requests a failed run left in flight must not use up
        // the next case's fault.
        let server = server_with(DEFAULT_KEY);
        if let Some(rule) = rule {
            server.inject(rule);
        }
        let output = fetch(&work, &server, key, &["--entity", ENTITY]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
        assert!(err.starts_with("error: ") && err.contains(says), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}");
        assert!(
            snapshot(&work.join("out")) == before_out,
            "{what}: artifacts changed"
        );
        assert!(
            snapshot(&work.join("cache")) == before_cache,
            "{what}: cache changed"
        );
    }
}

#[test]
fn the_key_comes_from_netrc_when_the_environment_has_none() {
    let server = server_with(DEFAULT_KEY);
    let work = Workdir::new();
    let machine = server.base_url().trim_start_matches("http://").to_string();
    let text = format!("machine {machine}\n  login user\n  password {DEFAULT_KEY}\n");
    let output = netrc_fetch(&work, &server, &text, 0o600);
    ok(&output);
    let auth = server.requests()[0].header("authorization").unwrap().to_string();
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("api:{DEFAULT_KEY}"));
    assert_eq!(auth, format!("Basic {expected}"));
    let ua = server.requests()[0].header("user-agent").unwrap().to_string();
    assert!(ua.starts_with("mdl-fetch/"), "{ua}");

    let no_key = work
        .command()
        .env("WANDB_BASE_URL", server.base_url())
        .args(["--project", PROJECT, "-q"])
        .output()
        .unwrap();
    assert_eq!(no_key.status.code(), Some(6));
    assert!(
        stderr(&no_key).contains("no W&B API key: set WANDB_API_KEY"),
        "{}",
        stderr(&no_key)
    );
}

#[test]
fn the_key_appears_in_no_output_log_cache_or_manifest() {
    let key = "mdlfetch-SECRET-key-XyZzY-0123456789abcdef0123456789";
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("api:{key}"));
    let server = server_with(key);
    server.inject(FaultRule::once(
        Fault::Status(503),
        Trigger::RunsPage {
            page: 1,
            layer: Some(6),
        },
    ));
    let work = Workdir::new();
    let mut outputs = vec![
        fetch(&work, &server, key, &["-vv"]),
        fetch(&work, &server, key, &["-vv", "--tolerance", "1e-3", "--check"]),
        fetch(&work, &server, key, &["-vv", "--offline"]),
        fetch(&work, &server, "wrong-but-close-mdlfetch-SECRET", &["-vv"]),
    ];
    server.inject(FaultRule::always(Fault::ErrorsArray));
    outputs.push(fetch(&work, &server, key, &["-vv"]));
    server.clear_faults();
    server.inject(FaultRule::always(Fault::Html403));
    outputs.push(fetch(&work, &server, key, &["-vv"]));
    let mut haystacks: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, output) in outputs.iter().enumerate() {
        haystacks.push((format!("run {i} stdout"), output.stdout.clone()));
        haystacks.push((format!("run {i} stderr"), output.stderr.clone()));
    }
    for (name, (bytes, _)) in snapshot(work.path()) {
        haystacks.push((name, bytes));
    }
    assert!(haystacks.len() > 12);
    for (name, bytes) in haystacks {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(key), "the key leaked into {name}");
        assert!(!text.contains(&encoded), "the auth header leaked into {name}");
        assert!(!text.contains("SECRET"), "part of the key leaked into {name}");
    }
}

/// `--deadline` bounds the whole fetch, requests in flight included: at 1 s a request and
/// a dozen pages to go, `--deadline 3` ends near 3 s with exit 8, leaving the artifacts and
/// cache of the previous run as they were.
#[test]
fn the_deadline_cuts_requests_in_flight() {
    let server = FakeWandb::start(FakeConfig {
        page_cap: 10,
        real: fake_backend(),
        ..FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
            runs: 3 * 40,
            ..SweepOptions::default()
        }))
    });
    let work = Workdir::new();
    let run = |extra: &[&str]| {
        fetch_command(&work, &server)
            .arg("-q")
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = (
        disk::snapshot(&work.join("out")),
        disk::snapshot(&work.join("cache")),
    );
    server.set_latency(std::time::Duration::from_secs(1));
    let started = std::time::Instant::now();
    let late = run(&["--deadline", "3", "--tolerance", "0.01"]);
    let took = started.elapsed();
    let err = stderr(&late);
    assert_eq!(late.status.code(), Some(8), "{err}");
    assert!(err.contains("--deadline ran out"), "{err}");
    assert!(took < std::time::Duration::from_millis(4500), "took {took:?}");
    let after = (
        disk::snapshot(&work.join("out")),
        disk::snapshot(&work.join("cache")),
    );
    assert_eq!(disk::diff(&before.0, &after.0), Vec::<String>::new());
    assert_eq!(disk::diff(&before.1, &after.1), Vec::<String>::new());
    assert_eq!(disk::temp_files(work.path()), Vec::<std::path::PathBuf>::new());
}
