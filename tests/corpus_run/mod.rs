//! How one case of the hostile-input corpus (`tests/corpus.rs`) is described and run: the
//! `Case` and its expected outcome, the constructors the table uses, and `run`, which runs
//! it through the real binary and fails the test with everything wrong with it.

mod check;
mod generated;
mod limited;

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::support::root;

pub const USAGE: i32 = 2;
pub const INPUT: i32 = 3;
pub const EMPTY: i32 = 5;

/// What a case must end with.
pub enum Expect {
    /// This exit code; the last stderr line is `error: ...` and holds each of these.
    Fails(i32, &'static [&'static str]),
    /// Exit 0 with `rows` table rows and `runs` runs in runs.csv; each `(row, column,
    /// value)` is a cell of mdl-table.csv (row 0 is the first after the header).
    Table {
        rows: usize,
        runs: usize,
        cells: &'static [(usize, &'static str, &'static str)],
    },
}

pub use Expect::*;

pub struct Case {
    pub name: String,
    /// Arguments; `{corpus}` is `tests/corpus`, `{gen}` the folder of generated inputs.
    pub args: Vec<String>,
    pub expect: Expect,
    /// Words stderr must also hold (warnings about skipped runs, say).
    pub stderr: &'static [&'static str],
    /// Kill after this long: a hang.
    pub time: Duration,
    /// Peak resident memory allowed, in MiB.
    pub max_rss_mib: u64,
}

/// The default limits: generous for a debug binary on a busy 2-core machine, and still far
/// below what a hang or unbounded growth reaches.
const TIME: Duration = Duration::from_secs(10);
const RSS_MIB: u64 = 200;

pub fn case(name: &str, args: &[&str], expect: Expect) -> Case {
    Case {
        name: name.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        expect,
        stderr: &[],
        time: TIME,
        max_rss_mib: RSS_MIB,
    }
}

/// `--export 6=tests/corpus/exports/FILE`.
pub fn export(file: &str, expect: Expect) -> Case {
    let spec = format!("6={{corpus}}/exports/{file}");
    case(file, &["--export", &spec], expect)
}

/// `--config tests/corpus/profiles/FILE --export 6=good.csv`.
pub fn profile(file: &str, expect: Expect) -> Case {
    let config = format!("{{corpus}}/profiles/{file}");
    case(
        file,
        &["--config", &config, "--export", "6={corpus}/exports/good.csv"],
        expect,
    )
}

/// `--export 6={gen}/FILE`, for generated inputs, which are big.
pub fn generated(file: &str, expect: Expect) -> Case {
    let spec = format!("6={{gen}}/{file}");
    case(file, &["--export", &spec], expect).slow()
}

impl Case {
    /// Big work for a debug binary (10-30x slower than release): 90 s before it counts as
    /// hung; a release build (`cargo test --release`) keeps the 10 s limit.
    pub fn slow(mut self) -> Case {
        if cfg!(debug_assertions) {
            self.time = Duration::from_secs(90);
        }
        self
    }

    pub fn stderr(mut self, words: &'static [&'static str]) -> Case {
        self.stderr = words;
        self
    }
}

/// The committed corpus, `tests/corpus`.
pub fn corpus_dir() -> PathBuf {
    root().join("tests/corpus")
}

/// Runs `case` and panics with each thing wrong with it, one a line.
pub fn run(case: Case) {
    let _slot = Slot::take();
    let faults = check::check(&case);
    assert!(
        faults.is_empty(),
        "{}",
        faults
            .iter()
            .map(|fault| format!("{}: {fault}", case.name))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Cases running now. Two at a time, however many test threads there are: the generated
/// inputs are big, and the timings should mean something.
static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();
const AT_ONCE: usize = 2;

/// One of the `AT_ONCE` places to run a case in, given back when dropped.
struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        while *running >= AT_ONCE {
            running = FREED.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
        *running += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        FREED.notify_one();
    }
}
