//! The parts of a row's run besides its metrics: the name parsed by the grammar, the
//! layer, the dict size, and the activation and k, each from the row's own column when the
//! rules name one, else from the name.

use std::io::Read;

use crate::config::grammar::ParsedName;
use crate::config::settings::RecordRules;
use crate::error::{fail, Kind};
use crate::model::skips::shown;
use crate::read::cells::{dict_size_field, integer_field, is_na, text};
use crate::read::column_index::ColumnIndex;
use crate::read::rows::RowReader;

/// k, or why a k Python reads is refused (see `ParsedName::k`).
pub(super) type KeptK = Result<i64, String>;

/// What the run's name says; `None` when the activation and k columns give what it would
/// (random names); `Err` with why the run is skipped when it does not parse.
#[inline]
pub(super) fn parse_name<'r>(
    name: &'r str,
    activation: Option<&str>,
    k_missing: bool,
    rules: &RecordRules,
) -> Result<Option<ParsedName<'r>>, String> {
    match rules.grammar.parse(name) {
        Ok(parsed) => Ok(Some(parsed)),
        // With activation and k in columns, the name need not say them (random names); an
        // empty k cell is an SAE without one (ReLU, JumpReLU), k = 0 as in the seed's topafa.
        Err(_) if activation.is_some() && rules.columns.k.is_some() => Ok(None),
        Err(reason) => {
            let empty = [
                (&rules.columns.activation, activation.is_none()),
                (&rules.columns.k, k_missing),
            ]
            .into_iter()
            .filter_map(|(key, missing)| key.as_deref().filter(|_| missing))
            .collect::<Vec<_>>();
            Err(match empty.as_slice() {
                [] => format!("name does not parse: {reason}"),
                keys => format!(
                    "its {} cell is empty and the name does not parse: {reason}",
                    keys.join(" and ")
                ),
            })
        }
    }
}

/// The dict size: the row's own column (a bad cell skips the run, the reason given), else
/// what the name says.
#[inline]
pub(super) fn dict_size_of<R: Read>(
    reader: &RowReader<R>,
    columns: &ColumnIndex,
    rules: &RecordRules,
    parsed: Option<&ParsedName<'_>>,
) -> Result<Option<u64>, String> {
    let from_column = match columns.dict_size {
        Some(index) => dict_size_field(reader.field(index), &rules.columns.dict_size)?,
        None => None,
    };
    Ok(from_column.or(parsed.and_then(|parsed| parsed.dict_size)))
}

/// The activation and k: the row's columns', else the name's; k = 0 when neither says.
#[inline]
pub(super) fn activation_and_k<'r>(
    activation: Option<&'r str>,
    k: Option<KeptK>,
    parsed: Option<&ParsedName<'r>>,
) -> (&'r str, KeptK) {
    let (Some(activation), Some(k)) = (
        activation.or(parsed.map(|parsed| parsed.activation)),
        (k.or_else(|| parsed.map(|parsed| parsed.k.clone()))).or(Some(Ok(0))),
    ) else {
        unreachable!("a name that does not parse is skipped unless a column gives the activation");
    };
    (activation, k)
}

/// The activation and k a row's own columns give (when the rules name such columns and the
/// cells are neither empty nor an NA spelling); the name grammar gives the rest.
#[inline]
pub(super) fn parts_from_columns<'r, R: Read>(
    reader: &'r RowReader<R>,
    columns: &ColumnIndex,
    file: &str,
    line: u64,
    rules: &RecordRules,
) -> anyhow::Result<(Option<&'r str>, Option<KeptK>)> {
    let activation = match (columns.activation, &rules.columns.activation) {
        (Some(index), Some(key)) => {
            let cell = text(reader.text_field(index), file, line, key)?;
            // Empty, or missing as pandas reads it: the name says the activation.
            Some(cell).filter(|a| !a.is_empty() && !is_na(a.as_bytes()))
        }
        _ => None,
    };
    let k = match (columns.k, &rules.columns.k) {
        (Some(index), Some(key)) => integer_field(reader.field(index), file, line, key)?.map(Ok),
        _ => None,
    };
    Ok((activation, k))
}

/// The layer, in order: the one given with the file, the layer column, the name rule. A
/// layer given with the file that the run's own column or name contradicts is an error:
/// the wrong export given for a layer must not be tabulated as that layer.
/// A layer cell: a whole number, or text the layer regex reads a layer from
/// (`--column layer=hook_name` with `blocks.6.hook_resid_pre`); other text is refused.
#[inline]
fn layer_cell(bytes: &[u8], file: &str, line: u64, rules: &RecordRules) -> anyhow::Result<Option<i64>> {
    let number = integer_field(bytes, file, line, &rules.columns.layer);
    if number.is_ok() {
        return number;
    }
    let from_text = (rules.layer_rule.as_ref())
        .zip(std::str::from_utf8(bytes).ok())
        .and_then(|(rule, text)| rule.layer_of(text));
    match from_text {
        Some(layer) => Ok(Some(layer)),
        None => {
            let rule = rules.layer_rule.as_ref().map_or("", |rule| rule.as_str());
            number.map_err(|e| {
                crate::error::Error::new(
                    Kind::Input,
                    format!("{e}, and the layer regex {rule} finds no layer in it; pass --layer-regex with a group around the layer's digits, e.g. --layer-regex 'blocks\\.(\\d+)\\.'"),
                )
                .into()
            })
        }
    }
}

pub(super) fn layer_of(
    given: Option<i64>,
    layer_field: Option<&[u8]>,
    name: &str,
    file: &str,
    line: u64,
    rules: &RecordRules,
) -> anyhow::Result<Option<i64>> {
    let column = match layer_field {
        Some(bytes) => layer_cell(bytes, file, line, rules)?,
        None => None,
    };
    let Some(given) = given else {
        return Ok(column.or_else(|| rules.layer_rule.as_ref().and_then(|rule| rule.layer_of(name))));
    };
    let named = || rules.layer_rule.as_ref().and_then(|rule| rule.layer_of(name));
    // Which said it, named only when it contradicts (not once per row).
    let said = match column {
        Some(layer) => Some((layer, true)),
        None => named().map(|layer| (layer, false)),
    };
    match said {
        Some((layer, by_column)) if layer != given => {
            let by = match by_column {
                true => format!("its {} column", rules.columns.layer),
                false => {
                    let rule = rules.layer_rule.as_ref().map_or("", |rule| rule.as_str());
                    format!("its name (layer regex {rule})")
                }
            };
            fail(
                Kind::Input,
                format!(
                    "{file}:{line}: run {} is in layer {layer} by {by}, but the export was given as layer {given}; give each layer its own export (--export {layer}=PATH), or leave LAYER= out to take the runs' own layers",
                    shown(name)
                ),
            )
        }
        _ => Ok(Some(given)),
    }
}
