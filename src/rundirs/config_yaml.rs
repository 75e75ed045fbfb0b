//! A run folder's `files/config.yaml`, as the SDK writes it: each key a mapping
//! `{value: V}` (older SDKs add `desc: null`), plus the SDK's own `_wandb` key and, in older
//! ones, a bare `wandb_version: 1`. Read with saphyr (YAML 1.2, which reads what PyYAML
//! writes for config values: plain numbers, `.nan`, `.inf`, quoted strings, nested maps and
//! lists) into JSON values, the `value` of each key unwrapped.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Number, Value};

/// The SDK's own keys, never a run's config.
pub const INTERNAL_KEYS: [&str; 2] = ["_wandb", "wandb_version"];

/// The config `text` holds, each key's `value` unwrapped (a key without one is taken as
/// it is); `Err` says where the YAML breaks, or that it is not a mapping.
pub fn parse(text: &str) -> Result<Map<String, Value>, String> {
    let documents = Yaml::load_from_str(text).map_err(|e| {
        let at = e.marker();
        format!(
            "not YAML at line {} column {}: {}",
            at.line(),
            at.col() + 1,
            e.info()
        )
    })?;
    let Some(document) = documents.into_iter().next() else {
        return Ok(Map::new());
    };
    let Yaml::Mapping(mapping) = document else {
        return match json_of(&document) {
            Value::Null => Ok(Map::new()),
            other => Err(format!("not a mapping of config keys but {}", kind(&other))),
        };
    };
    let mut config = Map::new();
    for (key, entry) in &mapping {
        let key = key_text(key);
        if INTERNAL_KEYS.contains(&key.as_str()) {
            continue;
        }
        let value = match json_of(entry) {
            Value::Object(mut wrapped) if wrapped.contains_key("value") => {
                wrapped.remove("value").unwrap_or_default()
            }
            other => other,
        };
        config.insert(key, value);
    }
    Ok(config)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "a list",
        Value::String(_) => "text",
        _ => "a single value",
    }
}

/// A mapping key as text: strings as they are, other scalars as YAML writes them.
fn key_text(key: &Yaml) -> String {
    match json_of(key) {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// A YAML node as JSON: `.nan` and `.inf` become the strings W&B exports write for them
/// (JSON has no such numbers), tags are dropped, and an alias (which the SDK never writes)
/// is null.
pub fn json_of(node: &Yaml) -> Value {
    match node {
        Yaml::Value(scalar) => scalar_json(scalar),
        Yaml::Representation(text, _, _) => Value::String(text.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(json_of).collect()),
        Yaml::Mapping(mapping) => Value::Object(
            (mapping.iter())
                .map(|(key, value)| (key_text(key), json_of(value)))
                .collect(),
        ),
        Yaml::Tagged(_, inner) => json_of(inner),
        Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
}

fn scalar_json(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(flag) => Value::Bool(*flag),
        Scalar::Integer(int) => Value::from(*int),
        Scalar::FloatingPoint(float) => float_json(float.into_inner()),
        Scalar::String(text) => Value::String(text.to_string()),
    }
}

/// A float as JSON, the non-finite ones as the text W&B's exports give them.
fn float_json(float: f64) -> Value {
    match Number::from_f64(float) {
        Some(number) => Value::Number(number),
        None if float.is_nan() => Value::String("NaN".into()),
        None if float > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_layouts_of_the_sdk_read_to_the_same_values() {
        let older = "wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.15.12\n    t:\n      1: [1, 55]\nhook_layer:\n  desc: null\n  value: 6\nsae_type:\n  desc: null\n  value: topk\nlr:\n  desc: null\n  value: 0.0003\nnested:\n  desc: null\n  value:\n    a: 1\n";
        let newer = "_wandb:\n  value:\n    cli_version: 0.31.0\n    t:\n      \"1\":\n      - 1\nhook_layer:\n  value: 6\nsae_type:\n  value: topk\nlr:\n  value: 0.0003\nnested:\n  value:\n    a: 1\n";
        let expected = json!({"hook_layer": 6, "sae_type": "topk", "lr": 0.0003, "nested": {"a": 1}});
        for text in [older, newer] {
            assert_eq!(Value::Object(parse(text).unwrap()), expected, "{text}");
        }
    }

    #[test]
    fn values_keep_their_yaml_types_and_non_finite_floats_become_text() {
        let text = "a:\n  value: '6'\nb:\n  value: 1.0e-05\nc:\n  value: .nan\nd:\n  value: -.inf\ne:\n  value: [1, two, null]\nf:\n  value: true\ng: 7\n";
        let config = parse(text).unwrap();
        assert_eq!(
            Value::Object(config),
            json!({"a": "6", "b": 1e-05, "c": "NaN", "d": "-Infinity", "e": [1, "two", null], "f": true, "g": 7})
        );
    }

    #[test]
    fn a_half_written_file_says_where_it_breaks() {
        let error = parse("layer:\n  value: 6\nsae_type:\n  value: \"top").unwrap_err();
        assert!(error.starts_with("not YAML at line 4"), "{error}");
        assert!(parse("- a\n- b\n").unwrap_err().contains("a list"));
        assert!(parse("").unwrap().is_empty());
    }
}
