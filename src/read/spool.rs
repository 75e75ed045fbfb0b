//! Exports that can be read only once (`-` for stdin, a named pipe, `/dev/stdin`, a shell's
//! `<(...)`) are copied once into a private temp file, and read from it like any file: cut
//! into pieces, digested, opened as often as reading needs, while every message and
//! artifact still names the input as it was given. An endless stream with no line break
//! (`/dev/zero`) is copied only past the longest row reading accepts: reading then fails
//! there, as it would reading the stream itself.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::NamedTempFile;

use crate::config::export_spec::ExportSpec;
use crate::error::{Error, Kind};
use crate::read::rows::MAX_ROW_BYTES;

/// Bytes copied between two looks at whether SIGINT or SIGTERM asked the run to stop.
const CHUNK: usize = 1 << 16;

/// The copies this process made, for `sweep_spooled`: an exit that skips destructors (the
/// interrupt watchdog) removes them too.
static SPOOLED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The copies made, each removed when this is dropped.
#[derive(Debug, Default)]
pub struct Spooled {
    copies: Vec<NamedTempFile>,
}

impl Spooled {
    /// Keeps `copy` (a temp file made elsewhere, such as the export of `--runs-dir`'s run
    /// folders) until this is dropped, removed at a forced exit like the copies made here.
    pub fn keep(&mut self, copy: NamedTempFile) {
        SPOOLED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(copy.path().to_path_buf());
        self.copies.push(copy);
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let mut spooled = SPOOLED.lock().unwrap_or_else(|e| e.into_inner());
        spooled.retain(|path| !self.copies.iter().any(|copy| copy.path() == path));
    }
}

/// Removes every copy this process made (best effort), for an exit that skips destructors.
pub fn sweep_spooled() {
    let spooled = SPOOLED.lock().unwrap_or_else(|e| e.into_inner());
    for path in spooled.iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// Copies each export in `exports` that is not a regular file into a temp file, and points
/// the export at its copy, named as it was given. Copies live as long as the value returned.
pub fn spool_streams(exports: &mut [ExportSpec]) -> anyhow::Result<Spooled> {
    let mut spooled = Spooled::default();
    for spec in exports.iter_mut().filter(|spec| needs_spooling(spec)) {
        let label = spec.label();
        let copy = match spec.is_stdin() {
            true => copy_to_temp(std::io::stdin().lock(), &label)?,
            false => copy_to_temp(open_stream(&spec.path, &label)?, &label)?,
        };
        spec.path = copy.path().to_path_buf();
        spec.label = Some(label);
        spooled.keep(copy);
    }
    Ok(spooled)
}

/// Whether `spec` is stdin or a path to something that is not a regular file (a pipe, a
/// character device). Asked of the path's metadata, which opens nothing; a path that cannot
/// be looked at, or a folder, is left for reading to report.
fn needs_spooling(spec: &ExportSpec) -> bool {
    if spec.is_stdin() {
        return true;
    }
    std::fs::metadata(&spec.path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

fn open_stream(path: &Path, label: &str) -> anyhow::Result<File> {
    File::open(path).map_err(|e| {
        Error::new(
            Kind::Input,
            format!("{label}: cannot open export: {e}; check the path given to --export"),
        )
        .into()
    })
}

/// A temp file (in the system's temp folder) holding the bytes of `input`: all of them,
/// or up to a stretch without a line break longer than any row may be.
fn copy_to_temp(mut input: impl Read, label: &str) -> anyhow::Result<NamedTempFile> {
    let temp_error = |e: std::io::Error| -> anyhow::Error {
        let folder = std::env::temp_dir();
        Error::new(
            Kind::Output,
            format!(
                "{label}: cannot copy the export into a temp file in {}: {e}; free some space or set TMPDIR",
                folder.display()
            ),
        )
        .into()
    };
    let mut copy = tempfile::Builder::new()
        .prefix("mdl-fetch-export-")
        .tempfile()
        .map_err(temp_error)?;
    let mut block = vec![0u8; CHUNK];
    let mut since_line_break = 0;
    let mut header = HeaderCheck::default();
    while since_line_break <= MAX_ROW_BYTES && !header.is_not_text() {
        crate::interrupt::check("nothing was written")?;
        let read = match input.read(&mut block) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let message = format!("{label}: cannot read: {e}");
                return Err(Error::new(Kind::Input, message).into());
            }
        };
        let chunk = &block[..read];
        copy.write_all(chunk).map_err(temp_error)?;
        header.see(chunk);
        since_line_break = match memchr::memrchr2(b'\n', b'\r', chunk) {
            Some(at) => read - at - 1,
            None => since_line_break + read,
        };
    }
    copy.flush().map_err(temp_error)?;
    Ok(copy)
}

/// The first line of a stream, looked at once it has ended: a header that is not UTF-8
/// text (random bytes, `/dev/urandom`) stops the copy there, and reading then refuses it,
/// as it would refuse the stream itself, instead of copying an endless stream.
#[derive(Default)]
struct HeaderCheck {
    first_line: Vec<u8>,
    verdict: Option<bool>,
}

impl HeaderCheck {
    fn see(&mut self, chunk: &[u8]) {
        if self.verdict.is_some() {
            return;
        }
        let end = memchr::memchr(b'\n', chunk);
        self.first_line
            .extend_from_slice(&chunk[..end.unwrap_or(chunk.len())]);
        if end.is_some() {
            let line = self
                .first_line
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(&self.first_line);
            self.verdict = Some(std::str::from_utf8(line).is_ok());
            self.first_line = Vec::new();
        }
    }

    fn is_not_text(&self) -> bool {
        self.verdict == Some(false)
    }
}
