//! runs.csv as the sink `read` hands its runs to: each piece's rows go into a staged temp
//! file of their own as chunks sorted by run (`runs_csv::sort_key`), a few MB each; at the
//! end every chunk is merged behind the header into the artifact's temp file, digested on
//! the way, so the rows are in run order whatever the input order, in bounded memory. A
//! cached layer is named without its content hash. Write failures name the artifact's path.

use std::fs::File;
use std::path::PathBuf;

use tempfile::NamedTempFile;

use crate::emit::runs_csv::{sort_key, RunsCsv, FILE_NAME};
use crate::error::output_error;
use crate::model::record::{RecordSink, RunRef};
use crate::model::table::hex;
use crate::read::runs_sink::{RunsPart, RunsSink, RunsWhole};
use crate::store::cache::runs_csv_name;
use crate::store::digest_aside::DigestAsideWriter;
use crate::store::spill_sort::{self, SpillWriter};
use crate::store::staging::Staging;

/// The bytes of keys and rows a piece holds before it spills them as a sorted chunk.
const CHUNK_BYTES: usize = 8 << 20;

/// runs.csv, staged in `staging`.
pub struct RunsCsvSink<'a> {
    pub staging: &'a Staging,
}

impl RunsCsvSink<'_> {
    /// A new temp file for runs.csv, reopened for writing; errors name the artifact.
    fn temp_file(&self) -> anyhow::Result<(NamedTempFile, File, PathBuf)> {
        let path = self.staging.artifact_path(FILE_NAME);
        let file = self.staging.temp_file(FILE_NAME)?;
        let writer = file.reopen().map_err(|e| output_error(&path, &e))?;
        Ok((file, writer, path))
    }
}

impl RunsSink for RunsCsvSink<'_> {
    fn part(&self) -> anyhow::Result<Box<dyn RunsPart>> {
        let (file, writer, path) = self.temp_file()?;
        Ok(Box::new(Part {
            file,
            rows: RunsCsv::without_header(std::io::sink()).naming_files(runs_csv_name),
            chunks: SpillWriter::new(writer, CHUNK_BYTES),
            key: Vec::new(),
            row: Vec::new(),
            path,
        }))
    }

    fn whole(&self) -> anyhow::Result<Box<dyn RunsWhole>> {
        let (file, writer, path) = self.temp_file()?;
        let header = RunsCsv::new(DigestAsideWriter::new(writer))?.reporting_as(path.clone());
        let out = header.finish()?;
        Ok(Box::new(Whole {
            file,
            out,
            path,
            parts: Vec::new(),
        }))
    }
}

/// One piece's rows, without the header, in sorted chunks.
struct Part {
    file: NamedTempFile,
    /// Formats the rows (it writes nothing itself).
    rows: RunsCsv<std::io::Sink>,
    chunks: SpillWriter<File>,
    key: Vec<u8>,
    row: Vec<u8>,
    /// The artifact's path, named in write errors.
    path: PathBuf,
}

impl RecordSink for Part {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.key.clear();
        self.row.clear();
        sort_key(run, &mut self.key);
        self.rows.push_row(run, &mut self.row);
        (self.chunks.push(&self.key, &self.row)).map_err(|e| output_error(&self.path, &e))
    }
}

impl RunsPart for Part {
    fn finish(self: Box<Self>) -> anyhow::Result<NamedTempFile> {
        self.chunks.finish().map_err(|e| output_error(&self.path, &e))?;
        Ok(self.file)
    }
}

/// The header, then every part's rows merged in run order.
struct Whole {
    file: NamedTempFile,
    out: DigestAsideWriter<File>,
    /// The artifact's path, named in write errors.
    path: PathBuf,
    parts: Vec<NamedTempFile>,
}

impl RunsWhole for Whole {
    fn append(&mut self, part: NamedTempFile) -> anyhow::Result<()> {
        self.parts.push(part);
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> anyhow::Result<(NamedTempFile, String)> {
        let write_error = |e: std::io::Error| output_error(&self.path, &e);
        let parts = (self.parts.iter())
            .map(NamedTempFile::reopen)
            .collect::<std::io::Result<Vec<File>>>()
            .map_err(write_error)?;
        spill_sort::merge(&parts, &mut self.out).map_err(write_error)?;
        let (_, sha256) = self.out.finish();
        Ok((self.file, hex(&sha256)))
    }
}
