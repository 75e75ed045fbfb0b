//! Finds the run folders under a `--runs-dir`: every `run-<date>_<time>-<id>` and
//! `offline-run-...` folder at any depth, not looking inside them. Symlinked folders (the
//! SDK's `wandb/latest-run`) are followed after the real ones, each real folder walked and
//! each run folder taken once, so `latest-run` adds nothing the walk already found and a
//! symlink loop ends where it started. A folder that cannot be listed is a problem, not an
//! abort.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::folder::run_id;

/// A run folder found: where (as walked, and under the runs folder) and its run id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// Its path under the runs folder given (empty when that is the run folder).
    pub relative: PathBuf,
    pub id: String,
}

/// The run folders under `root` in path order, and the folders that could not be listed;
/// `Err` when `root` itself is no folder that can be read.
pub fn run_folders(root: &Path) -> Result<(Vec<Found>, Vec<String>), std::io::Error> {
    let canonical = std::fs::canonicalize(root)?;
    if !canonical.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            "not a folder",
        ));
    }
    let mut walk = Walk::default();
    // A runs folder that is itself a run folder (`wandb/latest-run`, `wandb/run-...`).
    let name = canonical
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    if let Some(id) = name.as_deref().and_then(run_id) {
        walk.found.push(Found {
            path: root.to_path_buf(),
            relative: PathBuf::new(),
            id: id.to_string(),
        });
        return Ok((walk.found, walk.problems));
    }
    walk.folders.insert(canonical.clone());
    walk.dir(root, Path::new(""), &canonical);
    while let Some((path, relative)) = walk.links.pop() {
        let Ok(target) = std::fs::canonicalize(&path) else {
            continue; // a dangling link
        };
        if target.is_dir() {
            walk.enter(path, relative, target);
        }
    }
    walk.found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok((walk.found, walk.problems))
}

#[derive(Default)]
struct Walk {
    found: Vec<Found>,
    problems: Vec<String>,
    /// Real paths of the folders walked and the run folders found.
    folders: HashSet<PathBuf>,
    /// Symlinks met, followed once the real folders are walked.
    links: Vec<(PathBuf, PathBuf)>,
}

impl Walk {
    /// Walks the folder `path` (`relative` under the root, real path `canonical`).
    fn dir(&mut self, path: &Path, relative: &Path, canonical: &Path) {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => {
                self.problems
                    .push(format!("{}: cannot list the folder: {e}", path.display()));
                return;
            }
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|entry| entry.file_name());
        let mut links = Vec::new();
        for entry in entries {
            let Ok(kind) = entry.file_type() else { continue };
            let name = entry.file_name();
            let (path, relative) = (entry.path(), relative.join(&name));
            match (kind.is_dir(), kind.is_symlink()) {
                (true, _) => self.enter(path, relative, canonical.join(&name)),
                (false, true) => links.push((path, relative)),
                _ => {}
            }
        }
        // Last in, first out: links are followed in name order.
        self.links.extend(links.into_iter().rev());
    }

    /// Takes the folder at `path` as a run folder, or walks it; once per real path.
    fn enter(&mut self, path: PathBuf, relative: PathBuf, canonical: PathBuf) {
        if !self.folders.insert(canonical.clone()) {
            return;
        }
        let name = canonical.file_name().map(|n| n.to_string_lossy().into_owned());
        match name.as_deref().and_then(run_id) {
            Some(id) => self.found.push(Found {
                id: id.to_string(),
                path,
                relative,
            }),
            None => self.dir(&path, &relative, &canonical),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(root: &Path, relative: &str) {
        std::fs::create_dir_all(root.join(relative)).unwrap();
    }

    fn relatives(root: &Path) -> Vec<String> {
        let (found, _) = run_folders(root).unwrap();
        found.iter().map(|f| f.relative.display().to_string()).collect()
    }

    #[test]
    fn run_folders_at_any_depth_each_once_with_latest_run_and_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        folder(root, "wandb/run-20250101_120000-abc123de/files");
        folder(root, "wandb/offline-run-20250102_080000-zz9y8x7w/files");
        folder(root, "exp/a/b/wandb/run-20250103_000000-deep0001");
        folder(root, "wandb/run-notadate-xyz"); // not a run folder, walked into
        folder(root, "wandb/files");
        std::os::unix::fs::symlink("run-20250101_120000-abc123de", root.join("wandb/latest-run")).unwrap();
        std::os::unix::fs::symlink("..", root.join("exp/a/up")).unwrap(); // a loop
        std::os::unix::fs::symlink("nowhere", root.join("exp/dangling")).unwrap();
        assert_eq!(
            relatives(root),
            [
                "exp/a/b/wandb/run-20250103_000000-deep0001",
                "wandb/offline-run-20250102_080000-zz9y8x7w",
                "wandb/run-20250101_120000-abc123de",
            ]
        );
        // The runs folder given as `latest-run` is that one run folder.
        let (found, _) = run_folders(&root.join("wandb/latest-run")).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "abc123de");
        assert!(run_folders(&root.join("missing")).is_err());
    }

    #[test]
    fn a_run_folder_reached_only_through_a_link_is_found() {
        let dir = tempfile::tempdir().unwrap();
        folder(dir.path(), "elsewhere/run-20250101_120000-linked01");
        folder(dir.path(), "wandb");
        std::os::unix::fs::symlink(
            "../elsewhere/run-20250101_120000-linked01",
            dir.path().join("wandb/latest-run"),
        )
        .unwrap();
        assert_eq!(relatives(&dir.path().join("wandb")), ["latest-run"]);
    }

    #[test]
    fn the_run_id_is_what_follows_the_date_and_time() {
        assert_eq!(run_id("run-20250101_120000-abc123de"), Some("abc123de"));
        assert_eq!(run_id("offline-run-20250101_120000-my-run-1"), Some("my-run-1"));
        for name in [
            "run-2025_120000-abc",
            "run-20250101_120000-",
            "latest-run",
            "files",
            "run-20250101-120000-abc",
        ] {
            assert_eq!(run_id(name), None, "{name}");
        }
    }
}
