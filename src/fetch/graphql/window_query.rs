//! The filters of a windowed fetch: a window's (the layer's filter, ANDed with a range of
//! creation seconds, and the runs of its edges already read left out), and the check of
//! the layer's first page (the runs created before a second).

use serde_json::{json, Value};

use super::timestamps::{filter_time, Second};

/// What a window's page asks for: the runs created in seconds `from ..= to` (from `from`
/// on when `to` is `None`), and those created at `top` or after, less the runs `seen`.
#[derive(Debug, Clone, Copy)]
pub struct WindowRange<'a> {
    pub from: Second,
    pub to: Option<Second>,
    pub top: Option<Second>,
    pub seen: &'a [String],
}

/// `filters` (a JSON object as text) narrowed to `range`. Upper bounds are written as
/// `$lt` the next second, so a time with a fraction is within its second.
pub fn window_filter(filters: &str, range: WindowRange<'_>) -> anyhow::Result<String> {
    let mut clauses: Vec<Value> = vec![serde_json::from_str(filters)?];
    let from = json!({ "$gte": filter_time(range.from) });
    match (range.to, range.top) {
        (None, _) => clauses.push(json!({ "createdAt": from })),
        (Some(to), None) => clauses.push(json!({
            "createdAt": { "$gte": filter_time(range.from), "$lt": filter_time(to + 1) }
        })),
        (Some(to), Some(top)) => {
            clauses.push(json!({ "createdAt": from }));
            clauses.push(json!({ "$or": [
                { "createdAt": { "$lt": filter_time(to + 1) } },
                { "createdAt": { "$gte": filter_time(top) } },
            ] }));
        }
    }
    if !range.seen.is_empty() {
        clauses.push(json!({ "name": { "$nin": range.seen } }));
    }
    Ok(json!({ "$and": clauses }).to_string())
}

/// `filters` narrowed to the runs created before `second`.
pub fn before_filter(filters: &str, second: Second) -> anyhow::Result<String> {
    let base: Value = serde_json::from_str(filters)?;
    Ok(json!({ "$and": [base, { "createdAt": { "$lt": filter_time(second) } }] }).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::graphql::timestamps::parse_second;

    #[test]
    fn a_window_ands_a_creation_range_into_the_layers_filter() {
        let layer = r#"{"config.layer":{"$in":[6]}}"#;
        let from = parse_second("2025-03-27T13:59:12").unwrap();
        let seen = ["a1".to_string()];
        let range = |to, top, seen| WindowRange { from, to, top, seen };
        let parse = |text: String| serde_json::from_str::<Value>(&text).unwrap();
        let closed = parse(window_filter(layer, range(Some(from + 59), None, &[])).unwrap());
        assert_eq!(
            closed,
            json!({"$and": [{"config.layer": {"$in": [6]}},
                {"createdAt": {"$gte": "2025-03-27T13:59:12Z", "$lt": "2025-03-27T14:00:12Z"}}]})
        );
        // The oldest end of the layer's top window: what its newest end read left out.
        let top = parse(window_filter(layer, range(Some(from + 59), Some(from + 600), &seen)).unwrap());
        assert_eq!(
            top["$and"][2],
            json!({"$or": [{"createdAt": {"$lt": "2025-03-27T14:00:12Z"}},
                {"createdAt": {"$gte": "2025-03-27T14:09:12Z"}}]})
        );
        assert_eq!(top["$and"][3], json!({"name": {"$nin": ["a1"]}}));
        // Open-ended: the filter a stream's next page has.
        let open = window_filter(layer, range(None, None, &seen)).unwrap();
        assert_eq!(
            open,
            r#"{"$and":[{"config.layer":{"$in":[6]}},{"createdAt":{"$gte":"2025-03-27T13:59:12Z"}},{"name":{"$nin":["a1"]}}]}"#
        );
        let before = parse(before_filter(layer, from).unwrap());
        assert_eq!(
            before["$and"][1],
            json!({"createdAt": {"$lt": "2025-03-27T13:59:12Z"}})
        );
    }
}
