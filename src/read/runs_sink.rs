//! Where the runs read go besides selection: the interface `read` hands them to, which
//! `app` connects to the runs.csv writer, so that `read` knows neither `emit` nor `store`.
//!
//! Each piece of an export writes its runs into a part of its own, on whichever thread
//! reads it; the finished parts are then appended to the whole in input order.

use tempfile::NamedTempFile;

use crate::model::record::RecordSink;

/// Takes every run read, piece by piece.
pub trait RunsSink: Sync {
    /// A writer for one piece's runs.
    fn part(&self) -> anyhow::Result<Box<dyn RunsPart>>;

    /// The whole, which finished parts are appended to in input order.
    fn whole(&self) -> anyhow::Result<Box<dyn RunsWhole>>;
}

/// One piece's runs, written as they are read.
pub trait RunsPart: RecordSink + Send {
    /// Flushes the part and hands back the file it was written to.
    fn finish(self: Box<Self>) -> anyhow::Result<NamedTempFile>;
}

/// Every piece's runs, in input order.
pub trait RunsWhole {
    /// Appends a finished part.
    fn append(&mut self, part: NamedTempFile) -> anyhow::Result<()>;

    /// The whole, staged as a temp file, and its hex sha256.
    fn finish(self: Box<Self>) -> anyhow::Result<(NamedTempFile, String)>;
}
