//! The framing of a run's `.wandb` log: W&B's variant of LevelDB's log format (the SDK's
//! `wandb/sdk/internal/datastore.py`). The file starts with a 7-byte header (`:W&B`, the
//! magic 0xBEE1 little-endian, version 0) and is cut into 32 KiB blocks. Each record is a
//! 7-byte header (checksum u32, length u16, type u8, little-endian) and its bytes; a record
//! too long for what is left of its block is cut into FIRST, MIDDLE.. and LAST pieces, and
//! fewer than 7 bytes left in a block are zero padding. The checksum is zlib's CRC-32 of the
//! type byte followed by the bytes (LevelDB itself uses CRC-32C).
//!
//! A block boundary is always a record boundary, so the log can be read from any block:
//! `Records::from_block` skips the pieces of a record begun in the block before.

use std::borrow::Cow;

/// The file header: ident, magic (little-endian) and version.
pub const FILE_HEADER: [u8; 7] = [b':', b'W', b'&', b'B', 0xE1, 0xBE, 0];
pub const BLOCK: u64 = 32 * 1024;
const RECORD_HEADER: usize = 7;

const FULL: u8 = 1;
const FIRST: u8 = 2;
const MIDDLE: u8 = 3;
const LAST: u8 = 4;

/// Why reading stopped before the end of the bytes given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The bytes end inside a record: a log still being written, or cut short by a crash.
    Torn { at: u64 },
    /// A record's checksum or type is wrong: the file is damaged there.
    Corrupt { at: u64, what: &'static str },
}

/// The records (their reassembled bytes) in `data`, which holds the file's bytes from
/// `offset` on.
pub struct Records<'a> {
    data: &'a [u8],
    offset: u64,
    pos: usize,
    /// At a block read from the middle of the file: pieces of a record begun before it
    /// are skipped.
    resync: bool,
    stopped: bool,
}

impl<'a> Records<'a> {
    /// The records of a whole file's bytes, or of its beginning; `Err` when it does not
    /// start with the W&B header.
    pub fn from_start(data: &'a [u8]) -> Result<Records<'a>, &'static str> {
        if data.len() < FILE_HEADER.len() || data[..FILE_HEADER.len()] != FILE_HEADER {
            return Err("it does not start with the W&B log header");
        }
        Ok(Records {
            data,
            offset: 0,
            pos: FILE_HEADER.len(),
            resync: false,
            stopped: false,
        })
    }

    /// The records of the file's bytes from `offset` on, a block boundary (when it is 0,
    /// the header is checked as `from_start` does).
    pub fn from_block(data: &'a [u8], offset: u64) -> Result<Records<'a>, &'static str> {
        debug_assert_eq!(offset % BLOCK, 0);
        if offset == 0 {
            return Records::from_start(data);
        }
        Ok(Records {
            data,
            offset,
            pos: 0,
            resync: true,
            stopped: false,
        })
    }

    /// The next piece: its type and bytes, or why there is none (`None`: the bytes ended
    /// where a record may start, or in zero padding).
    fn piece(&mut self) -> Option<Result<(u8, &'a [u8]), Stop>> {
        let at_in_block = (self.offset + self.pos as u64) % BLOCK;
        let left_in_block = (BLOCK - at_in_block) as usize;
        if left_in_block < RECORD_HEADER {
            self.pos += left_in_block;
        }
        let at = self.offset + self.pos as u64;
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.len() < RECORD_HEADER {
            return (!rest.iter().all(|&b| b == 0)).then_some(Err(Stop::Torn { at }));
        }
        let checksum = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let length = usize::from(u16::from_le_bytes([rest[4], rest[5]]));
        let kind = rest[6];
        if checksum == 0 && length == 0 && kind == 0 {
            // Zero bytes where a record would start: space the writer had not filled yet.
            return None;
        }
        let Some(bytes) = rest.get(RECORD_HEADER..RECORD_HEADER + length) else {
            return Some(Err(Stop::Torn { at }));
        };
        if !(FULL..=LAST).contains(&kind) {
            return Some(Err(Stop::Corrupt {
                at,
                what: "unknown record type",
            }));
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(&[kind]);
        crc.update(bytes);
        if crc.finalize() != checksum {
            return Some(Err(Stop::Corrupt {
                at,
                what: "checksum mismatch",
            }));
        }
        self.pos += RECORD_HEADER + length;
        Some(Ok((kind, bytes)))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Cow<'a, [u8]>, Stop>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped {
            return None;
        }
        let mut joined: Option<Vec<u8>> = None;
        loop {
            let piece = match self.piece() {
                None => None,
                Some(Ok(piece)) => Some(piece),
                Some(Err(stop)) => {
                    self.stopped = true;
                    return Some(Err(stop));
                }
            };
            let Some((kind, bytes)) = piece else {
                self.stopped = true;
                // A record begun and never finished: the writer stopped inside it.
                let at = self.offset + self.pos as u64;
                return joined.map(|_| Err(Stop::Torn { at }));
            };
            match (kind, joined.as_mut()) {
                (FULL, None) => {
                    self.resync = false;
                    return Some(Ok(Cow::Borrowed(bytes)));
                }
                (FIRST, None) => {
                    self.resync = false;
                    joined = Some(bytes.to_vec());
                }
                (MIDDLE, Some(record)) => record.extend_from_slice(bytes),
                (LAST, Some(record)) => {
                    record.extend_from_slice(bytes);
                    return joined.map(|record| Ok(Cow::Owned(record)));
                }
                (MIDDLE | LAST, None) if self.resync => continue,
                _ => {
                    self.stopped = true;
                    let at = self.offset + self.pos as u64;
                    return Some(Err(Stop::Corrupt {
                        at,
                        what: "a record's pieces are out of order",
                    }));
                }
            }
        }
    }
}

/// Writes records in the same framing: the generator of test folders (`synth::run_folders`)
/// and this module's tests use it.
pub struct Writer {
    bytes: Vec<u8>,
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            bytes: FILE_HEADER.to_vec(),
        }
    }
}

impl Writer {
    /// Appends one record, cut into pieces at block boundaries.
    pub fn push(&mut self, mut record: &[u8]) {
        let mut first = true;
        loop {
            let left = (BLOCK - self.bytes.len() as u64 % BLOCK) as usize;
            if left < RECORD_HEADER {
                self.bytes.resize(self.bytes.len() + left, 0);
                continue;
            }
            let room = left - RECORD_HEADER;
            let (piece, rest) = record.split_at(record.len().min(room));
            let kind = match (first, rest.is_empty()) {
                (true, true) => FULL,
                (true, false) => FIRST,
                (false, false) => MIDDLE,
                (false, true) => LAST,
            };
            let mut crc = crc32fast::Hasher::new();
            crc.update(&[kind]);
            crc.update(piece);
            self.bytes.extend_from_slice(&crc.finalize().to_le_bytes());
            self.bytes.extend_from_slice(&(piece.len() as u16).to_le_bytes());
            self.bytes.push(kind);
            self.bytes.extend_from_slice(piece);
            record = rest;
            first = false;
            if record.is_empty() {
                return;
            }
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests;
