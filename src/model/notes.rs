//! Data notes: what a reader of the table must know about the runs behind it (runs
//! skipped, groups without a usable error, asked-for layers without runs, rows whose run
//! is not finished). Never silent: printed on stderr even with `--quiet`, listed in the
//! report, an error under `--strict`.

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
    /// Rows priced at the default D while the inputs have a column that looks like each
    /// run's dictionary size, which no flag named.
    UnnamedDictSize {
        column: String,
        dict_size: u64,
        rows: usize,
    },
    /// A group whose runs all lack L0: its row's DL is not a number.
    NoL0 {
        layer: i64,
        activation: String,
        runs: u64,
        l0_column: String,
    },
    /// A row's run that the export says is not finished: its numbers may still change.
    Unfinished {
        layer: i64,
        activation: String,
        name: String,
        id: String,
        state: String,
    },
}

impl DataNote {
    /// The notes for `table`, whose error and L0 values come from `error_column` and
    /// `l0_column`: skips first,
    /// then groups, then (when its layers are listed) listed layers without runs.
    pub fn of(table: &MdlTable, error_column: &str, l0_column: &str) -> Vec<DataNote> {
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
        for group in table.groups.iter().filter(|group| group.best.is_some()) {
            if group.no_l0 == group.runs {
                notes.push(DataNote::NoL0 {
                    layer: group.layer,
                    activation: group.activation.clone(),
                    runs: group.runs,
                    l0_column: l0_column.to_string(),
                });
            }
        }
        notes.extend(unnamed_dict_size(table));
        for &layer in table.layers.listed().unwrap_or_default() {
            if !table.groups.iter().any(|group| group.layer == layer) {
                notes.push(DataNote::LayerWithoutRuns { layer });
            }
        }
        notes.extend(unfinished_winners(table));
        notes
    }
}

/// The rows priced at the default D when the inputs have a column that looks like each
/// run's own (and `--fixed-dict-size` does not ask for one D).
fn unnamed_dict_size(table: &MdlTable) -> Option<DataNote> {
    let column = table.dict_size_like.as_ref()?;
    let rows = (table.best_rows())
        .filter(|(_, best)| !best.priced_by_own_dict_size())
        .count();
    (rows > 0 && !table.pricing.fixed_dict_size).then(|| DataNote::UnnamedDictSize {
        column: column.clone(),
        dict_size: table.pricing.dict_size,
        rows,
    })
}

/// Every run a row shows (the best of a group, or the cheapest within an ε) that is not
/// finished, once each, in table order.
fn unfinished_winners(table: &MdlTable) -> Vec<DataNote> {
    let mut notes: Vec<DataNote> = Vec::new();
    for group in &table.groups {
        let shown = group.best.iter().chain(group.at_tolerance.iter().flatten());
        for priced in shown.filter(|priced| priced.run.unfinished()) {
            let run = &priced.run;
            let note = DataNote::Unfinished {
                layer: group.layer,
                activation: group.activation.clone(),
                name: run.name.clone(),
                id: run.id.clone(),
                state: run.state.clone(),
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    notes
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
            DataNote::UnnamedDictSize {
                column,
                dict_size,
                rows,
            } => write!(
                f,
                "{rows} row(s) priced at the default D = {dict_size}, but the inputs have a {column:?} column, which looks like each run's dictionary size: pass --column dict_size={column} (or --fixed-dict-size to price every run at D = {dict_size})"
            ),
            DataNote::NoL0 {
                layer,
                activation,
                runs,
                l0_column,
            } => write!(
                f,
                "layer {layer} activation {activation:?}: none of its {runs} run(s) has a {l0_column}, so its row's DL is not a number; check --column l0="
            ),
            DataNote::LayerWithoutRuns { layer } => write!(
                f,
                "no run in layer {layer}: the table has no row for it; check --layers and the inputs"
            ),
            DataNote::Unfinished {
                layer,
                activation,
                name,
                id,
                state,
            } => {
                let id = match id.is_empty() {
                    true => String::new(),
                    false => format!(" (id {id})"),
                };
                write!(
                    f,
                    "layer {layer} activation {activation:?}: its row's run {name:?}{id} is {state}, not finished; its numbers may still change (--state finished leaves such runs out)"
                )
            }
        }
    }
}

/// The runs of layers the table's list leaves out, as one sentence naming them and the
/// flag that would keep them (`None` when none was left out). Said even with `--quiet`:
/// a table of some layers is a choice, but the reader should know it was one.
pub fn left_out(table: &MdlTable) -> Option<String> {
    if table.left_out.is_empty() {
        return None;
    }
    let runs: u64 = table.left_out.values().sum();
    let others = crate::model::layers::LayerSet::only(table.left_out.keys().copied());
    let (runs, are) = match runs {
        1 => ("1 run".to_string(), "is"),
        n => (format!("{n} runs"), "are"),
    };
    Some(format!(
        "{runs} of layers {others} {are} not in the table, which keeps layers {} (--layers all, or the profile's layers, takes them in)",
        table.layers
    ))
}
