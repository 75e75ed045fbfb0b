//! Any finite value renders: runs whose L0 and error are subnormal, zero, negative, or
//! near `f64::MAX`, alone or all alike, priced with extreme B, D and d_model, go through
//! every table emitter within a time bound (the plot once looped for ever on one such
//! run). The same check is the `emitters` fuzz target.

use crate::support::fuzz_checks;

use std::sync::mpsc;
use std::time::Duration;

use fuzz_checks::{emitters, EMITTER_RUN_BYTES};
use proptest::prelude::*;

/// Far beyond what rendering a few dozen runs takes in a debug build, far short of for ever.
const BOUND: Duration = Duration::from_secs(20);

/// Values that have broken float code before, then any finite value.
fn extreme() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0.0, -0.0, 5e-324, 1e-310, f64::MIN_POSITIVE, 1e-300, 1.0, 8e306, 1.5e308,
            f64::MAX, -f64::MAX, -5e-324, -1.0,
        ]),
        1 => any::<f64>().prop_filter("finite", |v| v.is_finite()),
    ]
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    let run = (any::<[u8; 3]>(), extreme(), extreme());
    (any::<[u8; 4]>(), prop::collection::vec(run, 0..24)).prop_map(|(knobs, runs)| {
        let mut bytes = knobs.to_vec();
        for (head, l0, error) in runs {
            bytes.extend_from_slice(&head);
            bytes.extend_from_slice(&l0.to_le_bytes());
            bytes.extend_from_slice(&error.to_le_bytes());
        }
        assert_eq!((bytes.len() - 4) % EMITTER_RUN_BYTES, 0);
        bytes
    })
}

/// Runs the check on a thread of its own and fails if it has not ended within `BOUND`.
fn renders_in_time(data: Vec<u8>) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        emitters(&data);
        let _ = done.send(());
    });
    match finished.recv_timeout(BOUND) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => std::panic::resume_unwind(worker.join().unwrap_err()),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("rendering took over {BOUND:?}: a hang"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_artifact_renders_any_finite_runs_in_time(data in input()) {
        renders_in_time(data);
    }
}

#[test]
fn the_reported_extremes_render_in_time() {
    for (l0, error) in [
        (1e-310, 0.01),
        (8e306, 1.5e308),
        (5e-324, 5e-324),
        (f64::MAX, f64::MAX),
    ] {
        let mut data = vec![0, 0, 0, 2];
        data.extend_from_slice(&[0, 0, 2]);
        data.extend_from_slice(&f64::to_le_bytes(l0));
        data.extend_from_slice(&f64::to_le_bytes(error));
        renders_in_time(data);
    }
}
