//! The value type of run summaries and filter operands: JSON plus non-finite floats, which
//! serde_json cannot hold, so their JSON text (bare `NaN`, `Infinity`) is written by hand.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One summary (or unwrapped config) value.
#[derive(Clone, Debug, PartialEq)]
pub enum SummaryValue {
    Null,
    Bool(bool),
    Int(i64),
    /// Any f64, NaN and the infinities included.
    Float(f64),
    Str(String),
    List(Vec<SummaryValue>),
    Object(BTreeMap<String, SummaryValue>),
}

impl From<f64> for SummaryValue {
    fn from(v: f64) -> Self {
        SummaryValue::Float(v)
    }
}
impl From<i64> for SummaryValue {
    fn from(v: i64) -> Self {
        SummaryValue::Int(v)
    }
}
impl From<&str> for SummaryValue {
    fn from(v: &str) -> Self {
        SummaryValue::Str(v.to_string())
    }
}
impl From<String> for SummaryValue {
    fn from(v: String) -> Self {
        SummaryValue::Str(v)
    }
}
impl From<bool> for SummaryValue {
    fn from(v: bool) -> Self {
        SummaryValue::Bool(v)
    }
}

impl SummaryValue {
    /// A nested object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, SummaryValue)>) -> Self {
        SummaryValue::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn from_json(v: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        match v {
            J::Null => SummaryValue::Null,
            J::Bool(b) => SummaryValue::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => SummaryValue::Int(i),
                None => SummaryValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => SummaryValue::Str(s.clone()),
            J::Array(a) => SummaryValue::List(a.iter().map(Self::from_json).collect()),
            J::Object(m) => {
                SummaryValue::Object(m.iter().map(|(k, v)| (k.clone(), Self::from_json(v))).collect())
            }
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            SummaryValue::Int(i) => Some(*i as f64),
            SummaryValue::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Walks into nested objects along `path` (empty path: `self`).
    pub fn get_path(&self, path: &[String]) -> Option<&SummaryValue> {
        let mut cur = self;
        for seg in path {
            match cur {
                SummaryValue::Object(m) => cur = m.get(seg)?,
                _ => return None,
            }
        }
        Some(cur)
    }

    /// JSON text as the W&B SDK writes it (Python `json.dumps` separators), with bare
    /// `NaN`, `Infinity`, `-Infinity` for non-finite floats.
    pub fn to_json_text(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    pub fn write_json(&self, out: &mut String) {
        match self {
            SummaryValue::Null => out.push_str("null"),
            SummaryValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            SummaryValue::Int(i) => {
                let _ = write!(out, "{i}");
            }
            SummaryValue::Float(f) => write_float(out, *f),
            SummaryValue::Str(s) => write_json_str(out, s),
            SummaryValue::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            SummaryValue::Object(m) => write_object(out, m.iter()),
        }
    }

    /// The text of this value in a W&B web-UI CSV export cell (unquoted).
    pub fn csv_text(&self) -> String {
        match self {
            SummaryValue::Null => String::new(),
            SummaryValue::Bool(b) => b.to_string(),
            SummaryValue::Int(i) => i.to_string(),
            SummaryValue::Float(f) => float_display(*f),
            SummaryValue::Str(s) => s.clone(),
            other => other.to_json_text(),
        }
    }

    /// Equality as the filters see it: numbers numerically (6 == 6.0), others structurally.
    pub fn loose_eq(&self, other: &SummaryValue) -> bool {
        use SummaryValue as V;
        match (self, other) {
            (V::Int(a), V::Int(b)) => a == b,
            (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => self.as_f64() == other.as_f64(),
            (V::Str(a), V::Str(b)) => a == b,
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::Null, V::Null) => true,
            (V::List(a), V::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.loose_eq(y)),
            (V::Object(a), V::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| x.loose_eq(y)))
            }
            _ => false,
        }
    }

    /// Ordering as the filters see it: numbers numerically, strings lexically, else none.
    pub fn loose_cmp(&self, other: &SummaryValue) -> Option<Ordering> {
        use SummaryValue as V;
        match (self, other) {
            (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
            (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => {
                self.as_f64()?.partial_cmp(&other.as_f64()?)
            }
            (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// `{"k": v, ...}` with Python's separators.
pub fn write_object<'a>(out: &mut String, entries: impl Iterator<Item = (&'a String, &'a SummaryValue)>) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_json_str(out, k);
        out.push_str(": ");
        v.write_json(out);
    }
    out.push('}');
}

/// `s` as a JSON string, escaped as serde_json escapes it (most keys and values need none).
pub fn write_json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("a str always serializes"));
    }
}

/// Finite floats keep a fraction or exponent (`20000.0`, `1e-7`), as Python's repr does.
pub fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        let _ = write!(out, "{f:?}");
    }
}

/// Rust's shortest round-trip Display, with the web UI's non-finite spellings.
pub fn float_display(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        format!("{f}")
    }
}
