//! Rows sorted by a byte key in bounded memory: each writer sorts what it holds and spills
//! it to its file as a sorted chunk whenever it holds `limit` bytes; `merge` then reads
//! every chunk of every file side by side and writes the rows in key order (a k-way merge).
//!
//! A file is a sequence of chunks, each `[u64 length][records]`, a record being `[u32 key
//! length][u32 row length][key][row]`, all little-endian. Keys compare as bytes; two equal
//! keys come out in no fixed order, so callers make them unique.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

/// Rows held until they are spilled, sorted, as one chunk of `file`.
pub struct SpillWriter<W: Write> {
    file: W,
    /// Every held key and row, back to back.
    arena: Vec<u8>,
    /// Per held row: its key's first bytes (`prefix`), where its key starts, the key's
    /// length and the row's length.
    held: Vec<(u64, usize, u32, u32)>,
    limit: usize,
}

impl<W: Write> SpillWriter<W> {
    /// A writer into `file` that spills once it holds `limit` bytes of keys and rows.
    pub fn new(file: W, limit: usize) -> SpillWriter<W> {
        SpillWriter {
            file,
            arena: Vec::new(),
            held: Vec::new(),
            limit,
        }
    }

    /// Adds a row under `key`.
    pub fn push(&mut self, key: &[u8], row: &[u8]) -> io::Result<()> {
        let (key_len, row_len) = (length(key)?, length(row)?);
        self.held.push((prefix(key), self.arena.len(), key_len, row_len));
        self.arena.extend_from_slice(key);
        self.arena.extend_from_slice(row);
        if self.arena.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Spills what is held and hands back the file.
    pub fn finish(mut self) -> io::Result<W> {
        self.spill()?;
        self.file.flush()?;
        Ok(self.file)
    }

    /// Writes the held rows, sorted by key, as one chunk.
    fn spill(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let arena = &self.arena;
        let key = |&(_, start, key_len, _): &(u64, usize, u32, u32)| &arena[start..start + key_len as usize];
        // The first bytes decide most comparisons without a call to compare the keys.
        self.held
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key(a).cmp(key(b))));
        let records = self.arena.len() + 8 * self.held.len();
        self.file.write_all(&(records as u64).to_le_bytes())?;
        let mut out = io::BufWriter::with_capacity(1 << 16, &mut self.file);
        for &(_, start, key_len, row_len) in &self.held {
            out.write_all(&key_len.to_le_bytes())?;
            out.write_all(&row_len.to_le_bytes())?;
            out.write_all(&self.arena[start..start + key_len as usize + row_len as usize])?;
        }
        out.flush()?;
        drop(out);
        self.held.clear();
        self.arena.clear();
        Ok(())
    }
}

/// A key's first 8 bytes as a number (zeros past a shorter key's end): numbers compare as
/// the keys' first bytes do, and a key shorter than another it starts stays before it.
fn prefix(key: &[u8]) -> u64 {
    let mut first = [0u8; 8];
    let n = key.len().min(8);
    first[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(first)
}

fn length(bytes: &[u8]) -> io::Result<u32> {
    u32::try_from(bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a row of 4 GiB or more"))
}

/// Writes the rows of every chunk of `files` to `out` in key order.
pub fn merge(files: &[File], out: &mut impl Write) -> io::Result<()> {
    let mut chunks = Vec::new();
    for file in files {
        let size = file.metadata()?.len();
        let mut at = 0;
        while at < size {
            let mut length = [0u8; 8];
            file.read_exact_at(&mut length, at)?;
            let end = at + 8 + u64::from_le_bytes(length);
            chunks.push(Chunk::new(file, at + 8, end));
            at = end;
        }
    }
    let mut heap = BinaryHeap::with_capacity(chunks.len());
    for (index, chunk) in chunks.iter_mut().enumerate() {
        let mut key = Vec::new();
        if chunk.next(&mut key)? {
            heap.push(Reverse((prefix(&key), key, index)));
        }
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    while let Some(Reverse((_, mut key, index))) = heap.pop() {
        let chunk = &mut chunks[index];
        out.write_all(&chunk.row)?;
        if chunk.next(&mut key)? {
            heap.push(Reverse((prefix(&key), key, index)));
        }
    }
    out.flush()
}

/// One sorted chunk, read a block at a time.
struct Chunk<'a> {
    file: &'a File,
    /// The next byte of the file to read into `buffer`, and the chunk's end.
    at: u64,
    end: u64,
    buffer: Vec<u8>,
    /// Where the next record starts in `buffer`.
    start: usize,
    /// The row of the record read last.
    row: Vec<u8>,
}

const BLOCK: usize = 1 << 16;

impl<'a> Chunk<'a> {
    fn new(file: &'a File, at: u64, end: u64) -> Chunk<'a> {
        Chunk {
            file,
            at,
            end,
            buffer: Vec::new(),
            start: 0,
            row: Vec::new(),
        }
    }

    /// Reads the next record: its key into `key`, its row into `self.row`; false at the end.
    fn next(&mut self, key: &mut Vec<u8>) -> io::Result<bool> {
        if !self.fill(8)? {
            return Ok(false);
        }
        let head = &self.buffer[self.start..self.start + 8];
        let key_len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as usize;
        let row_len = u32::from_le_bytes(head[4..].try_into().expect("4 bytes")) as usize;
        if !self.fill(8 + key_len + row_len)? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a sorted chunk ends inside a row",
            ));
        }
        let body = self.start + 8;
        key.clear();
        key.extend_from_slice(&self.buffer[body..body + key_len]);
        self.row.clear();
        self.row
            .extend_from_slice(&self.buffer[body + key_len..body + key_len + row_len]);
        self.start = body + key_len + row_len;
        Ok(true)
    }

    /// Makes `need` bytes from `start` available in `buffer`; false when the chunk ends
    /// before them.
    fn fill(&mut self, need: usize) -> io::Result<bool> {
        if self.buffer.len() - self.start >= need {
            return Ok(true);
        }
        self.buffer.drain(..self.start);
        self.start = 0;
        let missing = need - self.buffer.len();
        let left = (self.end - self.at) as usize;
        let take = left.min(missing.max(BLOCK));
        let old = self.buffer.len();
        self.buffer.resize(old + take, 0);
        self.file.read_exact_at(&mut self.buffer[old..], self.at)?;
        self.at += take as u64;
        Ok(self.buffer.len() >= need)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of `rows` (key, row) written through spills of `limit` bytes into `files`
    /// files, merged.
    fn sorted(rows: &[(String, String)], files: usize, limit: usize) -> String {
        let mut written = Vec::new();
        for part in 0..files {
            let mut writer = SpillWriter::new(tempfile::tempfile().unwrap(), limit);
            for (key, row) in rows.iter().skip(part).step_by(files) {
                writer.push(key.as_bytes(), row.as_bytes()).unwrap();
            }
            written.push(writer.finish().unwrap());
        }
        let mut out = Vec::new();
        merge(&written, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_come_out_in_key_order_whatever_the_chunks_and_files() {
        let mut state = 7u64;
        let rows: Vec<(String, String)> = (0..5000)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let key = format!("{:016x}{i}", state >> 11);
                let row = format!("{key},{}\n", "x".repeat((state % 300) as usize));
                (key, row)
            })
            .collect();
        let mut expected = rows.clone();
        expected.sort();
        let expected: String = expected.into_iter().map(|(_, row)| row).collect();
        for (files, limit) in [(1, usize::MAX), (1, 1), (3, 4096), (8, 100_000), (16, 70_000)] {
            assert_eq!(
                sorted(&rows, files, limit),
                expected,
                "{files} files, spilling at {limit}"
            );
        }
        assert_eq!(sorted(&[], 3, 10), "");
    }

    #[test]
    fn short_keys_and_zero_bytes_sort_as_bytes_do() {
        let keys = [
            "a\0\0",
            "",
            "ab",
            "a",
            "\0",
            "a\u{1}",
            "a\0",
            "abcdefgh\0",
            "abcdefgh",
        ];
        let rows: Vec<(String, String)> = (keys.iter())
            .map(|key| (key.to_string(), format!("{key:?}\n")))
            .collect();
        let mut expected = rows.clone();
        expected.sort();
        let expected: String = expected.into_iter().map(|(_, row)| row).collect();
        for limit in [1, usize::MAX] {
            assert_eq!(sorted(&rows, 2, limit), expected);
        }
    }

    #[test]
    fn a_row_longer_than_a_block_is_read_whole() {
        let long = "y".repeat(3 * BLOCK + 5);
        let rows = vec![
            ("b".to_string(), long.clone()),
            ("a".to_string(), "short".to_string()),
        ];
        assert_eq!(sorted(&rows, 1, 1), format!("short{long}"));
    }
}
