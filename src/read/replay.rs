//! The offline stage every input goes through: exports → records → selection and runs.csv.
//!
//! A `Replayer` reads exports as they become known (`read_now`: a fetched layer is read
//! while the other layers are still on the network) and the rest all at once (`finish`,
//! on `jobs` threads: see `parallel.rs`). Then the pieces are merged in input order: each
//! piece's selector (ties still go to the earlier (source, line)) and its part of the runs,
//! appended to the whole of the `RunsSink` the caller connected (runs.csv: `app` hands in
//! its writer), so the artifact and every message are byte for byte what reading the files
//! one by one gives. Without runs.csv (`--no-runs-csv`, or by default exports of more than
//! a million rows) the sink is not used and there are no parts.

use std::sync::Mutex;

use tempfile::NamedTempFile;

use crate::config::export_spec::ExportSpec;
use crate::config::settings::{ReadJob, RunsCsvChoice};
use crate::model::select::{GroupResult, Selector};
use crate::model::skips::Skips;
use crate::model::table::{hex, InputFile};
use crate::read::export::ExportStats;
use crate::read::parallel::{Outcome, PieceReader, PieceResult, ReadPlan};
use crate::read::pieces::Piece;
use crate::read::row_estimate::estimated_rows;
use crate::read::runs_sink::{RunsSink, RunsWhole};

/// What replaying a set of exports produced.
pub struct Replay {
    /// Every (layer, activation) group of the table's layers.
    pub groups: Vec<GroupResult>,
    /// Runs of layers the table leaves out, by layer.
    pub left_out: std::collections::BTreeMap<i64, u64>,
    /// A column of the exports that looks like a dictionary size, when none is named.
    pub dict_size_like: Option<String>,
    pub skips: Skips,
    /// The sink's whole (`runs.csv`, staged in the output folder) and its hex sha256 (none
    /// with `--no-runs-csv`).
    pub runs_csv: Option<(NamedTempFile, String)>,
    /// Per export: its name and what reading it found.
    pub files: Vec<InputFile>,
}

/// Reads exports into selection and runs.csv: some now, as they arrive, the rest at the end.
pub struct Replayer<'a> {
    reader: PieceReader<'a>,
    plan: ReadPlan,
    verbose: u8,
    /// Whether runs.csv is written, asked or by the inputs' size.
    runs_csv: RunsCsvChoice,
    /// Exports read by `read_now`, by their position among the exports.
    ahead: Mutex<Vec<(usize, Vec<anyhow::Result<Outcome>>)>>,
}

impl<'a> Replayer<'a> {
    /// A replayer for `job`, handing the runs it reads to `runs` when `job` writes runs.csv.
    pub fn new(job: ReadJob<'a>, runs: &'a dyn RunsSink) -> Replayer<'a> {
        Replayer::with_plan(job, runs, ReadPlan::for_jobs(job.jobs))
    }

    /// A replayer that cuts and reads exports as `plan` says.
    pub fn with_plan(job: ReadJob<'a>, runs: &'a dyn RunsSink, plan: ReadPlan) -> Replayer<'a> {
        Replayer {
            reader: PieceReader {
                rules: job.rules,
                table: job.table,
                runs: (job.runs_csv != RunsCsvChoice::Never).then_some(runs),
            },
            plan,
            verbose: job.verbose,
            runs_csv: job.runs_csv,
            ahead: Mutex::new(Vec::new()),
        }
    }

    /// Reads `spec`, which is to be export `index`, now (from this thread), exactly as
    /// `finish` would read it.
    pub fn read_now(&self, index: usize, spec: &ExportSpec) {
        let outcomes = self.reader.read_export(&self.plan, spec, index);
        self.ahead
            .lock()
            .expect("a reader panicked")
            .push((index, outcomes));
    }

    /// Reads every export not read yet and merges them all, in input order.
    pub fn finish(self, exports: &[ExportSpec]) -> anyhow::Result<Replay> {
        let mut done = vec![false; exports.len()];
        let ahead = self.ahead.into_inner().expect("a reader panicked");
        for (index, _) in &ahead {
            done[*index] = true;
        }
        let mut reader = self.reader;
        if ahead.is_empty() && reader.runs.is_some() && !runs_csv_by_size(self.runs_csv, exports) {
            reader.runs = None;
        }
        let mut per_export = reader.read_all(&self.plan, exports, &done);
        for (index, outcomes) in ahead {
            per_export[index] = Some(outcomes);
        }
        let mut merged = Merge::new(&reader)?;
        for ((index, spec), outcomes) in exports.iter().enumerate().zip(per_export) {
            let stats = merged.export(&reader, spec, index, outcomes.unwrap_or_default())?;
            if self.verbose > 0 {
                crate::terminal_lines::say(&format!(
                    "read {}: {} rows, {} runs, {} skipped, {} left out by the run filter",
                    spec.label(),
                    stats.rows,
                    stats.records,
                    stats.skips.count,
                    stats.filtered_out
                ));
            }
        }
        merged.finish()
    }
}

/// Whether exports read all at the end (offline: none was read as it arrived) get a
/// runs.csv: by default only when they hold at most the choice's bound of rows. Said on
/// stderr when they do not, `--quiet` or not: an artifact is missing.
fn runs_csv_by_size(choice: RunsCsvChoice, exports: &[ExportSpec]) -> bool {
    let RunsCsvChoice::UpTo { runs: bound } = choice else {
        return choice == RunsCsvChoice::Always;
    };
    let rows = estimated_rows(exports.iter().map(|spec| spec.path.as_path()));
    if rows <= bound {
        return true;
    }
    eprintln!(
        "note: no runs.csv: the exports hold about {} runs, more than {}, and it would repeat them all (--runs-csv writes it anyway)",
        crate::human::thousands(rows),
        crate::human::thousands(bound)
    );
    false
}

/// The replay being put together, export by export.
struct Merge {
    selector: Selector,
    skips: Skips,
    dict_size_like: Option<String>,
    files: Vec<InputFile>,
    runs: Option<Box<dyn RunsWhole>>,
}

impl Merge {
    fn new(reader: &PieceReader<'_>) -> anyhow::Result<Merge> {
        let table = reader.table;
        Ok(Merge {
            selector: Selector::new(&table.layers, &table.tolerances, table.pricing),
            skips: Skips::default(),
            dict_size_like: None,
            files: Vec::new(),
            runs: reader.runs.map(|sink| sink.whole()).transpose()?,
        })
    }

    /// Merges one export's outcomes. The first failure in input order is the one reported,
    /// as reading in order would; a piece that ended inside quotes voids those after it:
    /// the file is read whole.
    fn export(
        &mut self,
        reader: &PieceReader<'_>,
        spec: &ExportSpec,
        index: usize,
        outcomes: Vec<anyhow::Result<Outcome>>,
    ) -> anyhow::Result<ExportStats> {
        let mut read = Vec::with_capacity(outcomes.len());
        let mut digest = None;
        for outcome in outcomes {
            match outcome? {
                Outcome::Read(piece) => read.push(*piece),
                Outcome::Digest(blake3) => digest = Some(blake3),
                Outcome::InsideQuotes => {
                    read = match reader.read(spec, index, Piece::WHOLE)? {
                        Outcome::Read(piece) => vec![*piece],
                        _ => unreachable!("a whole file has no piece after it"),
                    };
                    break;
                }
            }
        }
        let mut stats = ExportStats::default();
        for piece in read {
            self.piece(piece, &mut stats)?;
        }
        // A file read whole digested itself; one in pieces has a digest of its own.
        stats.blake3 = digest.unwrap_or(stats.blake3);
        self.skips.merge(stats.skips.clone());
        if self.dict_size_like.is_none() {
            self.dict_size_like = stats.dict_size_like.clone();
        }
        self.files.push(InputFile {
            file: spec.label(),
            layer: spec.layer,
            rows: stats.rows,
            runs: stats.records,
            skipped: stats.skips.count,
            filtered_out: stats.filtered_out,
            blake3: hex(&stats.blake3),
        });
        Ok(stats)
    }

    /// Adds one piece: its selector, its runs part and its counts.
    fn piece(&mut self, piece: PieceResult, stats: &mut ExportStats) -> anyhow::Result<()> {
        self.selector.merge(piece.selector);
        if let (Some(part), Some(runs)) = (piece.part, &mut self.runs) {
            runs.append(part)?;
        }
        stats.rows += piece.stats.rows;
        stats.records += piece.stats.records;
        stats.filtered_out += piece.stats.filtered_out;
        stats.skips.merge(piece.stats.skips);
        stats.blake3 = piece.stats.blake3;
        stats.dict_size_like = stats.dict_size_like.take().or(piece.stats.dict_size_like);
        Ok(())
    }

    fn finish(self) -> anyhow::Result<Replay> {
        let runs_csv = self.runs.map(|runs| runs.finish()).transpose()?;
        Ok(Replay {
            left_out: self.selector.left_out().clone(),
            dict_size_like: self.dict_size_like,
            groups: self.selector.finish(),
            skips: self.skips,
            runs_csv,
            files: self.files,
        })
    }
}
