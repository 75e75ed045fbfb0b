//! Decodes GraphQL answers: data or errors, run pages, and the JSON-string config/summary.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// The body is not JSON at all (an HTML page, a cut-off body).
    NotJson(String),
    /// JSON, but a field is missing or of the wrong type; `path` says which.
    Shape { path: String, reason: String },
    /// The server reported GraphQL errors.
    GraphQl(String),
}

/// A GraphQL error as servers send it.
#[derive(Debug, Deserialize)]
struct GraphQlError {
    message: Option<String>,
    path: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    data: Option<T>,
    errors: Option<Vec<GraphQlError>>,
}

/// Decodes `{"data": ..., "errors": [...]}`: any error, even beside data, is a failure.
pub fn decode_data<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    // The common case in one pass, straight from the bytes into `T` (a runs page is
    // decoded 3x faster than through a `Value`). Anything else (errors, null data, a field
    // of the wrong shape, not JSON) takes the careful path, which says what and where.
    if let Ok(Envelope {
        data: Some(data),
        errors,
    }) = serde_json::from_slice::<Envelope<T>>(body)
    {
        if errors.is_none_or(|errors| errors.is_empty()) {
            return Ok(data);
        }
    }
    decode_carefully(body)
}

/// The data of an answer without GraphQL errors, decoded straight from the bytes (so `T`
/// may borrow from them); `None` for anything else, which `decode_data` then explains.
pub fn decode_borrowed<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(Envelope {
            data: Some(data),
            errors,
        }) if errors.as_ref().is_none_or(|errors| errors.is_empty()) => Some(data),
        _ => None,
    }
}

/// `decode_data` through a `Value`, so a GraphQL error wins over a bad shape of the data,
/// and a bad shape is reported with its path.
fn decode_carefully<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let start = String::from_utf8_lossy(&body[..body.len().min(60)]).replace(['\n', '\r'], " ");
        DecodeError::NotJson(format!("{e} (body starts {start:?})"))
    })?;
    let envelope: Envelope<Value> = Envelope::deserialize(&value).map_err(|e| DecodeError::Shape {
        path: ".".into(),
        reason: e.to_string(),
    })?;
    if let Some(errors) = envelope.errors.filter(|e| !e.is_empty()) {
        return Err(DecodeError::GraphQl(describe_errors(&errors)));
    }
    let data = envelope.data.unwrap_or(Value::Null);
    serde_path_to_error::deserialize(data).map_err(|e| DecodeError::Shape {
        path: format!("data.{}", e.path()),
        reason: e.inner().to_string(),
    })
}

fn describe_errors(errors: &[GraphQlError]) -> String {
    let first = &errors[0];
    let message = first
        .message
        .as_deref()
        .unwrap_or("(no message)")
        .replace('\n', " ");
    let path = first.path.as_ref().map(|p| {
        let parts: Vec<String> = p
            .iter()
            .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
            .collect();
        format!(" at {}", parts.join("."))
    });
    let more = if errors.len() > 1 {
        format!(" (+{} more)", errors.len() - 1)
    } else {
        String::new()
    };
    format!("{message}{}{more}", path.unwrap_or_default())
}

/// `viewer { entity }`.
#[derive(Debug, Deserialize)]
pub struct ViewerData {
    pub viewer: Option<Viewer>,
}

#[derive(Debug, Deserialize)]
pub struct Viewer {
    pub entity: Option<String>,
}

/// The count-only query.
#[derive(Debug, Deserialize)]
pub struct CountData {
    pub project: Option<ProjectCount>,
}

#[derive(Debug, Deserialize)]
pub struct ProjectCount {
    #[serde(rename = "runCount")]
    pub run_count: u64,
}

/// One page of the runs query.
#[derive(Debug, Deserialize)]
pub struct RunsData {
    pub project: Option<ProjectRuns>,
}

#[derive(Debug, Deserialize)]
pub struct ProjectRuns {
    #[serde(rename = "runCount")]
    pub run_count: Option<u64>,
    pub runs: RunConnection,
}

#[derive(Debug, Deserialize)]
pub struct RunConnection {
    pub edges: Vec<RunEdge>,
    #[serde(rename = "pageInfo")]
    pub page_info: PageInfo,
}

#[derive(Debug, Deserialize)]
pub struct RunEdge {
    pub node: RunNode,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageInfo {
    #[serde(rename = "hasNextPage")]
    pub has_next_page: bool,
}

/// A run as the server describes it; config and summary already decoded to JSON objects.
#[derive(Debug, Deserialize)]
pub struct RunNode {
    /// The 8-character run id (the opaque GraphQL `id` is not asked for).
    pub name: String,
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
    pub state: Option<String>,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    /// When the run's record last changed; null on some servers.
    #[serde(rename = "updatedAt", default)]
    pub updated_at: Option<String>,
    #[serde(default, deserialize_with = "json_string")]
    pub config: Map<String, Value>,
    #[serde(rename = "summaryMetrics", default, deserialize_with = "json_string")]
    pub summary_metrics: Map<String, Value>,
}

/// A `JSONString` field: a JSON-encoded string (bare `NaN`/`Infinity` allowed), an object, or null.
fn json_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Map<String, Value>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map),
        Value::String(text) => json_object_text(&text).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!(
            "expected a JSON string or object, got {other}"
        ))),
    }
}

/// The object a `JSONString`'s text holds (`null` is an empty one).
pub fn json_object_text(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(&quote_non_finite(text)) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(format!("expected a JSON object, got {other}")),
        Err(e) => Err(format!("not a JSON string: {e}")),
    }
}

/// Turns the bare `NaN`, `Infinity`, `-Infinity` the W&B SDK writes into JSON strings,
/// leaving string contents alone, so serde_json can read the rest.
pub fn quote_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("NaN") && !text.contains("Infinity") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        match token {
            Some(token) => {
                out.push('"');
                out.push_str(token);
                out.push('"');
                rest = &rest[token.len()..];
            }
            None => {
                in_string = c == '"';
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out.into()
}

/// The value at `path`: the key itself when present (keys may hold dots), else a walk
/// through nested objects along the dots (`val_loss.min`).
pub fn lookup<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = map.get(path) {
        return Some(value);
    }
    let (head, tail) = path.split_once('.')?;
    match map.get(head)? {
        Value::Object(inner) => lookup(inner, tail),
        _ => None,
    }
}

/// A config value with W&B's `{"value": ...}` wrapper removed.
pub fn unwrap_config(value: &Value) -> &Value {
    match value {
        Value::Object(map) if map.contains_key("value") => &map["value"],
        other => other,
    }
}

/// A value as an export cell: numbers as shortest round-trip text, non-finite as W&B
/// exports them, strings bare, missing as empty, anything else as JSON.
pub fn cell_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(int) => int.to_string(),
            None => number
                .as_f64()
                .map_or_else(|| number.to_string(), |f| f.to_string()),
        },
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_non_finite_tokens_become_strings_outside_strings_only() {
        let text = r#"{"a": NaN, "b": -Infinity, "c": "NaN Infinity \" NaN", "d": [Infinity]}"#;
        let value: Value = serde_json::from_str(&quote_non_finite(text)).unwrap();
        assert_eq!(value["a"], "NaN");
        assert_eq!(value["b"], "-Infinity");
        assert_eq!(value["c"], "NaN Infinity \" NaN");
        assert_eq!(value["d"][0], "Infinity");
    }

    #[test]
    fn errors_fail_even_beside_data() {
        let body =
            br#"{"data": {"viewer": null}, "errors": [{"message": "boom", "path": ["project", "runs"]}]}"#;
        let err = decode_data::<ViewerData>(body).unwrap_err();
        assert_eq!(err, DecodeError::GraphQl("boom at project.runs".into()));
    }

    #[test]
    fn a_bad_node_names_the_path_of_the_bad_field() {
        let body = br#"{"data": {"project": {"runs": {"pageInfo": {"hasNextPage": false},
            "edges": [{"cursor": "x", "node": {"id": "i", "name": "n", "createdAt": 5}}]}}}}"#;
        match decode_data::<RunsData>(body).unwrap_err() {
            DecodeError::Shape { path, .. } => assert_eq!(path, "data.project.runs.edges[0].node.createdAt"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_one_pass_decode_agrees_with_the_careful_one() {
        let bodies: [&[u8]; 7] = [
            br#"{"data": {"project": {"runCount": 2, "runs": {"pageInfo": {"hasNextPage": true, "endCursor": "e"},
                "edges": [{"cursor": "c", "node": {"id": "i", "name": "n", "displayName": "d", "state": "finished",
                "createdAt": "2023-11-05T17:46:35", "config": "{\"layer\": {\"value\": 6}}",
                "summaryMetrics": "{\"l2_loss\": NaN, \"l0_norm\": 3}"}}]}}}, "errors": []}"#,
            br#"{"data": {"project": {"runs": {"pageInfo": {"hasNextPage": false}, "edges": []}}}}"#,
            br#"{"data": {"project": null}}"#,
            br#"{"data": null}"#,
            br#"{"data": {"project": null}, "errors": [{"message": "boom"}]}"#,
            br#"{"data": {"project": null}, "data": {"project": {"runs": 5}}}"#,
            br#"{"data": {"project": null}} trailing"#,
        ];
        for body in bodies {
            let fast = format!("{:?}", decode_data::<RunsData>(body));
            let careful = format!("{:?}", decode_carefully::<RunsData>(body));
            assert_eq!(fast, careful, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn summaries_arrive_as_strings_or_objects() {
        let body = br#"{"data": {"project": {"runCount": 1, "runs": {"pageInfo": {"hasNextPage": false},
            "edges": [{"cursor": "c", "node": {"id": "i", "name": "n", "createdAt": "2023-11-05T17:46:35",
            "config": "{\"layer\": {\"value\": 6, \"desc\": null}}",
            "summaryMetrics": {"l2_loss": 0.5, "val": {"min": 1}}}}]}}}}"#;
        let data: RunsData = decode_data(body).unwrap();
        let node = &data.project.unwrap().runs.edges[0].node;
        assert_eq!(unwrap_config(&node.config["layer"]), &Value::from(6));
        assert_eq!(cell_text(lookup(&node.summary_metrics, "val.min")), "1");
        assert_eq!(cell_text(lookup(&node.summary_metrics, "l2_loss")), "0.5");
    }
}
