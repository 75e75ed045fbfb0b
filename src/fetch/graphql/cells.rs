//! A `JSONString`'s wanted values as export cells, read straight from its text in the
//! common case (flat keys, scalar values, config values in their `{"value": ...}` wrapper),
//! without building a JSON object first. Anything else is left to the general path
//! (`decode::json_object_text`, then `columns`), which gives the same cells.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::decode::quote_non_finite;

/// The cells of `keys` (none holding a dot) in the JSON object `text`: a missing key is an
/// empty cell; `config` unwraps each value's `{"value": ...}`. `None` when the text is not
/// such an object or a value is not a scalar: the general path then decides.
pub fn cells(text: &str, keys: &[String], config: bool) -> Option<Vec<String>> {
    let text = quote_non_finite(text);
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    let cells = (Object { keys, config }).deserialize(&mut deserializer).ok()??;
    deserializer.end().ok()?;
    Some(cells.into_iter().map(Option::unwrap_or_default).collect())
}

/// The top-level object: per wanted key its cell (the last one, as a JSON object keeps the
/// last of duplicate keys), `None` as a whole when a wanted value is unusual.
struct Object<'k> {
    keys: &'k [String],
    config: bool,
}

impl<'de> DeserializeSeed<'de> for Object<'_> {
    type Value = Option<Vec<Option<String>>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = Option<Vec<Option<String>>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut cells = vec![None; self.keys.len()];
        let mut usable = true;
        while let Some(wanted) = map.next_key_seed(Key(self.keys))? {
            match wanted {
                Some(index) if usable => match map.next_value_seed(Cell { config: self.config })? {
                    Some(cell) => cells[index] = Some(cell),
                    None => usable = false,
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(usable.then_some(cells))
    }
}

/// A key: the position of the wanted key it is, if any.
struct Key<'k>(&'k [String]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|wanted| wanted == key))
    }
}

/// A value as its cell (`decode::cell_text`'s text for scalars); `None` when it is not a
/// scalar (or, for config, not a scalar in a `{"value": ...}` wrapper).
struct Cell {
    config: bool,
}

impl<'de> DeserializeSeed<'de> for Cell {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Some(String::new()))
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Self::Value, E> {
        Ok(Some(flag.to_string()))
    }

    fn visit_i64<E>(self, int: i64) -> Result<Self::Value, E> {
        Ok(Some(itoa::Buffer::new().format(int).to_string()))
    }

    fn visit_u64<E>(self, int: u64) -> Result<Self::Value, E> {
        Ok(Some(match i64::try_from(int) {
            Ok(int) => itoa::Buffer::new().format(int).to_string(),
            Err(_) => (int as f64).to_string(),
        }))
    }

    fn visit_f64<E>(self, float: f64) -> Result<Self::Value, E> {
        Ok(Some(float.to_string()))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(text.to_string()))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Some(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let value = ["value".to_string()];
        let mut cell = None;
        let mut usable = self.config;
        while let Some(wanted) = map.next_key_seed(Key(&value))? {
            match wanted {
                Some(_) if usable => match map.next_value_seed(Cell { config: false })? {
                    Some(text) => cell = Some(text),
                    None => usable = false,
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(cell.filter(|_| usable))
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode::{cell_text, json_object_text, lookup, unwrap_config};
    use super::*;

    /// The general path's cells.
    fn general(text: &str, keys: &[String], config: bool) -> Result<Vec<String>, String> {
        let map = json_object_text(text)?;
        Ok(keys
            .iter()
            .map(|key| match config {
                true => cell_text(map.get(key).map(unwrap_config)),
                false => cell_text(lookup(&map, key)),
            })
            .collect())
    }

    #[test]
    fn the_cells_are_the_general_paths() {
        let keys: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let texts = [
            r#"{"a": 1, "b": 2.5, "c": "x"}"#,
            r#"{"a": NaN, "b": -Infinity, "z": [1, {"q": 2}], "c": null}"#,
            r#"{"b": true, "a": 1e-7, "a": 12288.0}"#,
            r#"{"a": 18446744073709551615, "b": -0.0, "c": -0}"#,
            r#"{"a": 0.1, "b": 1e22, "c": "\"quoted\" \u00e9"}"#,
            r#"{"a": {"value": 6, "desc": null}, "b": {"desc": "no value"}, "c": {"value": [1]}}"#,
            r#"{"a": {"value": {"deep": 1}}}"#,
            r#"{"a": {"value": 1, "value": 2}, "\u0062": {"value": "NaN"}}"#,
            r#"{"a": [1, 2]}"#,
            r#"{}"#,
            "null",
            r#"{"a": 1} trailing"#,
            r#"{"a": 1"#,
            r#"[1]"#,
        ];
        for text in texts {
            for config in [false, true] {
                if let Some(quick) = cells(text, &keys, config) {
                    assert_eq!(Ok(quick), general(text, &keys, config), "{text} config={config}");
                }
            }
        }
        for text in &texts[..5] {
            assert!(cells(text, &keys, false).is_some(), "{text}");
        }
        let flat = cells(r#"{"a": {"value": 6, "desc": null}, "c": 3}"#, &keys, true);
        assert_eq!(flat, Some(vec!["6".into(), "".into(), "3".into()]));
    }
}
