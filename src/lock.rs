//! One regeneration of a folder at a time: an advisory lock on `.<folder>.mdl-fetch.lock`
//! beside it, so the folder itself holds only what it is for.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{fail, Error, Kind};

/// Held for as long as it lives; the OS releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// `parent/.name.mdl-fetch.lock` for `parent/name`; inside the folder when it has no name.
pub fn lock_path(dir: &Path) -> std::path::PathBuf {
    match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(name)) => parent.join(format!(".{}.mdl-fetch.lock", name.to_string_lossy())),
        _ => dir.join(".mdl-fetch.lock"),
    }
}

/// Locks `dir` (creating it), waiting up to `wait` for another mdl-fetch to finish.
pub fn lock_dir(dir: &Path, wait: Duration, quiet: bool) -> anyhow::Result<DirLock> {
    fs::create_dir_all(dir).map_err(|e| {
        Error::new(
            Kind::Output,
            format!("{}: cannot create the folder: {e}", dir.display()),
        )
    })?;
    let path = lock_path(dir);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            Error::new(
                Kind::Output,
                format!("{}: cannot open the lock: {e}", path.display()),
            )
        })?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(DirLock { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return fail(
                    Kind::Output,
                    format!("{}: cannot take the lock: {e}", path.display()),
                )
            }
        }
        if started.elapsed() >= wait {
            return fail(
                Kind::Busy,
                format!(
                    "{}: another mdl-fetch is still writing here after {}s; wait for it, or raise --lock-wait",
                    dir.display(),
                    wait.as_secs()
                ),
            );
        }
        if !told && !quiet {
            eprintln!("waiting for another mdl-fetch writing {} ...", dir.display());
            told = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
