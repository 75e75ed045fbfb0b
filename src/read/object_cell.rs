//! A metric cell that holds a JSON object, as W&B stores a summary written with
//! `define_metric(..., summary="min")` (`{"min": 0.05}`) or a histogram: no number to
//! tabulate, but a key inside it may be one, which a dotted `--column` path reads.

use serde_json::{Map, Value};

/// The most keys of an object a message lists.
const SHOWN_KEYS: usize = 4;

/// Why a metric cell of column `key` (the role `role`'s) is no number when it is a JSON
/// object, with the `--column` that reads a number inside it; `None` for any other cell.
pub fn object_reason(bytes: &[u8], key: &str, role: &str) -> Option<String> {
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let object = serde_json::from_slice::<Map<String, Value>>(bytes).ok()?;
    let shown = shown_keys(&object);
    let numeric = object.iter().find(|(_, value)| value.is_number());
    Some(match numeric {
        Some((inner, _)) => format!("{key} is {shown}: use --column {role}={key}.{inner}"),
        None => format!(
            "{key} is {shown}, which holds no number: name the summary key of one with --column {role}=KEY"
        ),
    })
}

/// `{"min": …, "max": …}`: the object's first keys, their values left out.
fn shown_keys(object: &Map<String, Value>) -> String {
    let mut keys: Vec<String> = (object.keys().take(SHOWN_KEYS))
        .map(|key| format!("{}: …", Value::from(key.as_str())))
        .collect();
    if object.len() > SHOWN_KEYS {
        keys.push(format!("and {} more", object.len() - SHOWN_KEYS));
    }
    format!("{{{}}}", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_names_its_keys_and_the_column_that_reads_a_number_in_it() {
        assert_eq!(
            object_reason(br#"{"min":0.05}"#, "l2_loss", "error").as_deref(),
            Some(r#"l2_loss is {"min": …}: use --column error=l2_loss.min"#)
        );
        let histogram = br#"{"_type":"histogram","bins":[1,2],"values":[3]}"#;
        let reason = object_reason(histogram, "l0_norm", "l0").unwrap();
        assert!(
            reason.starts_with(r#"l0_norm is {"_type": …, "bins": …, "values": …}, which holds no number"#)
        );
        assert!(reason.ends_with("--column l0=KEY"), "{reason}");
        let wide = br#"{"a":"x","b":1,"c":2,"d":3,"e":4,"f":5}"#;
        assert_eq!(
            object_reason(wide, "m", "error").as_deref(),
            Some(r#"m is {"a": …, "b": …, "c": …, "d": …, and 2 more}: use --column error=m.b"#)
        );
        for cell in ["0.5", "", "{not json", "[1]", "NaN"] {
            assert_eq!(object_reason(cell.as_bytes(), "m", "error"), None, "{cell}");
        }
    }
}
