//! Exports read by `jobs` threads at once, or in order on this thread when `jobs` is 1: one
//! reading path either way. A large export is cut into pieces (`pieces.rs`) and the pieces
//! of all exports form one queue that scoped threads take in order. Each piece goes into a
//! selector and a runs part of its own, merged afterwards in input order (`replay.rs`).
//! The first piece of a file in pieces hands its unfinished digest, through a channel, to a
//! task that goes on from there through the other pieces' bytes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock};

use tempfile::NamedTempFile;

use crate::config::export_spec::ExportSpec;
use crate::config::settings::{RecordRules, TableSettings};
use crate::model::record::{RecordSink, RunRef};
use crate::model::select::Selector;
use crate::read::export::ExportStats;
use crate::read::pieces::{digest_rest, plan, read_piece, DigestSoFar, Piece, PieceEnd, PIECE_MIN_BYTES};
use crate::read::runs_sink::{RunsPart, RunsSink};

/// How the exports are cut and read: `jobs` threads, and pieces of at least this size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadPlan {
    pub jobs: usize,
    pub min_piece_bytes: u64,
}

impl ReadPlan {
    /// `jobs` threads, a large export cut into `jobs` pieces. Debug builds take
    /// `MDL_FETCH_TEST_PIECES` (pieces of any file, however small), so that tests of the
    /// binary can cut their small exports anywhere.
    pub fn for_jobs(jobs: usize) -> ReadPlan {
        #[cfg(debug_assertions)]
        if let Some(pieces) = std::env::var("MDL_FETCH_TEST_PIECES")
            .ok()
            .and_then(|n| n.parse().ok())
        {
            return ReadPlan {
                jobs: pieces,
                min_piece_bytes: 1,
            };
        }
        ReadPlan {
            jobs,
            min_piece_bytes: PIECE_MIN_BYTES,
        }
    }

    fn pieces(&self, spec: &ExportSpec) -> Vec<Piece> {
        plan(spec, self.jobs, self.min_piece_bytes)
    }
}

/// What reading a piece gave: its stats, its selector, the runs part its rows went to,
/// and (a first piece of several) its unfinished digest.
pub struct PieceResult {
    pub stats: ExportStats,
    pub selector: Selector,
    pub part: Option<NamedTempFile>,
    pub so_far: Option<DigestSoFar>,
}

/// One task's result.
pub enum Outcome {
    Read(Box<PieceResult>),
    /// The piece ended inside quotes: the export must be read whole.
    InsideQuotes,
    /// The BLAKE3 digest of an export read in pieces.
    Digest([u8; 32]),
}

/// Reads pieces of exports: what every reading thread shares.
#[derive(Clone, Copy)]
pub struct PieceReader<'a> {
    pub rules: &'a RecordRules,
    pub table: &'a TableSettings,
    /// Where each piece writes a part of its runs, when runs.csv is written.
    pub runs: Option<&'a dyn RunsSink>,
}

/// Sends each run to the selector and to a runs part, when there is one.
struct Tee<'a> {
    selector: &'a mut Selector,
    runs: Option<&'a mut (dyn RunsPart + 'static)>,
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

impl PieceReader<'_> {
    /// Reads one piece of export `index` into its own selector and runs part.
    pub fn read(&self, spec: &ExportSpec, index: usize, piece: Piece) -> anyhow::Result<Outcome> {
        // Debug builds can make a cut file's first piece panic, for the test that nothing
        // then waits for it for ever.
        #[cfg(debug_assertions)]
        if piece.begin == 0 && !piece.last && std::env::var_os("MDL_FETCH_TEST_PANIC_FIRST_PIECE").is_some() {
            panic!("a first piece panicked, as MDL_FETCH_TEST_PANIC_FIRST_PIECE asks");
        }
        let mut runs = self.runs.map(|sink| sink.part()).transpose()?;
        let table = self.table;
        let mut selector = Selector::new(&table.layers, &table.tolerances, table.pricing);
        let mut tee = Tee {
            selector: &mut selector,
            runs: runs.as_deref_mut(),
        };
        let end = read_piece(spec, piece, index as u32, self.rules, &mut tee)?;
        let part = runs.map(|runs| runs.finish()).transpose()?;
        Ok(match end {
            PieceEnd::Read { stats, so_far } => Outcome::Read(Box::new(PieceResult {
                stats: *stats,
                selector,
                part,
                so_far,
            })),
            PieceEnd::InsideQuotes => Outcome::InsideQuotes,
        })
    }

    /// Reads export `index` now, exactly as `read_all` would: its pieces side by side (the
    /// first on this thread), then its digest's rest. A fetch's layers are read so as they
    /// come: once the last has come, nothing else is left for the other cores to do.
    pub fn read_export(
        &self,
        plan: &ReadPlan,
        spec: &ExportSpec,
        index: usize,
    ) -> Vec<anyhow::Result<Outcome>> {
        let pieces = plan.pieces(spec);
        let mut outcomes: Vec<_> = std::thread::scope(|scope| {
            let others: Vec<_> = (pieces.iter().skip(1))
                .map(|&piece| scope.spawn(move || self.read(spec, index, piece)))
                .collect();
            let first = pieces.first().map(|&piece| self.read(spec, index, piece));
            let others = (others.into_iter()).map(|other| {
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            first.into_iter().chain(others).collect()
        });
        if let [first, .., last] = pieces.as_slice() {
            let so_far = digest_so_far(spec, &outcomes[0]);
            let digest = so_far.and_then(|so_far| digest_rest(spec, so_far, first.end, last.end));
            outcomes.push(digest.map(Outcome::Digest));
        }
        outcomes
    }

    /// Reads every export not `done` already, on `plan.jobs` threads (this one included);
    /// per export, its outcomes in order (pieces, then the digest's rest), `None` for those
    /// done already.
    pub fn read_all(
        &self,
        plan: &ReadPlan,
        exports: &[ExportSpec],
        done: &[bool],
    ) -> Vec<Option<Vec<anyhow::Result<Outcome>>>> {
        let queue = Queue::new(plan, exports, done);
        let threads = plan.jobs.clamp(1, queue.tasks.len().max(1));
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(|| queue.work(self, exports));
            }
            queue.work(self, exports);
        });
        queue.into_outcomes(exports.len())
    }
}

/// The digest a first piece kept. One that failed or ended inside quotes kept none; its own
/// outcome is what gets reported, so this error is never shown.
fn digest_so_far(spec: &ExportSpec, first: &anyhow::Result<Outcome>) -> anyhow::Result<DigestSoFar> {
    match first {
        Ok(Outcome::Read(piece)) => piece.so_far.clone(),
        _ => None,
    }
    .ok_or_else(|| anyhow::anyhow!("{}: its first piece kept no digest", spec.label()))
}

/// One piece of one export to read, or the digest of an export read in pieces.
enum Job {
    /// A piece; a first piece of several sends its unfinished digest to `hand_on`.
    Read {
        piece: Piece,
        hand_on: Mutex<Option<SyncSender<Option<DigestSoFar>>>>,
    },
    /// The digest of the export's first `len` bytes, going on from the first piece's
    /// (which ends at byte `from`) once it arrives.
    DigestRest {
        from: u64,
        len: u64,
        first: Mutex<Receiver<Option<DigestSoFar>>>,
    },
}

/// The tasks in the order threads take them, and their outcomes as they come.
struct Queue {
    tasks: Vec<(usize, Job)>,
    next: AtomicUsize,
    outcomes: Vec<OnceLock<anyhow::Result<Outcome>>>,
}

impl Queue {
    /// The pieces in input order, then the rest of the digests of the files in pieces (the
    /// first piece of each digests itself as it is read): smaller tasks that even out the
    /// threads' ends.
    fn new(plan: &ReadPlan, exports: &[ExportSpec], done: &[bool]) -> Queue {
        let mut tasks = Vec::new();
        let mut rests = Vec::new();
        for (export, spec) in exports.iter().enumerate().filter(|(i, _)| !done[*i]) {
            let pieces = plan.pieces(spec);
            let (sender, receiver) = sync_channel(1);
            let (mut sender, receiver) = (Some(sender), Some(receiver));
            // Only a first piece of several hands a digest on; otherwise both ends drop.
            if let [first, .., last] = pieces.as_slice() {
                let waiting = Mutex::new(receiver.expect("made above"));
                rests.push((
                    export,
                    Job::DigestRest {
                        from: first.end,
                        len: last.end,
                        first: waiting,
                    },
                ));
            }
            for piece in pieces {
                let hand_on = if piece.begin == 0 && !piece.last {
                    sender.take()
                } else {
                    None
                };
                tasks.push((
                    export,
                    Job::Read {
                        piece,
                        hand_on: Mutex::new(hand_on),
                    },
                ));
            }
        }
        tasks.extend(rests);
        let mut outcomes = Vec::new();
        outcomes.resize_with(tasks.len(), OnceLock::new);
        Queue {
            tasks,
            next: AtomicUsize::new(0),
            outcomes,
        }
    }

    /// Takes tasks in order until none is left. A task that panics drops its digest's
    /// sender, so a digest waiting for it ends too; the panic then ends the run.
    fn work(&self, reader: &PieceReader<'_>, exports: &[ExportSpec]) {
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some((export, job)) = self.tasks.get(index) else {
                break;
            };
            let spec = &exports[*export];
            let outcome = match job {
                Job::Read { piece, hand_on } => {
                    let hand_on = hand_on.lock().unwrap_or_else(|e| e.into_inner()).take();
                    let outcome = reader.read(spec, *export, *piece);
                    if let Some(hand_on) = hand_on {
                        let so_far = match &outcome {
                            Ok(Outcome::Read(piece)) => piece.so_far.clone(),
                            _ => None,
                        };
                        let _ = hand_on.send(so_far);
                    }
                    outcome
                }
                Job::DigestRest { from, len, first } => {
                    let first = first.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let so_far = first
                        .ok()
                        .flatten()
                        .ok_or_else(|| anyhow::anyhow!("{}: its first piece kept no digest", spec.label()));
                    so_far
                        .and_then(|so_far| digest_rest(spec, so_far, *from, *len))
                        .map(Outcome::Digest)
                }
            };
            let _ = self.outcomes[index].set(outcome);
        }
    }

    /// Per export, its outcomes in task order; `None` for exports with no task.
    fn into_outcomes(self, exports: usize) -> Vec<Option<Vec<anyhow::Result<Outcome>>>> {
        let mut per_export: Vec<Option<Vec<_>>> = (0..exports).map(|_| None).collect();
        for ((export, _), outcome) in self.tasks.into_iter().zip(self.outcomes) {
            let outcome = outcome.into_inner().expect("every task was read");
            per_export[export].get_or_insert_with(Vec::new).push(outcome);
        }
        per_export
    }
}
