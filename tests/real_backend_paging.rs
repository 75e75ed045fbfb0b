//! Paging against a fake with every behaviour of the real W&B backend that a kind fake
//! hides (offset cursors, tied `createdAt` seconds whose rows come in a new order on every
//! request, filters refused with HTTP 500): the same cache and artifacts as against the
//! kind fake, byte for byte, in one stream and in windows.

use crate::support;

use std::process::Output;

use fake_wandb::*;
use support::*;

/// 3,000 runs over layers 6-8, started by a sweep's agents 31 to a second: ties that
/// pages of 100 cut through.
fn tied_sweep() -> Dataset {
    Dataset::sweep(SweepOptions {
        runs: 3000,
        burst: 31,
        ..SweepOptions::default()
    })
}

fn server(real: RealBackend) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: 100,
        real,
        ..FakeConfig::with_dataset(tied_sweep())
    })
}

fn fetch(work: &Workdir, server: &FakeWandb, extra: &[&str]) -> Output {
    fetch_command(work, server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["-q", "--timeout", "10", "--max-attempts", "4"])
        .args(extra)
        .output()
        .unwrap()
}

/// Every artifact but the manifest (which holds the time), and the cache's exports.
fn results(work: &Workdir) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = artifacts(&work.join("out/fake-project"))
        .into_iter()
        .filter(|(name, _)| *name != "manifest.json")
        .map(|(name, bytes)| (name.to_string(), bytes))
        .collect();
    out.extend(cache_exports(work));
    out
}

#[test]
fn tied_runs_under_offset_cursors_give_the_kind_fakes_table_in_one_stream_and_in_windows() {
    let kind = server(RealBackend::default());
    let real = server(RealBackend::all());
    let expected = Workdir::new();
    ok(&fetch(
        &expected,
        &kind,
        &["--concurrency", "1", "--window-runs", "0"],
    ));
    let expected = results(&expected);
    for args in [
        ["--concurrency", "1", "--window-runs", "0"],
        ["--concurrency", "8", "--window-runs", "0"],
        ["--concurrency", "1", "--window-runs", "300"],
        ["--concurrency", "8", "--window-runs", "300"],
    ] {
        for server in [&kind, &real] {
            let work = Workdir::new();
            ok(&fetch(&work, server, &args));
            let got = results(&work);
            assert_eq!(got.len(), expected.len(), "{args:?}");
            for ((name, a), (_, b)) in got.iter().zip(&expected) {
                assert!(
                    a == b,
                    "{args:?}: {name} differs from the kind fake's one-stream fetch"
                );
            }
        }
    }
}
