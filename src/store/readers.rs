//! Readers of a cache folder against the fetch that replaces it. Every `--offline` run
//! holds `.readers.mdl-fetch.lock` in the folder shared, from before it reads the cache
//! manifest until it has read the layer files it names. A fetch's commit, once it has
//! swapped in the new manifest, removes the files no manifest names only if it can lock
//! that file exclusively at once; otherwise it leaves them, and a later commit removes
//! them. So a reader sees the old cache or the new one, never a mix, and the fetch never
//! waits for a reader (it holds the folder's own lock, beside it, which readers never take).
//! `--incremental` reads the old cache under that folder lock, not this one, so its own
//! commit never finds itself in the way.
//!
//! The lock file stays in the folder: it is not a cache file, and nothing lists it as one.
//! Removing it would let a reader lock a file a fetch no longer looks at.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// The reader lock's file name in a cache folder.
pub const READERS_LOCK: &str = ".readers.mdl-fetch.lock";

/// A shared hold on a cache folder's reader lock, released when dropped; or none, when
/// the folder has no lock file and this reader may not create one.
#[derive(Debug)]
pub struct ReaderLock {
    _file: Option<File>,
}

/// Takes `dir`'s reader lock shared, waiting only while a commit removes old files (an
/// exclusive hold, taken without waiting and kept for a few removals). With `create`, a
/// missing lock file is created; without it (`--check`, which writes nothing), or when it
/// cannot be created (a read-only cache), the read goes unlocked: every fetch's commit
/// creates the file, so only a cache no fetch of this version has written lacks it.
pub fn lock_for_reading(dir: &Path, create: bool) -> ReaderLock {
    let path = dir.join(READERS_LOCK);
    let file = File::open(&path).ok().or_else(|| match create {
        true => OpenOptions::new().append(true).create(true).open(&path).ok(),
        false => None,
    });
    // A file system without locks (some network mounts) reads unlocked, as before.
    let file = file.filter(|file| file.lock_shared().is_ok());
    ReaderLock { _file: file }
}

/// Whether no reader holds `dir`'s reader lock now; if so, `while_unread` runs with it held
/// exclusively (readers wait that long), else not at all. Never waits.
pub fn when_unread(dir: &Path, while_unread: impl FnOnce()) -> bool {
    let path = dir.join(READERS_LOCK);
    let Ok(file) = OpenOptions::new().append(true).create(true).open(&path) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            while_unread();
            true
        }
        Err(TryLockError::WouldBlock | TryLockError::Error(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_holds_off_the_removal_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let reader = lock_for_reading(dir.path(), true);
        assert!(!when_unread(dir.path(), || panic!("ran under a reader")));
        drop(reader);
        let mut ran = false;
        assert!(when_unread(dir.path(), || ran = true));
        assert!(ran);
    }

    #[test]
    fn a_reader_that_may_not_create_the_lock_file_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let _reader = lock_for_reading(dir.path(), false);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(when_unread(dir.path(), || ()));
        // Once the file exists, a reader that may not create it still locks it.
        let _reader = lock_for_reading(dir.path(), false);
        assert!(!when_unread(dir.path(), || ()));
    }
}
