//! An export's header row read: where the columns a record is built from are, found by
//! the names the rules give them; a header that is not text, names a column twice or lacks
//! a needed column is refused with what to check.

use std::io::Read;

use crate::config::settings::RecordRules;
use crate::error::{fail, Kind};
use crate::model::skips::shown;
use crate::read::row_filter::{RowFilter, STATE_COLUMN};
use crate::read::rows::RowReader;

/// W&B's metadata column for the run's id, as the web page's export names it.
pub const ID_COLUMN: &str = "ID";

/// Positions of the columns a record is built from.
pub(super) struct ColumnIndex {
    pub(super) name: usize,
    pub(super) l0: usize,
    pub(super) error: usize,
    pub(super) layer: Option<usize>,
    pub(super) dict_size: Option<usize>,
    /// Set when the rules name an activation (or k) column: the export must have it.
    pub(super) activation: Option<usize>,
    pub(super) k: Option<usize>,
    /// W&B's `ID` and `State` metadata columns, when the export has them.
    pub(super) id: Option<usize>,
    pub(super) state: Option<usize>,
    /// What the rows must pass to count.
    pub(super) keep: RowFilter,
    /// Why a run has no layer, naming the export's column that looks like one.
    pub(super) no_layer: String,
    /// With an activation column and no k column: the flag that names one.
    pub(super) no_k: Option<String>,
    /// With no dictionary-size column: a column that looks like one (`d_sae`).
    pub(super) dict_size_like: Option<String>,
}

/// Where the columns `rules` name are in the `header` row of `file`.
pub(super) fn index_columns<R: Read>(
    header: &RowReader<R>,
    file: &str,
    rules: &RecordRules,
) -> anyhow::Result<ColumnIndex> {
    let names = header_names(header, file)?;
    let find = |wanted: &str| names.iter().position(|name| *name == wanted);
    let require = |wanted: &str, role: &str| {
        find(wanted)
            .ok_or_else(|| crate::error::Error::new(Kind::Input, missing_column(file, &names, wanted, role)))
    };
    Ok(ColumnIndex {
        name: require(&rules.columns.name, "name")?,
        l0: require(&rules.columns.l0, "l0")?,
        error: require(&rules.columns.error, "error")?,
        layer: find(&rules.columns.layer),
        dict_size: find(&rules.columns.dict_size),
        activation: (rules.columns.activation.as_deref())
            .map(|key| require(key, "activation"))
            .transpose()?,
        k: (rules.columns.k.as_deref())
            .map(|key| require(key, "k"))
            .transpose()?,
        id: find(ID_COLUMN),
        state: find(STATE_COLUMN),
        keep: RowFilter::new(&names, &rules.runs, file)?,
        no_layer: no_layer_reason(&names),
        dict_size_like: match find(&rules.columns.dict_size) {
            Some(_) => None,
            None => crate::config::role_keys::lookalike(crate::config::role_keys::Role::DictSize, &names)
                .map(str::to_string),
        },
        no_k: (rules.columns.activation.as_ref())
            .filter(|_| rules.columns.k.is_none())
            .map(|activation| no_k_reason(&names, activation)),
    })
}

/// Why a run whose layer nothing says is skipped: the column that looks like its layer and
/// the flag naming it, else every way to say a layer.
fn no_layer_reason(names: &[&str]) -> String {
    use crate::config::role_keys::{lookalike, Role};
    match lookalike(Role::Layer, names) {
        Some(like) => format!(
            "no layer: the export has a {} column: pass --column layer={like} (or --export LAYER=PATH)",
            shown(like)
        ),
        None => {
            "no layer: pass --export LAYER=PATH, --column layer=COLUMN, or --layer-regex for the names".into()
        }
    }
}

/// Why a run with its activation in a column, whose name says no k, is skipped.
fn no_k_reason(names: &[&str], activation: &str) -> String {
    use crate::config::role_keys::{lookalike, Role};
    let lacks = format!(
        "no k: the activation is read from the {} column but no k column is named",
        shown(activation)
    );
    match lookalike(Role::K, names) {
        Some(like) => format!("{lacks}; the export has {}: pass --column k={like}", shown(like)),
        None => {
            format!("{lacks}: pass --column k=COLUMN (an SAE without k, such as ReLU, leaves its cell empty)")
        }
    }
}

/// The most header columns a message lists when none is near the one it lacks.
const LISTED_COLUMNS: usize = 40;

/// Why a header without the `wanted` column of `role` is refused: the columns nearest to
/// it (or that look like the role's), and the `--column` flag to pass.
fn missing_column(file: &str, names: &[&str], wanted: &str, role: &str) -> String {
    use crate::config::role_keys::{lookalike, nearest, quoted_list, Role};
    let as_role = [
        Role::Layer,
        Role::DictSize,
        Role::Activation,
        Role::K,
        Role::L0,
        Role::Error,
    ]
    .into_iter()
    .find(|r| r.name() == role);
    let mut near = nearest(wanted, names, 3);
    if let Some(like) = as_role.and_then(|r| lookalike(r, names)) {
        if !near.contains(&like) {
            near.insert(0, like);
        }
    }
    let lacks = format!("{file}:1: no {} column for --column {role}", shown(wanted));
    match near.first() {
        Some(best) => format!(
            "{lacks}; the export has {}: pass --column {role}={best} (columns.{role} in a profile)",
            quoted_list(&near)
        ),
        None => {
            let listed: Vec<String> = names.iter().take(LISTED_COLUMNS).map(|n| shown(n)).collect();
            let more = names.len().saturating_sub(LISTED_COLUMNS);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(
                "{lacks} among its {} columns ({}{more}): pass --column {role}=COLUMN (columns.{role} in a profile), or export the key from W&B",
                names.len(),
                listed.join(", ")
            )
        }
    }
}

/// The header's column names, each UTF-8 text and named once.
fn header_names<'h, R: Read>(header: &'h RowReader<R>, file: &str) -> anyhow::Result<Vec<&'h str>> {
    // Grown as columns pass, not sized up front: a header of millions of empty columns
    // fails at its second one without first reserving hundreds of megabytes.
    let mut names = Vec::new();
    // A set, not `names.contains`: that is quadratic, and 100k columns took minutes.
    let mut seen = std::collections::HashSet::new();
    for (index, field) in header.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(field) else {
            return fail(
                Kind::Input,
                format!(
                    "{file}:1: header column {} is not UTF-8 text; is this a CSV export?",
                    index + 1
                ),
            );
        };
        if !seen.insert(name) {
            return fail(
                Kind::Input,
                format!(
                    "{file}:1: column {} appears twice in the header; remove one copy",
                    shown(name)
                ),
            );
        }
        names.push(name);
    }
    Ok(names)
}
