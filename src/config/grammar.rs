//! Run-name grammar: how activation, k, dictionary size and layer are read from a name.

use regex::Regex;

use crate::pynum::{self, PyInt};

/// What a name says about its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName<'a> {
    pub activation: &'a str,
    /// k, or why a k Python reads cannot be kept (a whole number past `i64`): such a run
    /// is refused, not skipped, as the notebook would have tabulated it.
    pub k: Result<i64, String>,
    pub dict_size: Option<u64>,
}

/// The rule set in the profile; the default is the seed notebook's `split('_')`.
#[derive(Debug, Clone)]
pub enum NameGrammar {
    /// Split on `separator`; Python-style indices (negative from the end).
    Split {
        separator: String,
        activation: isize,
        k: isize,
        dict_size: Option<isize>,
    },
    /// Named groups `activation`, `k` and optionally `dict_size`.
    Pattern(Regex),
}

impl Default for NameGrammar {
    fn default() -> Self {
        NameGrammar::Split {
            separator: "_".into(),
            activation: -3,
            k: -2,
            dict_size: None,
        }
    }
}

impl NameGrammar {
    /// Reads a name, or says in a few words why it cannot.
    pub fn parse<'a>(&self, name: &'a str) -> Result<ParsedName<'a>, String> {
        match self {
            NameGrammar::Split {
                separator,
                activation,
                k,
                dict_size,
            } => parse_split(name, separator, *activation, *k, *dict_size),
            NameGrammar::Pattern(regex) => parse_pattern(name, regex),
        }
    }
}

/// The `Split` grammar: the parts at Python-style indices (run once per row, so inlined).
#[inline]
fn parse_split<'a>(
    name: &'a str,
    separator: &str,
    activation: isize,
    k: isize,
    dict_size: Option<isize>,
) -> Result<ParsedName<'a>, String> {
    // The usual grammar counts from the end: cut the last parts once, not per part.
    let deepest = parts_from_end([Some(activation), Some(k), dict_size]);
    let tail = LastParts::of(name, separator, deepest);
    let nth = |index: isize| part_at(tail.as_ref(), name, separator, index);
    let part =
        |index: isize, what: &str| nth(index).ok_or_else(|| too_few_parts(name, separator, index, what));
    let activation = part(activation, "activation")?;
    let k_part = part(k, "k")?;
    let k = read_k(k_part).ok_or_else(|| format!("k part {k_part:?} is not an integer"))?;
    // Optional, like a non-numeric one: a name without that part still parses.
    let dict_size = dict_size.and_then(nth).map_or(Ok(None), read_dict_size)?;
    Ok(ParsedName {
        activation,
        k,
        dict_size,
    })
}

/// The part at a Python-style index: from the parts cut from the end when they hold it.
#[inline(always)]
fn part_at<'a>(
    tail: Option<&LastParts<'a>>,
    name: &'a str,
    separator: &str,
    index: isize,
) -> Option<&'a str> {
    match tail {
        Some(tail) if index < 0 => tail.get(index.unsigned_abs()),
        _ => nth_part(name, separator, index),
    }
}

/// How many parts from the end the indices reach; `usize::MAX` when one counts from the
/// start (then `LastParts` does not apply).
#[inline]
fn parts_from_end(indices: [Option<isize>; 3]) -> usize {
    indices
        .into_iter()
        .flatten()
        .map(|index| {
            if index < 0 {
                index.unsigned_abs()
            } else {
                usize::MAX
            }
        })
        .max()
        .unwrap_or(0)
}

/// Why a name has no part at `index`.
#[cold]
fn too_few_parts(name: &str, separator: &str, index: isize, what: &str) -> String {
    let parts = name.split(separator).count();
    format!("{parts} '{separator}'-separated parts, too few for the {what} at index {index}")
}

/// The `Pattern` grammar: the regex's named groups.
fn parse_pattern<'a>(name: &'a str, regex: &Regex) -> Result<ParsedName<'a>, String> {
    let caps = regex
        .captures(name)
        .ok_or_else(|| format!("does not match the name regex {}", regex.as_str()))?;
    let activation = caps
        .name("activation")
        .map(|m| m.as_str())
        .ok_or("the regex matched no activation")?;
    let k_text = caps.name("k").map(|m| m.as_str()).unwrap_or("");
    let k = read_k(k_text).ok_or_else(|| format!("k {k_text:?} is not an integer"))?;
    let dict_size = (caps.name("dict_size")).map_or(Ok(None), |m| read_dict_size(m.as_str()))?;
    Ok(ParsedName {
        activation,
        k,
        dict_size,
    })
}

/// The last few parts of a name split on a one-byte separator, cut in one pass from the end.
struct LastParts<'a> {
    parts: [&'a str; LastParts::MAX],
    /// How many parts were cut (fewer than asked when the name has fewer).
    count: usize,
}

impl<'a> LastParts<'a> {
    // Four: the usual grammar needs three, and a larger array costs a copy per row.
    const MAX: usize = 4;

    /// `None` when the separator is not one ASCII byte or more than `MAX` parts are needed.
    /// (Inlined, so that the parts are cut in place rather than copied out, once per row.)
    #[inline(always)]
    fn of(name: &'a str, separator: &str, needed: usize) -> Option<Self> {
        let [byte] = separator.as_bytes() else {
            return None;
        };
        if !byte.is_ascii() || needed > Self::MAX {
            return None;
        }
        let mut tail = LastParts {
            parts: [""; Self::MAX],
            count: 0,
        };
        let mut end = name.len();
        while tail.count < needed {
            // Parts are a few bytes: a plain loop beats a vectorised search's set-up.
            match name.as_bytes()[..end].iter().rposition(|b| b == byte) {
                Some(at) => {
                    tail.parts[tail.count] = &name[at + 1..end];
                    end = at;
                }
                None => {
                    tail.parts[tail.count] = &name[..end];
                    tail.count += 1;
                    break;
                }
            }
            tail.count += 1;
        }
        Some(tail)
    }

    /// The part `from_end` places from the end (1 is the last), as Python's `parts[-n]`.
    #[inline(always)]
    fn get(&self, from_end: usize) -> Option<&'a str> {
        if from_end == 0 || from_end > self.count {
            return None;
        }
        Some(self.parts[from_end - 1])
    }
}

/// The part at a Python-style index, without allocating the split.
fn nth_part<'a>(name: &'a str, separator: &str, index: isize) -> Option<&'a str> {
    // A one-byte separator (the usual `_`) splits on the byte, without a substring searcher.
    if let [byte] = separator.as_bytes() {
        let sep = char::from(*byte);
        if sep.is_ascii() {
            return if index < 0 {
                name.rsplit(sep).nth(index.unsigned_abs() - 1)
            } else {
                name.split(sep).nth(index as usize)
            };
        }
    }
    if index >= 0 {
        return name.split(separator).nth(index as usize);
    }
    // A separator that can overlap itself (`__` in `a___b`) is cut from the left by Python's
    // `split` (`a`, `_b`) but from the right by `rsplit` (`a_`, `b`): count from the left.
    let at = name.split(separator).count().checked_sub(index.unsigned_abs())?;
    name.split(separator).nth(at)
}

/// k as the notebook's `int()` reads it; `None` when Python would raise.
fn read_k(text: &str) -> Option<Result<i64, String>> {
    match pynum::int(text)? {
        PyInt::Small(k) => Some(Ok(k)),
        PyInt::Big => Some(Err(format!(
            "k {} is a whole number past the 64-bit range mdl-fetch keeps k in; give k in a column (--column k=KEY) or shorten it in the name",
            shown_k(text)
        ))),
    }
}

/// A name's dictionary-size part: none when it is no number (the part is optional), an
/// error when it is a whole number below 1 (never priced with another D instead).
fn read_dict_size(part: &str) -> Result<Option<u64>, String> {
    let value = match part.trim().parse::<u64>() {
        Ok(value) => Some(i128::from(value)),
        Err(_) => match pynum::int(part) {
            Some(PyInt::Small(value)) => Some(i128::from(value)),
            Some(PyInt::Big) => Some(-1),
            None => None,
        },
    };
    match value {
        Some(value) if crate::model::mdl::is_dict_size(value) => Ok(Some(value as u64)),
        Some(_) => Err(format!(
            "dict_size part {part:?} is no dictionary size (a whole number of at least 1)"
        )),
        None => Ok(None),
    }
}

/// A long k, shown by its ends.
fn shown_k(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 40 {
        return format!("{text:?}");
    }
    let head: String = chars[..20].iter().collect();
    let tail: String = chars[chars.len() - 10..].iter().collect();
    format!("{head:?}...{tail:?} ({} characters)", chars.len())
}

/// Reads a layer number from a run name, e.g. the 6 of `blocks.6.hook_resid_pre`.
#[derive(Debug, Clone)]
pub struct LayerRule {
    regex: Regex,
    /// For the TransformerLens patterns (`blocks\.(\d+)\.`, anchored with `^` or not),
    /// whether anchored: read without the regex, once per row, as the regex reads it.
    hook: Option<bool>,
}

/// The TransformerLens hook `blocks.N.` as a layer pattern, unanchored and anchored.
const HOOK_PATTERNS: [&str; 2] = [r"blocks\.(\d+)\.", r"^blocks\.(\d+)\."];

impl LayerRule {
    pub fn new(regex: Regex) -> LayerRule {
        let hook = HOOK_PATTERNS
            .iter()
            .position(|p| *p == regex.as_str())
            .map(|at| at == 1);
        LayerRule { regex, hook }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    pub fn layer_of(&self, name: &str) -> Option<i64> {
        if let Some(anchored) = self.hook {
            if let Some(layer) = hook_layer(name, anchored) {
                return layer;
            }
        }
        let caps = self.regex.captures(name)?;
        let group = caps.name("layer").or_else(|| caps.get(1))?;
        group.as_str().parse().ok()
    }
}

/// `blocks\.(\d+)\.` read by hand: `Some(layer)` when the answer is sure from ASCII alone
/// (the first `blocks.` followed by ASCII digits and a `.`, or none), `None` when a
/// non-ASCII character follows a `blocks.` and only the regex can say (`\d` is Unicode).
fn hook_layer(name: &str, anchored: bool) -> Option<Option<i64>> {
    const HOOK: &str = "blocks.";
    let bytes = name.as_bytes();
    let mut from = 0;
    // Names mostly start with the hook: no searcher is built for them.
    let next = |from: usize| match from == 0 && bytes.starts_with(HOOK.as_bytes()) {
        true => Some(0),
        false => memchr::memmem::find(&bytes[from..], HOOK.as_bytes()).map(|found| from + found),
    };
    while let Some(at) = next(from) {
        if anchored && at != 0 {
            return Some(None);
        }
        let rest = &bytes[at + HOOK.len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        match rest.get(digits) {
            Some(b'.') if digits > 0 => return Some(name[at + HOOK.len()..][..digits].parse().ok()),
            Some(b) if !b.is_ascii() => return None,
            _ => from = at + 1,
        }
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cut_from_the_end_are_pythons_negative_indices() {
        let mut rng = fastrand::Rng::with_seed(11);
        let alphabet = ['a', '_', '_', '.', '7', '\u{e9}'];
        for _ in 0..20_000 {
            let name: String = (0..rng.usize(0..14))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let python: Vec<&str> = name.split('_').collect();
            let needed = rng.usize(1..=LastParts::MAX);
            let tail = LastParts::of(&name, "_", needed).unwrap();
            for from_end in 1..=needed {
                let expected = python.len().checked_sub(from_end).map(|at| python[at]);
                assert_eq!(tail.get(from_end), expected, "{name:?}[-{from_end}]");
                assert_eq!(nth_part(&name, "_", -(from_end as isize)), expected, "{name:?}");
            }
        }
        assert!(LastParts::of("a__b", "__", 1).is_none());
        assert!(LastParts::of("a_b", "_", LastParts::MAX + 1).is_none());
    }

    #[test]
    fn seed_names_follow_the_notebooks_split() {
        let grammar = NameGrammar::default();
        let parsed = grammar
            .parse("blocks.6.hook_resid_pre_12288_topk_64_0.0")
            .unwrap();
        assert_eq!(parsed.activation, "topk");
        assert_eq!(parsed.k, Ok(64));
        assert!(grammar.parse("topk_64").is_err());
        assert!(grammar
            .parse("a_topk_x_1")
            .unwrap_err()
            .contains("not an integer"));
    }

    #[test]
    fn negative_indices_count_pythons_parts_even_when_the_separator_overlaps() {
        // Python: "a__b___c__1_0__d".split("__") == ['a', 'b', '_c', '1_0', 'd']
        let grammar = NameGrammar::Split {
            separator: "__".into(),
            activation: -3,
            k: -2,
            dict_size: None,
        };
        let parsed = grammar.parse("a__b___c__1_0__d").unwrap();
        assert_eq!((parsed.activation, parsed.k), ("_c", Ok(10)));
        assert_eq!(nth_part("a__b___c__1_0__d", "__", -5), Some("a"));
        assert_eq!(nth_part("a__b___c__1_0__d", "__", -6), None);
        assert_eq!(nth_part("a___b", "__", -1), Some("_b"));
        assert_eq!(nth_part("a_b", "_", isize::MIN), None);
        assert_eq!(nth_part("a__b", "__", isize::MIN), None);
    }

    #[test]
    fn errors_say_which_part_is_missing_or_wrong() {
        let split = NameGrammar::default();
        assert_eq!(
            split.parse("topk_64").unwrap_err(),
            "2 '_'-separated parts, too few for the activation at index -3"
        );
        assert_eq!(
            split.parse("a_topk_x_1").unwrap_err(),
            "k part \"x\" is not an integer"
        );
        let pattern = NameGrammar::Pattern(Regex::new(r"^(?P<activation>[a-z]+)-(?P<k>\w+)$").unwrap());
        assert_eq!(
            pattern.parse("topk-64").unwrap(),
            ParsedName {
                activation: "topk",
                k: Ok(64),
                dict_size: None
            }
        );
        assert_eq!(pattern.parse("topk-x").unwrap_err(), "k \"x\" is not an integer");
        assert!(pattern
            .parse("topk")
            .unwrap_err()
            .starts_with("does not match the name regex"));
    }

    #[test]
    fn python_int_rules_for_k() {
        assert_eq!(read_k(" +12 "), Some(Ok(12)));
        assert_eq!(read_k("1_024"), Some(Ok(1024)));
        assert_eq!(read_k("\u{663}"), Some(Ok(3)));
        assert_eq!(read_k("1__024"), None);
        assert_eq!(read_k("1.0"), None);
        let big = read_k("99999999999999999999").unwrap().unwrap_err();
        assert!(
            big.contains("\"99999999999999999999\" is a whole number past"),
            "{big}"
        );
        let long = read_k(&"9".repeat(300)).unwrap().unwrap_err();
        assert!(long.contains("(300 characters)"), "{long}");
        // Plain digits, the fast path, read as the standard library reads them.
        for text in [
            "0",
            "007",
            "4096",
            "999999999999999999",
            "9223372036854775807",
            "",
        ] {
            assert_eq!(read_k(text).and_then(Result::ok), text.parse().ok(), "{text:?}");
        }
    }

    #[test]
    fn layer_rule_reads_the_block_index() {
        let rule = LayerRule::new(Regex::new(r"^blocks\.(\d+)\.").unwrap());
        assert_eq!(rule.layer_of("blocks.11.hook_resid_pre_1_topk_2_0"), Some(11));
        assert_eq!(rule.layer_of("resid_pre"), None);
    }

    /// The hand-read TransformerLens patterns give what their regexes give.
    #[test]
    fn the_hook_patterns_read_by_hand_agree_with_their_regexes() {
        let names = [
            "blocks.6.hook_resid_pre",
            "x_blocks.7.y",
            "blocks.12x.blocks.3.z",
            "blocks..blocks.4.",
            "blocks.99999999999999999999.x",
            "blocks.\u{666}.x",
            "blocks.6\u{666}.x",
            "blocks.6",
            "blockz.6.",
            "blocks.+6.",
            "",
            "bl\u{e9}blocks.8.",
        ];
        for pattern in HOOK_PATTERNS {
            let fast = LayerRule::new(Regex::new(pattern).unwrap());
            assert!(fast.hook.is_some());
            let slow = LayerRule {
                regex: Regex::new(pattern).unwrap(),
                hook: None,
            };
            for name in names {
                assert_eq!(fast.layer_of(name), slow.layer_of(name), "{pattern} on {name:?}");
            }
        }
    }
}
