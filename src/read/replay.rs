//! The offline stage every input goes through: exports → records → selection and runs.csv.
//!
//! The exports are read by one thread per core: a large export is cut into pieces
//! (`source::pieces`) so that the cores share it, and the pieces of all exports form one
//! queue. Each piece has its own `Selector`, merged afterwards in input order (ties still go
//! to the earlier (source, line)), and its own part of runs.csv; the parts are appended
//! behind the header in input order and digested on the way, so the artifact and every
//! message are byte for byte what reading the files one by one gives. `--no-runs-csv` makes
//! no parts at all.

use std::io::{Seek, SeekFrom};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use sha2::Sha256;
use tempfile::NamedTempFile;

use crate::config::settings::{ExportSpec, Settings};
use crate::emit::runs_csv::{RunsCsv, FILE_NAME as RUNS_CSV};
use crate::model::record::{RecordSink, RunRef};
use crate::model::select::{GroupResult, Pricing, Selector};
use crate::model::skips::Skips;
use crate::model::table::InputFile;
use crate::read::export::ExportStats;
use crate::read::pieces::{digest_rest, plan, read_piece, Piece, PieceEnd, PIECE_MIN_BYTES};
use crate::store::digest::DigestWriter;
use crate::store::staging::Staging;

/// Threads reading exports at once, at most.
const MAX_THREADS: usize = 8;

/// What replaying a set of exports produced.
pub struct Replay {
    /// Every (layer, activation) group of the table's layers.
    pub groups: Vec<GroupResult>,
    pub skips: Skips,
    /// `runs.csv`, staged in the output folder, and its hex sha256 (none with `--no-runs-csv`).
    pub runs_csv: Option<(NamedTempFile, String)>,
    /// Per export: its name and what reading it found.
    pub files: Vec<InputFile>,
}

/// Sends each run to the selector and to a runs.csv part, when there is one.
struct Tee<'a> {
    selector: &'a mut Selector,
    runs: Option<&'a mut RunsCsv<std::fs::File>>,
}

impl RecordSink for Tee<'_> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.selector.accept(run)?;
        match &mut self.runs {
            Some(runs) => runs.accept(run),
            None => Ok(()),
        }
    }
}

/// One piece of one export to read, or the digest of an export read in pieces.
struct Task {
    export: usize,
    job: Job,
}

enum Job {
    Read(Piece),
    /// The sha256 of the export's first `len` bytes (all that its pieces read), going on
    /// from the first piece's (task `first`, which ends at byte `from`) once it is read.
    DigestRest {
        first: usize,
        from: u64,
        len: u64,
    },
}

/// What reading a piece gave: its stats, its selector, and the runs.csv part its rows went to.
struct PieceResult {
    stats: ExportStats,
    selector: Selector,
    part: Option<NamedTempFile>,
}

enum Outcome {
    Read(Box<PieceResult>),
    InsideQuotes,
    Digest([u8; 32]),
}

/// Reads every export, selecting as it goes and streaming runs.csv to staging.
pub fn replay(
    exports: &[ExportSpec],
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
) -> anyhow::Result<Replay> {
    replay_ahead(exports, ReadAhead::default(), settings, pricing, staging)
}

/// Exports read before `replay_ahead` is called, by their position among its exports: a
/// fetched layer is read while the other layers are still on the network.
#[derive(Default)]
pub struct ReadAhead(Mutex<Vec<(usize, Vec<anyhow::Result<Outcome>>)>>);

impl ReadAhead {
    /// Reads `spec`, which is to be export `index`, now (on this thread), exactly as
    /// `replay` would read it.
    pub fn read(
        &self,
        index: usize,
        spec: &ExportSpec,
        settings: &Settings,
        pricing: Pricing,
        staging: &Staging,
    ) {
        let (pieces, min_bytes) = pieces_per_export(threads());
        let plan = plan(spec, pieces, min_bytes);
        let mut outcomes: Vec<anyhow::Result<Outcome>> = (plan.iter())
            .map(|&piece| read_one(spec, index, piece, settings, pricing, staging))
            .collect();
        if let [first, .., last] = plan.as_slice() {
            let digest = digest_so_far(spec, &outcomes[0])
                .and_then(|so_far| digest_rest(spec, so_far, first.end, last.end));
            outcomes.push(digest.map(Outcome::Digest));
        }
        self.0.lock().expect("a reader panicked").push((index, outcomes));
    }
}

fn threads() -> usize {
    MAX_THREADS.min(std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `replay`, with some exports already read.
pub fn replay_ahead(
    exports: &[ExportSpec],
    ahead: ReadAhead,
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
) -> anyhow::Result<Replay> {
    let mut per_export: Vec<Option<Vec<anyhow::Result<Outcome>>>> = exports.iter().map(|_| None).collect();
    for (index, outcomes) in ahead.0.into_inner().expect("a reader panicked") {
        per_export[index] = Some(outcomes);
    }
    let threads = threads();
    let (pieces, min_bytes) = pieces_per_export(threads);
    let plans: Vec<Vec<Piece>> = (exports.iter().zip(&per_export))
        .map(|(spec, read)| match read {
            Some(_) => Vec::new(),
            None => plan(spec, pieces, min_bytes),
        })
        .collect();
    // The pieces in input order, then the rest of the digests of the files in pieces (the
    // first piece of each digests itself as it is read): smaller tasks that even out the
    // threads' ends.
    let mut tasks: Vec<Task> = Vec::new();
    let mut firsts = Vec::new();
    for (export, plan) in plans.iter().enumerate() {
        firsts.push(tasks.len());
        tasks.extend(plan.iter().map(|&piece| Task {
            export,
            job: Job::Read(piece),
        }));
    }
    for (export, plan) in plans.iter().enumerate() {
        if let [first, .., last] = plan.as_slice() {
            tasks.push(Task {
                export,
                job: Job::DigestRest {
                    first: firsts[export],
                    from: first.end,
                    len: last.end,
                },
            });
        }
    }
    let outcomes = read_all(
        &tasks,
        exports,
        settings,
        pricing,
        staging,
        threads.clamp(1, tasks.len().max(1)),
    );
    for (task, outcome) in tasks.iter().zip(outcomes) {
        per_export[task.export].get_or_insert_with(Vec::new).push(outcome);
    }

    let runs_path = staging.artifact_path(RUNS_CSV);
    let write_error = |e: std::io::Error| crate::store::staging::output_error(&runs_path, &e);
    let runs_file = match settings.runs_csv {
        true => Some(staging.temp_file(RUNS_CSV)?),
        false => None,
    };
    let mut runs = match &runs_file {
        Some(file) => {
            let writer = DigestWriter::new(file.reopen().map_err(write_error)?);
            Some(RunsCsv::new(writer)?.reporting_as(runs_path.clone()).finish()?)
        }
        None => None,
    };
    let mut selector = Selector::new(&settings.layers, &settings.tolerances, pricing);
    let mut skips = Skips::default();
    let mut files = Vec::with_capacity(exports.len());
    for ((index, spec), outcomes) in exports.iter().enumerate().zip(per_export) {
        let outcomes = outcomes.unwrap_or_default();
        // The first failure in input order is the one reported, as reading in order would;
        // a piece that ended inside quotes voids those after it: read the file whole.
        let mut read = Vec::with_capacity(outcomes.len());
        let mut digest = None;
        for outcome in outcomes {
            match outcome? {
                Outcome::Read(piece) => read.push(*piece),
                Outcome::Digest(sha256) => digest = Some(sha256),
                Outcome::InsideQuotes => {
                    read = match read_one(spec, index, Piece::WHOLE, settings, pricing, staging)? {
                        Outcome::Read(piece) => vec![*piece],
                        _ => unreachable!("a whole file has no piece after it"),
                    };
                    break;
                }
            }
        }
        let mut stats = ExportStats::default();
        for piece in read {
            selector.merge(piece.selector);
            if let (Some(part), Some(runs)) = (piece.part, &mut runs) {
                let mut part = part.reopen().map_err(write_error)?;
                part.seek(SeekFrom::Start(0)).map_err(write_error)?;
                std::io::copy(&mut part, runs).map_err(write_error)?;
            }
            stats.rows += piece.stats.rows;
            stats.records += piece.stats.records;
            stats.skips.merge(piece.stats.skips);
            // A file read whole digested itself; one in pieces has a digest of its own.
            stats.sha256 = digest.unwrap_or(piece.stats.sha256);
        }
        if settings.verbose > 0 {
            eprintln!(
                "read {}: {} rows, {} runs, {} skipped",
                spec.label(),
                stats.rows,
                stats.records,
                stats.skips.count
            );
        }
        skips.merge(stats.skips.clone());
        files.push(InputFile {
            file: spec.label(),
            layer: spec.layer,
            rows: stats.rows,
            runs: stats.records,
            skipped: stats.skips.count,
            sha256: crate::store::digest::hex(&stats.sha256),
        });
    }
    let runs_csv = match (runs_file, runs) {
        (Some(file), Some(runs)) => {
            let (_, sha256) = runs.finish();
            Some((file, crate::store::digest::hex(&sha256)))
        }
        _ => None,
    };
    Ok(Replay {
        groups: selector.finish(),
        skips,
        runs_csv,
        files,
    })
}

/// Into how many pieces a large export is cut, and from what size: one per thread. Debug
/// builds take `MDL_FETCH_TEST_PIECES` (pieces of any file, however small), so that tests
/// can cut their small exports anywhere.
fn pieces_per_export(threads: usize) -> (usize, u64) {
    #[cfg(debug_assertions)]
    if let Some(pieces) = std::env::var("MDL_FETCH_TEST_PIECES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        return (pieces, 1);
    }
    (threads, PIECE_MIN_BYTES)
}

/// The digest a first piece kept. One that failed or ended inside quotes kept none; its own
/// outcome is what gets reported, so this error is never shown.
fn digest_so_far(spec: &ExportSpec, first: &anyhow::Result<Outcome>) -> anyhow::Result<Sha256> {
    match first {
        Ok(Outcome::Read(piece)) => piece.stats.sha256_so_far.clone(),
        _ => None,
    }
    .ok_or_else(|| anyhow::anyhow!("{}: its first piece kept no digest", spec.label()))
}

/// Reads the tasks on `threads` threads (this one included), each taking the next task in
/// order; the outcomes come back in task order. A digest's rest waits for its first piece,
/// which an earlier task reads (so some thread is on it already).
fn read_all(
    tasks: &[Task],
    exports: &[ExportSpec],
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
    threads: usize,
) -> Vec<anyhow::Result<Outcome>> {
    let mut outcomes: Vec<Option<anyhow::Result<Outcome>>> = Vec::new();
    outcomes.resize_with(tasks.len(), || None);
    let outcomes = Mutex::new(outcomes);
    let read = Condvar::new();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(task) = tasks.get(index) else {
            break;
        };
        let spec = &exports[task.export];
        let run = || match task.job {
            Job::Read(piece) => read_one(spec, task.export, piece, settings, pricing, staging),
            Job::DigestRest { first, from, len } => {
                // The digest is taken along, and the lock let go before hashing.
                let so_far = {
                    let done = outcomes.lock().expect("a reader thread panicked");
                    let done = (read.wait_while(done, |done| done[first].is_none()))
                        .expect("a reader thread panicked");
                    digest_so_far(spec, done[first].as_ref().expect("waited for"))
                };
                so_far
                    .and_then(|so_far| digest_rest(spec, so_far, from, len))
                    .map(Outcome::Digest)
            }
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
        let mut done = outcomes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match outcome {
            Ok(outcome) => done[index] = Some(outcome),
            Err(panic) => {
                // A digest may be waiting for this piece: it gets an outcome (and the
                // panic goes on), so that it does not wait for ever.
                done[index] = Some(Err(anyhow::anyhow!("a reader thread panicked")));
                drop(done);
                read.notify_all();
                std::panic::resume_unwind(panic);
            }
        }
        drop(done);
        read.notify_all();
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    let outcomes = outcomes.into_inner().expect("a reader thread panicked");
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every task was read"))
        .collect()
}

/// Reads one piece into its own selector and runs.csv part.
fn read_one(
    spec: &ExportSpec,
    index: usize,
    piece: Piece,
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
) -> anyhow::Result<Outcome> {
    // Debug builds can make a cut file's first piece panic, for the test that nothing then
    // waits for it for ever.
    #[cfg(debug_assertions)]
    if piece.begin == 0 && !piece.last && std::env::var_os("MDL_FETCH_TEST_PANIC_FIRST_PIECE").is_some() {
        panic!("a first piece panicked, as MDL_FETCH_TEST_PANIC_FIRST_PIECE asks");
    }
    let part = match settings.runs_csv {
        true => Some(staging.temp_file(RUNS_CSV)?),
        false => None,
    };
    let mut runs = match &part {
        Some(part) => {
            let path = staging.artifact_path(RUNS_CSV);
            let file = part
                .reopen()
                .map_err(|e| crate::store::staging::output_error(&path, &e))?;
            Some(RunsCsv::without_header(file).reporting_as(path))
        }
        None => None,
    };
    let mut selector = Selector::new(&settings.layers, &settings.tolerances, pricing);
    let mut tee = Tee {
        selector: &mut selector,
        runs: runs.as_mut(),
    };
    let end = read_piece(spec, piece, index as u32, settings, &mut tee)?;
    if let Some(runs) = runs {
        runs.finish()?;
    }
    Ok(match end {
        PieceEnd::Read(stats) => Outcome::Read(Box::new(PieceResult {
            stats,
            selector,
            part,
        })),
        PieceEnd::InsideQuotes => Outcome::InsideQuotes,
    })
}
