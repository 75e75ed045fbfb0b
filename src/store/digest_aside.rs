//! sha256 of what passes through a writer, digested beside it on a thread of its own: for
//! the large files written while the other cores have nothing to do (a fetched layer's
//! cache file, runs.csv), whose digest would otherwise take a third of their writing.

use std::io::Write;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

/// The bytes handed to the digesting thread at a time.
const CHUNK_BYTES: usize = 256 << 10;

/// Chunks the digesting thread may hold unread before a write waits for it.
const CHUNKS_AHEAD: usize = 4;

/// Where the bytes go to be digested: a thread, or (when no thread could be had) here.
enum Digester {
    Aside {
        chunks: SyncSender<Vec<u8>>,
        thread: JoinHandle<[u8; 32]>,
    },
    Here(Sha256),
}

/// Passes writes to `inner`; the bytes it accepted are digested on a thread of its own.
pub struct DigestAsideWriter<W> {
    inner: W,
    /// Accepted bytes not yet handed over.
    chunk: Vec<u8>,
    digester: Digester,
}

impl<W: Write> DigestAsideWriter<W> {
    pub fn new(inner: W) -> Self {
        let (chunks, received) = sync_channel::<Vec<u8>>(CHUNKS_AHEAD);
        let thread = std::thread::Builder::new().spawn(move || {
            let mut digest = Sha256::new();
            for chunk in received {
                digest.update(&chunk);
            }
            digest.finalize().into()
        });
        let digester = match thread {
            Ok(thread) => Digester::Aside { chunks, thread },
            Err(_) => Digester::Here(Sha256::new()),
        };
        DigestAsideWriter {
            inner,
            chunk: Vec::with_capacity(CHUNK_BYTES),
            digester,
        }
    }

    /// Hands the bytes held to the digester.
    fn hand_over(&mut self) {
        match &mut self.digester {
            Digester::Aside { chunks, .. } => {
                let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK_BYTES));
                // The thread only stops when the sender is dropped, in `finish`.
                let _ = chunks.send(full);
            }
            Digester::Here(digest) => {
                digest.update(&self.chunk);
                self.chunk.clear();
            }
        }
    }

    /// The destination and the sha256 of every byte written to it.
    pub fn finish(mut self) -> (W, [u8; 32]) {
        self.hand_over();
        let digest = match self.digester {
            Digester::Aside { chunks, thread } => {
                drop(chunks);
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }
            Digester::Here(digest) => digest.finalize().into(),
        };
        (self.inner, digest)
    }
}

impl<W: Write> Write for DigestAsideWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.chunk.extend_from_slice(&bytes[..written]);
        if self.chunk.len() >= CHUNK_BYTES {
            self.hand_over();
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_exactly_what_was_written_across_many_chunks() {
        let mut writer = DigestAsideWriter::new(Vec::new());
        let line: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for _ in 0..(3 * CHUNK_BYTES / line.len() + 7) {
            writer.write_all(&line).unwrap();
        }
        writer.write_all(b"the end").unwrap();
        let (bytes, digest) = writer.finish();
        assert!(bytes.len() > 3 * CHUNK_BYTES);
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(&bytes)));
    }

    #[test]
    fn an_empty_file_has_the_empty_digest() {
        let (bytes, digest) = DigestAsideWriter::new(Vec::new()).finish();
        assert!(bytes.is_empty());
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(b"")));
    }
}
