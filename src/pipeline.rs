//! The offline stage every input goes through: exports → records → selection and runs.csv.

use std::fs::File;
use std::io::BufWriter;

use tempfile::NamedTempFile;

use crate::emit::runs_csv::RunsCsv;
use crate::output::Staging;
use crate::record::{RecordSink, RunRef};
use crate::select::{GroupResult, Pricing, Selector};
use crate::settings::{ExportSpec, Settings};
use crate::skips::Skips;
use crate::source::export::read_export;
use crate::table::InputFile;

/// What replaying a set of exports produced.
pub struct Replay {
    /// Every (layer, activation) group of the table's layers.
    pub groups: Vec<GroupResult>,
    pub skips: Skips,
    /// `runs.csv`, staged in the output folder.
    pub runs_csv: NamedTempFile,
    /// Per export: its name and what reading it found.
    pub files: Vec<InputFile>,
}

/// Sends each run to the selector and to runs.csv.
struct Tee<'a> {
    selector: &'a mut Selector,
    runs: &'a mut RunsCsv<BufWriter<File>>,
}

impl RecordSink for Tee<'_> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.selector.accept(run)?;
        self.runs.accept(run)
    }
}

/// Reads every export in order, selecting as it goes and streaming runs.csv to staging.
pub fn replay(
    exports: &[ExportSpec],
    settings: &Settings,
    pricing: Pricing,
    staging: &Staging,
) -> anyhow::Result<Replay> {
    let runs_file = staging.temp_file()?;
    let mut runs = RunsCsv::new(BufWriter::with_capacity(1 << 16, runs_file.reopen()?))?;
    let mut selector = Selector::new(&settings.layers, &settings.tolerances, pricing);
    let mut skips = Skips::default();
    let mut files = Vec::with_capacity(exports.len());
    for (source, spec) in exports.iter().enumerate() {
        let mut tee = Tee {
            selector: &mut selector,
            runs: &mut runs,
        };
        let stats = read_export(spec, source as u32, settings, &mut tee)?;
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
        });
    }
    runs.finish()?;
    Ok(Replay {
        groups: selector.finish(),
        skips,
        runs_csv: runs_file,
        files,
    })
}
