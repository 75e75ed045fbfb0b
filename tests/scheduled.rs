//! Unattended regeneration: deterministic bytes, `--check`, quiet writes, the manifest, and
//! one writer per folder (`--incremental` has `tests/incremental.rs`).

use crate::support;

use std::process::Output;
use std::time::Duration;

use fake_wandb::*;
use sha2::{Digest, Sha256};
use support::disk::snapshot;
use support::*;

const PROJECT: &str = "fake-project";
const ENTITY: &str = "fake-entity";

fn server(dataset: Dataset, page_cap: usize) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap,
        ..FakeConfig::with_dataset(dataset)
    })
}

fn sweep(runs: usize, states: &[&str]) -> Dataset {
    Dataset::sweep(SweepOptions {
        runs,
        layers: (4..10).collect(),
        nan_rate: 0.03,
        states: states.iter().map(|s| s.to_string()).collect(),
        ..SweepOptions::default()
    })
}

fn fetch(work: &Workdir, server: &FakeWandb, extra: &[&str]) -> Output {
    fetch_command(work, server)
        .arg("-q")
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn artifacts_do_not_depend_on_arrival_order_concurrency_or_time() {
    let dataset = sweep(240, &["finished"]);
    let plain = server(dataset.clone(), 9);
    let shuffled = server(dataset, 9);
    shuffled.inject(FaultRule::always(Fault::ShuffleEdges));
    let (a, b) = (Workdir::new(), Workdir::new());
    ok(&fetch(&a, &plain, &["--concurrency", "1"]));
    std::thread::sleep(Duration::from_millis(1100));
    ok(&fetch(&b, &shuffled, &["--concurrency", "3", "--page-size", "5"]));
    assert!(
        shuffled.fault_count(&Fault::ShuffleEdges) > 10,
        "pages really arrived reversed"
    );
    let out = format!("out/{PROJECT}");
    assert_eq!(artifacts(&a.join(&out)), artifacts(&b.join(&out)));
    assert_eq!(cache_exports(&a), cache_exports(&b));
    let manifests = (
        read(a.join(&format!("{out}/manifest.json"))),
        read(b.join(&format!("{out}/manifest.json"))),
    );
    assert_ne!(manifests.0, manifests.1, "the manifest is where the time goes");
}

/// Copies the bundled fixtures into `work` and returns `--export` arguments for them.
fn local_exports(work: &Workdir) -> Vec<String> {
    let mut args = Vec::new();
    for layer in [6, 7, 8] {
        let text = read(root().join(format!("fixtures/sae-sweeps/layer-{layer}.csv")));
        let path = work.write(&format!("in/layer-{layer}.csv"), text);
        args.extend(["--export".into(), format!("{layer}={}", path.display())]);
    }
    args
}

#[test]
fn check_passes_on_fresh_artifacts_fails_on_stale_ones_and_touches_nothing() {
    let work = Workdir::new();
    let mut args = local_exports(&work);
    args.extend(["--out".into(), "tables".into(), "-q".into()]);
    let run = |extra: &[&str]| work.command().args(&args).args(extra).output().unwrap();
    ok(&run(&[]));
    let before = snapshot(work.path());

    let fresh = run(&["--check"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    assert!(
        snapshot(work.path()) == before,
        "--check on fresh artifacts touched a file"
    );

    // Make layer 7's best topk run a little better: its row and DL change.
    let path = work.join("in/layer-7.csv");
    let text = String::from_utf8(read(&path)).unwrap();
    let best_line = text
        .lines()
        .find(|l| l.contains("_topk_8192_"))
        .unwrap()
        .to_string();
    let cells: Vec<&str> = best_line.split("\",\"").collect();
    let better = best_line.replace(cells[2], "0.00001");
    std::fs::write(&path, text.replace(&best_line, &better)).unwrap();
    let before = snapshot(work.path());
    let stale = run(&["--check"]);
    assert_eq!(stale.status.code(), Some(20), "{}", stderr(&stale));
    let err = stderr(&stale);
    assert!(err.contains("tables/mdl-table.md: differs"), "{err}");
    assert!(err.contains("tables/runs.csv: differs"), "{err}");
    assert!(!err.contains("mdl-table.json: missing"), "{err}");
    assert!(err.lines().last().unwrap().starts_with("error: "), "{err}");
    assert!(
        snapshot(work.path()) == before,
        "--check on stale artifacts touched a file"
    );

    // A folder that was never written is stale too, and is not created.
    let missing = work
        .command()
        .args(&args[..6])
        .args(["--out", "nowhere", "--check", "-q"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(20));
    assert!(stderr(&missing).contains("nowhere/mdl-table.md: missing"));
    assert!(!work.join("nowhere").exists());
}

#[test]
fn unchanged_artifacts_keep_their_mtime_and_the_manifest_records_provenance() {
    let work = Workdir::new();
    let mut args = local_exports(&work);
    args.extend([
        "--out".into(),
        "tables".into(),
        "-q".into(),
        "--tolerance".into(),
        "1e-3".into(),
    ]);
    ok(&work.command().args(&args).output().unwrap());
    let first = snapshot(&work.join("tables"));
    std::thread::sleep(Duration::from_millis(1100));
    ok(&work.command().args(&args).output().unwrap());
    let second = snapshot(&work.join("tables"));
    // With --tolerance, mdl-tolerance.csv is one of them.
    let artifacts: Vec<&str> = DETERMINISTIC_ARTIFACTS
        .into_iter()
        .chain(["mdl-tolerance.csv"])
        .collect();
    for &name in &artifacts {
        assert_eq!(
            first[name].1, second[name].1,
            "{name} was rewritten with the same bytes"
        );
    }
    assert_ne!(first["manifest.json"].0, second["manifest.json"].0);

    let manifest: serde_json::Value = serde_json::from_slice(&second["manifest.json"].0).unwrap();
    assert_eq!(manifest["source"]["kind"], "exports");
    assert!(manifest["tool"].as_str().unwrap().starts_with("mdl-fetch "));
    assert_eq!(manifest["settings"]["tolerances"][0], 1e-3);
    // The name rule as a profile's [name] table spells it.
    let rule = serde_json::json!({"separator": "_", "activation": -3, "k": -2});
    assert_eq!(manifest["settings"]["name_rule"], rule);
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    for input in inputs {
        let bytes = read(input["file"].as_str().unwrap());
        assert_eq!(input["blake3"], blake3::hash(&bytes).to_hex().as_str());
        assert!(input.get("sha256").is_none(), "{input}");
    }
    let outputs = manifest["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), artifacts.len());
    for output in outputs {
        let bytes = &second[output["file"].as_str().unwrap()].0;
        assert_eq!(output["sha256"], format!("{:x}", Sha256::digest(bytes)));
    }
    assert_eq!(manifest["skipped"]["count"], 0);
}

#[test]
fn the_online_manifest_names_the_api_source_and_its_counts() {
    let fake = server(sweep(120, &["finished", "running"]), 50);
    let work = Workdir::new();
    ok(&fetch(&work, &fake, &[]));
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(work.join(&format!("out/{PROJECT}/manifest.json")))).unwrap();
    assert_eq!(manifest["source"]["kind"], "fetch");
    let api = &manifest["source"]["api"];
    assert_eq!(api["entity"], ENTITY);
    assert_eq!(api["project"], PROJECT);
    assert_eq!(api["host"], fake.base_url().trim_start_matches("http://"));
    let layers = api["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    for layer in layers {
        assert_eq!(layer["runs"], 20);
        assert_eq!(layer["run_count"], 20);
        assert!(layer["filters"].as_str().unwrap().contains("config.layer"));
    }
}

#[test]
fn a_second_run_on_the_same_folder_waits_or_says_why_it_cannot() {
    let fake = server(sweep(60, &["finished"]), 2);
    fake.set_latency(Duration::from_millis(400));
    let work = Workdir::new();
    let mut first = fetch_command(&work, &fake).arg("-q").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let busy = work.run(&["--project", PROJECT, "--offline", "--lock-wait", "0", "-q"]);
    assert_eq!(busy.status.code(), Some(11), "{}", stderr(&busy));
    assert!(
        stderr(&busy).contains("another mdl-fetch is still writing"),
        "{}",
        stderr(&busy)
    );
    let waited = work.run(&["--project", PROJECT, "--offline", "--lock-wait", "60"]);
    assert!(first.wait().unwrap().success());
    ok(&waited);
    assert!(
        stderr(&waited).contains("waiting for another mdl-fetch"),
        "{}",
        stderr(&waited)
    );
}

#[test]
fn an_online_check_compares_with_a_fresh_fetch_and_leaves_the_cache_alone() {
    let fake = server(sweep(120, &["finished"]), 10);
    let work = Workdir::new();
    ok(&fetch(&work, &fake, &[]));
    let before = snapshot(work.path());
    let fresh = fetch(&work, &fake, &["--check"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    assert!(
        snapshot(work.path()) == before,
        "an online --check touched a file"
    );

    fake.dataset().with_mut(|ds| {
        ds.add_sweep_runs(&SweepOptions {
            runs: 12,
            layers: (4..10).collect(),
            seed: 9,
            ..SweepOptions::default()
        });
    });
    let stale = fetch(&work, &fake, &["--check"]);
    assert_eq!(stale.status.code(), Some(20), "{}", stderr(&stale));
    assert!(stderr(&stale).contains("runs.csv: differs"), "{}", stderr(&stale));
    assert!(
        snapshot(work.path()) == before,
        "an online --check touched a file"
    );
}

/// The lock belongs to the folder, not to its spelling: while one run holds `cout`, a run
/// on a symlink to it, on `./cout/` or on its absolute path is busy (exit 11) instead of
/// sweeping the first run's staged files away, and the first run ends well.
#[test]
fn a_folder_spelt_another_way_is_the_same_locked_folder() {
    if !has_test_hooks("a_folder_spelt_another_way_is_the_same_locked_folder") {
        return;
    }
    let work = Workdir::new();
    let spec = one_run_export(&work);
    std::fs::create_dir_all(work.join("cout")).unwrap();
    std::os::unix::fs::symlink(work.join("cout"), work.join("clink")).unwrap();
    let mut first = work
        .command()
        .args(["--export", &spec, "--out", "cout", "-q"])
        .env("MDL_FETCH_TEST_RENDER_PAUSE_MS", "2000")
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let absolute = work.join("cout").display().to_string();
    for spelling in ["clink", "./cout/", absolute.as_str()] {
        let second = work.run(&["--export", &spec, "--out", spelling, "--lock-wait", "0", "-q"]);
        assert_eq!(second.status.code(), Some(11), "{spelling}: {}", stderr(&second));
    }
    assert!(first.wait().unwrap().success());
    assert!(work.join("cout/mdl-table.md").is_file());
}

/// The manifest's sha256 of every output it lists, checked against the files in `dir`.
fn assert_manifest_vouches_for_the_folder(dir: &std::path::Path, context: &str) {
    let path = dir.join("manifest.json");
    assert!(path.is_file(), "{context}: no manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(&read(&path)).unwrap();
    for output in manifest["outputs"].as_array().unwrap() {
        let bytes = read(dir.join(output["file"].as_str().unwrap()));
        assert_eq!(
            output["sha256"],
            format!("{:x}", Sha256::digest(&bytes)),
            "{context}: {}",
            output["file"]
        );
    }
}

/// A removed or edited artifact is restored, and the manifest with it, even when the run
/// that restores it renders the very same manifest (same inputs, same second): the manifest
/// is taken away as the artifact changes, so it is rewritten and counted as changed.
#[test]
fn a_repaired_artifact_leaves_the_manifest_in_place_and_counts_it_changed() {
    let work = Workdir::new();
    let spec = one_run_export(&work);
    let run = || work.run(&["--export", &spec, "--out", "ck"]);
    ok(&run());
    let table = work.join("ck/mdl-table.csv");
    // Several tries, so that at least one falls within the second of the run before it.
    for attempt in 0..4 {
        let damage = if attempt % 2 == 0 { "removed" } else { "edited" };
        match damage {
            "removed" => std::fs::remove_file(&table).unwrap(),
            _ => std::fs::write(&table, "not the table\n").unwrap(),
        }
        let repaired = run();
        ok(&repaired);
        let context = format!("{damage} mdl-table.csv (attempt {attempt})");
        assert_manifest_vouches_for_the_folder(&work.join("ck"), &context);
        let closing = stderr(&repaired);
        assert!(closing.contains("(10 files, 2 changed)"), "{context}: {closing}");
    }
}

/// `--check` holds the manifest to the artifacts too: a folder whose manifest is gone, or
/// names other bytes than the artifacts a run would write, is stale (exit 20), and the
/// check still changes nothing.
#[test]
fn check_reports_a_missing_manifest_or_one_that_vouches_for_other_bytes() {
    let work = Workdir::new();
    let spec = one_run_export(&work);
    let check = || work.run(&["--export", &spec, "--out", "ck", "--check", "-q"]);
    ok(&work.run(&["--export", &spec, "--out", "ck", "-q"]));
    ok(&check());
    let manifest_path = work.join("ck/manifest.json");
    let manifest = read(&manifest_path);

    std::fs::remove_file(&manifest_path).unwrap();
    let before = snapshot(work.path());
    let missing = check();
    assert_eq!(missing.status.code(), Some(20), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("ck/manifest.json: missing"),
        "{}",
        stderr(&missing)
    );
    assert!(snapshot(work.path()) == before, "--check touched a file");

    let mut json: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    json["outputs"][0]["sha256"] = format!("{:x}", Sha256::digest(b"other bytes")).into();
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    let other = check();
    assert_eq!(other.status.code(), Some(20), "{}", stderr(&other));
    let err = stderr(&other);
    assert!(err.contains("ck/manifest.json: vouches for other bytes"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.contains(": differs")).count(),
        0,
        "{err}"
    );

    std::fs::write(&manifest_path, &manifest).unwrap();
    ok(&check());
}
