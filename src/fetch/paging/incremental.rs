//! `--incremental`: reuse the cached runs no change has touched since the last fetch. A
//! listing of the layer (ids, states and `updatedAt`, see `listing`) says which runs to
//! fetch again in full: those not cached, updated since the watermark (less a safety
//! margin, see `watermark`), in another state than cached, or cached unfinished. Cached
//! runs the listing lacks are gone from the layer. No filter names `updatedAt`, which the
//! backend does not document.

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use super::cached_layer::{cached_entry, cached_rows};
use super::context::{FetchContext, Fetched};
use super::listing::ListedRun;
use super::watermark;
use crate::fetch::graphql::columns::{ID, STATE};
use crate::fetch::graphql::timestamps;

/// One layer as the cache has it.
pub struct PreviousLayer {
    rows: Vec<Vec<String>>,
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
    let Some(watermark) = entry.watermark.as_deref().and_then(timestamps::parse) else {
        if ctx.job.verbose >= 1 {
            ctx.progress.println(&format!(
                "layer {layer}: the cache records no update watermark (an older mdl-fetch wrote it, or the server sent no updatedAt); fetching the layer in full"
            ));
        }
        return Ok(None);
    };
    let rows = cached_rows(&ctx.cache_dir.join(&entry.file), &ctx.layout.header())?;
    Ok(rows.map(|rows| PreviousLayer { rows, watermark }))
}

/// The run states that still change on their own; a run in any other state (`finished`,
/// `crashed`, `failed`, `killed`, `preempted`) changes only when resumed or edited, which
/// moves its `updatedAt`.
const CHANGING_STATES: [&str; 3] = ["running", "pending", "preempting"];

fn can_change(row: &[String]) -> bool {
    CHANGING_STATES.contains(&row[STATE].as_str())
}

/// What a refresh does with each listed run.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    /// The runs to fetch in full, in the listing's order.
    pub fetch: Vec<String>,
    /// The runs whose cached rows stand.
    reuse: HashSet<String>,
}

impl PreviousLayer {
    /// Which listed runs to fetch again in full: a run not cached, cached in a state that
    /// still changes or in another state than listed, or whose `updatedAt` is unreadable or
    /// at or after the watermark less the margin. The others are reused; cached runs not
    /// listed are neither (gone from the layer).
    pub fn plan(&self, listed: &[ListedRun]) -> Plan {
        let cached: HashMap<&str, &Vec<String>> =
            self.rows.iter().map(|row| (row[ID].as_str(), row)).collect();
        let since = watermark::minus_margin(self.watermark);
        let mut plan = Plan {
            fetch: Vec::new(),
            reuse: HashSet::new(),
        };
        for run in listed {
            let stale = match cached.get(run.id.as_str()) {
                None => true,
                Some(row) => {
                    can_change(row)
                        || run.state.as_deref() != Some(row[STATE].as_str())
                        || run.updated_at.is_none_or(|updated| updated >= since)
                }
            };
            if stale {
                plan.fetch.push(run.id.clone());
            } else {
                plan.reuse.insert(run.id.clone());
            }
        }
        plan
    }

    /// The cached rows `plan` reuses, plus everything fetched (staging puts them in the
    /// cache's order); returns the rows and how many came from the cache.
    pub fn merge(self, plan: Plan, fetched: Fetched) -> (Vec<Vec<String>>, u64) {
        let mut rows = fetched.rows;
        let mut reused = 0;
        for row in self.rows {
            if plan.reuse.contains(&row[ID]) && !fetched.ids.contains(&row[ID]) {
                rows.push(row);
                reused += 1;
            }
        }
        (rows, reused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::graphql::columns::CacheLayout;

    fn row(id: &str, state: &str, created: &str) -> Vec<String> {
        [id, id, state, created].map(String::from).to_vec()
    }

    fn listed(id: &str, state: &str, updated_at: Option<&str>) -> ListedRun {
        ListedRun {
            id: id.into(),
            state: Some(state.into()),
            updated_at: updated_at.map(|at| timestamps::parse(at).unwrap()),
        }
    }

    /// A cache whose watermark is 13:30:05: changes since 12:30:05 are fetched again.
    fn previous() -> PreviousLayer {
        PreviousLayer {
            rows: vec![
                row("a", "finished", "2025-03-27T10:00:00"),
                row("b", "running", "2025-03-27T11:00:00"),
                row("d", "crashed", "2025-03-27T10:30:00"),
                row("e", "finished", "2025-03-27T10:40:00"),
                row("f", "finished", "2025-03-27T10:50:00"),
            ],
            watermark: timestamps::parse("2025-03-27T13:30:05").unwrap(),
        }
    }

    fn to_fetch(listing: &[ListedRun]) -> Vec<String> {
        previous().plan(listing).fetch
    }

    #[test]
    fn unchanged_finished_runs_are_reused_and_nothing_is_fetched() {
        let listing = [
            listed("a", "finished", Some("2025-03-27T10:05:00")),
            listed("d", "crashed", Some("2025-03-27T12:30:04")),
        ];
        let plan = previous().plan(&listing);
        assert_eq!(plan.fetch, Vec::<String>::new());
        assert_eq!(plan.reuse, HashSet::from(["a".to_string(), "d".to_string()]));
    }

    #[test]
    fn runs_new_or_updated_within_the_margin_of_the_watermark_are_fetched_again() {
        let listing = [
            listed("c", "finished", Some("2025-03-27T09:00:00")),
            listed("a", "finished", Some("2025-03-27T12:30:05")),
            listed("d", "crashed", Some("2025-03-27T14:00:00")),
            listed("e", "finished", Some("2025-03-27T12:30:04")),
        ];
        assert_eq!(to_fetch(&listing), ["c", "a", "d"]);
    }

    #[test]
    fn still_changing_resumed_and_unstamped_runs_are_fetched_again() {
        let listing = [
            listed("b", "running", Some("2025-03-27T11:00:00")),
            listed("a", "running", Some("2025-03-27T10:05:00")),
            listed("d", "crashed", None),
            listed("e", "finished", Some("2025-03-27T10:40:00")),
        ];
        assert_eq!(to_fetch(&listing), ["b", "a", "d"]);
    }

    #[test]
    fn cached_runs_the_listing_lacks_are_neither_fetched_nor_reused() {
        let listing = [listed("a", "finished", Some("2025-03-27T10:05:00"))];
        let plan = previous().plan(&listing);
        assert_eq!(plan.fetch, Vec::<String>::new());
        assert_eq!(plan.reuse, HashSet::from(["a".to_string()]));
    }

    #[test]
    fn the_merge_takes_the_fetched_rows_and_the_reused_ones_only() {
        let listing = [
            listed("a", "finished", Some("2025-03-27T10:05:00")),
            listed("b", "running", Some("2025-03-27T13:00:00")),
            listed("c", "finished", Some("2025-03-27T13:00:00")),
            listed("e", "finished", Some("2025-03-27T10:40:00")),
        ];
        let previous = previous();
        let plan = previous.plan(&listing);
        assert_eq!(plan.fetch, ["b", "c"]);
        let fetched = Fetched {
            rows: vec![
                row("c", "finished", "2025-03-27T09:00:00"),
                row("b", "finished", "2025-03-27T11:00:00"),
            ],
            ids: HashSet::from(["b".to_string(), "c".to_string()]),
            run_count: 2,
            newest_update: None,
        };
        let (rows, reused) = previous.merge(plan, fetched);
        let ordered: Vec<_> = (CacheLayout::canonical_order(&rows).into_iter())
            .map(|at| rows[at].clone())
            .collect();
        assert_eq!(
            ordered,
            [
                row("c", "finished", "2025-03-27T09:00:00"),
                row("a", "finished", "2025-03-27T10:00:00"),
                row("e", "finished", "2025-03-27T10:40:00"),
                row("b", "finished", "2025-03-27T11:00:00"),
            ]
        );
        assert_eq!(reused, 2);
    }
}
