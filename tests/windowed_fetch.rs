//! A large layer fetched in creation-time windows side by side, read from both ends and
//! placed without counts, against the same layer paged in one stream (`--window-runs 0`):
//! the same cache and artifacts, byte for byte, clean, through faults in some windows, and
//! with runs created mid-fetch; a 429 holds back every window; runs lost in a window are
//! an error, never a short table, and so is a fault that does not pass; a first page short
//! of runs is fetched again in one stream.

use crate::support;

use std::collections::BTreeMap;
use std::process::Output;
use std::time::Duration;

use fake_wandb::*;
use support::*;

/// Runs in the one layer, and the most a page brings: 60 pages in one stream (small runs
/// and pages, so the test stays quick in a debug build).
const RUNS: usize = 1200;
const PAGE_CAP: usize = 20;
const LAYER: i64 = 6;

fn dataset() -> Dataset {
    Dataset::sweep(SweepOptions {
        runs: RUNS,
        layers: vec![LAYER],
        extra_summary_keys: 3,
        nan_rate: 0.02,
        states: vec!["finished".into(), "finished".into(), "crashed".into()],
        ..SweepOptions::default()
    })
}

/// The fake, answering each request after `LATENCY` (side by side, as the kind fake
/// serves them): what makes more requests in flight worth it, so windows are made.
fn server(dataset: Dataset, faults: Vec<FaultRule>) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: PAGE_CAP,
        faults,
        real: fake_backend(),
        latency: LATENCY,
        ..FakeConfig::with_dataset(dataset)
    })
}

/// How long the fake takes to answer, beyond its work: far more than a page of 20 runs
/// costs either side, as a network's round trip is.
const LATENCY: Duration = Duration::from_millis(40);

/// The binary against `server` in a fresh folder, layer 6 only, 8 requests at once.
fn fetch(server: &FakeWandb, extra: &[&str]) -> (Workdir, Output) {
    let work = Workdir::new();
    let output = fetch_in(&work, server, extra);
    (work, output)
}

/// `fetch` in `work`, with whatever cache it holds.
fn fetch_in(work: &Workdir, server: &FakeWandb, extra: &[&str]) -> Output {
    fetch_command(work, server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["-q", "-v", "--layers", "6", "--concurrency", "8"])
        .args(["--timeout", "10", "--max-attempts", "4"])
        .args(extra)
        .output()
        .unwrap()
}

/// The requests that asked for a count: each layer's first page, and a windowed layer's
/// first page from its top (the check of its first page).
fn counts(server: &FakeWandb) -> usize {
    let requests = server.runs_requests();
    requests
        .iter()
        .filter(|r| r.variables["withCount"] == true)
        .count()
}

/// The cache's layer exports and the artifacts (not the manifests, which record times).
fn results(work: &Workdir) -> BTreeMap<String, Vec<u8>> {
    let mut all = cache_exports(work);
    for (name, bytes) in artifacts(&work.join("out/fake-project")) {
        all.insert(name.to_string(), bytes);
    }
    all
}

/// The layer paged in one stream, as the plain cursor walk does.
fn one_stream(dataset: Dataset) -> BTreeMap<String, Vec<u8>> {
    let server = server(dataset, Vec::new());
    let (work, output) = fetch(&server, &["--window-runs", "0"]);
    ok(&output);
    let filters: Vec<String> = server
        .runs_requests()
        .iter()
        .filter_map(|r| r.info.filters.clone())
        .collect();
    assert_eq!(filters.len(), RUNS / PAGE_CAP, "one stream of pages");
    assert!(window_pages(&server).is_empty());
    results(&work)
}

/// Whether a page is a window's, not a stream's: every page after a stream's first bounds
/// `createdAt` from below only, oldest first; a window's pages bound it from above as well,
/// or come newest first.
fn is_window_page(request: &LoggedRequest) -> bool {
    let filters = request.info.filters.as_deref().unwrap_or_default();
    request.info.order.as_deref() == Some("-created_at") || filters.contains("\"$lt\"")
}

/// The runs-page requests that paged a window.
fn window_pages(server: &FakeWandb) -> Vec<LoggedRequest> {
    server
        .runs_requests()
        .into_iter()
        .filter(is_window_page)
        .collect()
}

#[test]
fn windows_side_by_side_give_the_bytes_of_one_stream_in_few_requests() {
    let plain = one_stream(dataset());
    // As wide as the client finds worth it (how wide depends on how fast answers come, so
    // only the bytes are held to), and in windows of 100 runs (which any timing makes).
    for (extra, windows) in [(&[][..], 1), (&["--window-runs", "100"][..], 6)] {
        let server = server(dataset(), Vec::new());
        let (work, output) = fetch(&server, extra);
        ok(&output);
        assert_eq!(results(&work), plain, "{extra:?}");
        // The first page, then the layer from both ends, and windows cut between them.
        let err = stderr(&output);
        let said = err
            .lines()
            .find_map(|line| line.split_once(" creation-time windows read from both ends"))
            .and_then(|(before, _)| before.rsplit(' ').next()?.parse::<usize>().ok());
        assert!(said.is_some_and(|made| made >= windows), "{extra:?}: {err}");
        assert!(window_pages(&server).len() >= 2, "{err}");
        // 60 pages in one stream; windowed, a few more at most (a window's last page may
        // be partial), and no count but the layer's and the check of its first page.
        let pages = server.runs_requests().len();
        assert!(pages <= 60 + said.unwrap_or(0), "{extra:?}: {pages} pages");
        assert_eq!(counts(&server), 2);
    }
}

#[test]
fn faults_in_some_windows_are_retried_and_change_nothing() {
    let plain = one_stream(dataset());
    // Runs pages of layer 6: the first page is 1, the newest run 2, windows from 3 on.
    let faults = vec![
        FaultRule::once(
            Fault::Status(503),
            Trigger::RunsPage {
                page: 4,
                layer: Some(LAYER),
            },
        ),
        FaultRule::once(
            Fault::Status429 {
                retry_after: Some("1".into()),
            },
            Trigger::RunsPage {
                page: 12,
                layer: Some(LAYER),
            },
        ),
        FaultRule::once(
            Fault::Reset,
            Trigger::RunsPage {
                page: 25,
                layer: Some(LAYER),
            },
        ),
        FaultRule::once(
            Fault::Status(502),
            Trigger::RunsPage {
                page: 40,
                layer: Some(LAYER),
            },
        ),
    ];
    let server = server(dataset(), faults);
    let (work, output) = fetch(&server, &[]);
    ok(&output);
    assert!(server.armed_faults().is_empty(), "{:?}", server.armed_faults());
    // Four retries of window pages (a retry may itself meet the next fault).
    let err = stderr(&output);
    let retries = err
        .lines()
        .filter(|l| l.starts_with("retry ") && l.contains(" of layer 6 window "));
    assert_eq!(retries.count(), 4, "{err}");
    assert_eq!(results(&work), plain);
}

#[test]
fn a_429_with_retry_after_holds_back_every_window() {
    let rule = FaultRule::once(
        Fault::Status429 {
            retry_after: Some("1".into()),
        },
        Trigger::RunsPage {
            page: 8,
            layer: Some(LAYER),
        },
    );
    let server = server(dataset(), vec![rule]);
    let (_work, output) = fetch(&server, &[]);
    ok(&output);
    let requests = server.requests();
    let limited = requests
        .iter()
        .find(|r| r.status == 429)
        .and_then(|r| r.received_at)
        .expect("the 429 was sent");
    // Requests already on their way may land just after it; then nothing for the second
    // the server asked for, though seven other windows had pages to ask.
    let quiet = (Duration::from_millis(250), Duration::from_millis(900));
    let during: Vec<Duration> = requests
        .iter()
        .filter_map(|r| r.received_at)
        .filter(|at| *at > limited)
        .map(|at| at - limited)
        .filter(|after| (quiet.0..quiet.1).contains(after))
        .collect();
    assert!(during.is_empty(), "requests during the pause: {during:?}");
    let after = requests
        .iter()
        .filter(|r| r.received_at.is_some_and(|at| at > limited))
        .count();
    assert!(after > 20, "the fetch went on after the pause: {after}");
}

#[test]
fn runs_created_during_the_fetch_land_in_the_open_last_window() {
    let before = dataset();
    let mut grown = before.clone();
    let names = grown.add_sweep_runs(&SweepOptions {
        runs: 120,
        layers: vec![LAYER],
        seed: 99,
        ..SweepOptions::default()
    });
    let added: Vec<FakeRun> = names
        .iter()
        .map(|name| grown.get(name).unwrap().clone())
        .collect();
    let plain = one_stream_of(grown, RUNS + 120);

    // Added once the layer's newest end began (its first page went with the layer's
    // second, and this one waited for an answer): after the newest run it saw.
    let rule = FaultRule::once(
        Fault::AddRuns(added),
        Trigger::RunsPage {
            page: 6,
            layer: Some(LAYER),
        },
    );
    let server = server(before, vec![rule]);
    let (work, output) = fetch(&server, &[]);
    ok(&output);
    assert!(server.armed_faults().is_empty());
    assert_eq!(results(&work), plain);
    // Only the top window's oldest end reads past where its newest end began: open-ended,
    // or leaving out only what that end read (`$or`).
    let open = (server.runs_requests().into_iter())
        .filter(|r| r.info.order.as_deref() == Some("+created_at"))
        .filter(|r| {
            let filters = r.info.filters.as_deref().unwrap_or_default();
            !filters.contains("$lt") || filters.contains("$or")
        })
        .filter(|r| {
            names
                .iter()
                .any(|name| r.response_text().unwrap_or_default().contains(name))
        })
        .count();
    assert!(open >= 1, "no open-ended page brought the runs added");
}

/// `one_stream` for a layer of `runs` runs.
fn one_stream_of(dataset: Dataset, runs: usize) -> BTreeMap<String, Vec<u8>> {
    let server = server(dataset, Vec::new());
    let (work, output) = fetch(&server, &["--window-runs", "0"]);
    ok(&output);
    assert_eq!(server.runs_requests().len(), runs.div_ceil(PAGE_CAP));
    results(&work)
}

#[test]
fn runs_lost_in_a_window_are_an_error_not_a_short_table() {
    let rule = FaultRule::once(
        Fault::LoseRuns(3),
        Trigger::RunsPage {
            page: 9,
            layer: Some(LAYER),
        },
    );
    let server = server(dataset(), vec![rule]);
    let (work, output) = fetch(&server, &[]);
    assert_eq!(output.status.code(), Some(10), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("window") && err.contains("runs were lost in paging"),
        "{err}"
    );
    assert!(!work.join("out/fake-project/mdl-table.md").exists());
}

#[test]
fn faults_that_do_not_pass_stop_the_fetch_with_their_exit_code() {
    for (fault, code, says) in [
        (Fault::ErrorsArray, 9, "W&B reported an error"),
        (Fault::Status(503), 8, "gave up after 4 attempts, last: HTTP 503"),
    ] {
        let rule = FaultRule::new(
            fault,
            Trigger::RunsPage {
                page: 6,
                layer: Some(LAYER),
            },
            usize::MAX,
        );
        let server = server(dataset(), vec![rule]);
        let (work, output) = fetch(&server, &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: layer 6 ") && last.contains(says),
            "{err}"
        );
        assert!(!work.join("out/fake-project/mdl-table.md").exists());
    }
}

#[test]
fn a_first_page_short_of_runs_is_fetched_again_in_one_stream() {
    let plain = one_stream(dataset());
    // The first page loses its first run: the count the first page from the top carries
    // then finds a run created before the first page's oldest, and the layer is paged again
    // from the start.
    let rule = FaultRule::once(
        Fault::LoseRuns(1),
        Trigger::RunsPage {
            page: 1,
            layer: Some(LAYER),
        },
    );
    let server = server(dataset(), vec![rule]);
    let (work, output) = fetch(&server, &[]);
    ok(&output);
    assert!(
        stderr(&output).contains("fetching the layer in one stream"),
        "{}",
        stderr(&output)
    );
    // Its first page asked again, and no window cut.
    let layer_only = (server.runs_requests().iter())
        .filter(|r| !r.info.filters.as_deref().unwrap().contains("createdAt"))
        .count();
    assert_eq!(layer_only, 2);
    assert!(window_pages(&server).len() <= 1, "the page from the top, at most");
    assert_eq!(results(&work), plain);
}
