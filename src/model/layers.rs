//! Which layers reach the table: every layer the runs are in, or a list (`--layers 6,7,8`,
//! `--layers 4-10`, `--layers all`, the profile's `layers`).

use std::fmt;

/// The layers a table keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LayerSet {
    /// Every layer a run is in.
    #[default]
    All,
    /// These layers, ascending, each once.
    Only(Vec<i64>),
}

/// The most layers a range may name: a typo like `4-1000000000` is refused, not expanded.
const MOST_LAYERS: i64 = 100_000;

impl LayerSet {
    /// The set of `layers`, sorted and without repeats.
    pub fn only(layers: impl IntoIterator<Item = i64>) -> LayerSet {
        let mut layers: Vec<i64> = layers.into_iter().collect();
        layers.sort_unstable();
        layers.dedup();
        LayerSet::Only(layers)
    }

    pub fn contains(&self, layer: i64) -> bool {
        match self {
            LayerSet::All => true,
            LayerSet::Only(layers) => layers.binary_search(&layer).is_ok(),
        }
    }

    /// The listed layers; `None` for every layer.
    pub fn listed(&self) -> Option<&[i64]> {
        match self {
            LayerSet::All => None,
            LayerSet::Only(layers) => Some(layers),
        }
    }

    /// Reads `all`, or layers and ranges separated by commas and/or blanks: `6,7,8`,
    /// `6, 7`, `4-10`, `4-6,9`. The error says what was wrong and what is accepted.
    pub fn parse(text: &str) -> Result<LayerSet, String> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("all") {
            return Ok(LayerSet::All);
        }
        let mut layers = Vec::new();
        for part in trimmed.split([',', ' ', '\t']).filter(|part| !part.is_empty()) {
            layers.extend(parse_part(part)?);
            if layers.len() as i64 > MOST_LAYERS {
                return Err(format!("{text:?} names more than {MOST_LAYERS} layers"));
            }
        }
        if layers.is_empty() {
            return Err(format!("{text:?} names no layer; {ACCEPTED}"));
        }
        Ok(LayerSet::only(layers))
    }
}

const ACCEPTED: &str = "give layers and ranges such as 6,7,8 or 4-10 or 4-6,9, or all";

/// One comma-separated part: `6`, or a range `4-10` (both ends included).
fn parse_part(part: &str) -> Result<Vec<i64>, String> {
    let number = |text: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| format!("{part:?} is not a layer or a range of layers; {ACCEPTED}"))
    };
    // A leading '-' is a negative layer's sign, not a range.
    let split = part.char_indices().skip(1).find(|&(_, c)| c == '-');
    let Some((dash, _)) = split else {
        return Ok(vec![number(part)?]);
    };
    let (first, last) = (number(&part[..dash])?, number(&part[dash + 1..])?);
    if last < first {
        return Err(format!("{part:?} runs backwards; write it as {last}-{first}"));
    }
    if last - first >= MOST_LAYERS {
        return Err(format!("{part:?} names more than {MOST_LAYERS} layers"));
    }
    Ok((first..=last).collect())
}

/// `all`, or the layers with runs of three or more written as ranges: `4-10`, `4-6, 9`.
impl fmt::Display for LayerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let LayerSet::Only(layers) = self else {
            return f.write_str("all");
        };
        let mut parts = Vec::new();
        let mut at = 0;
        while at < layers.len() {
            let mut end = at;
            while end + 1 < layers.len() && layers[end + 1] == layers[end] + 1 {
                end += 1;
            }
            parts.push(match end - at {
                0 => layers[at].to_string(),
                1 => format!("{}, {}", layers[at], layers[end]),
                _ => format!("{}-{}", layers[at], layers[end]),
            });
            at = end + 1;
        }
        f.write_str(&parts.join(", "))
    }
}

/// As a profile writes it: a list of numbers, or `"all"`.
impl serde::Serialize for LayerSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LayerSet::All => serializer.serialize_str("all"),
            LayerSet::Only(layers) => layers.serialize(serializer),
        }
    }
}

/// A profile's `layers`: a list of numbers, or a string as `--layers` takes it.
impl<'de> serde::Deserialize<'de> for LayerSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LayersVisitor)
    }
}

struct LayersVisitor;

impl<'de> serde::de::Visitor<'de> for LayersVisitor {
    type Value = LayerSet;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of layers such as [6, 7, 8], or a string such as \"4-10\" or \"all\"")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<LayerSet, A::Error> {
        let mut layers = Vec::new();
        while let Some(layer) = seq.next_element::<i64>()? {
            layers.push(layer);
        }
        if layers.is_empty() {
            return Err(serde::de::Error::custom(
                "layers = [] names no layer; list them, or write layers = \"all\"",
            ));
        }
        Ok(LayerSet::only(layers))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<LayerSet, E> {
        LayerSet::parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_ranges_blanks_and_all() {
        let only = |layers: &[i64]| Ok(LayerSet::Only(layers.to_vec()));
        assert_eq!(LayerSet::parse("6,7,8"), only(&[6, 7, 8]));
        assert_eq!(LayerSet::parse("6, 7"), only(&[6, 7]));
        assert_eq!(LayerSet::parse(" 8 6  7 "), only(&[6, 7, 8]));
        assert_eq!(LayerSet::parse("4-10"), only(&[4, 5, 6, 7, 8, 9, 10]));
        assert_eq!(LayerSet::parse("4-6,9,5"), only(&[4, 5, 6, 9]));
        assert_eq!(LayerSet::parse("-2--1"), only(&[-2, -1]));
        assert_eq!(LayerSet::parse("ALL"), Ok(LayerSet::All));
    }

    #[test]
    fn refuses_what_is_no_layer_and_says_what_is_accepted() {
        for bad in ["", " , ", "six", "4-", "4..10", "6;7"] {
            let error = LayerSet::parse(bad).unwrap_err();
            assert!(error.contains("4-10") && error.contains("all"), "{bad}: {error}");
        }
        assert!(LayerSet::parse("10-4").unwrap_err().contains("4-10"));
        assert!(LayerSet::parse("0-99999999999")
            .unwrap_err()
            .contains("more than"));
    }

    #[test]
    fn prints_runs_as_ranges_and_reads_back() {
        for (text, shown) in [("6,7,8", "6-8"), ("4,6,9,10", "4, 6, 9, 10"), ("all", "all")] {
            let set = LayerSet::parse(text).unwrap();
            assert_eq!(set.to_string(), shown);
            assert_eq!(LayerSet::parse(&set.to_string()).unwrap(), set);
        }
    }

    #[test]
    fn a_profile_gives_a_list_or_a_string() {
        #[derive(serde::Deserialize)]
        struct Profile {
            layers: LayerSet,
        }
        let read = |text: &str| toml::from_str::<Profile>(text).map(|p| p.layers);
        assert_eq!(read("layers = [8, 6, 7]").unwrap(), LayerSet::Only(vec![6, 7, 8]));
        assert_eq!(read("layers = \"4-6\"").unwrap(), LayerSet::Only(vec![4, 5, 6]));
        assert_eq!(read("layers = \"all\"").unwrap(), LayerSet::All);
        assert!(read("layers = []")
            .unwrap_err()
            .to_string()
            .contains("names no layer"));
        let wrong = read("layers = true").unwrap_err().to_string();
        assert!(wrong.contains("a list of layers such as [6, 7, 8]"), "{wrong}");
        let float = read("layers = [6.5]").unwrap_err().to_string();
        assert!(float.contains("floating point `6.5`, expected i64"), "{float}");
    }
}
