//! A census of the keys runs carry: for each config or summary key (or export column),
//! the types its values have, how many runs carry it, a few of its values, and the whole
//! numbers and texts it holds (what a layer list or a layer regex is read from).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

/// Where a key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// The run's config (online).
    Config,
    /// The run's summary metrics (online).
    Summary,
    /// An export's column: config or summary, an export does not say which.
    Column,
    /// One of W&B's own columns of an export (`Name`, `State`, `Created`, ...).
    Metadata,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Config => "config",
            Place::Summary => "summary",
            Place::Column => "column",
            Place::Metadata => "W&B column",
        }
    }

    /// What a key here is called: `config key`, `summary key`, `export column`.
    pub fn noun(self) -> &'static str {
        match self {
            Place::Config => "config key",
            Place::Summary => "summary key",
            Place::Column => "export column",
            Place::Metadata => "W&B column",
        }
    }
}

/// A value's type, as `keys` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Integer,
    Number,
    String,
    Bool,
    Object,
    Array,
    Null,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Bool => "bool",
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::Null => "null",
        }
    }

    /// Of a JSON value; W&B's `"NaN"` and `"Infinity"` (quoted when its JSON was read) are
    /// numbers.
    pub fn of(value: &Value) -> Kind {
        match value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(number) if number.is_f64() => Kind::Number,
            Value::Number(_) => Kind::Integer,
            Value::String(text) if is_non_finite(text) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }
}

fn is_non_finite(text: &str) -> bool {
    matches!(text, "NaN" | "Infinity" | "-Infinity")
}

/// The most distinct values a key's census keeps (its samples, texts and whole numbers).
const KEPT_VALUES: usize = 256;

/// The most characters of a value kept (a histogram's JSON is thousands).
const KEPT_CHARS: usize = 200;

/// What the runs hold under one key.
#[derive(Debug, Clone)]
pub struct KeyStat {
    pub key: String,
    pub place: Place,
    pub kinds: BTreeSet<Kind>,
    /// Runs that carry the key (a null value counts; an empty export cell does not).
    pub runs: u64,
    /// Distinct values as text, in the order first seen (at most `KEPT_VALUES`, each cut
    /// to `KEPT_CHARS` characters).
    pub values: Vec<String>,
    /// `values`, to tell a new one quickly.
    seen: HashSet<String>,
    /// Whether more distinct values were seen than kept.
    pub more_values: bool,
    /// The whole-number values (`6`, `6.0`), at most `KEPT_VALUES`.
    pub whole: BTreeSet<i64>,
    /// Values that are numbers but not whole.
    pub fractional: bool,
}

impl KeyStat {
    fn new(key: &str, place: Place) -> KeyStat {
        KeyStat {
            key: key.to_string(),
            place,
            kinds: BTreeSet::new(),
            runs: 0,
            values: Vec::new(),
            seen: HashSet::new(),
            more_values: false,
            whole: BTreeSet::new(),
            fractional: false,
        }
    }

    /// Whether every value is a number (integer or not) or null.
    pub fn numeric(&self) -> bool {
        self.has_any(&[Kind::Integer, Kind::Number]) && self.only(&[Kind::Integer, Kind::Number, Kind::Null])
    }

    /// Whether every value is a whole number (or null).
    pub fn whole_numbers(&self) -> bool {
        self.numeric() && !self.fractional && !self.whole.is_empty()
    }

    /// Whether every value is text (or null).
    pub fn text(&self) -> bool {
        self.has_any(&[Kind::String]) && self.only(&[Kind::String, Kind::Null])
    }

    fn has_any(&self, kinds: &[Kind]) -> bool {
        kinds.iter().any(|kind| self.kinds.contains(kind))
    }

    fn only(&self, kinds: &[Kind]) -> bool {
        self.kinds.iter().all(|kind| kinds.contains(kind))
    }

    /// The types, `/`-joined (`integer/string`).
    pub fn kinds_text(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|kind| kind.as_str()).collect();
        kinds.join("/")
    }

    fn observe(&mut self, value: &Value) {
        let kind = Kind::of(value);
        self.kinds.insert(kind);
        match value {
            Value::Number(number) => match number.as_f64() {
                Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => self.keep_whole(float as i64),
                _ => self.fractional = true,
            },
            Value::String(text) if is_non_finite(text) => self.fractional = true,
            _ => {}
        }
        if self.more_values {
            return;
        }
        let text = sample_text(value);
        if self.seen.contains(&text) {
            return;
        }
        match self.values.len() < KEPT_VALUES {
            true => {
                self.seen.insert(text.clone());
                self.values.push(text);
            }
            false => self.more_values = true,
        }
    }

    fn keep_whole(&mut self, whole: i64) {
        if self.whole.len() < KEPT_VALUES {
            self.whole.insert(whole);
        }
    }
}

/// A value as `keys` shows it: text quoted, numbers as written, objects and arrays as JSON.
fn sample_text(value: &Value) -> String {
    let text = match value {
        Value::String(text) if is_non_finite(text) => text.clone(),
        other => other.to_string(),
    };
    match text.char_indices().nth(KEPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Every key the runs read so far carry, and how many runs were read in which state.
#[derive(Debug, Clone, Default)]
pub struct Census {
    pub runs: u64,
    /// Runs per state, when the runs say their state.
    pub states: BTreeMap<String, u64>,
    keys: BTreeMap<(Place, String), KeyStat>,
}

impl Census {
    /// Counts one run in `state`.
    pub fn add_run(&mut self, state: Option<&str>) {
        self.runs += 1;
        if let Some(state) = state.filter(|state| !state.is_empty()) {
            *self.states.entry(state.to_lowercase()).or_default() += 1;
        }
    }

    /// Records that the run just added carries `key` at `place` with `value`.
    pub fn observe(&mut self, place: Place, key: &str, value: &Value) {
        let stat = (self.keys)
            .entry((place, key.to_string()))
            .or_insert_with(|| KeyStat::new(key, place));
        stat.runs += 1;
        stat.observe(value);
    }

    /// Every key, by place and then name.
    pub fn keys(&self) -> impl Iterator<Item = &KeyStat> {
        self.keys.values()
    }

    /// The key `key` at any of `places`.
    pub fn find(&self, key: &str, places: &[Place]) -> Option<&KeyStat> {
        (places.iter()).find_map(|place| self.keys.get(&(*place, key.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_counts_and_values_are_kept_per_key() {
        let mut census = Census::default();
        for (state, layer, k) in [
            ("finished", json!(6), Some(json!(32))),
            ("crashed", json!("7"), None),
        ] {
            census.add_run(Some(state));
            census.observe(Place::Config, "layer", &layer);
            if let Some(k) = k {
                census.observe(Place::Config, "k", &k);
            }
            census.observe(Place::Summary, "loss", &json!("NaN"));
        }
        assert_eq!(census.runs, 2);
        assert_eq!(census.states.get("crashed"), Some(&1));
        let layer = census.find("layer", &[Place::Config]).unwrap();
        assert_eq!((layer.runs, layer.kinds_text().as_str()), (2, "integer/string"));
        assert_eq!(layer.values, ["6", "\"7\""]);
        assert!(!layer.numeric());
        let k = census.find("k", &[Place::Summary, Place::Config]).unwrap();
        assert!(k.whole_numbers() && k.runs == 1);
        let loss = census.find("loss", &[Place::Summary]).unwrap();
        assert!(loss.numeric() && !loss.whole_numbers(), "{loss:?}");
        assert_eq!(loss.values, ["NaN"]);
    }

    #[test]
    fn a_whole_float_is_a_whole_number_and_a_fraction_is_not() {
        let mut census = Census::default();
        census.add_run(None);
        census.observe(Place::Column, "d", &json!(16384.0));
        assert!(census.find("d", &[Place::Column]).unwrap().whole_numbers());
        census.observe(Place::Column, "d", &json!(0.5));
        assert!(!census.find("d", &[Place::Column]).unwrap().whole_numbers());
    }
}
