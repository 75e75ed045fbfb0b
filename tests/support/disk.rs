//! What a run left on disk: snapshots to compare before and after, leftover temp files, and
//! a search of everything for a secret: `support::disk` in a test that has `mod support;`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Every file under `dir` (recursively), as paths relative to it, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// Every file under `dir`: relative path → (bytes, mtime).
pub fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    files(dir)
        .into_iter()
        .filter_map(|name| {
            let path = dir.join(&name);
            // A file can vanish between listing and reading when a process is still running.
            let bytes = std::fs::read(&path).ok()?;
            let mtime = std::fs::metadata(&path).ok()?.modified().ok()?;
            Some((name.display().to_string(), (bytes, mtime)))
        })
        .collect()
}

/// Whether a file name is one of mdl-fetch's temp files (`.mdl-fetch-*.tmp`, `.fetch-*.tmp`).
pub fn is_temp(name: &Path) -> bool {
    let name = name.file_name().unwrap_or_default().to_string_lossy();
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Temp files under `dir`.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    files(dir).into_iter().filter(|name| is_temp(name)).collect()
}

/// Describes how two snapshots differ (empty when equal).
pub fn diff(
    before: &BTreeMap<String, (Vec<u8>, SystemTime)>,
    after: &BTreeMap<String, (Vec<u8>, SystemTime)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, (bytes, mtime)) in before {
        match after.get(name) {
            None => out.push(format!("{name}: removed")),
            Some((b, _)) if b != bytes => out.push(format!("{name}: bytes changed")),
            Some((_, m)) if m != mtime => out.push(format!("{name}: mtime changed")),
            Some(_) => {}
        }
    }
    for name in after.keys().filter(|name| !before.contains_key(*name)) {
        out.push(format!("{name}: added"));
    }
    out
}

/// Where a secret (or a tell-tale part of it) appears among `haystacks` (name, bytes).
pub fn leaks<'a>(haystacks: impl IntoIterator<Item = (String, &'a [u8])>, needles: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, bytes) in haystacks {
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                out.push(format!("{needle:?} in {name}"));
            }
        }
    }
    out
}

/// Every file under `dir` with its bytes, named by its path relative to `dir`.
pub fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files(dir)
        .into_iter()
        .filter_map(|name| {
            let bytes = std::fs::read(dir.join(&name)).ok()?;
            Some((name.display().to_string(), bytes))
        })
        .collect()
}
