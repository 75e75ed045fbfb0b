//! Splits an export's bytes into CSV rows with `csv_core`, tracking lines, quoting and size.
//!
//! One pass over the bytes, which are read into a reused buffer and parsed in place (no
//! second reader in between, no per-row allocation); a plain row (`plain_row`) is split
//! without `csv_core`, and reads exactly as `csv_core` would read it. Beside the fields of each row it knows
//! the line the row starts on (a CRLF file's rows too), whether the input ended inside a
//! quoted field (`csv` silently closes it, which would take a truncated export for a whole
//! one), and it refuses a row longer than `MAX_ROW_BYTES` or wider than `MAX_ROW_FIELDS`,
//! so that a file with no row end cannot grow memory without bound. It can also digest the
//! bytes as it reads them (BLAKE3), so the manifest's digest of the input costs no second read.

use std::io::Read;

use super::plain_row;

/// The longest row read, quotes and line breaks inside it included. A W&B export row is a
/// few kilobytes; a 10 MB field still fits.
pub const MAX_ROW_BYTES: usize = 16 << 20;
/// The most fields a row may have; a wide W&B export has thousands.
pub const MAX_ROW_FIELDS: usize = 1 << 20;

/// Bytes asked of the input at a time.
const READ_SIZE: usize = 1 << 18;

/// Why a row could not be read.
#[derive(Debug)]
pub enum RowError {
    /// The row starting on this line outgrew a limit; the text says which.
    Overlong { line: u64, what: String },
    /// Reading the input failed.
    Io(std::io::Error),
}

/// Reads rows from `input`; see the module documentation.
pub struct RowReader<R> {
    input: R,
    core: csv_core::Reader,
    /// Bytes read and not yet dropped: the current row's raw bytes start at `row_start`,
    /// the unparsed ones at `pos`, and `filled` ends them.
    buf: Vec<u8>,
    row_start: usize,
    pos: usize,
    filled: usize,
    eof: bool,
    /// Bytes read from the input so far.
    read_total: u64,
    /// The current row's unescaped fields: their bytes and where each one ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
    field_count: usize,
    /// For a row split by `split_plain_row`: where each field lies in `buf` (its fields
    /// need no unescaping, so they are not copied).
    spans: Vec<(usize, usize)>,
    /// Whether the current row's fields are `spans` (else `fields` and `ends`).
    in_place: bool,
    /// Whether the split of the current row found every byte of it ASCII (false for a row
    /// `csv_core` read, whatever its bytes).
    ascii: bool,
    /// Whether `csv_core` has seen the input's start (and skipped a byte-order mark), after
    /// which plain rows may bypass it.
    started: bool,
    /// Whether plain rows take the fast path (always, but in the tests that compare).
    plain_rows: bool,
    /// The line of a quoted field the input ended inside, once the last row is read.
    open_quote: Option<u64>,
    /// Whether the start of the input (where a byte-order mark may be) is still ahead.
    at_start: bool,
    digest: Option<blake3::Hasher>,
}

impl<R: Read> RowReader<R> {
    /// Reads rows from the start of a file: a UTF-8 byte-order mark is skipped.
    pub fn new(input: R) -> Self {
        RowReader {
            input,
            core: csv_core::Reader::new(),
            buf: vec![0; READ_SIZE],
            row_start: 0,
            pos: 0,
            filled: 0,
            eof: false,
            read_total: 0,
            fields: vec![0; 1 << 10],
            ends: vec![0; 64],
            field_count: 0,
            spans: Vec::with_capacity(64),
            in_place: false,
            ascii: false,
            started: false,
            plain_rows: true,
            open_quote: None,
            at_start: true,
            digest: None,
        }
    }

    /// Reads rows from the middle of a file, where a row starts: `first_line` is the line
    /// there, and `digest` (when given) has digested the bytes before it. A byte-order mark
    /// is data here, as it is anywhere but at the start of a file.
    pub fn continuing(input: R, first_line: u64, digest: Option<blake3::Hasher>) -> Self {
        let mut reader = Self::new(input);
        reader.at_start = false;
        // `csv_core` skips a mark at the start of the first input it is given: give it an
        // empty line first, which it skips as it would between rows.
        let _ = reader.core.read_record(b"\n", &mut [], &mut []);
        reader.core.set_line(first_line);
        reader.started = true;
        reader.digest = digest;
        reader
    }

    /// Bytes of the input parsed so far (through the last row returned).
    pub fn consumed(&self) -> u64 {
        self.read_total - (self.filled - self.pos) as u64
    }

    /// Also computes the BLAKE3 digest of every byte read (see `finish_digest`).
    pub fn with_digest(mut self) -> Self {
        self.digest = Some(blake3::Hasher::new());
        self
    }

    /// The next row; `Ok(Some(line it starts on))`, or `Ok(None)` at the end of the input.
    pub fn next_row(&mut self) -> Result<Option<u64>, RowError> {
        self.field_count = 0;
        self.row_start = self.pos;
        if self.started && self.plain_rows {
            if let Some(line) = self.split_plain_row() {
                return Ok(Some(line));
            }
        }
        self.in_place = false;
        self.ascii = false;
        self.read_with_core()
    }

    /// The row at `pos` read by `csv_core`, with more bytes read as it needs them: the first
    /// row, a row that is not plain (see `plain_row`), or one not whole in the buffer.
    fn read_with_core(&mut self) -> Result<Option<u64>, RowError> {
        let mut out_len = 0;
        // Line breaks before the row (the LF of a CRLF, empty lines) are not part of it.
        let mut line = None;
        loop {
            while self.pos == self.filled && !self.eof {
                self.fill()?;
            }
            let input = &self.buf[self.pos..self.filled];
            if line.is_none() {
                line = self.line_after_blanks(input);
            }
            let (result, read, written, ended) = self.core.read_record(
                input,
                &mut self.fields[out_len..],
                &mut self.ends[self.field_count..],
            );
            // (`csv_core` counts field ends from the row's start, across calls.)
            self.pos += read;
            out_len += written;
            self.field_count += ended;
            match result {
                csv_core::ReadRecordResult::InputEmpty => self.check_length(line)?,
                csv_core::ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    self.fields.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => self.grow_ends(line)?,
                csv_core::ReadRecordResult::Record => {
                    self.started = true;
                    if self.eof && self.pos == self.filled {
                        self.open_quote = self.find_open_quote();
                    }
                    return Ok(Some(line.unwrap_or_else(|| self.core.line())));
                }
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// The line the row starts on, past the line breaks at the start of `input`; `None`
    /// while `input` holds nothing else.
    fn line_after_blanks(&self, input: &[u8]) -> Option<u64> {
        let blank = input.iter().take_while(|&&b| b == b'\r' || b == b'\n');
        let (skipped, breaks) = blank.fold((0, 0), |(n, lf), &b| (n + 1, lf + u64::from(b == b'\n')));
        (skipped < input.len()).then(|| self.core.line() + breaks)
    }

    /// Refuses a row that has outgrown `MAX_ROW_BYTES` without ending.
    fn check_length(&self, line: Option<u64>) -> Result<(), RowError> {
        if self.pos - self.row_start <= MAX_ROW_BYTES {
            return Ok(());
        }
        Err(self.overlong(
            line,
            format!(
                "runs past {} MiB without ending; this is not a W&B runs-table export, or a quote in it never closes",
                MAX_ROW_BYTES >> 20
            ),
        ))
    }

    /// Makes room for more field ends, up to `MAX_ROW_FIELDS`.
    fn grow_ends(&mut self, line: Option<u64>) -> Result<(), RowError> {
        if self.ends.len() >= MAX_ROW_FIELDS {
            return Err(self.overlong(
                line,
                format!("has more than {MAX_ROW_FIELDS} fields; this is not a W&B runs-table export"),
            ));
        }
        let grown = self.ends.len() * 2;
        self.ends.resize(grown, 0);
        Ok(())
    }

    /// The fast path for the common row: a plain row (see `plain_row`) that the buffer holds
    /// whole is split where it lies, and reads exactly as `csv_core` would read it. Anything
    /// else returns `None` before changing anything, and `csv_core` reads the row.
    fn split_plain_row(&mut self) -> Option<u64> {
        let input = &self.buf[self.pos..self.filled];
        let start = input.iter().position(|&b| b != b'\r' && b != b'\n')?;
        let row = plain_row::split(&input[start..], &mut self.spans, MAX_ROW_BYTES, MAX_ROW_FIELDS)?;
        let breaks = input[..start].iter().filter(|&&b| b == b'\n').count() as u64;
        let base = self.pos + start;
        for span in &mut self.spans {
            *span = (base + span.0, base + span.1);
        }
        let line = self.core.line() + breaks;
        self.core.set_line(line + 1);
        self.pos = base + row.len;
        self.field_count = self.spans.len();
        self.in_place = true;
        self.ascii = row.ascii;
        Some(line)
    }

    fn overlong(&self, line: Option<u64>, what: String) -> RowError {
        RowError::Overlong {
            line: line.unwrap_or_else(|| self.core.line()),
            what,
        }
    }

    /// Drops the rows already read and reads more bytes (all of the current row is kept).
    fn fill(&mut self) -> Result<(), RowError> {
        if self.row_start > 0 {
            self.buf.copy_within(self.row_start..self.filled, 0);
            self.filled -= self.row_start;
            self.pos -= self.row_start;
            self.row_start = 0;
        }
        if self.buf.len() - self.filled < READ_SIZE / 2 {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        loop {
            let read = loop {
                match self.input.read(&mut self.buf[self.filled..]) {
                    Ok(read) => break read,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(RowError::Io(e)),
                }
            };
            if let Some(digest) = &mut self.digest {
                digest.update(&self.buf[self.filled..self.filled + read]);
            }
            self.filled += read;
            self.read_total += read as u64;
            self.eof = read == 0;
            if !self.at_start || self.eof {
                return Ok(());
            }
            // `csv_core` skips a byte-order mark only when its first input holds all of it, and
            // takes an input of nothing else for the end: when the start arrives over several
            // reads, wait for the mark and a byte beyond it.
            let bom = b"\xef\xbb\xbf";
            if self.filled <= 3 && self.buf[..self.filled] == bom[..self.filled] {
                continue;
            }
            self.at_start = false;
            return Ok(());
        }
    }

    /// Field `index` of the current row (empty when the row is shorter).
    pub fn field(&self, index: usize) -> &[u8] {
        if index >= self.field_count {
            return &[];
        }
        if self.in_place {
            let (start, end) = self.spans[index];
            return &self.buf[start..end];
        }
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.fields[start..self.ends[index]]
    }

    /// Field `index` of the current row as text; `None` when it is not UTF-8. A field of a
    /// row the split found all ASCII needs no check.
    pub fn text_field(&self, index: usize) -> Option<&str> {
        let bytes = self.field(index);
        if self.ascii {
            debug_assert!(bytes.is_ascii());
            // SAFETY: `ascii` says every byte of the row, and so of this field, is ASCII,
            // and ASCII is UTF-8.
            return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).ok()
    }

    /// How many fields the current row has.
    pub fn field_count(&self) -> usize {
        self.field_count
    }

    /// Every field of the current row, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.field_count).map(|index| self.field(index))
    }

    /// After the last row: the line of a quoted field the input ended inside, if any.
    pub fn open_quote_line(&self) -> Option<u64> {
        self.open_quote
    }

    /// For a row the end of the input ended: the line of a quoted field left open in it.
    fn find_open_quote(&self) -> Option<u64> {
        // The row's raw bytes are all still in the buffer: follow its quoting.
        let mut line = self.core.line();
        let raw = &self.buf[self.row_start..self.filled];
        line -= raw.iter().filter(|&&b| b == b'\n').count() as u64;
        let (mut field_start, mut quoted, mut opened_at) = (true, false, 0);
        let mut bytes = raw.iter().peekable();
        while let Some(&b) = bytes.next() {
            if quoted {
                if b == b'"' {
                    if bytes.peek() == Some(&&b'"') {
                        bytes.next();
                    } else {
                        quoted = false;
                    }
                }
            } else if field_start && b == b'"' {
                quoted = true;
                opened_at = line;
            }
            field_start = !quoted && matches!(b, b',' | b'\n' | b'\r');
            if b == b'\n' {
                line += 1;
            }
        }
        quoted.then_some(opened_at)
    }

    /// The BLAKE3 digest of every byte read, when asked for with `with_digest`; reads to the
    /// end of the input first, so the digest covers the whole file.
    pub fn finish_digest(&mut self) -> Result<Option<[u8; 32]>, RowError> {
        Ok(self.digest_state()?.map(|digest| *digest.finalize().as_bytes()))
    }

    /// The digest of every byte of the input, not yet finished (more bytes may follow it,
    /// from beyond this input); reads to the end of the input first. `None` without
    /// `with_digest`.
    pub fn digest_state(&mut self) -> Result<Option<blake3::Hasher>, RowError> {
        if self.digest.is_none() {
            return Ok(None);
        }
        while !self.eof {
            self.row_start = self.filled;
            self.pos = self.filled;
            self.fill()?;
        }
        Ok(self.digest.take())
    }
}

#[cfg(test)]
mod tests;
