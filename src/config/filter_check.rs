//! A look at the user's W&B filter before it is sent: the fields and operators it uses
//! that W&B does not document. The backend may answer such a filter with HTTP 500, or
//! match nothing, so they are worth a warning (not an error: W&B may know more than it
//! documents).

use serde_json::Value;

/// The run fields W&B documents for filters, besides `config.KEY` and `summary_metrics.KEY`.
pub const FILTER_FIELDS: [&str; 11] = [
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

/// The operators W&B documents for filters.
pub const FILTER_OPERATORS: [&str; 13] = [
    "$and", "$or", "$nor", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex",
];

/// The undocumented fields and operators `filter` uses, each once, as `field "updatedAt"`
/// or `operator "$not"`, in the order they appear.
pub fn undocumented_parts(filter: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk_clause(filter, &mut found);
    found
}

/// One `--filter` warning line for `filter`, when it uses anything undocumented.
pub fn warning(filter: &Value) -> Option<String> {
    let parts = undocumented_parts(filter);
    (!parts.is_empty()).then(|| {
        format!(
            "--filter uses {}, which W&B does not document (fields: {}, config.KEY, summary_metrics.KEY; operators: {}); the server may refuse the filter (HTTP 500) or match nothing",
            parts.join(", "),
            FILTER_FIELDS.join(", "),
            FILTER_OPERATORS.join(" ")
        )
    })
}

/// A clause: an object of fields and logical operators (`$and: [clauses]`).
fn walk_clause(clause: &Value, found: &mut Vec<String>) {
    let Value::Object(map) = clause else { return };
    for (key, value) in map {
        match key.strip_prefix('$') {
            Some(_) => {
                note_operator(key, found);
                if let Value::Array(clauses) = value {
                    clauses.iter().for_each(|clause| walk_clause(clause, found));
                }
            }
            None => {
                if !is_documented_field(key) {
                    note(format!("field {key:?}"), found);
                }
                walk_condition(value, found);
            }
        }
    }
}

/// A field's condition: a value, or an object of operators (`{"$gt": 1}`).
fn walk_condition(condition: &Value, found: &mut Vec<String>) {
    let Value::Object(map) = condition else { return };
    for (key, value) in map.iter().filter(|(key, _)| key.starts_with('$')) {
        note_operator(key, found);
        walk_condition(value, found);
    }
}

fn note_operator(operator: &str, found: &mut Vec<String>) {
    if !FILTER_OPERATORS.contains(&operator) {
        note(format!("operator {operator:?}"), found);
    }
}

fn note(part: String, found: &mut Vec<String>) {
    if !found.contains(&part) {
        found.push(part);
    }
}

/// A documented field, or `config.KEY` (`config.KEY.value` too) or `summary_metrics.KEY`.
fn is_documented_field(field: &str) -> bool {
    let keyed = |prefix: &str| field.strip_prefix(prefix).is_some_and(|key| !key.is_empty());
    FILTER_FIELDS.contains(&field) || keyed("config.") || keyed("summary_metrics.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_fields_and_operators_pass() {
        let filter = json!({"$and": [
            {"config.lr": {"$lt": 0.001}},
            {"config.layer.value": {"$in": [6, 7]}},
            {"summary_metrics.l0_norm": {"$gte": 1, "$exists": true}},
            {"$or": [{"state": "finished"}, {"tags": {"$nin": ["bad"]}}]},
            {"createdAt": {"$gt": "2025-03-21T06:44:34Z"}},
            {"displayName": {"$regex": "^blocks"}},
        ]});
        assert_eq!(undocumented_parts(&filter), Vec::<String>::new());
        assert_eq!(warning(&filter), None);
    }

    #[test]
    fn undocumented_fields_and_operators_are_named_once_each() {
        let filter = json!({"$and": [
            {"updatedAt": {"$gt": "2025-03-21T06:44:34Z"}},
            {"config.": 1},
            {"state": {"$not": {"$eq": "crashed"}}},
            {"$or": [{"updatedAt": 1}, {"summary_metrics.x": {"$between": [1, 2]}}]},
        ]});
        assert_eq!(
            undocumented_parts(&filter),
            [
                "field \"updatedAt\"",
                "field \"config.\"",
                "operator \"$not\"",
                "operator \"$between\""
            ]
        );
        let line = warning(&filter).unwrap();
        assert!(line.starts_with("--filter uses field \"updatedAt\", "), "{line}");
        assert!(!line.contains('\n'));
    }
}
