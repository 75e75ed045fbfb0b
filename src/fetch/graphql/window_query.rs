//! The GraphQL of a windowed fetch: a window's filter (the layer's, ANDed with a
//! `createdAt` range), and the probe: one request counting the runs created before
//! several seconds at once (aliased `runCount`s), with the newest run's creation time
//! when asked.

use serde_json::{json, Map, Value};

use super::decode::{decode_data, DecodeError};
use super::timestamps::{filter_time, Second};

/// The most counts one probe asks for; more go in several requests.
pub const MAX_COUNTS_PER_PROBE: usize = 64;

/// `filters` (a JSON object as text) narrowed to the runs created in `[from, to)`, or from
/// `from` on when `to` is `None`.
pub fn window_filter(filters: &str, from: Second, to: Option<Second>) -> anyhow::Result<String> {
    let mut range = Map::new();
    range.insert("$gte".into(), json!(filter_time(from)));
    if let Some(to) = to {
        range.insert("$lt".into(), json!(filter_time(to)));
    }
    narrowed(filters, json!({ "createdAt": range }))
}

/// `filters` narrowed to the runs created before `second`.
pub fn before_filter(filters: &str, second: Second) -> anyhow::Result<String> {
    narrowed(filters, json!({ "createdAt": { "$lt": filter_time(second) } }))
}

fn narrowed(filters: &str, clause: Value) -> anyhow::Result<String> {
    let base: Value = serde_json::from_str(filters)?;
    Ok(json!({ "$and": [base, clause] }).to_string())
}

/// The probe's text: `counts` aliased counts (`c0`, `c1`, ... with filters `$f0`, `$f1`,
/// ...), and with `newest`, the newest run of `$filters` (one run, its creation time).
pub fn probe_query(counts: usize, newest: bool) -> String {
    let mut parameters = String::from("$project: String!, $entity: String!");
    let mut fields = String::new();
    if newest {
        parameters.push_str(", $filters: JSONString");
        fields.push_str(
            "    newest: runs(filters: $filters, first: 1, order: \"-created_at\") { edges { node { createdAt } } }\n",
        );
    }
    for i in 0..counts {
        parameters.push_str(&format!(", $f{i}: JSONString"));
        fields.push_str(&format!("    c{i}: runCount(filters: $f{i})\n"));
    }
    format!(
        "query WindowProbe({parameters}) {{\n  project(name: $project, entityName: $entity) {{\n{fields}  }}\n}}"
    )
}

/// The probe's variables: the runs of `filters` created before each of `seconds`, and with
/// `newest`, the newest run of `filters`.
pub fn probe_variables(
    entity: &str,
    project: &str,
    filters: &str,
    seconds: &[Second],
    newest: bool,
) -> anyhow::Result<Value> {
    let mut variables = Map::new();
    variables.insert("entity".into(), json!(entity));
    variables.insert("project".into(), json!(project));
    if newest {
        variables.insert("filters".into(), json!(filters));
    }
    for (i, second) in seconds.iter().enumerate() {
        variables.insert(format!("f{i}"), json!(before_filter(filters, *second)?));
    }
    Ok(Value::Object(variables))
}

/// What a probe answered: the counts in the order asked, and the newest run's creation
/// time (`None` when not asked for, or when no run matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeAnswer {
    pub counts: Vec<u64>,
    pub newest: Option<String>,
}

/// Reads a probe's answer; `Ok(None)` when the server says there is no such project.
pub fn read_probe(body: &[u8], counts: usize, newest: bool) -> Result<Option<ProbeAnswer>, DecodeError> {
    #[derive(serde::Deserialize)]
    struct Data {
        project: Option<Map<String, Value>>,
    }
    let Some(project) = decode_data::<Data>(body)?.project else {
        return Ok(None);
    };
    let shape = |path: String, reason: &str| DecodeError::Shape {
        path,
        reason: reason.into(),
    };
    let counts = (0..counts)
        .map(|i| {
            let path = format!("data.project.c{i}");
            project
                .get(&format!("c{i}"))
                .ok_or_else(|| shape(path.clone(), "missing"))?
                .as_u64()
                .ok_or_else(|| shape(path, "not a count"))
        })
        .collect::<Result<Vec<u64>, DecodeError>>()?;
    let newest = match newest {
        false => None,
        true => {
            let path = "data.project.newest.edges".to_string();
            let edges = project
                .get("newest")
                .and_then(|runs| runs.get("edges"))
                .and_then(Value::as_array)
                .ok_or_else(|| shape(path.clone(), "missing"))?;
            match edges.first() {
                None => None,
                Some(edge) => Some(
                    edge.pointer("/node/createdAt")
                        .and_then(Value::as_str)
                        .ok_or_else(|| shape(format!("{path}[0].node.createdAt"), "missing"))?
                        .to_string(),
                ),
            }
        }
    };
    Ok(Some(ProbeAnswer { counts, newest }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::graphql::timestamps::parse_second;

    #[test]
    fn a_window_ands_a_creation_range_into_the_layers_filter() {
        let layer = r#"{"config.layer":{"$in":[6]}}"#;
        let from = parse_second("2025-03-27T13:59:12").unwrap();
        let closed: Value =
            serde_json::from_str(&window_filter(layer, from, Some(from + 60)).unwrap()).unwrap();
        assert_eq!(
            closed,
            json!({"$and": [{"config.layer": {"$in": [6]}},
                {"createdAt": {"$gte": "2025-03-27T13:59:12Z", "$lt": "2025-03-27T14:00:12Z"}}]})
        );
        let open: Value = serde_json::from_str(&window_filter(layer, from, None).unwrap()).unwrap();
        assert_eq!(
            open["$and"][1],
            json!({"createdAt": {"$gte": "2025-03-27T13:59:12Z"}})
        );
        let before: Value = serde_json::from_str(&before_filter(layer, from).unwrap()).unwrap();
        assert_eq!(
            before["$and"][1],
            json!({"createdAt": {"$lt": "2025-03-27T13:59:12Z"}})
        );
    }

    #[test]
    fn a_probe_counts_under_aliases_and_reads_them_back_in_order() {
        let text = probe_query(2, true);
        assert!(text.contains("c0: runCount(filters: $f0)"), "{text}");
        assert!(text.contains("c1: runCount(filters: $f1)"), "{text}");
        assert!(text.contains("newest: runs(filters: $filters, first: 1, order: \"-created_at\")"));
        let variables = probe_variables("e", "p", r#"{"a":1}"#, &[0, 60], true).unwrap();
        assert_eq!(variables["filters"], r#"{"a":1}"#);
        assert_eq!(
            variables["f1"],
            r#"{"$and":[{"a":1},{"createdAt":{"$lt":"1970-01-01T00:01:00Z"}}]}"#
        );
        assert!(!probe_query(1, false).contains("newest"));

        let body = br#"{"data":{"project":{"newest":{"edges":[{"node":{"createdAt":"2025-03-27T14:00:00"}}]},"c1":7,"c0":3}}}"#;
        assert_eq!(
            read_probe(body, 2, true).unwrap(),
            Some(ProbeAnswer {
                counts: vec![3, 7],
                newest: Some("2025-03-27T14:00:00".into())
            })
        );
        let empty = br#"{"data":{"project":{"newest":{"edges":[]},"c0":0}}}"#;
        assert_eq!(read_probe(empty, 1, true).unwrap().unwrap().newest, None);
        assert_eq!(
            read_probe(br#"{"data":{"project":null}}"#, 1, false).unwrap(),
            None
        );
        let missing = read_probe(br#"{"data":{"project":{"c0":1}}}"#, 2, false).unwrap_err();
        assert!(matches!(missing, DecodeError::Shape { ref path, .. } if path == "data.project.c1"));
    }
}
