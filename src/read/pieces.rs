//! Large exports cut into pieces that threads read at once, with the rows' lines, the
//! file's digest and every message exactly as one reader going through the file gives them.
//!
//! A piece starts just after a line break near an even cut of the file. That line break
//! may lie inside a quoted field (a name with a line break in it): then the piece before
//! ends inside quotes, says so (`PieceEnd::InsideQuotes`), and the caller reads the file
//! whole instead. Each piece reads the header from the file's first row, and a piece past
//! the first counts the line breaks before it. A file read whole is digested as it is read;
//! so is the first piece of a file in pieces, and a task of its own (`digest_rest`) goes on
//! from there through the bytes of the other pieces, once the first piece is read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use crate::config::export_spec::ExportSpec;
use crate::config::settings::RecordRules;
use crate::error::{Error, Kind};
use crate::model::record::RecordSink;
use crate::read::export::{
    finish_file, open_export, read_export_from, read_header, read_rows, ExportRef, ExportStats,
};
use crate::read::rows::RowReader;

/// Files smaller than this are read whole: cutting them saves less than it costs.
pub const PIECE_MIN_BYTES: u64 = 4 << 20;

/// How far past an even cut to look for a line break before giving the cut up.
const LOOK_FOR_LINE_BREAK: u64 = 1 << 20;

/// One piece of an export: bytes `begin..end`; the last piece reaches the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub begin: u64,
    pub end: u64,
    pub last: bool,
}

impl Piece {
    /// The whole file, digested as it is read.
    pub const WHOLE: Piece = Piece {
        begin: 0,
        end: u64::MAX,
        last: true,
    };
}

/// The digest of a file's first piece, unfinished (boxed: a BLAKE3 hasher holds 2 KB).
pub type DigestSoFar = Box<blake3::Hasher>;

/// How reading a piece ended.
pub enum PieceEnd {
    /// Read to its end. `so_far` is, for a first piece that is not the whole file, the
    /// BLAKE3 digest of its bytes, unfinished, which the bytes of the pieces after it go on from
    /// (`digest_rest`).
    Read {
        stats: Box<ExportStats>,
        so_far: Option<DigestSoFar>,
    },
    /// The piece ended inside a quoted field: its end was no row end, so the pieces after it
    /// began mid-row. Read the file whole.
    InsideQuotes,
}

/// Cuts `spec`'s file into at most `count` pieces just after line breaks past its header;
/// one piece (the whole file) when it is under `min_bytes`, not a regular file, or has no
/// such breaks.
pub fn plan(spec: &ExportSpec, count: usize, min_bytes: u64) -> Vec<Piece> {
    let whole = vec![Piece::WHOLE];
    let Ok(file) = File::open(&spec.path) else {
        return whole;
    };
    let len = match file.metadata() {
        Ok(meta) if meta.is_file() && meta.len() >= min_bytes.max(1) && count > 1 => meta.len(),
        _ => return whole,
    };
    // Never cut inside the header: its end is where the first cut may go.
    let mut header = RowReader::new(&file);
    let header_end = match header.next_row() {
        Ok(Some(_)) => header.consumed(),
        _ => return whole,
    };
    let mut cuts = vec![0];
    for i in 1..count as u64 {
        let target = (len * i / count as u64).max(header_end);
        match line_break_after(&file, target) {
            Some(cut) if cut > *cuts.last().unwrap_or(&0) && cut < len => cuts.push(cut),
            _ => {}
        }
    }
    cuts.push(len);
    let pieces: Vec<Piece> = cuts
        .windows(2)
        .map(|pair| Piece {
            begin: pair[0],
            end: pair[1],
            last: pair[1] == len,
        })
        .collect();
    match pieces.len() {
        0 | 1 => whole,
        _ => pieces,
    }
}

/// The offset just past the first line break at or after `from`, if one is near.
fn line_break_after(file: &File, from: u64) -> Option<u64> {
    let mut input = file;
    input.seek(SeekFrom::Start(from)).ok()?;
    let mut block = vec![0u8; 1 << 16];
    let mut at = from;
    while at < from + LOOK_FOR_LINE_BREAK {
        let read = input.read(&mut block).ok()?;
        if read == 0 {
            return None;
        }
        if let Some(found) = memchr::memchr(b'\n', &block[..read]) {
            return Some(at + found as u64 + 1);
        }
        at += read as u64;
    }
    None
}

/// Reads a whole export, handing every run to `sink` in file order: `read_piece` on the
/// whole file, the path every export takes when it is not cut.
pub fn read_whole(
    spec: &ExportSpec,
    source: u32,
    rules: &RecordRules,
    sink: &mut dyn RecordSink,
) -> anyhow::Result<ExportStats> {
    match read_piece(spec, Piece::WHOLE, source, rules, sink)? {
        PieceEnd::Read { stats, .. } => Ok(*stats),
        PieceEnd::InsideQuotes => unreachable!("the whole file is its own last piece"),
    }
}

/// Reads one piece of an export, handing its runs to `sink` in file order.
pub fn read_piece(
    spec: &ExportSpec,
    piece: Piece,
    source: u32,
    rules: &RecordRules,
    sink: &mut dyn RecordSink,
) -> anyhow::Result<PieceEnd> {
    let file_name: Arc<str> = spec.label().into();
    let export = ExportRef {
        file: &file_name,
        layer: spec.layer,
        source,
        project: spec.project.as_ref(),
    };
    let file = open_export(spec)?;
    if piece == Piece::WHOLE {
        // The entry point every whole read takes, fuzzed with any byte stream.
        let stats = read_export_from(file, export, rules, sink)?;
        return Ok(PieceEnd::Read {
            stats: Box::new(stats),
            so_far: None,
        });
    }
    let read_error = |e: std::io::Error| -> anyhow::Error {
        Error::new(Kind::Input, format!("{file_name}: cannot read: {e}")).into()
    };
    let take = piece.end.saturating_sub(piece.begin);
    // (The readers below share the file's position: each one is made when its turn comes.)
    let (header, mut reader) = if piece.begin == 0 {
        // The first piece (or the whole file) is digested as it is read.
        let mut reader = RowReader::new((&file).take(take)).with_digest();
        (read_header(&mut reader, &file_name, rules)?, reader)
    } else {
        let header = read_header(&mut RowReader::new(&file), &file_name, rules)?;
        let lines_before = count_line_breaks(&file, piece.begin).map_err(read_error)?;
        let mut input = &file;
        input.seek(SeekFrom::Start(piece.begin)).map_err(read_error)?;
        (
            header,
            RowReader::continuing(input.take(take), 1 + lines_before, None),
        )
    };
    let stats = read_rows(&mut reader, &header, export, rules, sink)?;
    piece_end(&mut reader, stats, piece.last, &file_name)
}

/// How a piece whose rows gave `stats` ended: the file's end checked when it is the
/// `last`, else inside a quoted field, or with the digest so far.
fn piece_end<R: Read>(
    reader: &mut RowReader<R>,
    stats: ExportStats,
    last: bool,
    file_name: &str,
) -> anyhow::Result<PieceEnd> {
    if last {
        Ok(PieceEnd::Read {
            stats: Box::new(finish_file(reader, stats, file_name)?),
            so_far: None,
        })
    } else if reader.open_quote_line().is_some() {
        Ok(PieceEnd::InsideQuotes)
    } else {
        let so_far = reader
            .digest_state()
            .map_err(|e| crate::read::export::row_error(e, file_name))?;
        Ok(PieceEnd::Read {
            stats: Box::new(stats),
            so_far: so_far.map(Box::new),
        })
    }
}

/// The line breaks in the first `len` bytes of `file`.
fn count_line_breaks(file: &File, len: u64) -> std::io::Result<u64> {
    let mut input = file;
    input.seek(SeekFrom::Start(0))?;
    let mut input = input.take(len);
    let mut block = vec![0u8; 1 << 18];
    let mut breaks = 0;
    loop {
        match input.read(&mut block) {
            Ok(0) => return Ok(breaks),
            Ok(read) => breaks += memchr::memchr_iter(b'\n', &block[..read]).count() as u64,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The BLAKE3 digest of an export read in pieces, from `so_far` (the first piece's, up to
/// `from`) on through byte `len` (the end of the last piece).
pub fn digest_rest(
    spec: &ExportSpec,
    mut so_far: DigestSoFar,
    from: u64,
    len: u64,
) -> anyhow::Result<[u8; 32]> {
    let read_error = |e: std::io::Error| -> anyhow::Error {
        Error::new(Kind::Input, format!("{}: cannot read: {e}", spec.label())).into()
    };
    let mut file = open_export(spec)?;
    file.seek(SeekFrom::Start(from)).map_err(read_error)?;
    (so_far.update_reader(file.take(len.saturating_sub(from)))).map_err(read_error)?;
    Ok(*so_far.finalize().as_bytes())
}
