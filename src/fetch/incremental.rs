//! `--incremental`: reuse the cached runs that were finished at the last fetch and ask the
//! server only for runs created since then (with a safety margin) or unfinished then.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};

use super::columns::{CacheLayout, CREATED, ID, STATE};
use super::pager::{FetchContext, Fetched};
use crate::store::cache;

/// How far before the newest cached run the "created since" filter starts, for runs the
/// server had not yet made visible at the last fetch.
pub const SAFETY_MARGIN: Duration = Duration::from_secs(3600);

/// One layer as the cache has it.
pub struct PreviousLayer {
    rows: Vec<Vec<String>>,
}

/// The cached rows of `layer`, when the cache exists and was fetched with the same filter
/// and columns; otherwise `None` (a full fetch).
pub fn previous_layer(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
) -> anyhow::Result<Option<PreviousLayer>> {
    if !ctx.cache_dir.join(cache::MANIFEST).is_file() {
        return Ok(None);
    }
    let (manifest, _) = cache::load(ctx.cache_dir)?;
    let Some(entry) = manifest
        .layers
        .iter()
        .find(|l| l.layer == layer && l.filters == filters)
    else {
        return Ok(None);
    };
    let mut reader = match csv::Reader::from_path(ctx.cache_dir.join(&entry.file)) {
        Ok(reader) => reader,
        Err(_) => return Ok(None),
    };
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    if header != ctx.layout.header() {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { return Ok(None) };
        rows.push(record.iter().map(str::to_string).collect());
    }
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(PreviousLayer { rows }))
}

impl PreviousLayer {
    fn unfinished_ids(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|row| row[STATE] != "finished")
            .map(|row| row[ID].as_str())
            .collect()
    }

    /// `filters` narrowed to runs created after (newest cached − margin) or unfinished then.
    pub fn refresh_filter(&self, filters: &str) -> anyhow::Result<String> {
        let newest = self
            .rows
            .iter()
            .map(|row| row[CREATED].as_str())
            .max()
            .unwrap_or_default();
        let since = minus_margin(newest);
        let mut changed = vec![json!({ "createdAt": { "$gt": since } })];
        let unfinished = self.unfinished_ids();
        if !unfinished.is_empty() {
            changed.push(json!({ "name": { "$in": unfinished } }));
        }
        let base: Value = serde_json::from_str(filters)?;
        Ok(json!({ "$and": [base, { "$or": changed }] }).to_string())
    }

    /// The cache's finished runs that were not fetched again, plus everything fetched;
    /// returns the rows and how many came from the cache.
    pub fn merge(self, fetched: Fetched) -> (Vec<Vec<String>>, u64) {
        let mut rows = fetched.rows;
        let mut reused = 0;
        let mut ids: HashSet<String> = fetched.ids;
        for row in self.rows {
            if row[STATE] == "finished" && ids.insert(row[ID].clone()) {
                rows.push(row);
                reused += 1;
            }
        }
        rows.sort_by(|a, b| CacheLayout::canonical_key(a).cmp(&CacheLayout::canonical_key(b)));
        (rows, reused)
    }
}

/// `createdAt - SAFETY_MARGIN`, in W&B's format (UTC, no zone); the text itself if unreadable.
fn minus_margin(created: &str) -> String {
    let trimmed = created.trim_end_matches('Z');
    match humantime::parse_rfc3339_weak(trimmed) {
        Ok(time) => {
            let earlier = time.checked_sub(SAFETY_MARGIN).unwrap_or(time);
            humantime::format_rfc3339_seconds(earlier)
                .to_string()
                .trim_end_matches('Z')
                .to_string()
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_reaches_an_hour_back_in_wandb_format() {
        assert_eq!(minus_margin("2025-03-27T13:59:12"), "2025-03-27T12:59:12");
        assert_eq!(minus_margin("2025-03-27T00:30:00.123456Z"), "2025-03-26T23:30:00");
        assert_eq!(minus_margin("yesterday"), "");
    }
}
