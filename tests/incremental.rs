//! `--incremental` against the fake W&B server: whatever changed there since the last fetch
//! (new runs, runs that finished, an old finished run's summary rewritten by an eval script,
//! a change the server showed late, a run resumed, runs deleted or moved out of a layer),
//! the refreshed artifacts and cache are byte-identical to a full fetch's, for a fraction
//! of the full run records. Each scenario runs against the kind fake and against the real
//! backend's behaviours, whose `updatedAt` filters match nothing or get HTTP 500: no
//! request an incremental fetch makes filters on `updatedAt`.

use crate::support;

use std::process::Output;

use fake_wandb::*;
use serde_json::{json, Value};
use support::*;

const OUT: &str = "out/fake-project";
const CACHE_MANIFEST: &str = "cache/fake-entity/fake-project/cache-manifest.json";

/// The backends every scenario runs against: the kind fake, and the real backend's
/// behaviours with an `updatedAt` filter matching nothing, then answered with HTTP 500.
fn backends() -> [(&'static str, RealBackend); 3] {
    [
        ("kind fake", RealBackend::default()),
        (
            "updatedAt filters match nothing",
            RealBackend {
                updated_at_filter: UpdatedAtFilter::MatchesNothing,
                ..RealBackend::all()
            },
        ),
        ("updatedAt filters get HTTP 500", RealBackend::all()),
    ]
}

fn server(real: RealBackend, dataset: Dataset, page_cap: usize) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap,
        real,
        ..FakeConfig::with_dataset(dataset)
    })
}

/// Layers 4-9: a month-old sweep of 600 finished runs, then a recent one of 30, some of
/// them still running. The table's layers 6-8 hold 105 runs each.
fn old_and_recent_sweeps() -> Dataset {
    let mut dataset = Dataset::sweep(SweepOptions {
        runs: 600,
        layers: (4..10).collect(),
        nan_rate: 0.03,
        start: "2025-02-20T09:00:00".into(),
        ..SweepOptions::default()
    });
    dataset.add_sweep_runs(&SweepOptions {
        runs: 30,
        layers: (4..10).collect(),
        seed: 11,
        states: vec!["finished".into(), "running".into()],
        start: "2025-03-20T09:00:00".into(),
        ..SweepOptions::default()
    });
    dataset
}

/// The binary against `fake` in `work`, quiet but for `-v`'s account of each layer, with
/// short waits between retries.
fn run(work: &Workdir, fake: &FakeWandb, extra: &[&str]) -> Output {
    fetch_command(work, fake)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "1")
        .args(["-q", "-v"])
        .args(extra)
        .output()
        .unwrap()
}

/// `run`, which must succeed.
fn fetch(work: &Workdir, fake: &FakeWandb, extra: &[&str]) -> Output {
    let output = run(work, fake, extra);
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        stderr(&output)
    );
    output
}

/// What one fetch asked of the server.
#[derive(Debug, Clone)]
struct Asked {
    requests: u64,
    /// Answer bodies, bytes (before gzip).
    response_bytes: u64,
    /// Runs sent with their config and summary (a listing's edges carry neither).
    full_records: u64,
    /// Run edges of any kind: full records and listed runs.
    run_edges: u64,
    /// The filters that named `updatedAt`, which the backend does not document.
    updated_at_filters: Vec<String>,
}

/// `fetch`, and what it asked of the server.
fn counted(work: &Workdir, fake: &FakeWandb, extra: &[&str]) -> (Output, Asked) {
    fake.stats(true);
    fake.clear_requests();
    let output = fetch(work, fake, extra);
    let stats = fake.stats(false);
    let requests = fake.runs_requests();
    let full = (requests.iter()).filter(|r| r.query.as_deref().is_some_and(|q| q.contains("summaryMetrics")));
    let asked = Asked {
        requests: stats.requests,
        response_bytes: stats.response_body_bytes,
        full_records: full.map(|r| r.edges as u64).sum(),
        run_edges: stats.run_edges,
        updated_at_filters: (requests.iter())
            .filter_map(|r| r.info.filters.clone())
            .filter(|filters| filters.contains("updatedAt"))
            .collect(),
    };
    (output, asked)
}

/// A full fetch into a folder of its own, and what it asked of the server.
fn full_fetch(fake: &FakeWandb) -> (Workdir, Asked) {
    let full = Workdir::new();
    let (_, asked) = counted(&full, fake, &[]);
    (full, asked)
}

/// The refresh in `work` (which asked `asked`) left what a full fetch into `full` leaves,
/// without filtering on `updatedAt`.
fn assert_same_as_a_full_fetch(work: &Workdir, full: &Workdir, asked: &Asked, backend: &str) {
    assert!(
        artifacts(&work.join(OUT)) == artifacts(&full.join(OUT)),
        "{backend}: artifacts differ"
    );
    assert!(
        cache_exports(work) == cache_exports(full),
        "{backend}: cache exports differ"
    );
    assert_eq!(asked.updated_at_filters, Vec::<String>::new(), "{backend}");
}

/// The oldest finished run of `layer`.
fn oldest_finished_run(fake: &FakeWandb, layer: i64) -> String {
    fake.dataset().with(|dataset| {
        let layers = [layer];
        let oldest = dataset
            .runs_of_layers(&layers)
            .filter(|run| run.state == "finished")
            .min_by(|a, b| (&a.created_at, &a.name).cmp(&(&b.created_at, &b.name)));
        oldest.unwrap().name.clone()
    })
}

/// The cache manifest's watermark of `layer`.
fn watermark(work: &Workdir, layer: i64) -> String {
    let manifest: Value = serde_json::from_slice(&read(work.join(CACHE_MANIFEST))).unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    let entry = layers.iter().find(|entry| entry["layer"] == layer).unwrap();
    entry["watermark"].as_str().unwrap().to_string()
}

fn set_l2_loss(fake: &FakeWandb, run: &str, value: f64, updated_at: Option<String>) {
    assert!(fake.dataset().update_run(run, |run| {
        run.summary.insert("l2_loss".into(), SummaryValue::from(value));
        if updated_at.is_some() {
            run.updated_at = updated_at;
        }
    }));
}

/// An eval script rewrites the month-old first finished run of layer 7, and one of layer 8
/// with a stamp the server showed late; the refresh against `real` must equal a full fetch.
/// Returns what the refresh and the full fetch asked.
fn rewritten_summaries(backend: &str, real: RealBackend) -> (Asked, Asked) {
    let fake = server(real, old_and_recent_sweeps(), 25);
    let work = Workdir::new();
    fetch(&work, &fake, &[]);
    let before = artifacts(&work.join(OUT));

    // An eval script rewrites the month-old first run of layer 7: its group's best now.
    set_l2_loss(&fake, &oldest_finished_run(&fake, 7), 1e-7, None);
    // A change the server stamped half an hour before the last fetch's watermark but
    // showed only after it (a lagging replica): within the margin, so fetched again.
    let stamped = parse_timestamp(&watermark(&work, 8)).unwrap() - 1800;
    set_l2_loss(
        &fake,
        &oldest_finished_run(&fake, 8),
        2e-7,
        Some(format_timestamp(stamped)),
    );

    let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
    let (full, asked_in_full) = full_fetch(&fake);
    assert_same_as_a_full_fetch(&work, &full, &asked, backend);
    let after = artifacts(&work.join(OUT));
    assert_ne!(
        before["mdl-table.md"], after["mdl-table.md"],
        "{backend}: the table did not change"
    );
    let said = stderr(&incremental);
    assert!(!said.contains("in full"), "{backend}: {said}");
    for layer in [6, 7, 8] {
        let line = format!("layer {layer}: 105 runs (server counted 105;");
        assert!(said.contains(&line), "{backend}: {said}");
    }
    eprintln!("{backend}: incremental {asked:?}\nfull {asked_in_full:?}");
    assert_eq!((asked_in_full.requests, asked_in_full.full_records), (15, 315));
    (asked, asked_in_full)
}

#[test]
fn an_old_finished_runs_rewritten_summary_reaches_the_incremental_table_for_a_fraction_of_the_records() {
    let (asked, asked_in_full) = rewritten_summaries("kind fake", RealBackend::default());
    // The listing names all 315 runs; only the changed and still changing come whole.
    assert_eq!(asked.run_edges - asked.full_records, 315, "{asked:?}");
    assert!(asked.full_records * 10 < asked_in_full.full_records, "{asked:?}");
    assert!(
        asked.response_bytes * 2 < asked_in_full.response_bytes,
        "{asked:?}"
    );
}

#[test]
fn an_edited_finished_run_reaches_the_table_where_updated_at_filters_match_nothing() {
    let (backend, real) = backends()[1].clone();
    rewritten_summaries(backend, real);
}

#[test]
fn an_edited_finished_run_reaches_the_table_where_updated_at_filters_get_http_500() {
    let (backend, real) = backends()[2].clone();
    rewritten_summaries(backend, real);
}

#[test]
fn runs_deleted_or_moved_out_of_a_layer_are_dropped_without_fetching_the_layer_again() {
    for (backend, real) in backends() {
        let fake = server(real, old_and_recent_sweeps(), 25);
        let work = Workdir::new();
        fetch(&work, &fake, &[]);

        // Layer 6 loses an old run and gains a new one: the same count, not the same runs.
        let deleted = oldest_finished_run(&fake, 6);
        assert!(fake.dataset().remove(&deleted).is_some());
        fake.dataset().with_mut(|dataset| {
            dataset.add_sweep_runs(&SweepOptions {
                runs: 1,
                layers: vec![6],
                seed: 5,
                ..SweepOptions::default()
            })
        });
        // An old run of layer 7 is relabelled layer 9, out of the table.
        let moved = oldest_finished_run(&fake, 7);
        assert!(fake.dataset().update_run(&moved, |run| {
            run.config.insert("layer".into(), json!(9));
        }));

        let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
        let (full, _) = full_fetch(&fake);
        assert_same_as_a_full_fetch(&work, &full, &asked, backend);
        let said = stderr(&incremental);
        assert!(!said.contains("in full"), "{backend}: {said}");
        assert!(
            said.contains("layer 6: 105 runs (server counted 105;"),
            "{backend}: {said}"
        );
        assert!(
            said.contains("layer 7: 104 runs (server counted 104;"),
            "{backend}: {said}"
        );
        assert!(asked.full_records < 30, "{backend}: {asked:?}");
        let cached: String = cache_exports(&work)
            .values()
            .map(|bytes| String::from_utf8_lossy(bytes))
            .collect();
        assert!(
            !cached.contains(&deleted) && !cached.contains(&moved),
            "{backend}"
        );
    }
}

#[test]
fn a_resumed_run_reaches_the_table_with_its_new_state_and_summary() {
    for (backend, real) in backends() {
        let fake = server(real, old_and_recent_sweeps(), 25);
        let work = Workdir::new();
        fetch(&work, &fake, &[]);

        // A month-old finished run is resumed: running again, its summary moving.
        let resumed = oldest_finished_run(&fake, 6);
        assert!(fake.dataset().set_state(&resumed, "running"));
        assert!(fake
            .dataset()
            .set_summary(&resumed, "l2_loss", SummaryValue::from(3e-7)));

        let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
        let (full, _) = full_fetch(&fake);
        assert_same_as_a_full_fetch(&work, &full, &asked, backend);
        let said = stderr(&incremental);
        assert!(!said.contains("in full"), "{backend}: {said}");
        let cached: String = cache_exports(&work)
            .values()
            .map(|bytes| String::from_utf8_lossy(bytes))
            .collect();
        let row = cached.lines().find(|line| line.contains(&resumed)).unwrap();
        assert!(row.contains("\"running\""), "{backend}: {row}");
        assert!(asked.full_records < 30, "{backend}: {asked:?}");
    }
}

#[test]
fn a_cache_without_a_watermark_is_fetched_in_full_and_then_has_one() {
    for (backend, real) in backends() {
        let fake = server(real, old_and_recent_sweeps(), 25);
        let work = Workdir::new();
        fetch(&work, &fake, &[]);
        // As an older mdl-fetch wrote it.
        let mut manifest: Value = serde_json::from_slice(&read(work.join(CACHE_MANIFEST))).unwrap();
        for layer in manifest["layers"].as_array_mut().unwrap() {
            layer.as_object_mut().unwrap().remove("watermark");
        }
        work.write(CACHE_MANIFEST, manifest.to_string());
        set_l2_loss(&fake, &oldest_finished_run(&fake, 6), 1e-7, None);

        let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
        for layer in [6, 7, 8] {
            let line = format!("layer {layer}: the cache records no update watermark");
            let said = stderr(&incremental);
            assert!(said.contains(&line), "{backend}: {said}");
            assert!(parse_timestamp(&watermark(&work, layer)).is_some());
        }
        assert_eq!(asked.full_records, 315, "{backend}");
        let (full, _) = full_fetch(&fake);
        assert_same_as_a_full_fetch(&work, &full, &asked, backend);

        let (_, asked) = counted(&work, &fake, &["--incremental"]);
        assert!(asked.full_records < 50, "{backend}: {asked:?}");
        assert_same_as_a_full_fetch(&work, &full, &asked, backend);
    }
}

#[test]
fn a_server_that_sends_no_updated_at_gets_full_fetches() {
    for (backend, real) in backends() {
        let mut dataset = old_and_recent_sweeps();
        dataset
            .runs
            .iter_mut()
            .for_each(|run| std::sync::Arc::make_mut(run).updated_at = None);
        let fake = server(real, dataset, 25);
        let work = Workdir::new();
        fetch(&work, &fake, &[]);
        let manifest: Value = serde_json::from_slice(&read(work.join(CACHE_MANIFEST))).unwrap();
        assert!(manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|layer| layer["watermark"].is_null()));
        // Changed without a stamp: only a full fetch is sure to see it.
        let old = oldest_finished_run(&fake, 6);
        fake.dataset().with_mut(|dataset| {
            let run = dataset.get_mut(&old).unwrap();
            run.summary.insert("l2_loss".into(), SummaryValue::from(1e-7));
        });

        let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
        let said = stderr(&incremental);
        assert!(
            said.contains("layer 6: the cache records no update watermark"),
            "{backend}: {said}"
        );
        assert_eq!(asked.full_records, 315, "{backend}");
        let (full, _) = full_fetch(&fake);
        assert_same_as_a_full_fetch(&work, &full, &asked, backend);
    }
}

#[test]
fn new_runs_and_runs_that_finished_since_reach_the_table_for_fewer_records() {
    for (backend, real) in backends() {
        let fake = server(
            real,
            Dataset::sweep(SweepOptions {
                runs: 600,
                layers: (4..10).collect(),
                nan_rate: 0.03,
                states: ["finished", "finished", "finished", "finished", "running"]
                    .map(String::from)
                    .to_vec(),
                ..SweepOptions::default()
            }),
            25,
        );
        let work = Workdir::new();
        fetch(&work, &fake, &[]);

        // Meanwhile: new runs arrive, running runs finish with new metrics.
        let running: Vec<String> = fake.dataset().with(|dataset| {
            let running = dataset.runs.iter().filter(|run| run.state == "running");
            running.map(|run| run.name.clone()).collect()
        });
        assert!(running.len() > 20);
        for (i, name) in running.iter().enumerate() {
            fake.dataset().set_state(name, "finished");
            fake.dataset()
                .set_summary(name, "l2_loss", SummaryValue::from(1e-5 * (i + 1) as f64));
        }
        fake.dataset().with_mut(|dataset| {
            dataset.add_sweep_runs(&SweepOptions {
                runs: 60,
                layers: (4..10).collect(),
                seed: 7,
                states: vec!["running".into(), "finished".into()],
                ..SweepOptions::default()
            });
        });

        let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
        let said = stderr(&incremental);
        assert!(said.contains("reused from the cache"), "{backend}: {said}");
        assert!(!said.contains("in full"), "{backend}: {said}");
        let (full, asked_in_full) = full_fetch(&fake);
        assert_same_as_a_full_fetch(&work, &full, &asked, backend);
        eprintln!("{backend}: incremental {asked:?}\nfull {asked_in_full:?}");
        assert_eq!(asked_in_full.full_records, 330, "layers 6-8 hold 330 runs");
        assert!(
            asked.full_records * 4 < asked_in_full.full_records * 3,
            "{backend}: {asked:?}"
        );
    }
}
