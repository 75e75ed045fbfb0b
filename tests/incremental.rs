//! `--incremental` against the fake W&B server: whatever changed there since the last fetch
//! (new runs, runs that finished, an old finished run's summary rewritten by an eval script,
//! a change the server showed late, runs deleted or moved out of a layer), the refreshed
//! artifacts and cache are byte-identical to a full fetch's, for a fraction of the runs.

use crate::support;

use std::process::Output;

use fake_wandb::*;
use serde_json::{json, Value};
use support::*;

const OUT: &str = "out/fake-project";
const CACHE_MANIFEST: &str = "cache/fake-entity/fake-project/cache-manifest.json";

fn server(dataset: Dataset, page_cap: usize) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap,
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

/// The binary against `fake` in `work`, quiet but for `-v`'s account of each layer; it
/// must succeed.
fn fetch(work: &Workdir, fake: &FakeWandb, extra: &[&str]) -> Output {
    let output = fetch_command(work, fake)
        .args(["-q", "-v"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        stderr(&output)
    );
    output
}

/// `fetch`, and what it asked of the server (requests, run edges received).
fn counted(work: &Workdir, fake: &FakeWandb, extra: &[&str]) -> (Output, StatsSnapshot) {
    fake.stats(true);
    let output = fetch(work, fake, extra);
    (output, fake.stats(false))
}

/// A full fetch into a folder of its own, and what it asked of the server.
fn full_fetch(fake: &FakeWandb) -> (Workdir, StatsSnapshot) {
    let full = Workdir::new();
    let (_, asked) = counted(&full, fake, &[]);
    (full, asked)
}

fn assert_same_as_a_full_fetch(work: &Workdir, full: &Workdir) {
    assert!(
        artifacts(&work.join(OUT)) == artifacts(&full.join(OUT)),
        "artifacts differ"
    );
    assert!(cache_exports(work) == cache_exports(full), "cache exports differ");
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

#[test]
fn an_old_finished_runs_rewritten_summary_reaches_the_incremental_table_for_a_fraction_of_the_runs() {
    let fake = server(old_and_recent_sweeps(), 25);
    let work = Workdir::new();
    fetch(&work, &fake, &[]);
    let before = artifacts(&work.join(OUT));

    // An eval script rewrites the month-old first run of layer 7: its group's best now.
    set_l2_loss(&fake, &oldest_finished_run(&fake, 7), 1e-7, None);
    // A change the server stamped half an hour before the last fetch's watermark but
    // showed only after it (a lagging replica): within the margin, so asked for again.
    let stamped = parse_timestamp(&watermark(&work, 8)).unwrap() - 1800;
    set_l2_loss(
        &fake,
        &oldest_finished_run(&fake, 8),
        2e-7,
        Some(format_timestamp(stamped)),
    );

    let (incremental, asked) = counted(&work, &fake, &["--incremental"]);
    let (full, asked_in_full) = full_fetch(&fake);
    assert_same_as_a_full_fetch(&work, &full);
    let after = artifacts(&work.join(OUT));
    assert_ne!(
        before["mdl-table.md"], after["mdl-table.md"],
        "the table did not change"
    );
    let said = stderr(&incremental);
    assert!(!said.contains("in full"), "{said}");
    for layer in [6, 7, 8] {
        let line = format!("layer {layer}: 105 runs (server counted 105;");
        assert!(said.contains(&line), "{said}");
    }

    eprintln!("incremental: {asked:?}\nfull: {asked_in_full:?}");
    assert_eq!((asked_in_full.requests, asked_in_full.run_edges), (15, 315));
    assert!(asked.run_edges * 10 < asked_in_full.run_edges, "{asked:?}");
    assert!(asked.requests < asked_in_full.requests, "{asked:?}");
}

#[test]
fn runs_deleted_or_moved_out_of_a_layer_are_dropped_as_a_full_fetch_drops_them() {
    let fake = server(old_and_recent_sweeps(), 25);
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

    let incremental = fetch(&work, &fake, &["--incremental"]);
    let (full, _) = full_fetch(&fake);
    assert_same_as_a_full_fetch(&work, &full);
    let said = stderr(&incremental);
    assert!(
        said.contains("layer 6: the cache and the changes make 106 runs but the server counts 105"),
        "{said}"
    );
    assert!(
        said.contains("layer 7: the cache and the changes make 105 runs but the server counts 104"),
        "{said}"
    );
    assert!(!said.contains("layer 8: the cache and the changes"), "{said}");
    let cached: String = cache_exports(&work)
        .values()
        .map(|bytes| String::from_utf8_lossy(bytes))
        .collect();
    assert!(!cached.contains(&deleted) && !cached.contains(&moved));
}

#[test]
fn a_cache_without_a_watermark_is_fetched_in_full_and_then_has_one() {
    let fake = server(old_and_recent_sweeps(), 25);
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
        assert!(stderr(&incremental).contains(&line), "{}", stderr(&incremental));
        assert!(parse_timestamp(&watermark(&work, layer)).is_some());
    }
    assert_eq!(asked.run_edges, 315);
    let (full, _) = full_fetch(&fake);
    assert_same_as_a_full_fetch(&work, &full);

    let (_, asked) = counted(&work, &fake, &["--incremental"]);
    assert!(asked.run_edges < 50, "{asked:?}");
}

#[test]
fn a_server_that_sends_no_updated_at_gets_full_fetches() {
    let mut dataset = old_and_recent_sweeps();
    dataset
        .runs
        .iter_mut()
        .for_each(|run| std::sync::Arc::make_mut(run).updated_at = None);
    let fake = server(dataset, 25);
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
        "{said}"
    );
    assert_eq!(asked.run_edges, 315);
    let (full, _) = full_fetch(&fake);
    assert_same_as_a_full_fetch(&work, &full);
}

#[test]
fn new_runs_and_runs_that_finished_since_reach_the_table_for_fewer_runs() {
    let fake = server(
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
    assert!(
        stderr(&incremental).contains("reused from the cache"),
        "{}",
        stderr(&incremental)
    );
    let (full, asked_in_full) = full_fetch(&fake);
    assert_same_as_a_full_fetch(&work, &full);
    eprintln!("incremental: {asked:?}\nfull: {asked_in_full:?}");
    assert_eq!(asked_in_full.run_edges, 330, "layers 6-8 hold 330 runs");
    assert!(asked.run_edges * 4 < asked_in_full.run_edges * 3, "{asked:?}");
}
