//! Data notes: what a reader of the table must know about the runs behind it (runs
//! skipped, groups without a usable error, asked-for layers without runs). Never silent:
//! printed on stderr even with `--quiet`, listed in the report, an error under `--strict`.

use std::fmt;

use crate::model::table::MdlTable;

/// One fact about the data that the table's rows do not show.
#[derive(Debug, Clone, PartialEq)]
pub enum DataNote {
    /// Runs whose name or layer could not be read (with the first few as examples).
    Skipped(crate::model::skips::Skips),
    /// A group whose runs all lack a usable error: it has no row.
    EmptyGroup {
        layer: i64,
        activation: String,
        runs: u64,
        error_column: String,
    },
    /// A layer the table asks for that no run is in: it has no rows at all.
    LayerWithoutRuns { layer: i64 },
}

impl DataNote {
    /// The notes for `table`, whose error values come from `error_column`: skips first,
    /// then groups, then (when its layers were asked for) layers without runs.
    pub fn of(table: &MdlTable, error_column: &str, layers_asked: bool) -> Vec<DataNote> {
        let mut notes = Vec::new();
        if !table.skips.is_empty() {
            notes.push(DataNote::Skipped(table.skips.clone()));
        }
        for group in table.empty_groups() {
            notes.push(DataNote::EmptyGroup {
                layer: group.layer,
                activation: group.activation.clone(),
                runs: group.runs,
                error_column: error_column.to_string(),
            });
        }
        for &layer in table.layers.iter().filter(|_| layers_asked) {
            if !table.groups.iter().any(|group| group.layer == layer) {
                notes.push(DataNote::LayerWithoutRuns { layer });
            }
        }
        notes
    }
}

impl fmt::Display for DataNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataNote::Skipped(skips) => write!(f, "{skips}"),
            DataNote::EmptyGroup {
                layer,
                activation,
                runs,
                error_column,
            } => write!(
                f,
                "layer {layer} activation {activation:?}: none of its {runs} run(s) has a usable {error_column}; the group is left out"
            ),
            DataNote::LayerWithoutRuns { layer } => write!(
                f,
                "no run in layer {layer}: the table has no row for it; check --layers and the inputs"
            ),
        }
    }
}
