//! sha256 of files: of what a reader yields, of some bytes, of a file (what passes through
//! a writer is digested by `digest_aside`).

use std::io::Read;

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
