//! What the real W&B backend does that a kind fake hides (the API notes' list), each
//! switchable: offset cursors, tied rows in a new order on every request, `updatedAt`
//! filters refused or matching nothing, dotted config keys read only as nested paths, and
//! HTTP 500 for a filter on a field the backend does not document. `RealBackend::default()`
//! is the kind fake; `RealBackend::all()` has every behaviour.

use serde_json::Value as J;

/// The switches; each is off in the kind fake.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RealBackend {
    /// Cursors are `arrayconnection:N` (base64): the index of an edge in the sorted,
    /// filtered runs as they are on the request that reads it, not a place in the order.
    pub offset_cursors: bool,
    /// Runs that tie on the sort key come in a new order on each request, as rows of a
    /// database's `ORDER BY created_at LIMIT/OFFSET` do (no tie-break by id).
    pub unstable_ties: bool,
    /// What a filter on `updatedAt`, a sort key but no documented filter field, does.
    pub updated_at_filter: UpdatedAtFilter,
    /// `config.a.b` walks into the nested key `b` of `a`; a key literally named `a.b` is
    /// never matched.
    pub nested_dotted_keys: bool,
    /// A filter on a field outside the documented ones is answered with HTTP 500 (the
    /// backend cannot run it), not with a GraphQL error.
    pub undocumented_fields_500: bool,
}

/// How a filter on `updatedAt` is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UpdatedAtFilter {
    /// Applied as written (the kind fake).
    #[default]
    Served,
    /// HTTP 500, every time.
    Http500,
    /// Accepted, and matching no run.
    MatchesNothing,
}

/// The filter fields the official client and the web UI use (besides `config.KEY` and
/// `summary_metrics.KEY`).
pub const DOCUMENTED_FIELDS: [&str; 11] = [
    "name",
    "displayName",
    "display_name",
    "state",
    "tags",
    "group",
    "jobType",
    "sweep",
    "createdAt",
    "heartbeatAt",
    "username",
];

impl RealBackend {
    /// Every behaviour on: `updatedAt` filters answered with HTTP 500.
    pub fn all() -> RealBackend {
        RealBackend {
            offset_cursors: true,
            unstable_ties: true,
            updated_at_filter: UpdatedAtFilter::Http500,
            nested_dotted_keys: true,
            undocumented_fields_500: true,
        }
    }

    /// Why the backend answers a query under `filters` (the JSON text) with HTTP 500, if
    /// it does: a field it cannot filter on.
    pub fn refuses(&self, filters: &str) -> Option<String> {
        let refuses_any = self.undocumented_fields_500 || self.updated_at_filter == UpdatedAtFilter::Http500;
        if !refuses_any || filters.is_empty() {
            return None;
        }
        let value: J = serde_json::from_str(filters).ok()?;
        let mut fields = Vec::new();
        field_names(&value, &mut fields);
        fields.into_iter().find_map(|field| {
            let updated = matches!(field.as_str(), "updatedAt" | "updated_at");
            let refused = match updated {
                true => self.updated_at_filter == UpdatedAtFilter::Http500,
                false => self.undocumented_fields_500 && !is_documented(&field),
            };
            refused.then(|| format!("cannot filter runs on {field:?}"))
        })
    }
}

/// Whether a filter field is one the backend documents.
pub fn is_documented(field: &str) -> bool {
    let keyed = |prefix: &str| field.strip_prefix(prefix).is_some_and(|key| !key.is_empty());
    DOCUMENTED_FIELDS.contains(&field) || keyed("config.") || keyed("summary_metrics.")
}

/// Every field a filter names, anywhere under `$and`, `$or` and `$nor`.
fn field_names(value: &J, out: &mut Vec<String>) {
    match value {
        J::Array(items) => items.iter().for_each(|item| field_names(item, out)),
        J::Object(object) => {
            for (key, inner) in object {
                match key.starts_with('$') {
                    true => field_names(inner, out),
                    false => out.push(key.clone()),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undocumented_fields_and_updated_at_are_refused_as_switched() {
        let real = RealBackend::all();
        let nested = r#"{"$and": [{"config.layer": {"$in": [6]}}, {"$or": [{"updatedAt": {"$gt": "x"}}]}]}"#;
        assert!(real.refuses(nested).unwrap().contains("updatedAt"));
        assert!(real.refuses(r#"{"lastUpdated": 1}"#).is_some());
        for documented in [
            r#"{"config.sae.layer": 6}"#,
            r#"{"summary_metrics.l2_loss": {"$lt": 1}}"#,
            r#"{"$and": [{"createdAt": {"$gte": "2025-01-01T00:00:00Z"}}, {"name": {"$gt": "a"}}]}"#,
        ] {
            assert_eq!(real.refuses(documented), None, "{documented}");
        }
        let nothing = RealBackend {
            updated_at_filter: UpdatedAtFilter::MatchesNothing,
            ..RealBackend::default()
        };
        assert_eq!(nothing.refuses(nested), None);
        assert_eq!(RealBackend::default().refuses(r#"{"lastUpdated": 1}"#), None);
    }
}
