//! The offline stage every input goes through: exports → records → selection and runs.csv.
//!
//! Exports are read in parallel, one thread per file (up to `MAX_THREADS`; more files are
//! shared out in order): each file has its own `Selector`, merged afterwards (ties still go
//! to the earlier (source, line)), and its own part of runs.csv. The first file's rows go
//! straight into runs.csv behind the header and the others' into temp parts appended in
//! input order, so the artifact is byte for byte what reading the files one by one writes;
//! its sha256 is taken as it is written. `--no-runs-csv` makes no runs.csv at all.

use std::io::{Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tempfile::NamedTempFile;

use crate::digest::DigestWriter;
use crate::emit::runs_csv::RunsCsv;
use crate::output::Staging;
use crate::record::{RecordSink, RunRef};
use crate::select::{GroupResult, Pricing, Selector};
use crate::settings::{ExportSpec, Settings};
use crate::skips::Skips;
use crate::source::export::{read_export, ExportStats};
use crate::table::InputFile;

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

/// Sends each run to the selector and to runs.csv, when there is one.
struct Tee<'a, W: Write> {
    selector: &'a mut Selector,
    runs: Option<&'a mut RunsCsv<W>>,
}

impl<W: Write> RecordSink for Tee<'_, W> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.selector.accept(run)?;
        match &mut self.runs {
            Some(runs) => runs.accept(run),
            None => Ok(()),
        }
    }
}

/// One export read: its stats, its selector, and the runs.csv part its rows went to (none
/// for the first export, whose rows went into runs.csv itself).
struct FileResult {
    stats: ExportStats,
    selector: Selector,
    part: Option<NamedTempFile>,
}

/// Reads every export, selecting as it goes and streaming runs.csv to staging.
pub fn replay(
    exports: &[ExportSpec],
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
) -> anyhow::Result<Replay> {
    let runs_file = match settings.runs_csv {
        true => Some(staging.temp_file()?),
        false => None,
    };
    let mut head = match &runs_file {
        Some(file) => Some(RunsCsv::new(DigestWriter::new(file.reopen()?))?),
        None => None,
    };
    let head_selector = Selector::new(&settings.layers, &settings.tolerances, pricing);
    let mut results: Vec<Option<anyhow::Result<FileResult>>> = Vec::new();
    results.resize_with(exports.len(), || None);
    let results = Mutex::new(results);
    let next = AtomicUsize::new(1);
    let threads = exports
        .len()
        .min(MAX_THREADS.max(std::thread::available_parallelism().map_or(1, |n| n.get())));
    std::thread::scope(|scope| {
        // Workers for the second export on; this thread reads the first.
        for _ in 1..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= exports.len() {
                    break;
                }
                let result = read_part(&exports[index], index, settings, pricing, staging);
                results.lock().expect("a reader thread panicked")[index] = Some(result);
            });
        }
        if let Some(first) = exports.first() {
            let mut selector = head_selector;
            let result = read_one(first, 0, settings, &mut selector, head.as_mut()).map(|stats| FileResult {
                stats,
                selector,
                part: None,
            });
            results.lock().expect("a reader thread panicked")[0] = Some(result);
        }
        // With a single thread (one core) the loop above read nothing else: read the rest here.
        if threads <= 1 {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= exports.len() {
                    break;
                }
                let result = read_part(&exports[index], index, settings, pricing, staging);
                results.lock().expect("a reader thread panicked")[index] = Some(result);
            }
        }
    });
    let results = results.into_inner().expect("a reader thread panicked");

    let mut runs = head.map(RunsCsv::finish).transpose()?;
    let mut selector = Selector::new(&settings.layers, &settings.tolerances, pricing);
    let mut skips = Skips::default();
    let mut files = Vec::with_capacity(exports.len());
    for (spec, result) in exports.iter().zip(results) {
        // The first failure in input order is the one reported, as reading in order would.
        let FileResult {
            stats,
            selector: part_selector,
            part,
        } = result.expect("every export was read")?;
        if settings.verbose > 0 {
            eprintln!(
                "read {}: {} rows, {} runs, {} skipped",
                spec.label(),
                stats.rows,
                stats.records,
                stats.skips.count
            );
        }
        selector.merge(part_selector);
        if let (Some(part), Some(runs)) = (part, &mut runs) {
            let mut part = part.reopen()?;
            part.seek(SeekFrom::Start(0))?;
            std::io::copy(&mut part, runs)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", crate::emit::runs_csv::FILE_NAME))?;
        }
        skips.merge(stats.skips.clone());
        files.push(InputFile {
            file: spec.label(),
            layer: spec.layer,
            rows: stats.rows,
            runs: stats.records,
            skipped: stats.skips.count,
            sha256: crate::source::cache::hex(&stats.sha256),
        });
    }
    let runs_csv = match (runs_file, runs) {
        (Some(file), Some(runs)) => {
            let (_, sha256) = runs.finish();
            Some((file, crate::source::cache::hex(&sha256)))
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

/// Reads one export into its own selector and runs.csv part.
fn read_part(
    spec: &ExportSpec,
    index: usize,
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
) -> anyhow::Result<FileResult> {
    let part = match settings.runs_csv {
        true => Some(staging.temp_file()?),
        false => None,
    };
    let mut runs = match &part {
        Some(part) => Some(RunsCsv::without_header(part.reopen()?)),
        None => None,
    };
    let mut selector = Selector::new(&settings.layers, &settings.tolerances, pricing);
    let stats = read_one(spec, index, settings, &mut selector, runs.as_mut())?;
    if let Some(runs) = runs {
        runs.finish()?;
    }
    Ok(FileResult {
        stats,
        selector,
        part,
    })
}

fn read_one<W: Write>(
    spec: &ExportSpec,
    index: usize,
    settings: &Settings,
    selector: &mut Selector,
    runs: Option<&mut RunsCsv<W>>,
) -> anyhow::Result<ExportStats> {
    let mut tee = Tee { selector, runs };
    read_export(spec, index as u32, settings, &mut tee)
}
