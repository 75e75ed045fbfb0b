//! `--incremental`: reuse the cached runs no change has touched since the last fetch, and
//! ask the server only for the layer's runs created or updated since then (less a safety
//! margin, see `watermark`) or unfinished then. The caller checks the merge against the
//! server's count of the layer.

use std::collections::HashSet;
use std::path::Path;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::columns::{CacheLayout, CREATED, ID, STATE};
use super::pager::{FetchContext, Fetched};
use super::watermark;
use crate::store::cache::{self, CachedLayer};

/// One layer as the cache has it.
pub struct PreviousLayer {
    rows: Vec<Vec<String>>,
    /// The newest cached run's creation time.
    newest_created: SystemTime,
    /// Every change the server stamped before this is in `rows`.
    pub watermark: SystemTime,
}

/// The cached rows of `layer`, when the cache has them, fetched with the same filter and
/// columns, with a watermark; otherwise `None`: a full fetch (which `-v` explains when
/// the watermark is what is missing).
pub fn previous_layer(
    ctx: &FetchContext<'_>,
    layer: i64,
    filters: &str,
) -> anyhow::Result<Option<PreviousLayer>> {
    let Some(entry) = cached_entry(ctx.cache_dir, layer, filters)? else {
        return Ok(None);
    };
    let Some(watermark) = entry.watermark.as_deref().and_then(watermark::parse) else {
        if ctx.settings.verbose >= 1 {
            ctx.progress.println(&format!(
                "layer {layer}: the cache records no update watermark (an older mdl-fetch wrote it, or the server sent no updatedAt); fetching the layer in full"
            ));
        }
        return Ok(None);
    };
    let Some(rows) = cached_rows(&ctx.cache_dir.join(&entry.file), &ctx.layout.header())? else {
        return Ok(None);
    };
    let newest_created = rows
        .iter()
        .filter_map(|row| watermark::parse(&row[CREATED]))
        .max();
    Ok(newest_created.map(|newest_created| PreviousLayer {
        rows,
        newest_created,
        watermark,
    }))
}

/// The creation times of the runs the cache holds for `layer` fetched with `filters` and
/// columns `header`; `None` without such a cache.
pub fn cached_created(
    dir: &Path,
    layer: i64,
    filters: &str,
    header: &[&str],
) -> anyhow::Result<Option<Vec<String>>> {
    let Some(entry) = cached_entry(dir, layer, filters)? else {
        return Ok(None);
    };
    let rows = cached_rows(&dir.join(&entry.file), header)?;
    Ok(rows.map(|rows| rows.into_iter().map(|mut row| row.swap_remove(CREATED)).collect()))
}

/// The cache manifest's entry for `layer` fetched with `filters`.
fn cached_entry(dir: &Path, layer: i64, filters: &str) -> anyhow::Result<Option<CachedLayer>> {
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
fn cached_rows(path: &Path, header: &[&str]) -> anyhow::Result<Option<Vec<Vec<String>>>> {
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

/// The run states that still change on their own; a run in any other state (`finished`,
/// `crashed`, `failed`, `killed`, `preempted`) changes only when resumed or edited, which
/// moves its `updatedAt`.
const CHANGING_STATES: [&str; 3] = ["running", "pending", "preempting"];

fn can_change(row: &[String]) -> bool {
    CHANGING_STATES.contains(&row[STATE].as_str())
}

impl PreviousLayer {
    /// The cached runs that can still change: asked for again by name, so that the list
    /// does not grow with every crashed run.
    fn changing_ids(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|row| can_change(row))
            .map(|row| row[ID].as_str())
            .collect()
    }

    /// `filters` narrowed to the runs created after the newest cached one, or updated after
    /// the watermark (each less the margin, written with the zone), or in a state that can
    /// change at the last fetch.
    pub fn refresh_filter(&self, filters: &str) -> anyhow::Result<String> {
        let mut changed = vec![
            json!({ "createdAt": { "$gt": watermark::minus_margin(self.newest_created) } }),
            json!({ "updatedAt": { "$gt": watermark::minus_margin(self.watermark) } }),
        ];
        let changing = self.changing_ids();
        if !changing.is_empty() {
            changed.push(json!({ "name": { "$in": changing } }));
        }
        let base: Value = serde_json::from_str(filters)?;
        Ok(json!({ "$and": [base, { "$or": changed }] }).to_string())
    }

    /// The cache's runs that could not change and were not fetched again, plus everything
    /// fetched, in the cache's order; returns the rows and how many came from the cache.
    pub fn merge(self, fetched: Fetched) -> (Vec<Vec<String>>, u64) {
        let mut rows = fetched.rows;
        let mut reused = 0;
        let mut ids: HashSet<String> = fetched.ids;
        for row in self.rows {
            if !can_change(&row) && ids.insert(row[ID].clone()) {
                rows.push(row);
                reused += 1;
            }
        }
        rows.sort_by(|a, b| CacheLayout::canonical_key(a).cmp(&CacheLayout::canonical_key(b)));
        (rows, reused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, state: &str, created: &str) -> Vec<String> {
        [id, id, state, created].map(String::from).to_vec()
    }

    fn previous() -> PreviousLayer {
        PreviousLayer {
            rows: vec![
                row("a", "finished", "2025-03-27T10:00:00"),
                row("b", "running", "2025-03-27T11:00:00"),
                row("d", "crashed", "2025-03-27T10:30:00"),
            ],
            newest_created: watermark::parse("2025-03-27T11:00:00").unwrap(),
            watermark: watermark::parse("2025-03-27T13:30:05").unwrap(),
        }
    }

    #[test]
    fn the_refresh_asks_for_new_updated_and_still_changing_runs_of_the_layer() {
        let filter = previous()
            .refresh_filter(r#"{"config.layer":{"$in":[6]}}"#)
            .unwrap();
        let expected = json!({"$and": [{"config.layer": {"$in": [6]}}, {"$or": [
            {"createdAt": {"$gt": "2025-03-27T10:00:00Z"}},
            {"updatedAt": {"$gt": "2025-03-27T12:30:05Z"}},
            {"name": {"$in": ["b"]}},
        ]}]});
        assert_eq!(serde_json::from_str::<Value>(&filter).unwrap(), expected);
    }

    #[test]
    fn the_merge_prefers_fetched_rows_and_drops_changing_ones_not_fetched() {
        let fetched = Fetched {
            rows: vec![row("c", "finished", "2025-03-27T09:00:00")],
            ids: HashSet::from(["c".to_string()]),
            run_count: 1,
            newest_update: None,
        };
        let (rows, reused) = previous().merge(fetched);
        assert_eq!(
            rows,
            [
                row("c", "finished", "2025-03-27T09:00:00"),
                row("a", "finished", "2025-03-27T10:00:00"),
                row("d", "crashed", "2025-03-27T10:30:00")
            ]
        );
        assert_eq!(reused, 2);
    }
}
