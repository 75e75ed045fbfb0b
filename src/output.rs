//! Artifacts staged as temp files in the output folder and renamed into place only when all
//! of them are ready, so a failed run leaves the previous artifacts untouched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::NamedTempFile;

use crate::error::{Error, Kind};

/// Artifacts waiting to be committed.
pub struct Staging {
    dir: PathBuf,
    files: Vec<(NamedTempFile, String)>,
}

/// What a commit did to each artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    /// False when the file already held exactly these bytes and was left alone.
    pub changed: bool,
}

impl Staging {
    /// Prepares the output folder (creating it if needed).
    pub fn new(dir: &Path) -> anyhow::Result<Staging> {
        fs::create_dir_all(dir).map_err(|e| output_error(dir, &e))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        })
    }

    /// A temp file in the output folder, for an artifact streamed as it is made.
    pub fn temp_file(&self) -> anyhow::Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix(".mdl-fetch-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(|e| output_error(&self.dir, &e))
    }

    /// Stages a finished temp file as artifact `name`.
    pub fn add_file(&mut self, name: &str, file: NamedTempFile) {
        self.files.push((file, name.to_string()));
    }

    /// Stages `bytes` as artifact `name`.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut file = self.temp_file()?;
        file.write_all(bytes).map_err(|e| output_error(file.path(), &e))?;
        self.add_file(name, file);
        Ok(())
    }

    /// Syncs and renames every staged file into place; unchanged files keep their mtime.
    pub fn commit(self) -> anyhow::Result<Vec<Written>> {
        let mut written = Vec::with_capacity(self.files.len());
        for (file, name) in self.files {
            let target = self.dir.join(&name);
            file.as_file()
                .sync_all()
                .map_err(|e| output_error(file.path(), &e))?;
            let changed = !same_bytes(file.path(), &target)?;
            if changed {
                file.persist(&target)
                    .map_err(|e| output_error(&target, &e.error))
                    .with_context(|| format!("writing {name}"))?;
            }
            written.push(Written { name, changed });
        }
        Ok(written)
    }
}

/// True when `target` exists and holds exactly the bytes of `staged`.
fn same_bytes(staged: &Path, target: &Path) -> anyhow::Result<bool> {
    let Ok(old) = fs::metadata(target) else {
        return Ok(false);
    };
    let new = fs::metadata(staged).map_err(|e| output_error(staged, &e))?;
    if old.len() != new.len() {
        return Ok(false);
    }
    Ok(fs::read(target).ok() == Some(fs::read(staged).map_err(|e| output_error(staged, &e))?))
}

fn output_error(path: &Path, error: &std::io::Error) -> anyhow::Error {
    Error::new(
        Kind::Output,
        format!(
            "{}: cannot write: {error}; check the --out folder and free space",
            path.display()
        ),
    )
    .into()
}
