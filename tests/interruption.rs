//! Stopping mdl-fetch part way. SIGINT and SIGTERM during a fetch (a request in flight, or
//! a wait before a retry) stop it within two seconds with exit 130 or 143 and one line,
//! leaving the previous artifacts, cache and manifests as they were and no temp file; so
//! does one between a commit's syncs and its renames, and a second signal, which ends the
//! run at once, leaves no temp file or lock file either.
//! SIGKILL at any moment (during the fetch, the cache commit, or the artifacts' commit,
//! slowed down for the purpose) leaves a readable last good state: every artifact is a
//! complete old or new version, `manifest.json`, when present, matches the artifacts, the
//! cache manifest names files that exist with the recorded sha256, and the next run sweeps
//! away the temp files the killed one left.

use crate::support;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fake_wandb::*;
use sha2::{Digest, Sha256};
use support::disk;
use support::*;

const PROJECT: &str = "fake-project";
const ENTITY: &str = "fake-entity";
const KEY: &str = "mdlfetch-SECRET-interrupt-key-0123456789abcdef";

fn dataset(seed: u64) -> Dataset {
    Dataset::sweep(SweepOptions {
        runs: 3 * 40,
        seed,
        extra_summary_keys: 3,
        nan_rate: 0.05,
        ..SweepOptions::default()
    })
}

fn server(seed: u64) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: 10,
        api_key: KEY.into(),
        ..FakeConfig::with_dataset(dataset(seed))
    })
}

/// The binary against `server` in `work` at `-vv`, stderr to `work/logs/<log>.stderr`.
fn command(work: &Workdir, server: &FakeWandb, log: &str, extra_env: &[(&str, &str)]) -> Command {
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut command = fetch_command(work, server);
    command
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["-q", "-vv", "--timeout", "60"])
        .stdin(Stdio::null())
        .stdout(File::create(logs.join(format!("{log}.stdout"))).unwrap())
        .stderr(File::create(logs.join(format!("{log}.stderr"))).unwrap());
    for (name, value) in extra_env {
        command.env(name, value);
    }
    command
}

fn log(work: &Workdir, log: &str) -> String {
    std::fs::read_to_string(work.join(&format!("logs/{log}.stderr"))).unwrap_or_default()
}

/// Runs to the end; panics unless it succeeds.
fn run_ok(work: &Workdir, server: &FakeWandb, name: &str) {
    let status = command(work, server, name, &[]).status().unwrap();
    assert!(status.success(), "{name}: {status}\n{}", log(work, name));
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal}");
}

/// Waits for the child up to `limit`; kills it and panics past that.
fn wait_for(child: &mut Child, limit: Duration) -> (ExitStatus, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls `ready` every few milliseconds for up to 30 s.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every place a key could leak into: the logs and every file the runs left.
fn assert_no_key_anywhere(work: &Workdir) {
    let header = base64::engine::general_purpose::STANDARD.encode(format!("api:{KEY}"));
    let files = disk::contents(work.path());
    assert!(files.iter().any(|(name, _)| name.ends_with(".stderr")));
    let leaks = disk::leaks(
        files.iter().map(|(name, bytes)| (name.clone(), &bytes[..])),
        &[KEY, &header, "SECRET"],
    );
    assert!(leaks.is_empty(), "the key leaked: {leaks:?}");
}

/// SIGINT/SIGTERM while `fault` holds layer 7's second page up; `in_wait` says the
/// signal comes after the faulty answer (during the wait before a retry), else during it.
fn interrupt_during_fetch(signal: &str, code: i32, fault: Fault, in_wait: bool, env: &[(&str, &str)]) {
    let server = server(1);
    let work = Workdir::new();
    run_ok(&work, &server, "before");
    let out_before = disk::snapshot(&work.join("out"));
    let cache_before = disk::snapshot(&work.join("cache"));
    server.clear_requests();
    server.inject(FaultRule::once(
        fault.clone(),
        Trigger::RunsPage {
            page: 6,
            layer: Some(7),
        },
    ));
    let name = format!("{signal}-{}", if in_wait { "waiting" } else { "in-flight" });
    let mut child = command(&work, &server, &name, env).spawn().unwrap();
    wait_until("the faulty request", || {
        server
            .requests()
            .iter()
            .any(|r| r.fault.as_ref() == Some(&fault) && (r.status != 0) == in_wait)
    });
    std::thread::sleep(Duration::from_millis(100));
    send(&child, signal);
    let (status, took) = wait_for(&mut child, Duration::from_secs(10));
    let err = log(&work, &name);
    assert_eq!(status.code(), Some(code), "{name}: {status}\n{err}");
    assert!(took < Duration::from_secs(2), "{name}: took {took:?} to stop");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{name}: {err}");
    assert!(
        errors[0].contains(signal_said(code)) && err.lines().last() == Some(errors[0]),
        "{name}: {err}"
    );
    assert_eq!(
        disk::diff(&out_before, &disk::snapshot(&work.join("out"))),
        Vec::<String>::new(),
        "{name}: artifacts"
    );
    assert_eq!(
        disk::diff(&cache_before, &disk::snapshot(&work.join("cache"))),
        Vec::<String>::new(),
        "{name}: cache"
    );
    assert_eq!(disk::temp_files(work.path()), Vec::<PathBuf>::new(), "{name}");
    assert_no_key_anywhere(&work);
}

#[test]
fn sigint_during_a_request_stops_promptly_with_130_and_changes_nothing() {
    interrupt_during_fetch("INT", 130, Fault::Slow(Duration::from_secs(60)), false, &[]);
}

#[test]
fn sigterm_during_a_request_stops_promptly_with_143_and_changes_nothing() {
    interrupt_during_fetch("TERM", 143, Fault::Slow(Duration::from_secs(60)), false, &[]);
}

#[test]
fn sigint_during_a_retry_wait_stops_promptly_with_130() {
    let fault = Fault::Status429 {
        retry_after: Some("60".into()),
    };
    interrupt_during_fetch("INT", 130, fault, true, &[]);
}

#[test]
fn sigterm_during_a_retry_wait_stops_promptly_with_143() {
    let slow_backoff = [("MDL_FETCH_BACKOFF_BASE_MS", "60000")];
    interrupt_during_fetch("TERM", 143, Fault::Status(503), true, &slow_backoff);
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Artifacts (all but the manifest) and cache exports of a finished run.
#[derive(Default)]
struct Known {
    artifacts: BTreeMap<String, Vec<Vec<u8>>>,
    cache_files: BTreeMap<String, Vec<u8>>,
}

impl Known {
    fn learn(&mut self, work: &Workdir) {
        for (name, bytes) in disk::contents(&work.join(&format!("out/{PROJECT}"))) {
            if name != "manifest.json" {
                self.artifacts.entry(name).or_default().push(bytes);
            }
        }
        for (name, bytes) in disk::contents(&cache_dir(work)) {
            if name.starts_with("layer-") {
                self.cache_files.insert(name, bytes);
            }
        }
    }
}

fn cache_dir(work: &Workdir) -> PathBuf {
    work.join(&format!("cache/{ENTITY}/{PROJECT}"))
}

/// What a killed run left: `Ok(true)` when the artifacts were caught mid-commit.
fn check_last_good_state(work: &Workdir, known: &Known) -> Result<bool, String> {
    let out = work.join(&format!("out/{PROJECT}"));
    let mut found = BTreeMap::new();
    let mut manifest = None;
    for name in disk::files(&out) {
        if disk::is_temp(&name) {
            continue;
        }
        let key = name.display().to_string();
        let bytes = std::fs::read(out.join(&name)).map_err(|e| format!("{key}: {e}"))?;
        if key == "manifest.json" {
            manifest = Some(bytes);
            continue;
        }
        let Some(options) = known.artifacts.get(&key) else {
            return Err(format!("unknown artifact {key}"));
        };
        if !options.contains(&bytes) {
            return Err(format!("{key} is neither the old nor the new version (partial?)"));
        }
        found.insert(key, bytes);
    }
    if found.len() != known.artifacts.len() {
        return Err(format!("artifacts missing: {:?}", found.keys()));
    }
    // One version of the project throughout, or a mix of two.
    let mixed = !(0..2).any(|v| {
        known
            .artifacts
            .iter()
            .all(|(name, options)| options.get(v) == found.get(name))
    });
    if let Some(bytes) = &manifest {
        let manifest: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("manifest.json does not parse: {e}"))?;
        for output in manifest["outputs"]
            .as_array()
            .ok_or("manifest.json has no outputs")?
        {
            let file = output["file"].as_str().unwrap_or_default();
            let bytes = std::fs::read(out.join(file)).map_err(|e| format!("manifest names {file}: {e}"))?;
            if output["sha256"].as_str() != Some(&sha256_hex(&bytes)) {
                return Err(format!(
                    "manifest.json's sha256 of {file} does not match the file"
                ));
            }
        }
    }
    let cache = cache_dir(work);
    let text =
        std::fs::read(cache.join("cache-manifest.json")).map_err(|e| format!("cache manifest: {e}"))?;
    let cache_manifest: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("cache manifest does not parse: {e}"))?;
    for layer in cache_manifest["layers"]
        .as_array()
        .ok_or("cache manifest has no layers")?
    {
        let file = layer["file"].as_str().unwrap_or_default();
        let bytes =
            std::fs::read(cache.join(file)).map_err(|e| format!("cache manifest names {file}: {e}"))?;
        if layer["sha256"].as_str() != Some(&sha256_hex(&bytes)) {
            return Err(format!("cache file {file} does not match its sha256"));
        }
    }
    for name in disk::files(&cache) {
        let key = name.display().to_string();
        if key.starts_with("layer-") {
            let bytes = std::fs::read(cache.join(&name)).map_err(|e| format!("{key}: {e}"))?;
            if known.cache_files.get(&key) != Some(&bytes) {
                return Err(format!("cache file {key} is not a complete export"));
            }
        }
    }
    Ok(mixed || manifest.is_none())
}

#[test]
fn sigkill_at_any_moment_leaves_the_last_good_state_readable() {
    // Two versions of the project, so old and new artifacts differ.
    let servers = [server(11), server(12)];
    for s in &servers {
        s.set_latency(Duration::from_millis(15));
    }
    let mut known = Known::default();
    let mut durations = Vec::new();
    // A pause between the renames of the artifacts' commit, so kills land inside it.
    let slow = [("MDL_FETCH_TEST_COMMIT_PAUSE_MS", "25")];
    for (i, s) in servers.iter().enumerate() {
        let reference = Workdir::new();
        let started = Instant::now();
        let status = command(&reference, s, "reference", &slow).status().unwrap();
        assert!(status.success(), "{}", log(&reference, "reference"));
        durations.push(started.elapsed());
        known.learn(&reference);
        assert!(check_last_good_state(&reference, &known).is_ok(), "reference {i}");
    }
    let span = durations.iter().max().unwrap().mul_f64(1.1);

    let work = Workdir::new();
    run_ok(&work, &servers[0], "first");
    let iterations = 24;
    let mut mid_commit = 0;
    for i in 0..iterations {
        // Spread the kills over the whole run: one in each slice of it.
        let at = span.mul_f64((i as f64 + fastrand::f64()) / iterations as f64);
        let name = format!("killed-{i}");
        let mut child = command(&work, &servers[(i + 1) % 2], &name, &slow)
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        match check_last_good_state(&work, &known) {
            Ok(caught) => mid_commit += usize::from(caught),
            Err(problem) => panic!("killed at {at:?} ({status}): {problem}\n{}", log(&work, &name)),
        }
        // The state the kill left is readable: an offline replay of it succeeds.
        let replay = work
            .command()
            .args(["--project", PROJECT, "--offline", "-q", "--out", "replayed"])
            .output()
            .unwrap();
        assert!(
            replay.status.success(),
            "replay after a kill at {at:?}: {}",
            stderr(&replay)
        );
    }
    eprintln!("{iterations} kills over {span:?}, {mid_commit} inside the artifacts' commit");
    assert!(mid_commit > 0, "no kill landed inside the artifacts' commit");

    // A run to the end sweeps the killed runs' temp files and leaves the new state.
    run_ok(&work, &servers[1], "after");
    assert_eq!(disk::temp_files(work.path()), Vec::<PathBuf>::new());
    assert_eq!(check_last_good_state(&work, &known), Ok(false));
    assert_no_key_anywhere(&work);
}

/// A signal after the fetch, while a large export is being read, still stops the run.
#[test]
fn sigint_while_replaying_a_large_export_stops_with_130_and_writes_nothing() {
    if !has_test_hooks("sigint_while_replaying_a_large_export_stops_with_130_and_writes_nothing") {
        return;
    }
    let work = Workdir::new();
    let mut text = String::from("\"Name\",\"l0_norm\",\"l2_loss\"");
    for i in 0..150_000 {
        let k = 32 << (i % 9);
        text.push_str(&format!(
            "\n\"blocks.6.hook_resid_pre_12288_topk_{k}_0.0\",\"{}\",\"{}\"",
            i % 3000,
            1.0 / (i + 1) as f64
        ));
    }
    let export = work.write("big.csv", text);
    let mut child = work
        .command()
        .args([
            "--export",
            &format!("6={}", export.display()),
            "--out",
            "tables",
            "-q",
        ])
        .env("MDL_FETCH_TEST_COMMIT_PAUSE_MS", "3000")
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    send(&child, "INT");
    let (status, took) = wait_for(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "took {took:?}");
    let left: Vec<String> = std::fs::read_dir(work.join("tables"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "an interrupted run left {left:?}");
}

/// A stage that never reaches a safe point (here rendering, held up for a minute, as the
/// plot once was by an extreme value) still ends within two seconds of SIGTERM or SIGINT,
/// with one error line, the previous artifacts untouched and no temp file left.
fn interrupt_a_stuck_render(signal: &str, code: i32) {
    if !has_test_hooks("interrupt_a_stuck_render") {
        return;
    }
    let work = Workdir::new();
    let spec = one_run_export(&work);
    let first = work
        .command()
        .args(["--export", &spec, "--out", "tables", "-q"])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = disk::snapshot(&work.join("tables"));
    let stderr = work.join("stderr.txt");
    let mut child = work
        .command()
        .args(["--export", &spec, "--out", "tables", "-q", "--tolerance", "1"])
        .args(["--log", "runs.log"])
        .env("MDL_FETCH_TEST_RENDER_PAUSE_MS", "60000")
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    send(&child, signal);
    let (status, took) = wait_for(&mut child, Duration::from_secs(10));
    let err = std::fs::read_to_string(&stderr).unwrap();
    assert_eq!(status.code(), Some(code), "{status}: {err}");
    assert!(took < Duration::from_secs(2), "took {took:?} to stop");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains(signal_said(code)), "{err}");
    // Ended by the watchdog, the run still leaves its line in the log.
    let log = std::fs::read_to_string(work.join("runs.log")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains(&format!(" exit {code}: error: {}", signal_said(code))),
        "{log}"
    );
    assert_eq!(
        disk::diff(&before, &disk::snapshot(&work.join("tables"))),
        Vec::<String>::new()
    );
    assert_eq!(disk::temp_files(work.path()), Vec::<PathBuf>::new());
}

#[test]
fn sigterm_while_an_artifact_renders_for_ever_stops_within_two_seconds() {
    interrupt_a_stuck_render("TERM", 143);
}

#[test]
fn sigint_while_an_artifact_renders_for_ever_stops_within_two_seconds() {
    interrupt_a_stuck_render("INT", 130);
}

/// Ended by the watchdog in a folder it made, a run leaves neither the folder nor its lock
/// file: the forced exit skips destructors, so it removes them itself.
#[test]
fn a_stuck_render_into_a_new_folder_leaves_no_folder_or_lock_file() {
    if !has_test_hooks("a_stuck_render_into_a_new_folder_leaves_no_folder_or_lock_file") {
        return;
    }
    let work = Workdir::new();
    let spec = one_run_export(&work);
    let mut child = work
        .command()
        .args(["--export", &spec, "--out", "new/tables", "-q", "--tolerance", "1"])
        .env("MDL_FETCH_TEST_RENDER_PAUSE_MS", "60000")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(work.join("new/tables").is_dir(), "the run made its folder");
    send(&child, "INT");
    let (status, took) = wait_for(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(130), "took {took:?}");
    assert!(!work.join("new").exists(), "new/ and new/tables/ removed");
    let left: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".mdl-fetch.lock"))
        .collect();
    assert!(left.is_empty(), "lock files left: {left:?}");
}

/// Lock files (`.NAME.mdl-fetch.lock`) anywhere under `work`.
/// Lock files left under `work`; a cache folder's readers' lock stays by design (see
/// `store::readers`), and is not one of them.
fn lock_files(work: &Workdir) -> Vec<PathBuf> {
    (disk::files(work.path()).into_iter())
        .filter(|name| name.to_string_lossy().ends_with(".mdl-fetch.lock"))
        .filter(|name| !name.ends_with(".readers.mdl-fetch.lock"))
        .collect()
}

/// Every file under a folder: relative path → (bytes, mtime), as `disk::snapshot` takes it.
type Snapshot = BTreeMap<String, (Vec<u8>, std::time::SystemTime)>;

/// A run on one export into `tables` (a second run adds a tolerance table, so that its
/// artifacts differ), stderr to `work/<log>.stderr`, with `env` set; and the folder as the
/// first run left it.
fn rerun_with_new_artifacts(work: &Workdir, log: &str, env: &[(&str, &str)]) -> (Child, Snapshot) {
    let spec = one_run_export(work);
    let first = work.run(&["--export", &spec, "--out", "tables", "-q"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = disk::snapshot(&work.join("tables"));
    let mut command = work.command();
    command
        .args(["--export", &spec, "--out", "tables", "-q", "--tolerance", "1"])
        .stderr(File::create(work.join(&format!("{log}.stderr"))).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    (command.spawn().unwrap(), before)
}

/// A rerun into `tables` whose staged artifacts wait `pause_ms` before their renames, sent
/// SIGTERM `signals` times (50 ms apart) once they are staged: its exit status, how long
/// it took after the first signal, its stderr, and the folder as it was before.
fn terminated_while_staged(
    work: &Workdir,
    log: &str,
    pause_ms: &str,
    signals: usize,
) -> (std::process::ExitStatus, Duration, String, Snapshot) {
    let pause = [("MDL_FETCH_TEST_SYNCED_PAUSE_MS", pause_ms)];
    let (mut child, before) = rerun_with_new_artifacts(work, log, &pause);
    wait_until("the staged artifacts", || {
        !disk::temp_files(&work.join("tables")).is_empty()
    });
    std::thread::sleep(Duration::from_millis(150));
    for signal in 0..signals {
        if signal > 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
        send(&child, "TERM");
    }
    let (status, took) = wait_for(&mut child, Duration::from_secs(10));
    let err = std::fs::read_to_string(work.join(&format!("{log}.stderr"))).unwrap();
    (status, took, err, before)
}

/// The old artifacts, bytes and mtimes, and no temp file or lock file left.
fn assert_left_as_before(work: &Workdir, before: &Snapshot) {
    let after = disk::snapshot(&work.join("tables"));
    assert_eq!(disk::diff(before, &after), Vec::<String>::new());
    assert_eq!(disk::temp_files(work.path()), Vec::<PathBuf>::new());
    assert_eq!(lock_files(work), Vec::<PathBuf>::new());
}

/// The artifacts were staged and synced (the commit's fsyncs can take a second on large
/// runs.csv files) when SIGTERM arrives: the commit's last look for a signal, just before
/// its renames, ends the run with 143 and the old artifacts, bytes and mtimes, with no temp
/// file or lock file left.
#[test]
fn sigterm_between_the_commits_syncs_and_its_renames_keeps_the_old_artifacts() {
    if !has_test_hooks("sigterm_between_the_commits_syncs_and_its_renames_keeps_the_old_artifacts") {
        return;
    }
    let work = Workdir::new();
    let (status, took, err, before) = terminated_while_staged(&work, "synced", "1200", 1);
    assert_eq!(status.code(), Some(143), "took {took:?}: {err}");
    assert!(took < Duration::from_secs(2), "took {took:?} to stop");
    assert!(
        err.contains("interrupted by SIGTERM; the artifacts are unchanged"),
        "{err}"
    );
    assert_left_as_before(&work, &before);
}

/// Two SIGTERMs in a row (as `timeout` may send) while the staged artifacts wait for a long
/// stage: the second ends the run at once, still with 143, and it too leaves no temp file,
/// no lock file and the old artifacts.
#[test]
fn a_second_sigterm_ends_a_long_stage_at_once_and_leaves_no_temp_or_lock_file() {
    if !has_test_hooks("a_second_sigterm_ends_a_long_stage_at_once_and_leaves_no_temp_or_lock_file") {
        return;
    }
    let work = Workdir::new();
    let (status, took, err, before) = terminated_while_staged(&work, "twice", "60000", 2);
    assert_eq!(status.code(), Some(143), "took {took:?}: {err}");
    assert!(
        took < Duration::from_millis(500),
        "took {took:?} after the first signal"
    );
    assert_left_as_before(&work, &before);
}

/// Two SIGTERMs in a row while a fetch waits on a slow page, some layers already staged in
/// the cache folder: the cache's temp files and lock file go too.
#[test]
fn a_second_sigterm_during_a_fetch_leaves_no_temp_file_in_the_cache() {
    let server = server(3);
    let work = Workdir::new();
    run_ok(&work, &server, "before");
    let cache_before = disk::snapshot(&work.join("cache"));
    let fault = Fault::Slow(Duration::from_secs(60));
    server.clear_requests();
    server.inject(FaultRule::once(
        fault.clone(),
        Trigger::RunsPage {
            page: 6,
            layer: Some(7),
        },
    ));
    let mut child = command(&work, &server, "twice", &[]).spawn().unwrap();
    wait_until("the slow request", || {
        server.requests().iter().any(|r| r.fault.as_ref() == Some(&fault))
    });
    wait_until("a staged layer", || {
        !disk::temp_files(&cache_dir(&work)).is_empty()
    });
    // Back to back: the second arrives before the fetch has stopped for the first.
    send(&child, "TERM");
    send(&child, "TERM");
    let (status, took) = wait_for(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(143), "took {took:?}: {}", log(&work, "twice"));
    assert!(took < Duration::from_millis(500), "took {took:?}");
    assert_eq!(
        disk::diff(&cache_before, &disk::snapshot(&work.join("cache"))),
        Vec::<String>::new()
    );
    assert_eq!(disk::temp_files(work.path()), Vec::<PathBuf>::new());
    assert_eq!(lock_files(&work), Vec::<PathBuf>::new());
}

/// How the error line names the signal that ends a run with exit `code`.
fn signal_said(code: i32) -> &'static str {
    match code {
        130 => "interrupted by SIGINT; ",
        143 => "interrupted by SIGTERM; ",
        other => panic!("exit {other} is no signal's"),
    }
}
