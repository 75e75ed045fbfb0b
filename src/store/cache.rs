//! The fetch cache: W&B-style CSV exports plus a manifest, replaced atomically as a whole.
//!
//! A fetch writes each layer to a new file named by its content (`layer-6-<sha>.csv`),
//! then atomically replaces `cache-manifest.json`, which names the current files, then
//! removes files no manifest names, unless an `--offline` run is reading them (`readers`).
//! A crash at any point leaves a complete, readable set. A fetch of some layers replaces
//! those and keeps the others the cache held (from the same host), each layer with the
//! time it was fetched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tempfile::NamedTempFile;

use crate::config::export_spec::ExportSpec;
use crate::error::{fail, Error, Kind};
use crate::model::project::{ui_of_api, ProjectRef};

pub const MANIFEST: &str = "cache-manifest.json";

/// What the cache holds and where it came from; never the key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CacheManifest {
    pub tool: String,
    pub fetched_at: String,
    pub host: String,
    pub entity: String,
    pub project: String,
    /// The web app's address, for run pages (older caches: made from `host`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub web: String,
    pub layers: Vec<CachedLayer>,
}

impl CacheManifest {
    /// The project the cache's runs are in, with the address of their pages.
    pub fn project_ref(&self) -> ProjectRef {
        let web = match self.web.is_empty() {
            true => ui_of_api(&self.host),
            false => self.web.clone(),
        };
        ProjectRef {
            entity: Some(self.entity.clone()),
            project: self.project.clone(),
            ui: Some(web),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CachedLayer {
    pub layer: i64,
    pub file: String,
    /// The server-side filter the runs were fetched with.
    pub filters: String,
    /// Runs received (after removing duplicates).
    pub runs: u64,
    /// What the server's `runCount` said.
    pub run_count: u64,
    /// Runs kept from the previous cache by `--incremental`.
    #[serde(default)]
    pub reused: u64,
    /// W&B time (`2025-03-27T13:59:12`) before which every change the server made to the
    /// layer's runs is in the file (see `fetch::paging::watermark`); `--incremental` fetches again
    /// the runs updated since (less a margin). `None` from older versions, or when no run had an `updatedAt`.
    #[serde(default)]
    pub watermark: Option<String>,
    pub sha256: String,
    /// When the layer was fetched (RFC 3339, UTC); `None` from older versions, whose
    /// layers were all fetched at the manifest's `fetched_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
}

/// The folder of one entity/project: `<root>/<entity>/<project>`; names must be plain.
pub fn project_dir(root: &Path, entity: &str, project: &str) -> anyhow::Result<PathBuf> {
    for (what, name) in [("entity", entity), ("project", project)] {
        let plain = !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
        if !plain {
            return fail(Kind::Usage, format!("{what} {name:?} cannot name a cache folder"));
        }
    }
    Ok(root.join(entity).join(project))
}

/// The cache folder to replay: the entity's, or the only one the project has.
pub fn find(root: &Path, entity: Option<&str>, project: &str) -> anyhow::Result<Option<PathBuf>> {
    if let Some(entity) = entity {
        let dir = project_dir(root, entity, project)?;
        return Ok(dir.join(MANIFEST).is_file().then_some(dir));
    }
    let Ok(entries) = fs::read_dir(root) else {
        return Ok(None);
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path().join(project))
        .filter(|dir| dir.join(MANIFEST).is_file())
        .collect();
    found.sort();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => fail(
            Kind::Usage,
            format!(
                "{} entities have a cache of project {project:?} under {}; pick one with --entity",
                found.len(),
                root.display()
            ),
        ),
    }
}

/// Reads a cache's manifest and lists its exports in layer order.
pub fn load(dir: &Path) -> anyhow::Result<(CacheManifest, Vec<ExportSpec>)> {
    let path = dir.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|e| {
        Error::new(
            Kind::Input,
            format!("{}: cannot read the cache manifest: {e}", path.display()),
        )
    })?;
    let manifest: CacheManifest = serde_json::from_str(&text).map_err(|e| {
        Error::new(
            Kind::Input,
            format!(
                "{}: damaged cache manifest ({e}); delete the folder and fetch again",
                path.display()
            ),
        )
    })?;
    let project = std::sync::Arc::new(manifest.project_ref());
    let exports = manifest
        .layers
        .iter()
        .map(|layer| ExportSpec {
            layer: Some(layer.layer),
            path: dir.join(&layer.file),
            label: None,
            project: Some(std::sync::Arc::clone(&project)),
        })
        .collect();
    Ok((manifest, exports))
}

/// The name of a layer's export in the cache: named by its content.
pub fn file_name(layer: i64, sha256: &str) -> String {
    format!("layer-{layer}-{}.csv", &sha256[..12])
}

/// How runs.csv names a cached layer's export (`cache/E/P/layer-6-*.csv` for
/// `cache/E/P/layer-6-0123456789ab.csv`): without the content hash, which every fetch that
/// changes the layer changes, so a new run does not change every row of its layer. `None`
/// for a file not named as the cache names them.
pub fn runs_csv_name(label: &str) -> Option<String> {
    let (folder, name) = label.rsplit_once('/').unwrap_or(("", label));
    let (layer, hash) = name
        .strip_prefix("layer-")?
        .strip_suffix(".csv")?
        .rsplit_once('-')?;
    let hashed = hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    if !hashed || layer.parse::<i64>().is_err() {
        return None;
    }
    Some(match folder {
        "" => format!("layer-{layer}-*.csv"),
        folder => format!("{folder}/layer-{layer}-*.csv"),
    })
}

/// Where a fetch writes the cache, and how messages and artifacts name its files: the same
/// folder, except under `--check`, which writes a throwaway stand-in named as the real one.
#[derive(Debug, Clone)]
pub struct CacheSite {
    /// Where the files go.
    pub root: PathBuf,
    /// The cache root they are named under.
    pub shown: PathBuf,
}

impl CacheSite {
    /// The cache root itself.
    pub fn real(root: &Path) -> CacheSite {
        CacheSite {
            root: root.to_path_buf(),
            shown: root.to_path_buf(),
        }
    }

    /// `stand_in`, whose files are named as if they were under `shown`.
    pub fn stand_in(stand_in: &Path, shown: &Path) -> CacheSite {
        CacheSite {
            root: stand_in.to_path_buf(),
            shown: shown.to_path_buf(),
        }
    }

    /// How messages and artifacts name the cache file at `path`: the one place an export's
    /// label is made.
    pub fn label(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        self.shown.join(relative).display().to_string()
    }
}

/// A layer's export being written, to be committed with the others.
pub struct StagedLayer {
    pub file: NamedTempFile,
    pub layer: i64,
    pub filters: String,
    pub runs: u64,
    pub run_count: u64,
    pub reused: u64,
    /// See `CachedLayer::watermark`.
    pub watermark: Option<String>,
    /// Hex sha256 of the file, taken as it was written.
    pub sha256: String,
}

/// A temp file in the cache folder (created if needed) for one layer's export.
pub fn temp_file(dir: &Path) -> anyhow::Result<NamedTempFile> {
    fs::create_dir_all(dir).map_err(|e| cache_error(dir, &e))?;
    super::fs::shared_temp_file(super::fs::CACHE_TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| cache_error(dir, &e))
}

/// Puts the staged layers in place, swaps the manifest (with `keep_others`, keeping the
/// layers of the previous one that were not fetched again, when it is of the same host),
/// drops what it no longer names.
pub fn commit(
    dir: &Path,
    mut manifest: CacheManifest,
    staged: Vec<StagedLayer>,
    keep_others: bool,
) -> anyhow::Result<(CacheManifest, Vec<ExportSpec>)> {
    manifest.layers = match keep_others {
        true => kept_layers(dir, &manifest, &staged),
        false => Vec::new(),
    };
    for layer in &staged {
        let file = layer.file.as_file();
        file.sync_all().map_err(|e| cache_error(layer.file.path(), &e))?;
    }
    crate::interrupt::while_committing("the cache and artifacts are unchanged", || {
        rename_into_place(dir, &mut manifest, staged)
    })?;
    // An `--offline` run may still be reading the files the old manifest named: they stay
    // until a commit finds no reader (see `readers`).
    super::readers::when_unread(dir, || remove_unnamed(dir, &manifest));
    load(dir)
}

/// Renames each synced layer file into place, then writes and swaps in the manifest.
fn rename_into_place(
    dir: &Path,
    manifest: &mut CacheManifest,
    staged: Vec<StagedLayer>,
) -> anyhow::Result<()> {
    for layer in staged {
        let sha256 = layer.sha256;
        let file = file_name(layer.layer, &sha256);
        let target = dir.join(&file);
        layer
            .file
            .persist(&target)
            .map_err(|e| cache_error(&target, &e.error))?;
        manifest.layers.push(CachedLayer {
            layer: layer.layer,
            file,
            filters: layer.filters,
            runs: layer.runs,
            run_count: layer.run_count,
            reused: layer.reused,
            watermark: layer.watermark,
            sha256,
            fetched_at: Some(manifest.fetched_at.clone()),
        });
    }
    manifest.layers.sort_by_key(|layer| layer.layer);
    let mut temp = temp_file(dir)?;
    let text = serde_json::to_string_pretty(&manifest)? + "\n";
    temp.write_all(text.as_bytes())
        .map_err(|e| cache_error(temp.path(), &e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| cache_error(temp.path(), &e))?;
    temp.persist(dir.join(MANIFEST))
        .map_err(|e| cache_error(&dir.join(MANIFEST), &e.error))?;
    Ok(())
}

/// The layers of the cache's current manifest that `staged` does not fetch again, each with
/// the time it was fetched; none when there is no manifest, or it is of another host (a
/// cache of one project on two servers is two caches, never one). A layer whose columns
/// differ from the new ones (other `--column` keys) is dropped: the next replay reads every
/// layer with the same columns.
fn kept_layers(dir: &Path, manifest: &CacheManifest, staged: &[StagedLayer]) -> Vec<CachedLayer> {
    let Ok((previous, _)) = load(dir) else {
        return Vec::new();
    };
    if previous.host != manifest.host {
        return Vec::new();
    }
    let header = staged.first().and_then(|layer| header_line(layer.file.path()));
    (previous.layers.into_iter())
        .filter(|cached| !staged.iter().any(|layer| layer.layer == cached.layer))
        .filter(|cached| header.is_some() && header_line(&dir.join(&cached.file)) == header)
        .map(|cached| CachedLayer {
            fetched_at: cached.fetched_at.or_else(|| Some(previous.fetched_at.clone())),
            ..cached
        })
        .collect()
}

/// The first line of a cache export (its header); `None` when it cannot be read.
fn header_line(path: &Path) -> Option<Vec<u8>> {
    use std::io::BufRead;
    let mut line = Vec::new();
    let mut reader = std::io::BufReader::new(fs::File::open(path).ok()?);
    reader.read_until(b'\n', &mut line).ok()?;
    Some(line)
}

/// Removes old layer files the manifest no longer names (best effort).
fn remove_unnamed(dir: &Path, manifest: &CacheManifest) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_layer_file = name.starts_with("layer-") && name.ends_with(".csv");
        if is_layer_file && !manifest.layers.iter().any(|layer| layer.file == name) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Hex sha256 of a file's bytes; a failure to read it is a cache error.
pub fn sha256_of(path: &Path) -> anyhow::Result<String> {
    super::digest::file_sha256_hex(path).map_err(|e| cache_error(path, &e))
}

/// A cache write failure (exit 4) naming the file or folder it was for.
pub fn cache_error(path: &Path, error: &std::io::Error) -> anyhow::Error {
    Error::new(
        Kind::Output,
        format!(
            "{}: cannot write the cache: {error}; check --cache-dir and free space",
            path.display()
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_csv_names_a_cached_layer_without_its_hash() {
        let name = file_name(-1, "0123456789abcdef");
        assert_eq!(runs_csv_name(&name).as_deref(), Some("layer--1-*.csv"));
        let label = format!("cache/lab/sae/{}", file_name(6, "fedcba9876543210"));
        assert_eq!(
            runs_csv_name(&label).as_deref(),
            Some("cache/lab/sae/layer-6-*.csv")
        );
        for other in [
            "layer6.csv",
            "exports/layer-6.csv",
            "layer-x-0123456789ab.csv",
            "layer-6-0123456789ag.csv",
        ] {
            assert_eq!(runs_csv_name(other), None, "{other}");
        }
    }
}
