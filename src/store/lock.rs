//! One regeneration of a folder at a time: an advisory lock on `.<folder>.mdl-fetch.lock`
//! beside it, so the folder itself holds only what it is for. A lock leaves nothing behind
//! that it made: its lock file, and the folders it created if the run left them empty.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{fail, Error, Kind};

/// Held for as long as it lives; the OS releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    made: Made,
}

/// What this process holds locked, for `sweep_locked_dirs`: each folder, with the lock
/// file and the folders taking its lock made.
static LOCKED: Mutex<Vec<Made>> = Mutex::new(Vec::new());

/// A locked folder, and what taking its lock made.
#[derive(Clone, Debug)]
struct Made {
    dir: PathBuf,
    /// The lock file, when this lock created it: removed (still locked) on release.
    file: Option<PathBuf>,
    /// The folders taking the lock created, deepest first: removed on release if empty.
    dirs: Vec<PathBuf>,
}

impl Made {
    /// Removes the lock file and, if the run left them empty, the folders. The lock file
    /// goes while still held: a process waiting on it finds it gone once it gets the lock,
    /// and starts over with a new one (see `lock_dir`).
    fn remove(&self) {
        if let Some(path) = &self.file {
            let _ = fs::remove_file(path);
        }
        remove_empty_folders(&self.dirs);
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let mut locked = LOCKED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = locked.iter().position(|made| made.dir == self.made.dir) {
            locked.remove(at);
        }
        self.made.remove();
    }
}

/// Removes `dirs` (deepest first) while they are empty: a folder with anything in it stays,
/// and so does every folder above it.
fn remove_empty_folders(dirs: &[PathBuf]) {
    for dir in dirs {
        if fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// Removes this process's temp files from every folder it holds locked, then what taking
/// the locks made (as dropping them would): for an exit that skips destructors (the
/// interrupt watchdog), so that it too leaves no temp file, lock file or empty folder.
pub fn sweep_locked_dirs() {
    let locked = LOCKED.lock().unwrap_or_else(|e| e.into_inner());
    for made in locked.iter().rev() {
        sweep_temp_files(&made.dir);
        made.remove();
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
    let deadline = Instant::now() + wait;
    let mut told = false;
    let mut made_dirs = Vec::new();
    loop {
        for missing in missing_folders(dir) {
            if !made_dirs.contains(&missing) {
                made_dirs.push(missing);
            }
        }
        // Deepest first, as `missing_folders` lists each attempt's.
        made_dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
        let (file, canonical, made_file) = match try_lock_dir(dir, deadline, wait, quiet, &mut told) {
            Ok(Some(attempt)) => attempt,
            // The holder removed the folder or the lock file as it finished: start over.
            Ok(None) => continue,
            Err(e) => {
                remove_empty_folders(&made_dirs);
                return Err(e);
            }
        };
        sweep_temp_files(&canonical);
        let made = Made {
            dir: canonical,
            file: made_file,
            dirs: made_dirs,
        };
        LOCKED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(made.clone());
        return Ok(DirLock { _file: file, made });
    }
}

/// One attempt at the lock: the folder created, its lock file opened (or created) and
/// locked. `None` when what was locked is no longer the folder's lock file, because the
/// process that held it removed it as it finished.
fn try_lock_dir(
    dir: &Path,
    deadline: Instant,
    wait: Duration,
    quiet: bool,
    told: &mut bool,
) -> anyhow::Result<Option<(File, PathBuf, Option<PathBuf>)>> {
    fs::create_dir_all(dir).map_err(|e| output_error(dir, "cannot create the folder", e))?;
    // Locked and swept by its real path: `out`, `./out`, its absolute path and a symlink to
    // it are one folder, with one lock.
    let canonical = match fs::canonicalize(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        result => result.map_err(|e| output_error(dir, "cannot resolve the folder's path", e))?,
    };
    let path = lock_path(&canonical);
    let (file, made) = match open_lock_file(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        result => result.map_err(|e| output_error(&path, "cannot open the lock", e))?,
    };
    wait_for_lock(&file, &canonical, &path, (deadline, wait), quiet, told)?;
    if !still_names(&path, &file) || !canonical.is_dir() {
        return Ok(None);
    }
    Ok(Some((file, canonical, made.then_some(path))))
}

/// The lock file at `path`, and whether this call created it.
fn open_lock_file(path: &Path) -> std::io::Result<(File, bool)> {
    let mut options = OpenOptions::new();
    options.write(true).truncate(false);
    match options.clone().create_new(true).open(path) {
        Ok(file) => Ok((file, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((options.open(path)?, false)),
        Err(e) => Err(e),
    }
}

/// Whether `path` is still the file `file` has open (not removed, nor replaced).
fn still_names(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(path), file.metadata()) {
            (Ok(named), Ok(open)) => named.dev() == open.dev() && named.ino() == open.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.is_file()
    }
}

/// The folders `create_dir_all(dir)` would create: `dir` and its missing ancestors,
/// deepest first.
fn missing_folders(dir: &Path) -> Vec<PathBuf> {
    (dir.ancestors())
        .take_while(|folder| !folder.as_os_str().is_empty() && fs::symlink_metadata(folder).is_err())
        .map(Path::to_path_buf)
        .collect()
}

/// Takes the lock on `file` (at `path`, for `dir`), trying every 50 ms until the deadline
/// (`wait` after the first attempt), and saying once that it waits unless `quiet`.
fn wait_for_lock(
    file: &File,
    dir: &Path,
    path: &Path,
    (deadline, wait): (Instant, Duration),
    quiet: bool,
    told: &mut bool,
) -> anyhow::Result<()> {
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(output_error(path, "cannot take the lock", e).into()),
        }
        if Instant::now() >= deadline {
            return fail(
                Kind::Busy,
                format!(
                    "{}: another mdl-fetch is still writing here after {}s; wait for it, or raise --lock-wait",
                    dir.display(),
                    wait.as_secs()
                ),
            );
        }
        if !*told && !quiet {
            eprintln!("waiting for another mdl-fetch writing {} ...", dir.display());
            *told = true;
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
        fs::create_dir(&dir).unwrap();
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

    #[test]
    fn a_lock_removes_what_it_made_and_the_run_left_empty() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("out/a/b");
        let lock = lock_dir(&deep, Duration::ZERO, true).unwrap();
        assert!(lock_path(&deep).is_file());
        drop(lock);
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            0,
            "out/ and its lock removed"
        );
        // A folder that existed stays, and so does one the run wrote into (and those above).
        fs::create_dir_all(root.path().join("kept")).unwrap();
        let lock = lock_dir(&root.path().join("kept"), Duration::ZERO, true).unwrap();
        drop(lock);
        assert!(root.path().join("kept").is_dir());
        let lock = lock_dir(&deep, Duration::ZERO, true).unwrap();
        fs::write(deep.join("mdl-table.md"), "x").unwrap();
        drop(lock);
        assert!(deep.join("mdl-table.md").is_file());
        assert!(!lock_path(&deep).exists(), "the lock file it made is removed");
        // A lock file that was there before is left as it was.
        fs::write(lock_path(&deep), "").unwrap();
        drop(lock_dir(&deep, Duration::ZERO, true).unwrap());
        assert!(lock_path(&deep).is_file());
    }

    #[test]
    fn a_waiter_whose_lock_file_was_removed_starts_over_with_a_new_one() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let first = lock_dir(&dir, Duration::ZERO, true).unwrap();
        let waiter = {
            let dir = dir.clone();
            std::thread::spawn(move || lock_dir(&dir, Duration::from_secs(10), true))
        };
        std::thread::sleep(Duration::from_millis(200));
        // Releasing removes the folder and the lock file the waiter has open.
        drop(first);
        let second = waiter.join().unwrap().unwrap();
        assert!(dir.is_dir() && lock_path(&dir).is_file(), "made again");
        // The waiter holds the file now at the lock's path: a third process must wait.
        let error = lock_dir(&dir, Duration::ZERO, true).unwrap_err();
        assert_eq!(crate::error::exit_code_of(&error), 11);
        drop(second);
        assert!(!dir.exists() && !lock_path(&dir).exists());
    }
}
