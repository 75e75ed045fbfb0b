//! The newest runs of a project with their whole config and summary (no key projection),
//! through the fetch's client (its key, retries and gate). Paged by creation time as the
//! fetch pages, newest first: each page is the first page of `createdAt <= S`, S the
//! second of the oldest run read so far, less the runs of S already read. No cursor is
//! sent; runs are de-duplicated by id.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::error::{fail, Kind};
use crate::fetch::graphql::decode::{decode_data, RunNode, RunsData};
use crate::fetch::graphql::timestamps::{filter_time, parse_second, Second};
use crate::fetch::paging::context::describe_decode;
use crate::fetch::paging::seek::MAX_EMPTY_PAGES;
use crate::fetch::transport::client::GraphQlClient;

/// Every run with its whole config and summary, newest first; `runCount` on the first page.
pub const NEWEST_RUNS_QUERY: &str = "query KeyRuns($project: String!, $entity: String!, $perPage: Int!, \
$order: String, $filters: JSONString, $withCount: Boolean!) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters) @include(if: $withCount)
    runs(filters: $filters, first: $perPage, order: $order) {
      edges { node { name displayName state createdAt config summaryMetrics } }
      pageInfo { hasNextPage }
    }
  }
}";

/// The runs read, and how many the project holds.
pub struct Newest {
    pub runs: Vec<RunNode>,
    pub run_count: u64,
}

/// Where the walk stands: the oldest second read and the ids read in it.
#[derive(Default)]
struct Bound {
    second: Option<Second>,
    ids: Vec<String>,
}

impl Bound {
    fn filter(&self) -> String {
        let Some(second) = self.second else {
            return "{}".into();
        };
        let mut clauses = vec![json!({ "createdAt": { "$lte": filter_time(second) } })];
        if !self.ids.is_empty() {
            clauses.push(json!({ "name": { "$nin": self.ids } }));
        }
        json!({ "$and": clauses }).to_string()
    }

    /// Moves to the oldest second of `page`, keeping the ids read in it.
    fn after(&mut self, page: &[RunNode]) -> Option<()> {
        let seconds: Vec<Option<Second>> = page.iter().map(|run| parse_second(&run.created_at)).collect();
        let oldest = seconds.iter().copied().min()??;
        if self.second != Some(oldest) {
            self.second = Some(oldest);
            self.ids.clear();
        }
        let at_oldest = page
            .iter()
            .zip(&seconds)
            .filter(|(_, second)| **second == Some(oldest));
        self.ids.extend(at_oldest.map(|(run, _)| run.name.clone()));
        Some(())
    }
}

/// At most `limit` of the newest runs of `entity/project`, `page_size` a page.
pub async fn newest_runs(
    client: &GraphQlClient,
    entity: &str,
    project: &str,
    limit: usize,
    page_size: u32,
) -> anyhow::Result<Newest> {
    let mut newest = Newest {
        runs: Vec::new(),
        run_count: 0,
    };
    let mut seen = HashSet::new();
    let mut bound = Bound::default();
    let mut empty_pages = 0;
    while newest.runs.len() < limit {
        let first = bound.second.is_none();
        let wanted = (limit - newest.runs.len()).min(page_size as usize) as u32;
        let variables = json!({
            "entity": entity, "project": project, "perPage": wanted.max(1),
            "order": "-created_at", "filters": bound.filter(), "withCount": first,
        });
        let (page, more, count) = page(client, variables, entity, project).await?;
        if first {
            newest.run_count = count;
        }
        let moved = bound.after(&page);
        let before = newest.runs.len();
        (newest.runs).extend(page.into_iter().filter(|run| seen.insert(run.name.clone())));
        empty_pages = if newest.runs.len() == before {
            empty_pages + 1
        } else {
            0
        };
        if !more || newest.runs.len() >= limit {
            break;
        }
        if empty_pages >= MAX_EMPTY_PAGES || moved.is_none() {
            return fail(
                Kind::Protocol,
                format!("the runs of {entity}/{project}: the server keeps saying more pages follow but sends no new runs; try later"),
            );
        }
    }
    newest.runs.truncate(limit);
    Ok(newest)
}

/// One page: its runs, whether more follow, and the count when asked for.
async fn page(
    client: &GraphQlClient,
    variables: Value,
    entity: &str,
    project: &str,
) -> anyhow::Result<(Vec<RunNode>, bool, u64)> {
    let what = format!("the runs of {entity}/{project}");
    let body = client.post(NEWEST_RUNS_QUERY, variables, &what).await?;
    let data: RunsData = decode_data(&body).map_err(|e| describe_decode(e, &what, &client.host()))?;
    let Some(found) = data.project else {
        return fail(
            Kind::NotFound,
            format!("project {entity}/{project} not found or not visible to this key; check the spelling, --entity, and WANDB_BASE_URL"),
        );
    };
    let runs = found.runs.edges.into_iter().map(|edge| edge.node).collect();
    Ok((
        runs,
        found.runs.page_info.has_next_page,
        found.run_count.unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, created_at: &str) -> RunNode {
        RunNode {
            name: id.into(),
            display_name: None,
            state: None,
            created_at: created_at.into(),
            updated_at: None,
            config: Default::default(),
            summary_metrics: Default::default(),
        }
    }

    #[test]
    fn the_next_page_is_at_or_before_the_oldest_second_less_its_runs_read() {
        let mut bound = Bound::default();
        assert_eq!(bound.filter(), "{}");
        let page = [
            node("a", "2025-04-01T09:00:05"),
            node("b", "2025-04-01T09:00:03"),
            node("c", "2025-04-01T09:00:03"),
        ];
        bound.after(&page).unwrap();
        assert_eq!(
            bound.filter(),
            r#"{"$and":[{"createdAt":{"$lte":"2025-04-01T09:00:03Z"}},{"name":{"$nin":["b","c"]}}]}"#
        );
        // A page all of that second grows the list; an older second starts a new one.
        bound.after(&[node("d", "2025-04-01T09:00:03")]).unwrap();
        assert!(bound.filter().contains(r#"["b","c","d"]"#));
        bound.after(&[node("e", "2025-04-01T09:00:01")]).unwrap();
        assert!(bound.filter().contains(r#"{"$nin":["e"]}"#));
        assert!(bound.after(&[node("f", "soon")]).is_none());
    }
}
