//! Reads W&B runs-table CSV exports (as the web page writes them) into run records, streaming.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use crate::config::export_spec::ExportSpec;
use crate::config::settings::RecordRules;
use crate::error::{fail, Kind};
use crate::model::project::ProjectRef;
use crate::model::record::{RecordSink, RunRef};
use crate::model::skips::{shown, Skips};
use crate::read::cells::{number, text};
use crate::read::column_index::{index_columns, ColumnIndex};
use crate::read::object_cell::object_reason;
use crate::read::rows::{RowError, RowReader};
use crate::read::run_parts::{activation_and_k, dict_size_of, layer_of, parse_name, parts_from_columns};

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
    /// Rows left out by `--state`, `--tag`, `--sweep` or `--group`.
    pub filtered_out: u64,
    /// BLAKE3 digest of the file's bytes, taken as they were parsed.
    pub blake3: [u8; 32],
    /// A column that looks like a dictionary size, when none is named (`d_sae`).
    pub dict_size_like: Option<String>,
}

/// Opens an export for reading; the error names the file and what to check.
pub fn open_export(spec: &ExportSpec) -> anyhow::Result<File> {
    File::open(&spec.path).or_else(|e| {
        fail(
            Kind::Input,
            format!(
                "{}: cannot open export: {e}; check the path given to --export or the profile",
                spec.label()
            ),
        )
    })
}

/// Which export rows come from: the name messages give it, the layer it was given (if
/// any), and its position among the inputs (which breaks ties between equal runs).
#[derive(Debug, Clone, Copy)]
pub struct ExportRef<'a> {
    pub file: &'a Arc<str>,
    pub layer: Option<i64>,
    pub source: u32,
    pub project: Option<&'a Arc<ProjectRef>>,
}

/// Reads an export from any byte stream.
pub fn read_export_from(
    input: impl Read,
    export: ExportRef<'_>,
    rules: &RecordRules,
    sink: &mut dyn RecordSink,
) -> anyhow::Result<ExportStats> {
    let mut reader = RowReader::new(input).with_digest();
    let header = read_header(&mut reader, export.file, rules)?;
    let stats = read_rows(&mut reader, &header, export, rules, sink)?;
    finish_file(&mut reader, stats, export.file)
}

/// After the last row of a whole file: a quoted field left open is an error, else the
/// digest of the file's bytes (when the reader takes one) goes into the stats.
pub fn finish_file<R: Read>(
    reader: &mut RowReader<R>,
    mut stats: ExportStats,
    file: &str,
) -> anyhow::Result<ExportStats> {
    if let Some(line) = reader.open_quote_line() {
        return fail(
            Kind::Input,
            format!("{file}:{line}: a quoted field opened here is never closed; the export is cut short or was edited by hand: download it again"),
        );
    }
    let digest = reader.finish_digest().map_err(|e| row_error(e, file))?;
    stats.blake3 = digest.unwrap_or_default();
    Ok(stats)
}

/// What an export's header row says: where the needed columns are, and how many there are.
pub struct Header {
    columns: ColumnIndex,
    width: usize,
}

/// Reads the header row (the first one).
pub fn read_header<R: Read>(
    reader: &mut RowReader<R>,
    file: &str,
    rules: &RecordRules,
) -> anyhow::Result<Header> {
    if next_row(reader, file)?.is_none() {
        return fail(
            Kind::Input,
            format!("{file}:1: the file is empty; expected a W&B runs-table CSV export with a header like \"Name\",\"l0_norm\",\"l2_loss\""),
        );
    }
    Ok(Header {
        columns: index_columns(reader, file, rules)?,
        width: reader.field_count(),
    })
}

/// Reads the data rows that follow, to the end of `reader`'s input (which may be a piece
/// of the file: the caller checks how it ended).
pub fn read_rows<R: Read>(
    reader: &mut RowReader<R>,
    header: &Header,
    export: ExportRef<'_>,
    rules: &RecordRules,
    sink: &mut dyn RecordSink,
) -> anyhow::Result<ExportStats> {
    let file = export.file;
    let Header { columns, width } = header;
    let width = *width;
    let mut stats = ExportStats {
        dict_size_like: columns.dict_size_like.clone(),
        ..ExportStats::default()
    };
    while let Some(line) = next_row(reader, file)? {
        if reader.open_quote_line().is_some() {
            // The input ended inside a quoted field: the caller says what that means (a
            // truncated export, or a piece cut at a line break inside quotes).
            break;
        }
        stats.rows += 1;
        if stats.rows.is_multiple_of(INTERRUPT_EVERY) {
            crate::interrupt::check("nothing was written")?;
        }
        if reader.field_count() != width {
            return fail(
                Kind::Input,
                format!("{file}:{line}: row has {} fields but the header has {width}; the export is cut short or was edited by hand (an unterminated quote does this too): download it again", reader.field_count()),
            );
        }
        if !columns.keep.keeps(reader) {
            stats.filtered_out += 1;
            continue;
        }
        let here = Here { export, line };
        // A metric that is a JSON object fails as a number: only then is it looked at.
        let run = match run_of(reader, columns, &here, rules) {
            Ok(run) => run,
            Err(error) => match object_in_metrics(reader, columns, rules) {
                Some(reason) => {
                    skip_object(&mut stats.skips, rules, reader, columns, (file, line), &reason)?;
                    continue;
                }
                None => return Err(error),
            },
        };
        match run {
            Ok(run) => {
                stats.records += 1;
                sink.accept(&run)?;
            }
            Err((name, reason)) => skip(&mut stats.skips, rules, format!("{file}:{line}"), name, &reason)?,
        }
    }
    Ok(stats)
}

/// Where a row stands: its export, and the line it starts on.
struct Here<'a> {
    export: ExportRef<'a>,
    line: u64,
}

/// The run a row holds, or the run's name and why it is skipped.
#[inline]
fn run_of<'r, R: Read>(
    reader: &'r RowReader<R>,
    columns: &ColumnIndex,
    here: &Here<'r>,
    rules: &RecordRules,
) -> anyhow::Result<Result<RunRef<'r>, (&'r str, String)>> {
    let (file, line) = (here.export.file, here.line);
    let name = text(reader.text_field(columns.name), file, line, &rules.columns.name)?;
    let l0 = number(reader.field(columns.l0), file, line, &rules.columns.l0)?;
    let error = number(reader.field(columns.error), file, line, &rules.columns.error)?;
    let (activation, k) = parts_from_columns(reader, columns, file, line, rules)?;
    let parsed = match parse_name(name, activation, k.is_none(), rules) {
        Ok(parsed) => parsed,
        Err(reason) => return Ok(Err((name, columns.no_k.clone().unwrap_or(reason)))),
    };
    let layer_field = columns.layer.map(|index| reader.field(index));
    let Some(layer) = layer_of(here.export.layer, layer_field, name, file, line, rules)? else {
        return Ok(Err((name, columns.no_layer.clone())));
    };
    let dict_size = match dict_size_of(reader, columns, rules, parsed.as_ref()) {
        Ok(dict_size) => dict_size,
        Err(reason) => return Ok(Err((name, reason))),
    };
    let (activation, k) = activation_and_k(activation, k, parsed.as_ref());
    let k = match k {
        Ok(k) => k,
        Err(why) => return fail(Kind::Input, format!("{file}:{line}: run {}: {why}", shown(name))),
    };
    let metadata =
        |index: Option<usize>| index.map_or("", |index| reader.text_field(index).unwrap_or_default());
    Ok(Ok(RunRef {
        name,
        layer,
        activation,
        k,
        l0,
        error,
        dict_size,
        id: metadata(columns.id),
        state: metadata(columns.state),
        file,
        source: here.export.source,
        line,
        project: here.export.project,
    }))
}

/// A skipped run is reported, or with `--strict` stops the run.
fn skip(
    skips: &mut Skips,
    rules: &RecordRules,
    place: String,
    name: &str,
    reason: &str,
) -> anyhow::Result<()> {
    if rules.strict {
        return fail(
            Kind::Input,
            format!("{place}: run {}: {reason} (--strict)", shown(name)),
        );
    }
    skips.add(place, name, reason);
    Ok(())
}

/// Why the row's l0 or error cell is a JSON object rather than a number, if one is.
fn object_in_metrics<R: Read>(
    reader: &RowReader<R>,
    columns: &ColumnIndex,
    rules: &RecordRules,
) -> Option<String> {
    let metrics = [
        (columns.l0, &rules.columns.l0, "l0"),
        (columns.error, &rules.columns.error, "error"),
    ];
    (metrics.into_iter()).find_map(|(index, key, role)| object_reason(reader.field(index), key, role))
}

/// A run whose metric is an object is skipped, or with `--strict` stops the run. It is
/// named by its name and id when the export has an `ID` column (a fetch's cache always
/// does): a user finds the run by them, while the cache file is none of theirs.
fn skip_object<R: Read>(
    skips: &mut Skips,
    rules: &RecordRules,
    reader: &RowReader<R>,
    columns: &ColumnIndex,
    (file, line): (&str, u64),
    reason: &str,
) -> anyhow::Result<()> {
    let name = shown(reader.text_field(columns.name).unwrap_or_default());
    let id = (columns.id.and_then(|index| reader.text_field(index))).filter(|id| !id.is_empty());
    let example = move || match id {
        Some(id) => format!("run {name} (id {id}): {reason}"),
        None => format!("{file}:{line}: run {name}: {reason}"),
    };
    if rules.strict {
        return fail(Kind::Input, format!("{} (--strict)", example()));
    }
    skips.add_example(example);
    Ok(())
}

/// Reads the next row; `Some(line it starts on)`, or `None` at the end of the input.
fn next_row<R: Read>(reader: &mut RowReader<R>, file: &str) -> anyhow::Result<Option<u64>> {
    reader.next_row().map_err(|e| row_error(e, file))
}

/// A row that could not be read, as a one-line error naming the file and line.
pub fn row_error(error: RowError, file: &str) -> anyhow::Error {
    let message = match error {
        RowError::Overlong { line, what } => format!("{file}:{line}: a row {what}"),
        RowError::Io(e) => format!("{file}: cannot read: {e}"),
    };
    crate::error::Error::new(Kind::Input, message).into()
}
