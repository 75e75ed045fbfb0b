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
}

/// Where the columns `rules` name are in the `header` row of `file`.
pub(super) fn index_columns<R: Read>(
    header: &RowReader<R>,
    file: &str,
    rules: &RecordRules,
) -> anyhow::Result<ColumnIndex> {
    let names = header_names(header, file)?;
    let find = |wanted: &str| names.iter().position(|name| *name == wanted);
    let require = |wanted: &str, key: &str| {
        find(wanted).ok_or_else(|| {
            let shown: Vec<_> = names.iter().take(12).map(|n| shown(n)).collect();
            crate::error::Error::new(
                Kind::Input,
                format!(
                    "{file}:1: no {wanted:?} column (header has {}); export it from W&B or set columns.{key} in the profile",
                    shown.join(",")
                ),
            )
        })
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
    })
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
