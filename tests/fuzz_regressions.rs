//! Replays every input a fuzzer found (`tests/corpus/fuzz-regressions/<target>/*`) through
//! the same checks the fuzz targets run, so CI keeps them fixed without the fuzzer.

use crate::support::fuzz_checks;

use std::path::PathBuf;

#[test]
fn every_fuzz_finding_stays_fixed() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/fuzz-regressions");
    let mut replayed = 0;
    for (target, check) in fuzz_checks::TARGETS {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{target}: {} fails again", file.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression inputs under {}", root.display());
}

/// The seeds the fuzzers start from pass too (they are the first thing a fuzzer tries).
#[test]
fn fuzz_seeds_pass_the_checks() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (target, check) in fuzz_checks::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            check(&std::fs::read(&path).unwrap());
        }
    }
}
