//! `--incremental`'s listing of a layer: every run its filter matches, by id with its
//! creation, last change and state only (no config, no summary), paged as every fetch
//! pages (by creation time, `SeekWalk`), with the server's count from the first page.

use std::collections::HashSet;
use std::time::SystemTime;

use serde::Deserialize;

use super::context::{describe_decode, not_found, FetchContext};
use super::page_walk::ask_next;
use super::seek::{SeekPage, SeekWalk};
use crate::fetch::graphql::decode::{decode_data, PageInfo};
use crate::fetch::graphql::query::{PageRequest, LISTING_QUERY};
use crate::fetch::graphql::timestamps::{self, parse_second};
use crate::fetch::progress::LayerBar;

/// One listed run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRun {
    pub id: String,
    pub state: Option<String>,
    /// Its `updatedAt`; `None` when absent or unreadable.
    pub updated_at: Option<SystemTime>,
}

/// Every run of a layer, once each, in the order read, and the server's count of them.
#[derive(Debug, Default)]
pub struct Listing {
    pub runs: Vec<ListedRun>,
    /// `runCount` of the layer's filter, asked with the first page.
    pub run_count: u64,
    /// The newest readable `updatedAt` listed.
    pub newest_update: Option<SystemTime>,
    ids: HashSet<String>,
}

#[derive(Deserialize)]
struct ListingData {
    project: Option<ListingProject>,
}

#[derive(Deserialize)]
struct ListingProject {
    #[serde(rename = "runCount")]
    run_count: Option<u64>,
    runs: ListingConnection,
}

#[derive(Deserialize)]
struct ListingConnection {
    edges: Vec<ListingEdge>,
    #[serde(rename = "pageInfo")]
    page_info: PageInfo,
}

#[derive(Deserialize)]
struct ListingEdge {
    node: ListedNode,
}

#[derive(Deserialize)]
struct ListedNode {
    name: String,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "updatedAt", default)]
    updated_at: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// Lists every run matching `filters`, page by page, each page the first page of the
/// filter `SeekWalk` names (no cursor is sent).
pub async fn list_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<Listing> {
    let bar = ctx.progress.layer(layer);
    let mut listing = Listing::default();
    let mut walk = SeekWalk::default();
    for page in 1.. {
        let what = format!("layer {layer} listing page {page}");
        let Some(project) = ask(ctx, &walk.filter(filters)?, page == 1, &what, &bar).await? else {
            return not_found(ctx);
        };
        if page == 1 {
            listing.run_count = project.run_count.unwrap_or(0);
            bar.counting(listing.run_count);
        }
        let seek = listing.take(project.runs);
        bar.received(listing.runs.len() as u64);
        if !ask_next(&mut walk, &seek, &what)? {
            break;
        }
    }
    bar.finish();
    Ok(listing)
}

/// One listing page under `filters`; `None` when the server has no such project.
async fn ask(
    ctx: &FetchContext<'_>,
    filters: &str,
    with_count: bool,
    what: &str,
    bar: &LayerBar,
) -> anyhow::Result<Option<ListingProject>> {
    let variables = PageRequest::oldest_first(
        ctx.entity,
        &ctx.project.project,
        filters,
        ctx.job.fetch.page_size,
        with_count,
    )
    .variables();
    let body = ctx
        .client
        .post_watched(LISTING_QUERY, variables, what, bar)
        .await?;
    let data: ListingData = decode_data(&body).map_err(|e| describe_decode(e, what, &ctx.client.host()))?;
    Ok(data.project)
}

impl Listing {
    /// Takes in a page's runs not listed before, and says what the page was for paging.
    fn take(&mut self, runs: ListingConnection) -> SeekPage {
        let before = self.runs.len();
        let mut seek = SeekPage {
            has_next_page: runs.page_info.has_next_page,
            ..SeekPage::default()
        };
        for ListingEdge { node } in runs.edges {
            seek.runs
                .push((parse_second(&node.created_at), node.name.clone()));
            if !self.ids.insert(node.name.clone()) {
                continue;
            }
            let updated_at = node.updated_at.as_deref().and_then(timestamps::parse);
            self.newest_update = self.newest_update.max(updated_at);
            self.runs.push(ListedRun {
                id: node.name,
                state: node.state,
                updated_at,
            });
        }
        seek.new_runs = self.runs.len() > before;
        seek
    }

    /// Fewer runs came than the server counted: some were lost on the way.
    pub fn short(&self) -> bool {
        (self.runs.len() as u64) < self.run_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(has_next_page: bool, runs: &[(&str, &str, Option<&str>)]) -> ListingConnection {
        let body = serde_json::json!({
            "edges": runs.iter().map(|(name, created, updated)| serde_json::json!({"node": {
                "name": name, "createdAt": created, "updatedAt": updated, "state": "finished"}}))
                .collect::<Vec<_>>(),
            "pageInfo": {"hasNextPage": has_next_page},
        });
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_page_adds_its_new_runs_once_and_tells_the_walk_where_it_stands() {
        let mut listing = Listing::default();
        let first = page(
            true,
            &[
                ("a", "2025-03-27T10:00:00", Some("2025-03-27T12:00:00")),
                ("b", "2025-03-27T10:00:01", None),
            ],
        );
        let seek = listing.take(first);
        assert!(seek.has_next_page && seek.new_runs);
        assert_eq!(seek.runs.len(), 2);
        assert_eq!(seek.runs[1].1, "b");

        let again = page(
            false,
            &[("b", "2025-03-27T10:00:01", Some("2025-03-27T13:00:00"))],
        );
        let seek = listing.take(again);
        assert!(!seek.new_runs);
        let ids: Vec<&str> = listing.runs.iter().map(|run| run.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(listing.runs[1].updated_at, None);
        assert_eq!(listing.newest_update, timestamps::parse("2025-03-27T12:00:00"));
        listing.run_count = 3;
        assert!(listing.short());
    }
}
