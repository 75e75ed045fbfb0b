//! GraphQL text and variables: the runs query with key projections and a server-side filter.

use crate::config::settings::RunFilter;
use serde_json::{json, Value};

/// The keys a fetch asks for: only what the pipeline and the cache need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub summary_keys: Vec<String>,
    pub config_keys: Vec<String>,
}

impl Projection {
    /// Top-level keys for the server: a dotted path `a.b` asks for `a.b` and for `a`.
    fn top_level(keys: &[String]) -> Vec<String> {
        let mut wanted: Vec<String> = Vec::new();
        for key in keys {
            for candidate in [key.as_str(), key.split('.').next().unwrap_or(key)] {
                if !wanted.iter().any(|k| k == candidate) {
                    wanted.push(candidate.to_string());
                }
            }
        }
        wanted
    }
}

/// The runs query, one page at a time: each run's id, names, state, creation and last
/// change (`updatedAt`, for `--incremental`'s watermark) and projected keys. `runCount` is
/// asked only with `$withCount`, of the runs `$countFilters` matches (the page's own
/// filter but where a windowed fetch checks its first page). No cursor is asked for or
/// sent: each page is the first page of a filter that says where to go on from (see
/// `paging::seek`).
pub fn runs_query(projection: &Projection) -> String {
    let quote = |keys: &[String]| {
        let keys: Vec<String> = Projection::top_level(keys)
            .iter()
            .map(|k| json!(k).to_string())
            .collect();
        keys.join(", ")
    };
    format!(
        "query Runs($project: String!, $entity: String!, $perPage: Int!, \
$order: String, $filters: JSONString, $countFilters: JSONString, $withCount: Boolean!) {{
  project(name: $project, entityName: $entity) {{
    runCount(filters: $countFilters) @include(if: $withCount)
    runs(filters: $filters, first: $perPage, order: $order) {{
      edges {{ node {{ name displayName state createdAt updatedAt config(keys: [{}]) summaryMetrics(keys: [{}]) }} }}
      pageInfo {{ hasNextPage }}
    }}
  }}
}}",
        quote(&projection.config_keys),
        quote(&projection.summary_keys)
    )
}

/// `--incremental`'s listing, one page at a time: each run's id, creation, last change and
/// state, without config or summary; paged as `runs_query` is, `runCount` only with
/// `$withCount`.
pub const LISTING_QUERY: &str = "query RunListing($project: String!, $entity: String!, $perPage: Int!, \
$order: String, $filters: JSONString, $countFilters: JSONString, $withCount: Boolean!) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $countFilters) @include(if: $withCount)
    runs(filters: $filters, first: $perPage, order: $order) {
      edges { node { name createdAt updatedAt state } }
      pageInfo { hasNextPage }
    }
  }
}";

/// `filters` (a JSON object as text) narrowed to the runs named `ids`.
pub fn named_filter(filters: &str, ids: &[String]) -> anyhow::Result<String> {
    let base: Value = serde_json::from_str(filters)?;
    Ok(json!({ "$and": [base, { "name": { "$in": ids } }] }).to_string())
}

/// How many runs match a filter, without fetching them.
pub const COUNT_QUERY: &str = "query RunCount($project: String!, $entity: String!, $filters: JSONString) {
  project(name: $project, entityName: $entity) { runCount(filters: $filters) }
}";

/// The key's default entity, when neither flag, env nor profile names one.
pub const VIEWER_QUERY: &str = "query Viewer { viewer { entity } }";

/// Whether the server can filter on the config key `key`: not when its name holds a dot,
/// as `config.sae.layer` walks into nested objects on W&B and matches nothing.
pub fn server_filters_on(key: &str) -> bool {
    !key.contains('.')
}

/// The server-side filter for one layer, and the runs `--state`, `--tag`, `--sweep`,
/// `--group` and `--filter` ask for (each ANDed, in that order). A layer key the server
/// cannot filter on (see `server_filters_on`) has no clause: its layers are picked from
/// the runs fetched.
///
/// Each layer is asked for as a number and as text: the server compares types, so runs
/// that logged `hook_layer: "6"` match `"6"` and not `6`, and would be left out unseen.
pub fn layer_filter(layer_key: &str, layers: &[i64], runs: &RunFilter) -> String {
    let spellings: Vec<serde_json::Value> = (layers.iter())
        .flat_map(|layer| [json!(layer), json!(layer.to_string())])
        .collect();
    let layer_clause = (server_filters_on(layer_key))
        .then(|| json!({ format!("config.{layer_key}"): { "$in": spellings } }));
    runs_filter(layer_clause, runs)
}

/// The filter of every run `runs` asks for, whatever its layer: one stream of the whole
/// project, whose layers are read here.
pub fn any_layer_filter(runs: &RunFilter) -> String {
    runs_filter(None, runs)
}

/// `layer_clause` (if any) ANDed with what `runs` asks for, in that order.
fn runs_filter(layer_clause: Option<serde_json::Value>, runs: &RunFilter) -> String {
    let mut clauses: Vec<serde_json::Value> = layer_clause.into_iter().collect();
    if !runs.states.is_empty() {
        clauses.push(json!({ "state": { "$in": runs.states } }));
    }
    if !runs.tags.is_empty() {
        clauses.push(json!({ "tags": { "$in": runs.tags } }));
    }
    if let Some(sweep) = &runs.sweep {
        clauses.push(json!({ "sweep": sweep }));
    }
    if let Some(group) = &runs.group {
        clauses.push(json!({ "group": group }));
    }
    clauses.extend(runs.extra.clone());
    let filter = match clauses.len() {
        0 => json!({}),
        1 => clauses.remove(0),
        _ => json!({ "$and": clauses }),
    };
    filter.to_string()
}

/// Variables of one page request: by creation time, oldest first (or newest first, for a
/// window's end), with the count of `filters` (or of `count`, when given) on request.
pub struct PageRequest<'a> {
    pub entity: &'a str,
    pub project: &'a str,
    pub filters: &'a str,
    pub per_page: u32,
    pub with_count: bool,
    pub newest_first: bool,
    pub count: Option<&'a str>,
}

impl<'a> PageRequest<'a> {
    /// Oldest first, with the count of `filters` when `with_count`.
    pub fn oldest_first(
        entity: &'a str,
        project: &'a str,
        filters: &'a str,
        per_page: u32,
        with_count: bool,
    ) -> PageRequest<'a> {
        PageRequest {
            entity,
            project,
            filters,
            per_page,
            with_count,
            newest_first: false,
            count: None,
        }
    }

    pub fn variables(&self) -> Value {
        json!({
            "entity": self.entity,
            "project": self.project,
            "perPage": self.per_page,
            "order": if self.newest_first { "-created_at" } else { "+created_at" },
            "filters": self.filters,
            "countFilters": self.count.unwrap_or(self.filters),
            "withCount": self.with_count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_is_a_json_string_naming_the_layers() {
        assert_eq!(
            layer_filter("layer", &[6], &RunFilter::default()),
            r#"{"config.layer":{"$in":[6,"6"]}}"#
        );
        let mut runs = RunFilter {
            states: vec!["finished".into()],
            ..RunFilter::default()
        };
        let both = layer_filter("layer", &[6, 7], &runs);
        assert_eq!(
            both,
            r#"{"$and":[{"config.layer":{"$in":[6,"6",7,"7"]}},{"state":{"$in":["finished"]}}]}"#
        );
        runs.tags = vec!["paper".into()];
        runs.sweep = Some("ab12cd34".into());
        runs.group = Some("g".into());
        runs.extra = Some(json!({"summary_metrics.l0_norm": {"$lt": 100}}));
        assert_eq!(
            layer_filter("layer", &[6], &runs),
            concat!(
                r#"{"$and":[{"config.layer":{"$in":[6,"6"]}},{"state":{"$in":["finished"]}},"#,
                r#"{"tags":{"$in":["paper"]}},{"sweep":"ab12cd34"},{"group":"g"},"#,
                r#"{"summary_metrics.l0_norm":{"$lt":100}}]}"#
            )
        );
    }

    #[test]
    fn a_dotted_layer_key_has_no_clause_and_the_other_clauses_stay() {
        assert_eq!(layer_filter("sae.layer", &[6], &RunFilter::default()), "{}");
        let runs = RunFilter {
            states: vec!["finished".into()],
            ..RunFilter::default()
        };
        assert_eq!(
            layer_filter("sae.layer", &[6], &runs),
            r#"{"state":{"$in":["finished"]}}"#
        );
    }

    #[test]
    fn a_named_filter_keeps_the_layers_clause_and_adds_the_ids() {
        let ids = ["a".to_string(), "b".to_string()];
        assert_eq!(
            named_filter(r#"{"config.layer":{"$in":[6,"6"]}}"#, &ids).unwrap(),
            r#"{"$and":[{"config.layer":{"$in":[6,"6"]}},{"name":{"$in":["a","b"]}}]}"#
        );
    }

    #[test]
    fn query_projects_only_the_needed_keys() {
        let projection = Projection {
            summary_keys: vec!["l0_norm".into(), "val_loss.min".into()],
            config_keys: vec!["layer".into()],
        };
        let text = runs_query(&projection);
        assert!(text.contains(r#"summaryMetrics(keys: ["l0_norm", "val_loss.min", "val_loss"])"#));
        assert!(text.contains(r#"config(keys: ["layer"])"#));
    }
}
