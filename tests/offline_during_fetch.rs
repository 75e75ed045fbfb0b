//! An `--offline` run that read the cache manifest just before a fetch replaced the cache
//! still reads the cache that manifest names: the fetch leaves the old layer files while a
//! reader holds the cache's reader lock, and a later fetch removes them.

use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fake_wandb::*;
use support::*;

const CACHE: &str = "cache/fake-entity/fake-project";
const OUT: &str = "out/fake-project";

/// How long the reader waits between reading the manifest and opening the layer files:
/// longer than a fetch of the small sweep takes.
const READER_PAUSE_MS: u64 = 5000;

fn fetch(work: &Workdir, fake: &FakeWandb) -> Output {
    let output = fetch_command(work, fake).arg("-q").output().unwrap();
    assert!(output.status.success(), "fetch: {}", stderr(&output));
    output
}

/// The layer files the cache folder holds.
fn layer_files(work: &Workdir) -> BTreeSet<String> {
    disk::files(&work.join(CACHE))
        .into_iter()
        .map(|name| name.display().to_string())
        .filter(|name| name.starts_with("layer-"))
        .collect()
}

/// The layer files the cache manifest names.
fn named_layer_files(work: &Workdir) -> BTreeSet<String> {
    let path = work.join(CACHE).join("cache-manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(&read(path)).unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    layers
        .iter()
        .map(|layer| layer["file"].as_str().unwrap().to_string())
        .collect()
}

/// Halves the `l2_loss` of every run of layer 6: its cache file gets another name.
fn halve_layer_6_errors(fake: &FakeWandb) {
    let names: Vec<String> = fake.dataset().with(|dataset| {
        let runs = dataset.runs_of_layers(&[6]);
        runs.map(|run| run.name.clone()).collect()
    });
    for name in names {
        assert!(fake.dataset().update_run(&name, |run| {
            let loss = run.summary.get("l2_loss").and_then(|value| value.as_f64());
            if let Some(loss) = loss {
                run.summary
                    .insert("l2_loss".into(), SummaryValue::from(loss / 2.0));
            }
        }));
    }
}

/// An `--offline -v` run writing to `reader/`, paused once it has read the cache manifest;
/// returns once it says it has (its stderr line naming the cache), with its stderr so far.
fn start_paused_reader(work: &Workdir) -> (Child, mpsc::Receiver<String>) {
    let mut child = work
        .command()
        .args(["--project", "fake-project", "--entity", "fake-entity"])
        .args(["--offline", "-q", "-v", "--out", "reader"])
        .env("MDL_FETCH_TEST_CACHE_READ_PAUSE_MS", READER_PAUSE_MS.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) if line.starts_with("replaying the cache") => return (child, received),
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                panic!("the reader never said it read the cache manifest");
            }
        }
    }
}

#[test]
fn an_offline_run_reads_the_cache_it_started_on_while_a_fetch_replaces_it() {
    if !has_test_hooks("an_offline_run_reads_the_cache_it_started_on_while_a_fetch_replaces_it") {
        return;
    }
    let fake = FakeWandb::start(FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
        runs: 3 * 20,
        layers: vec![6, 7, 8],
        ..SweepOptions::default()
    })));
    let work = Workdir::new();
    fetch(&work, &fake);
    let old_table = read(work.join(OUT).join("mdl-table.md"));
    let old_files = named_layer_files(&work);
    halve_layer_6_errors(&fake);

    let (mut reader, stderr_lines) = start_paused_reader(&work);
    fetch(&work, &fake);
    assert!(
        reader.try_wait().unwrap().is_none(),
        "the reader ended before the fetch did: raise READER_PAUSE_MS"
    );
    let new_files = named_layer_files(&work);
    assert_ne!(old_files, new_files, "the fetch did not rename a layer file");
    assert_ne!(read(work.join(OUT).join("mdl-table.md")), old_table);
    // The reader holds the cache: the fetch left the files it still needs.
    assert!(
        layer_files(&work).is_superset(&old_files),
        "{:?}",
        layer_files(&work)
    );

    let status = reader.wait().unwrap();
    let said: Vec<String> = stderr_lines.try_iter().collect();
    assert!(status.success(), "reader: exit {:?}: {said:?}", status.code());
    assert_eq!(read(work.join("reader/mdl-table.md")), old_table);

    // With no reader left, the next fetch removes what no manifest names.
    fetch(&work, &fake);
    assert_eq!(layer_files(&work), new_files);
}

#[test]
fn check_creates_no_reader_lock_file_where_fetches_and_offline_runs_do() {
    let fake = FakeWandb::start(FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
        runs: 3 * 5,
        layers: vec![6, 7, 8],
        ..SweepOptions::default()
    })));
    let work = Workdir::new();
    fetch(&work, &fake);
    let lock_file = work.join(CACHE).join(".readers.mdl-fetch.lock");
    assert!(lock_file.is_file(), "the fetch made no reader lock file");
    std::fs::remove_file(&lock_file).unwrap();
    let before = disk::snapshot(&work.join("cache"));

    let offline = [
        "--project",
        "fake-project",
        "--entity",
        "fake-entity",
        "--offline",
        "--layers",
        "6-8",
        "-q",
    ];
    let check = work.command().args(offline).arg("--check").output().unwrap();
    assert!(check.status.success(), "--check: {}", stderr(&check));
    assert_eq!(
        disk::diff(&before, &disk::snapshot(&work.join("cache"))),
        Vec::<String>::new()
    );

    let replay = work
        .command()
        .args(offline)
        .args(["--out", "replayed"])
        .output()
        .unwrap();
    assert!(replay.status.success(), "--offline: {}", stderr(&replay));
    assert!(lock_file.is_file(), "the --offline run made no reader lock file");
    assert_eq!(
        read(work.join("replayed/mdl-table.md")),
        read(work.join(OUT).join("mdl-table.md"))
    );
    assert_eq!(layer_files(&work), named_layer_files(&work));
}
