//! runs.csv as the sink `read` hands its runs to: each piece's rows go into a staged temp
//! file of their own; the parts are appended, in input order, behind the header into the
//! artifact's temp file, digested on the way. Write failures name the artifact's path.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::PathBuf;

use tempfile::NamedTempFile;

use crate::emit::runs_csv::{RunsCsv, FILE_NAME};
use crate::error::output_error;
use crate::model::record::{RecordSink, RunRef};
use crate::model::table::hex;
use crate::read::runs_sink::{RunsPart, RunsSink, RunsWhole};
use crate::store::digest::DigestWriter;
use crate::store::staging::Staging;

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
        let rows = RunsCsv::without_header(writer).reporting_as(path);
        Ok(Box::new(Part { file, rows }))
    }

    fn whole(&self) -> anyhow::Result<Box<dyn RunsWhole>> {
        let (file, writer, path) = self.temp_file()?;
        let header = RunsCsv::new(DigestWriter::new(writer))?.reporting_as(path.clone());
        let out = header.finish()?;
        Ok(Box::new(Whole { file, out, path }))
    }
}

/// One piece's rows, without the header.
struct Part {
    file: NamedTempFile,
    rows: RunsCsv<File>,
}

impl RecordSink for Part {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.rows.accept(run)
    }
}

impl RunsPart for Part {
    fn finish(self: Box<Self>) -> anyhow::Result<NamedTempFile> {
        self.rows.finish()?;
        Ok(self.file)
    }
}

/// The header, then every part in input order.
struct Whole {
    file: NamedTempFile,
    out: DigestWriter<File>,
    /// The artifact's path, named in write errors.
    path: PathBuf,
}

impl RunsWhole for Whole {
    fn append(&mut self, part: NamedTempFile) -> anyhow::Result<()> {
        let write_error = |e: std::io::Error| output_error(&self.path, &e);
        let mut part = part.reopen().map_err(write_error)?;
        part.seek(SeekFrom::Start(0)).map_err(write_error)?;
        std::io::copy(&mut part, &mut self.out).map_err(write_error)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<(NamedTempFile, String)> {
        let (_, sha256) = self.out.finish();
        Ok((self.file, hex(&sha256)))
    }
}
