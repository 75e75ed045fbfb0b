//! Which W&B keys a fetch asks for, and how a run node becomes a row of the cache export.

use serde_json::{Map, Value};

use super::cells::cells;
use super::decode::{cell_text, lookup, unwrap_config, RunNode};
use super::query::Projection;
use crate::config::settings::ColumnNames;

/// The cache export's columns: metadata, then config keys, then summary keys.
#[derive(Debug, Clone)]
pub struct CacheLayout {
    pub name_column: String,
    pub config_keys: Vec<String>,
    pub summary_keys: Vec<String>,
}

const METADATA: [&str; 3] = ["ID", "State", "Created"];
/// Positions of the metadata in a cache row (after the name).
pub const ID: usize = 1;
pub const STATE: usize = 2;
pub const CREATED: usize = 3;
/// Position of the layer's cell: the first config key is the layer's.
pub const LAYER: usize = 4;

impl CacheLayout {
    /// The cache's columns for the role keys `columns` and the extra config keys.
    pub fn new(columns: &ColumnNames, extra_config_keys: &[String]) -> CacheLayout {
        let mut config_keys = vec![columns.layer.clone(), columns.dict_size.clone()];
        let parts = [&columns.activation, &columns.k];
        for key in parts.into_iter().flatten().chain(extra_config_keys) {
            if !config_keys.contains(key) {
                config_keys.push(key.clone());
            }
        }
        let mut summary_keys = vec![columns.l0.clone()];
        if columns.error != columns.l0 {
            summary_keys.push(columns.error.clone());
        }
        CacheLayout {
            name_column: columns.name.clone(),
            config_keys,
            summary_keys,
        }
    }

    /// The layout with the extra summary keys `keys` (those it lacks) after its own.
    pub fn with_summary_keys(mut self, keys: &[String]) -> CacheLayout {
        for key in keys {
            if !self.summary_keys.contains(key) {
                self.summary_keys.push(key.clone());
            }
        }
        self
    }

    pub fn projection(&self) -> Projection {
        Projection {
            summary_keys: self.summary_keys.clone(),
            config_keys: self.config_keys.clone(),
        }
    }

    pub fn header(&self) -> Vec<&str> {
        let mut header = vec![self.name_column.as_str()];
        header.extend(METADATA);
        header.extend(self.config_keys.iter().map(String::as_str));
        header.extend(self.summary_keys.iter().map(String::as_str));
        header
    }

    /// The order cache rows are written in, whatever order the server sent them:
    /// creation time, then run id.
    pub fn canonical_key(row: &[String]) -> (&str, &str) {
        (&row[CREATED], &row[ID])
    }

    /// The positions of `rows` in canonical order. The keys are gathered once, beside each
    /// row's position (which settles nothing: a run's id is its own), so that sorting a
    /// large layer does not reach through every row for them at each comparison.
    pub fn canonical_order(rows: &[Vec<String>]) -> Vec<usize> {
        let mut keyed: Vec<(&str, &str, usize)> = (rows.iter().enumerate())
            .map(|(at, row)| {
                let (created, id) = Self::canonical_key(row);
                (created, id, at)
            })
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, _, at)| at).collect()
    }

    /// The run as the UI's export would show it: the display name under "Name".
    pub fn row(&self, node: &RunNode) -> Vec<String> {
        let mut row = Vec::with_capacity(4 + self.config_keys.len() + self.summary_keys.len());
        row.push(node.display_name.clone().unwrap_or_else(|| node.name.clone()));
        row.push(node.name.clone());
        row.push(node.state.clone().unwrap_or_default());
        row.push(node.created_at.clone());
        for key in &self.config_keys {
            row.push(cell_text(config_value(&node.config, key)));
        }
        for key in &self.summary_keys {
            row.push(cell_text(lookup(&node.summary_metrics, key)));
        }
        row
    }
}

/// A run's fields as a page brings them, config and summary still JSON text.
pub struct NodeFields<'a> {
    pub name: &'a str,
    pub display_name: Option<&'a str>,
    pub state: Option<&'a str>,
    pub created_at: &'a str,
    pub config: Option<&'a str>,
    pub summary_metrics: Option<&'a str>,
}

impl CacheLayout {
    /// `row` of the run, made straight from the JSON texts when they are plain (see
    /// `cells`); `None` when the general path must decide.
    pub fn row_of_text(&self, node: &NodeFields<'_>) -> Option<Vec<String>> {
        let dotted = |keys: &[String]| keys.iter().any(|key| key.contains('.'));
        if dotted(&self.config_keys) || dotted(&self.summary_keys) {
            return None;
        }
        let part = |text: Option<&str>, keys: &[String], config: bool| match text {
            Some(text) => cells(text, keys, config),
            None => Some(vec![String::new(); keys.len()]),
        };
        let config = part(node.config, &self.config_keys, true)?;
        let summary = part(node.summary_metrics, &self.summary_keys, false)?;
        let mut row = Vec::with_capacity(4 + config.len() + summary.len());
        row.push(node.display_name.unwrap_or(node.name).to_string());
        row.push(node.name.to_string());
        row.push(node.state.unwrap_or_default().to_string());
        row.push(node.created_at.to_string());
        row.extend(config);
        row.extend(summary);
        Some(row)
    }
}

/// A config value by (dotted) path, each level's `{"value": ...}` wrapper removed.
fn config_value<'a>(config: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = config.get(path) {
        return Some(unwrap_config(value));
    }
    let (head, tail) = path.split_once('.')?;
    match unwrap_config(config.get(head)?) {
        Value::Object(inner) => lookup(inner, tail),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, created: &str) -> Vec<String> {
        ["name", id, "finished", created, "6"].map(String::from).to_vec()
    }

    #[test]
    fn the_canonical_order_is_by_creation_time_then_id() {
        let rows = [
            row("b", "2024-05-01T00:00:02Z"),
            row("c", "2024-05-01T00:00:01Z"),
            row("a", "2024-05-01T00:00:02Z"),
            row("d", "2024-04-30T23:59:59Z"),
        ];
        assert_eq!(CacheLayout::canonical_order(&rows), [3, 1, 2, 0]);
        let mut sorted = rows.to_vec();
        sorted.sort_by(|a, b| CacheLayout::canonical_key(a).cmp(&CacheLayout::canonical_key(b)));
        let ordered: Vec<_> = (CacheLayout::canonical_order(&rows).into_iter())
            .map(|at| rows[at].clone())
            .collect();
        assert_eq!(ordered, sorted);
    }
}
