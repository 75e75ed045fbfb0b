//! sha256 of files: of what a reader yields, and of what passes through a writer (for
//! artifacts too large to read a second time only to digest them).

use std::io::{Read, Write};

use sha2::{Digest, Sha256};

use crate::model::table::hex;

/// The sha256 of every byte `input` yields.
pub fn digest_of(input: impl Read) -> std::io::Result<[u8; 32]> {
    let mut digest = Sha256::new();
    feed(&mut digest, input)?;
    Ok(digest.finalize().into())
}

/// Feeds every byte `input` yields to `digest` (which may have digested earlier bytes).
pub fn feed(digest: &mut Sha256, mut input: impl Read) -> std::io::Result<()> {
    std::io::copy(&mut input, digest)?;
    Ok(())
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Hex sha256 of a file's bytes.
pub fn file_sha256_hex(path: &std::path::Path) -> std::io::Result<String> {
    Ok(hex(&digest_of(std::fs::File::open(path)?)?))
}

/// Passes writes to `inner`, digesting the bytes it accepted.
pub struct DigestWriter<W> {
    inner: W,
    digest: Sha256,
}

impl<W: Write> DigestWriter<W> {
    pub fn new(inner: W) -> Self {
        DigestWriter {
            inner,
            digest: Sha256::new(),
        }
    }

    /// The destination and the sha256 of every byte written to it.
    pub fn finish(self) -> (W, [u8; 32]) {
        (self.inner, self.digest.finalize().into())
    }
}

impl<W: Write> Write for DigestWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.digest.update(&bytes[..written]);
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
    fn digests_exactly_what_was_written() {
        let mut writer = DigestWriter::new(Vec::new());
        writer.write_all(b"file,line\n").unwrap();
        std::io::copy(&mut &b"a,2\nb,3\n"[..], &mut writer).unwrap();
        let (bytes, digest) = writer.finish();
        assert_eq!(bytes, b"file,line\na,2\nb,3\n");
        assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(&bytes)));
    }
}
