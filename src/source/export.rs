//! Reads W&B runs-table CSV exports (as the web page writes them) into run records, streaming.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use crate::error::{fail, Kind};
use crate::record::{RecordSink, RunRef};
use crate::settings::{ExportSpec, Settings};
use crate::skips::{shown, Skips};

/// Rows between two looks at whether SIGINT or SIGTERM asked the run to stop.
const INTERRUPT_EVERY: u64 = 1 << 14;

/// What reading one export found.
#[derive(Debug, Default, Clone)]
pub struct ExportStats {
    /// Data rows in the file.
    pub rows: u64,
    /// Rows that became records.
    pub records: u64,
    pub skips: Skips,
}

/// Positions of the columns a record is built from.
struct ColumnIndex {
    name: usize,
    l0: usize,
    error: usize,
    layer: Option<usize>,
    dict_size: Option<usize>,
}

/// Reads one export, handing every run to `sink` in file order.
pub fn read_export(
    spec: &ExportSpec,
    source: u32,
    settings: &Settings,
    sink: &mut dyn RecordSink,
) -> anyhow::Result<ExportStats> {
    let path = &spec.path;
    let file_name: Arc<str> = spec.label().into();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            return fail(
                Kind::Input,
                format!(
                    "{file_name}: cannot open export: {e}; check the path given to --export or the profile"
                ),
            )
        }
    };
    read_export_from(file, &file_name, spec.layer, source, settings, sink)
}

/// Reads an export from any byte stream; `file` names it in messages.
pub fn read_export_from(
    input: impl Read,
    file: &Arc<str>,
    layer: Option<i64>,
    source: u32,
    settings: &Settings,
    sink: &mut dyn RecordSink,
) -> anyhow::Result<ExportStats> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(QuoteTracker::new(input));
    let mut row = csv::ByteRecord::new();
    if read_row(&mut reader, &mut row, file)?.is_none() {
        return fail(
            Kind::Input,
            format!("{file}:1: the file is empty; expected a W&B runs-table CSV export with a header like \"Name\",\"l0_norm\",\"l2_loss\""),
        );
    }
    let columns = index_columns(&row, file, settings)?;
    let mut stats = ExportStats::default();
    while let Some(line) = read_row(&mut reader, &mut row, file)? {
        stats.rows += 1;
        if stats.rows % INTERRUPT_EVERY == 0 {
            crate::interrupt::check("nothing was written")?;
        }
        let place = || format!("{file}:{line}");
        let name = text(&row, columns.name, file, line, &settings.columns.name)?;
        let l0 = number(&row, columns.l0, file, line, &settings.columns.l0)?;
        let error = number(&row, columns.error, file, line, &settings.columns.error)?;
        let parsed = match settings.grammar.parse(name) {
            Ok(parsed) => parsed,
            Err(reason) => {
                skip(
                    &mut stats.skips,
                    settings,
                    place(),
                    name,
                    &format!("name does not parse: {reason}"),
                )?;
                continue;
            }
        };
        let layer = match layer_of(layer, &columns, &row, name, file, line, settings)? {
            Some(layer) => layer,
            None => {
                let reason = "no layer: pass --export LAYER=PATH, add a layer column, or set name.layer_regex in the profile";
                skip(&mut stats.skips, settings, place(), name, reason)?;
                continue;
            }
        };
        let dict_size = match columns.dict_size {
            Some(index) => integer_field(&row, index, file, line, &settings.columns.dict_size)?
                .and_then(|d| u64::try_from(d).ok()),
            None => None,
        }
        .or(parsed.dict_size);
        stats.records += 1;
        sink.accept(&RunRef {
            name,
            layer,
            activation: parsed.activation,
            k: parsed.k,
            l0,
            error,
            dict_size,
            file,
            source,
            line,
        })?;
    }
    if let Some(line) = reader.get_ref().open_quote_line() {
        return fail(
            Kind::Input,
            format!("{file}:{line}: a quoted field opened here is never closed; the export is cut short or was edited by hand: download it again"),
        );
    }
    Ok(stats)
}

/// Where a reader stands in CSV quoting (as `csv` parses it: `""` escapes a quote, quotes
/// only open at the start of a field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// The longest row read, quotes and line breaks inside it included. `csv` holds a whole row
/// in memory, so without a bound a file with no row end (`/dev/zero`, a quote that never
/// closes in a huge file) would grow memory until the machine gave out. A W&B export row is a
/// few kilobytes; a 10 MB field still fits.
const MAX_ROW_BYTES: u64 = 16 << 20;
/// The most fields a row may have. `csv` keeps a word per field, and several copies of the
/// header, so 16 MiB of bare commas would cost ~400 MB; a wide W&B export has thousands.
const MAX_ROW_FIELDS: u64 = 1 << 20;

/// Passes bytes through while following the quoting, because `csv` silently ends a quoted
/// field at the end of the input: a truncated last row would otherwise be read as complete.
/// It also measures rows, and fails the read of one beyond `MAX_ROW_BYTES` or `MAX_ROW_FIELDS`.
struct QuoteTracker<R> {
    inner: R,
    state: Quoting,
    /// 1-based line of the byte being looked at, and of the quote that opened the field.
    line: u64,
    opened_at: u64,
    /// Bytes seen so far, to skip a UTF-8 byte-order mark as `csv` does.
    seen: u64,
    /// Bytes and field separators of the current row so far, and the line it started on.
    row_bytes: u64,
    row_commas: u64,
    row_line: u64,
    /// Set when a row outgrew a limit: the line it started on, and what it outgrew.
    overlong_row: Option<(u64, String)>,
    /// The line each row seen to its end started on, until `csv` has read it. `csv`'s own
    /// record positions are a line early after a CRLF (it counts the LF only once it reads
    /// on), so every row of a Windows-style export was reported on the line before its own.
    row_starts: VecDeque<u64>,
}

impl<R: Read> QuoteTracker<R> {
    fn new(inner: R) -> Self {
        QuoteTracker {
            inner,
            state: Quoting::FieldStart,
            line: 1,
            opened_at: 0,
            seen: 0,
            row_bytes: 0,
            row_commas: 0,
            row_line: 1,
            overlong_row: None,
            row_starts: VecDeque::new(),
        }
    }

    /// The line of the next row `csv` hands over: the oldest row seen to its end, or at the
    /// end of the input the row still open. `csv` skips empty rows, and so does the queue.
    fn next_row_line(&mut self) -> u64 {
        self.row_starts.pop_front().unwrap_or(self.row_line)
    }

    /// The line of a quoted field still open at the end of the input, if any.
    fn open_quote_line(&self) -> Option<u64> {
        matches!(self.state, Quoting::Quoted).then_some(self.opened_at)
    }

    fn step(&mut self, byte: u8) {
        const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];
        let at = self.seen;
        self.seen += 1;
        if at < 3 && self.state == Quoting::FieldStart && byte == BOM[at as usize] && self.line == 1 {
            return;
        }
        let ends_field = matches!(byte, b',' | b'\n' | b'\r');
        self.state = match (self.state, byte) {
            (Quoting::FieldStart, b'"') => {
                self.opened_at = self.line;
                Quoting::Quoted
            }
            (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
            (Quoting::Quoted, _) => Quoting::Quoted,
            (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
            (_, _) if ends_field => Quoting::FieldStart,
            (_, _) => Quoting::Unquoted,
        };
        if byte == b'\n' {
            self.line += 1;
        }
        self.row_bytes += 1;
        if ends_field && self.state == Quoting::FieldStart {
            if byte == b',' {
                self.row_commas += 1;
            } else {
                // More than this line break: the row is not empty.
                if self.row_bytes > 1 {
                    self.row_starts.push_back(self.row_line);
                }
                self.row_bytes = 0;
                self.row_commas = 0;
                self.row_line = self.line;
            }
        }
    }
}

impl<R: Read> QuoteTracker<R> {
    /// `step` over every byte, but jumping over the inside of quoted and unquoted fields
    /// (where only the next quote, line break or separator can change anything) with
    /// `memchr`, so that the tracker costs little beside the CSV parser.
    fn scan(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            let stop = match self.state {
                _ if self.seen < 3 => Some(0),
                Quoting::Quoted => memchr::memchr2(b'"', b'\n', &bytes[at..]),
                Quoting::Unquoted => memchr::memchr3(b',', b'\n', b'\r', &bytes[at..]),
                Quoting::FieldStart | Quoting::QuoteInQuoted => Some(0),
            };
            // The bytes before `stop` leave the state and the line as they are.
            let skipped = stop.unwrap_or(bytes.len() - at);
            self.seen += skipped as u64;
            self.row_bytes += skipped as u64;
            at += skipped;
            if at < bytes.len() {
                self.step(bytes[at]);
                at += 1;
            }
        }
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = self.inner.read(buf)?;
        // `csv` strips a byte-order mark only when its first read holds all 3 bytes, and takes
        // a first read of nothing but the mark for the end of the input; from a pipe that
        // trickles, read on until there is more (else the header is misread or lost).
        while self.seen == 0 && n > 0 && n < buf.len().min(4) {
            match self.inner.read(&mut buf[n..4])? {
                0 => break,
                more => n += more,
            }
        }
        self.scan(&buf[..n]);
        let overlong = if self.row_bytes > MAX_ROW_BYTES {
            Some(format!(
                "runs past {} MiB without ending; this is not a W&B runs-table export, or a quote in it never closes",
                MAX_ROW_BYTES >> 20
            ))
        } else if self.row_commas >= MAX_ROW_FIELDS {
            Some(format!(
                "has more than {MAX_ROW_FIELDS} fields; this is not a W&B runs-table export"
            ))
        } else {
            None
        };
        if let Some(what) = overlong {
            self.overlong_row = Some((self.row_line, what));
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "row too long",
            ));
        }
        Ok(n)
    }
}

/// A skipped run is reported, or with `--strict` stops the run.
fn skip(
    skips: &mut Skips,
    settings: &Settings,
    place: String,
    name: &str,
    reason: &str,
) -> anyhow::Result<()> {
    if settings.strict {
        return fail(
            Kind::Input,
            format!("{place}: run {}: {reason} (--strict)", shown(name)),
        );
    }
    skips.add(place, name, reason);
    Ok(())
}

/// Reads the next row; `Some(line it starts on)`, or `None` at the end of the input.
fn read_row<R: Read>(
    reader: &mut csv::Reader<QuoteTracker<R>>,
    row: &mut csv::ByteRecord,
    file: &str,
) -> anyhow::Result<Option<u64>> {
    match reader.read_byte_record(row) {
        Ok(true) => Ok(Some(reader.get_mut().next_row_line())),
        Ok(false) => Ok(None),
        Err(e) => match &reader.get_ref().overlong_row {
            Some((line, what)) => fail(Kind::Input, format!("{file}:{line}: a row {what}")),
            None => {
                let line = reader.get_mut().next_row_line();
                fail(Kind::Input, describe_csv_error(&e, file, line))
            }
        },
    }
}

fn describe_csv_error(error: &csv::Error, file: &str, line: u64) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{file}:{line}: row has {len} fields but the header has {expected_len}; the export is cut short or was edited by hand (an unterminated quote does this too): download it again")
        }
        csv::ErrorKind::Io(e) => format!("{file}: cannot read: {e}"),
        _ => format!("{file}: not a CSV export: {error}"),
    }
}

fn index_columns(header: &csv::ByteRecord, file: &str, settings: &Settings) -> anyhow::Result<ColumnIndex> {
    // Grown as columns pass, not sized up front: a header of millions of empty columns
    // fails at its second one without first reserving hundreds of megabytes.
    let mut names = Vec::new();
    // A set, not `names.contains`: that is quadratic, and 100k columns took minutes.
    let mut seen = std::collections::HashSet::new();
    for (index, field) in header.iter().enumerate() {
        let Ok(mut name) = std::str::from_utf8(field) else {
            return fail(
                Kind::Input,
                format!(
                    "{file}:1: header column {} is not UTF-8 text; is this a CSV export?",
                    index + 1
                ),
            );
        };
        if index == 0 {
            name = name.strip_prefix('\u{feff}').unwrap_or(name);
        }
        if !seen.insert(name) {
            return fail(
                Kind::Input,
                format!(
                    "{file}:1: column {} appears twice in the header; remove one copy",
                    shown(name)
                ),
            );
        }
        names.push(name);
    }
    let find = |wanted: &str| names.iter().position(|name| *name == wanted);
    let require = |wanted: &str, key: &str| {
        find(wanted).ok_or_else(|| {
            let shown: Vec<_> = names.iter().take(12).map(|n| shown(n)).collect();
            crate::error::Error::new(
                Kind::Input,
                format!(
                    "{file}:1: no {wanted:?} column (header has {}); export it from W&B or set columns.{key} in the profile",
                    shown.join(",")
                ),
            )
        })
    };
    Ok(ColumnIndex {
        name: require(&settings.columns.name, "name")?,
        l0: require(&settings.columns.l0, "l0")?,
        error: require(&settings.columns.error, "error")?,
        layer: find(&settings.columns.layer),
        dict_size: find(&settings.columns.dict_size),
    })
}

fn text<'r>(
    row: &'r csv::ByteRecord,
    index: usize,
    file: &str,
    line: u64,
    column: &str,
) -> anyhow::Result<&'r str> {
    let bytes = row.get(index).unwrap_or_default();
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => fail(
            Kind::Input,
            format!("{file}:{line}: column {column:?} is not valid UTF-8; re-export the file as UTF-8"),
        ),
    }
}

/// A metric cell: empty means missing (NaN); `NaN`, `Infinity`, `-Infinity` are read as such.
fn number(row: &csv::ByteRecord, index: usize, file: &str, line: u64, column: &str) -> anyhow::Result<f64> {
    let bytes = row.get(index).unwrap_or_default();
    if bytes.is_empty() {
        return Ok(f64::NAN);
    }
    match parse_float(bytes) {
        Some(value) => Ok(value),
        None => {
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
            fail(
                Kind::Input,
                format!("{file}:{line}: {column} value {shown:?} is not a number; check that columns.{} names the right column", column_key(column)),
            )
        }
    }
}

fn column_key(column: &str) -> &str {
    match column {
        "l0_norm" => "l0",
        "l2_loss" => "error",
        _ => column,
    }
}

/// Parses a float the way pandas reads an export cell (surrounding blanks allowed).
pub fn parse_float(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    match text.parse::<f64>() {
        Ok(value) => Some(value),
        Err(_) => match text {
            "Infinity" | "+Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
    }
}

/// An integer cell such as a layer or a dictionary size; `6.0` counts as 6, empty as absent.
fn integer_field(
    row: &csv::ByteRecord,
    index: usize,
    file: &str,
    line: u64,
    column: &str,
) -> anyhow::Result<Option<i64>> {
    let bytes = row.get(index).unwrap_or_default();
    if bytes.is_empty() {
        return Ok(None);
    }
    let value = parse_float(bytes).filter(|v| v.fract() == 0.0 && v.abs() < 9.0e15);
    match value {
        Some(value) => Ok(Some(value as i64)),
        None => {
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
            fail(
                Kind::Input,
                format!("{file}:{line}: {column} value {shown:?} is not a whole number"),
            )
        }
    }
}

/// The layer, in order: the one given with the file, the layer column, the name rule.
fn layer_of(
    given: Option<i64>,
    columns: &ColumnIndex,
    row: &csv::ByteRecord,
    name: &str,
    file: &str,
    line: u64,
    settings: &Settings,
) -> anyhow::Result<Option<i64>> {
    if given.is_some() {
        return Ok(given);
    }
    if let Some(index) = columns.layer {
        if let Some(layer) = integer_field(row, index, file, line, &settings.columns.layer)? {
            return Ok(Some(layer));
        }
    }
    Ok(settings.layer_rule.as_ref().and_then(|rule| rule.layer_of(name)))
}
