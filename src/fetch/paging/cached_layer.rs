//! The layer a previous fetch left in the cache, read back: its manifest entry for the same
//! layer and filter, and its rows when the columns are the same.

use std::path::Path;

use crate::store::cache::{self, CachedLayer};

/// The cache manifest's entry for `layer` fetched with `filters`.
pub fn cached_entry(dir: &Path, layer: i64, filters: &str) -> anyhow::Result<Option<CachedLayer>> {
    if !dir.join(cache::MANIFEST).is_file() {
        return Ok(None);
    }
    let (manifest, _) = cache::load(dir)?;
    Ok(manifest
        .layers
        .into_iter()
        .find(|l| l.layer == layer && l.filters == filters))
}

/// The rows of the cache export at `path`; `None` when it cannot be read, has another
/// header than `header`, or has no rows.
pub fn cached_rows(path: &Path, header: &[&str]) -> anyhow::Result<Option<Vec<Vec<String>>>> {
    let Ok(mut reader) = csv::Reader::from_path(path) else {
        return Ok(None);
    };
    if reader.headers()?.iter().ne(header.iter().copied()) {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { return Ok(None) };
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok((!rows.is_empty()).then_some(rows))
}
