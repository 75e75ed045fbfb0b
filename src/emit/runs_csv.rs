//! `runs.csv`: every normalized record, streamed as it is read, for plotting and audits.

use std::io::Write;

use crate::pyfmt::repr;
use crate::record::{RecordSink, RunRef};

pub const FILE_NAME: &str = "runs.csv";

const HEADER: [&str; 9] = [
    "file",
    "line",
    "name",
    "layer",
    "activation",
    "k",
    "l0",
    "error",
    "dict_size",
];

/// Writes each run as one CSV row; the caller owns where the bytes go.
pub struct RunsCsv<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> RunsCsv<W> {
    pub fn new(out: W) -> anyhow::Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        writer.write_record(HEADER)?;
        Ok(RunsCsv { writer })
    }

    /// Flushes and hands back the destination.
    pub fn finish(self) -> anyhow::Result<W> {
        self.writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {FILE_NAME}: {}", e.error()))
    }
}

impl<W: Write> RecordSink for RunsCsv<W> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        let mut line = itoa_buffer();
        let w = &mut self.writer;
        w.write_field(run.file.as_bytes())?;
        w.write_field(line.format(run.line))?;
        w.write_field(run.name)?;
        w.write_field(line.format(run.layer))?;
        w.write_field(run.activation)?;
        w.write_field(line.format(run.k))?;
        w.write_field(repr(run.l0))?;
        w.write_field(repr(run.error))?;
        match run.dict_size {
            Some(d) => w.write_field(line.format(d))?,
            None => w.write_field("")?,
        }
        w.write_record(None::<&[u8]>)?;
        Ok(())
    }
}

/// A small integer formatter that does not allocate per field.
fn itoa_buffer() -> IntText {
    IntText(String::with_capacity(24))
}

struct IntText(String);

impl IntText {
    fn format(&mut self, value: impl std::fmt::Display) -> &str {
        use std::fmt::Write as _;
        self.0.clear();
        let _ = write!(self.0, "{value}");
        &self.0
    }
}
