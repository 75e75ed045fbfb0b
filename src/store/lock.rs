//! One regeneration of a folder at a time: an advisory lock on `.<folder>.mdl-fetch.lock`
//! beside it, so the folder itself holds only what it is for.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{fail, Error, Kind};

/// Held for as long as it lives; the OS releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    dir: PathBuf,
}

/// The folders this process holds locks on, for `sweep_locked_dirs`.
static LOCKED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

impl Drop for DirLock {
    fn drop(&mut self) {
        let mut locked = LOCKED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = locked.iter().position(|dir| *dir == self.dir) {
            locked.remove(at);
        }
    }
}

/// Removes this process's temp files from every folder it holds locked: for an exit that
/// skips destructors (the interrupt watchdog), so that it too leaves no temp file.
pub fn sweep_locked_dirs() {
    let locked = LOCKED.lock().unwrap_or_else(|e| e.into_inner());
    for dir in locked.iter() {
        sweep_temp_files(dir);
    }
}

/// Removes temp files a killed run left in `dir`. Only the lock's holder writes temp files
/// there, so once it is ours every one of them is stale (best effort).
fn sweep_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = super::fs::is_temp_name(&name);
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `parent/.name.mdl-fetch.lock` for `parent/name`; inside the folder when it has no name.
pub fn lock_path(dir: &Path) -> std::path::PathBuf {
    match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(name)) => parent.join(format!(".{}.mdl-fetch.lock", name.to_string_lossy())),
        _ => dir.join(".mdl-fetch.lock"),
    }
}

/// Locks `dir` (creating it), waiting up to `wait` for another mdl-fetch to finish; the
/// lock belongs to the folder's canonical path, however `dir` spells it.
pub fn lock_dir(dir: &Path, wait: Duration, quiet: bool) -> anyhow::Result<DirLock> {
    fs::create_dir_all(dir).map_err(|e| output_error(dir, "cannot create the folder", e))?;
    // Locked and swept by its real path: `out`, `./out`, its absolute path and a symlink to
    // it are one folder, with one lock.
    let canonical =
        fs::canonicalize(dir).map_err(|e| output_error(dir, "cannot resolve the folder's path", e))?;
    let dir = canonical.as_path();
    let path = lock_path(dir);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| output_error(&path, "cannot open the lock", e))?;
    wait_for_lock(&file, dir, &path, wait, quiet)?;
    sweep_temp_files(dir);
    let dir = dir.to_path_buf();
    LOCKED.lock().unwrap_or_else(|e| e.into_inner()).push(dir.clone());
    Ok(DirLock { _file: file, dir })
}

/// Takes the lock on `file` (at `path`, for `dir`), trying every 50 ms for up to `wait`, and
/// saying once that it waits unless `quiet`.
fn wait_for_lock(file: &File, dir: &Path, path: &Path, wait: Duration, quiet: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(output_error(path, "cannot take the lock", e).into()),
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

/// `path: what: error`, an output failure.
fn output_error(path: &Path, what: &str, error: std::io::Error) -> Error {
    Error::new(Kind::Output, format!("{}: {what}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_folder_takes_the_same_lock() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cout");
        let held = lock_dir(&dir, Duration::ZERO, true).unwrap();
        std::os::unix::fs::symlink(&dir, root.path().join("clink")).unwrap();
        fs::create_dir_all(root.path().join("sub")).unwrap();
        for spelling in [
            root.path().join("clink"),
            root.path().join("sub/../cout"),
            root.path().join("./cout/"),
        ] {
            let error = lock_dir(&spelling, Duration::ZERO, true).unwrap_err();
            assert_eq!(crate::error::exit_code_of(&error), 11, "{}", spelling.display());
        }
        drop(held);
        lock_dir(&root.path().join("clink"), Duration::ZERO, true).unwrap();
    }

    #[test]
    fn a_held_lock_is_waited_for_then_refused_as_busy() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let _held = lock_dir(&dir, Duration::ZERO, true).unwrap();
        let started = Instant::now();
        let error = lock_dir(&dir, Duration::from_millis(120), true).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(120));
        assert_eq!(crate::error::exit_code_of(&error), 11);
        let canonical = fs::canonicalize(&dir).unwrap();
        assert_eq!(
            error.to_string(),
            format!(
                "{}: another mdl-fetch is still writing here after 0s; wait for it, or raise --lock-wait",
                canonical.display()
            )
        );
        let file = root.path().join("file");
        fs::write(&file, "x").unwrap();
        let error = lock_dir(&file.join("out"), Duration::ZERO, true).unwrap_err();
        assert!(
            error.to_string().contains(": cannot create the folder: "),
            "{error}"
        );
    }

    #[test]
    fn taking_the_lock_sweeps_only_our_stale_temp_files() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir_all(&dir).unwrap();
        let stale = [".mdl-fetch-abc123.tmp", ".fetch-XyZ789.tmp"];
        let kept = ["mdl-table.md", ".fetch-notes.txt", "runs.tmp", ".other.tmp"];
        for name in stale.iter().chain(&kept) {
            fs::write(dir.join(name), "x").unwrap();
        }
        let _lock = lock_dir(&dir, Duration::ZERO, true).unwrap();
        for name in stale {
            assert!(!dir.join(name).exists(), "{name} swept");
        }
        for name in kept {
            assert!(dir.join(name).exists(), "{name} kept");
        }
    }
}
