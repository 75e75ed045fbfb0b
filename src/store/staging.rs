//! Artifacts staged as temp files and renamed into the output folder only when all of them
//! are ready, so a failed run leaves the previous artifacts untouched; or, for `--check`,
//! staged elsewhere and compared with the folder, which is left exactly as it was.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::{NamedTempFile, TempDir};

use super::changes::Changes;
use super::fs::{shared_temp_file, sync_dir, ARTIFACT_TEMP_PREFIX};
use crate::error::output_error;

/// The artifact that vouches for the others (`manifest.json`): renamed into place last.
pub const SEAL: &str = "manifest.json";

/// Artifacts waiting to be committed (or compared).
pub struct Staging {
    target: PathBuf,
    /// Where temp files go when they must not touch `target` (`--check`).
    scratch: Option<TempDir>,
    files: Vec<Staged>,
    /// Artifacts of earlier runs that this run does not make, removed at commit.
    retired: Vec<String>,
}

/// One staged artifact.
struct Staged {
    file: NamedTempFile,
    name: String,
    /// Hex sha256 of its bytes, when known without reading them again.
    sha256: Option<String>,
}

/// What a commit did to each artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    /// False when the file already held exactly these bytes and was left alone.
    pub changed: bool,
}

/// How a staged artifact compares with the one on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    Same,
    Missing,
    Differs(Changes),
    /// On disk from an earlier run, and not made by this one.
    Retired,
}

impl Staging {
    /// Stages into the output folder itself (creating it if needed).
    pub fn new(dir: &Path) -> anyhow::Result<Staging> {
        fs::create_dir_all(dir).map_err(|e| output_error(dir, &e))?;
        Ok(Staging {
            target: dir.to_path_buf(),
            scratch: None,
            files: Vec::new(),
            retired: Vec::new(),
        })
    }

    /// Stages in a private temp folder, for comparing with `dir` without touching it.
    pub fn detached(dir: &Path) -> anyhow::Result<Staging> {
        let scratch = tempfile::tempdir().map_err(|e| output_error(&std::env::temp_dir(), &e))?;
        Ok(Staging {
            target: dir.to_path_buf(),
            scratch: Some(scratch),
            files: Vec::new(),
            retired: Vec::new(),
        })
    }

    /// Where artifact `name` lands: the path write errors name.
    pub fn artifact_path(&self, name: &str) -> PathBuf {
        self.target.join(name)
    }

    fn temp_dir(&self) -> &Path {
        self.scratch.as_ref().map_or(&self.target, |s| s.path())
    }

    /// A temp file beside the artifacts, for artifact `name` (or a part of it) streamed as
    /// it is made; a failure names the artifact.
    pub fn temp_file(&self, name: &str) -> anyhow::Result<NamedTempFile> {
        shared_temp_file(ARTIFACT_TEMP_PREFIX)
            .tempfile_in(self.temp_dir())
            .map_err(|e| output_error(&self.artifact_path(name), &e))
    }

    /// Stages a finished temp file as artifact `name`.
    pub fn add_file(&mut self, name: &str, file: NamedTempFile) {
        self.files.push(Staged {
            file,
            name: name.to_string(),
            sha256: None,
        });
    }

    /// Stages a finished temp file whose sha256 was taken as it was written.
    pub fn add_digested_file(&mut self, name: &str, file: NamedTempFile, sha256: String) {
        self.files.push(Staged {
            file,
            name: name.to_string(),
            sha256: Some(sha256),
        });
    }

    /// Makes the commit remove artifact `name` left by an earlier run, if it is there.
    pub fn retire(&mut self, name: &str) {
        self.retired.push(name.to_string());
    }

    /// Stages `bytes` as artifact `name`.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let file = self.temp_file_of(name, bytes)?;
        self.add_file(name, file);
        Ok(())
    }

    /// Stages `bytes` as artifact `name`, with their sha256 (hex) known already.
    pub fn add_digested_bytes(&mut self, name: &str, bytes: &[u8], sha256: String) -> anyhow::Result<()> {
        let file = self.temp_file_of(name, bytes)?;
        self.add_digested_file(name, file, sha256);
        Ok(())
    }

    /// A temp file beside the artifacts holding `bytes`, for artifact `name`.
    fn temp_file_of(&self, name: &str, bytes: &[u8]) -> anyhow::Result<NamedTempFile> {
        let path = self.artifact_path(name);
        let mut file = self.temp_file(name)?;
        file.write_all(bytes).map_err(|e| output_error(&path, &e))?;
        Ok(file)
    }

    /// The staged artifacts: name, the temp file holding its bytes, and its sha256 if known.
    pub fn staged(&self) -> impl Iterator<Item = (&str, &Path, Option<&str>)> {
        self.files
            .iter()
            .map(|staged| (staged.name.as_str(), staged.file.path(), staged.sha256.as_deref()))
    }

    /// Compares every staged artifact with the folder's; reads only.
    pub fn compare(&self) -> anyhow::Result<Vec<(String, Comparison)>> {
        let mut result = Vec::new();
        for Staged { file, name, .. } in &self.files {
            let target = self.target.join(name);
            let comparison = if !target.is_file() {
                Comparison::Missing
            } else if same_bytes(file.path(), &target)? {
                Comparison::Same
            } else {
                let new = fs::read(file.path()).map_err(|e| output_error(file.path(), &e))?;
                let old = fs::read(&target).unwrap_or_default();
                Comparison::Differs(Changes::between(name, &old, &new))
            };
            result.push((name.clone(), comparison));
        }
        for name in &self.retired {
            if self.target.join(name).is_file() {
                result.push((name.clone(), Comparison::Retired));
            }
        }
        Ok(result)
    }

    /// Syncs and renames every staged file into place; unchanged files keep their mtime.
    ///
    /// `manifest.json` vouches for the other artifacts (their sha256), so it is taken away
    /// before the first of them changes and renamed into place last: a crash part way
    /// leaves each artifact a complete old or new version and no manifest, never a
    /// manifest that names bytes the folder does not hold. A signal that arrives before the
    /// renames begin (during the syncs included) leaves the folder as it was.
    pub fn commit(self) -> anyhow::Result<Vec<Written>> {
        sync_together(&self.target, &self.files)?;
        let mut plan = Vec::with_capacity(self.files.len());
        for Staged { file, name, .. } in self.files {
            let target = self.target.join(&name);
            let changed = !same_bytes(file.path(), &target)?;
            plan.push((file, name, target, changed));
        }
        let is_seal = |name: &str| name == SEAL;
        // Stable: the others keep their order, the manifest goes last.
        plan.sort_by_key(|(_, name, _, _)| is_seal(name));
        let sealed = plan.iter().any(|(_, name, _, _)| is_seal(name));
        let retired: Vec<PathBuf> = (self.retired.iter())
            .map(|name| self.target.join(name))
            .filter(|path| path.is_file())
            .collect();
        crate::test_hooks::pause("MDL_FETCH_TEST_SYNCED_PAUSE_MS");
        crate::interrupt::while_committing("the artifacts are unchanged", || {
            rename_into_place(&self.target, plan, sealed, &retired)
        })
    }
}

/// The commit's renames: the manifest taken away first when anything else changes, the
/// retired artifacts removed, then each changed file renamed into place, the manifest last
/// (and always once it was taken away, even when the old one held the same bytes).
fn rename_into_place(
    dir: &Path,
    plan: Vec<(NamedTempFile, String, PathBuf, bool)>,
    sealed: bool,
    retired: &[PathBuf],
) -> anyhow::Result<Vec<Written>> {
    let is_seal = |name: &str| name == SEAL;
    let others_change = plan
        .iter()
        .any(|(_, name, _, changed)| *changed && !is_seal(name));
    let unsealed = sealed && (!retired.is_empty() || others_change);
    if unsealed {
        take_away_seal(dir)?;
    }
    for path in retired {
        match fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(output_error(path, &e)),
            _ => {}
        }
    }
    let mut written = Vec::with_capacity(plan.len());
    for (file, name, target, changed) in plan {
        let changed = changed || (unsealed && is_seal(&name));
        if changed {
            file.persist(&target)
                .map_err(|e| output_error(&target, &e.error))
                .with_context(|| format!("writing {name}"))?;
            crate::test_hooks::pause("MDL_FETCH_TEST_COMMIT_PAUSE_MS");
        }
        written.push(Written { name, changed });
    }
    sync_dir(dir);
    Ok(written)
}

/// Removes the folder's manifest before the artifacts it vouches for change.
fn take_away_seal(dir: &Path) -> anyhow::Result<()> {
    let seal = dir.join(SEAL);
    match fs::remove_file(&seal) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(output_error(&seal, &e)),
        _ => {
            sync_dir(dir);
            Ok(())
        }
    }
}

/// Syncs the staged files to disk at once, a thread each: a journalling file system then
/// commits them together instead of one after another. The first failure in order wins.
fn sync_together(dir: &Path, files: &[Staged]) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let syncs: Vec<_> = (files.iter())
            .map(|staged| scope.spawn(move || staged.file.as_file().sync_all()))
            .collect();
        for (staged, sync) in files.iter().zip(syncs) {
            match sync.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(output_error(&dir.join(&staged.name), &e)),
                Err(_) => {
                    return Err(anyhow::anyhow!(
                        "{}: syncing it failed",
                        staged.file.path().display()
                    ))
                }
            }
        }
        Ok(())
    })
}

/// True when `target` exists and holds exactly the bytes of `staged` (compared in chunks).
fn same_bytes(staged: &Path, target: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let Ok(old) = fs::metadata(target) else {
        return Ok(false);
    };
    let new = fs::metadata(staged).map_err(|e| output_error(staged, &e))?;
    if old.len() != new.len() {
        return Ok(false);
    }
    let (Ok(mut a), Ok(mut b)) = (fs::File::open(staged), fs::File::open(target)) else {
        return Ok(false);
    };
    let (mut buf_a, mut buf_b) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let read = a.read(&mut buf_a).map_err(|e| output_error(staged, &e))?;
        if read == 0 {
            return Ok(true);
        }
        if b.read_exact(&mut buf_b[..read]).is_err() || buf_a[..read] != buf_b[..read] {
            return Ok(false);
        }
    }
}
