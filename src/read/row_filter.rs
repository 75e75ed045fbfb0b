//! Export rows held to `--state`, `--tag`, `--sweep` and `--group` by W&B's metadata
//! columns (`State`, `Tags`, `Sweep`, `Group`), as the server would hold a fetch to them.

use std::io::Read;

use crate::config::settings::RunFilter;
use crate::error::{Error, Kind};
use crate::read::rows::RowReader;

/// W&B's metadata columns, as the web page's export names them.
pub const STATE_COLUMN: &str = "State";
pub const TAGS_COLUMN: &str = "Tags";
pub const SWEEP_COLUMN: &str = "Sweep";
pub const GROUP_COLUMN: &str = "Group";

/// One column a row's value must match.
#[derive(Debug)]
struct Check {
    index: usize,
    wanted: Vec<String>,
    /// The cell is a comma-separated list of tags; any one matching keeps the row.
    list: bool,
}

/// The checks an export's rows must pass; none when nothing was asked.
#[derive(Debug, Default)]
pub struct RowFilter {
    checks: Vec<Check>,
}

impl RowFilter {
    /// The checks for `runs` over a header of `names`; a column the filter needs and the
    /// export lacks is an error naming the flag.
    pub fn new(names: &[&str], runs: &RunFilter, file: &str) -> anyhow::Result<RowFilter> {
        let asked: [(&str, &str, Vec<String>, bool); 4] = [
            (STATE_COLUMN, "--state", runs.states.clone(), false),
            (TAGS_COLUMN, "--tag", runs.tags.clone(), true),
            (
                SWEEP_COLUMN,
                "--sweep",
                runs.sweep.iter().cloned().collect(),
                false,
            ),
            (
                GROUP_COLUMN,
                "--group",
                runs.group.iter().cloned().collect(),
                false,
            ),
        ];
        let mut checks = Vec::new();
        for (column, flag, wanted, list) in asked.into_iter().filter(|asked| !asked.2.is_empty()) {
            let Some(index) = names.iter().position(|name| *name == column) else {
                let message = format!(
                    "{file}:1: no \"{column}\" column, so {flag} {} cannot be applied; export the runs table with its {column} column, or leave {flag} out",
                    wanted.join(",")
                );
                return Err(Error::new(Kind::Input, message).into());
            };
            checks.push(Check { index, wanted, list });
        }
        Ok(RowFilter { checks })
    }

    /// Whether the current row passes every check (states compare without case).
    #[inline]
    pub fn keeps<R: Read>(&self, reader: &RowReader<R>) -> bool {
        self.checks.iter().all(|check| {
            let cell = String::from_utf8_lossy(reader.field(check.index));
            let matches = |value: &str| (check.wanted.iter()).any(|w| w.eq_ignore_ascii_case(value.trim()));
            match check.list {
                true => cell.split(',').any(matches),
                false => matches(&cell),
            }
        })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> RowReader<&[u8]> {
        let mut reader = RowReader::new(text.as_bytes());
        reader.next_row().unwrap();
        reader
    }

    #[test]
    fn rows_pass_when_every_asked_column_matches() {
        let runs = RunFilter {
            states: vec!["finished".into()],
            tags: vec!["paper".into()],
            ..RunFilter::default()
        };
        let names = ["Name", "State", "Tags"];
        let filter = RowFilter::new(&names, &runs, "x.csv").unwrap();
        assert!(filter.keeps(&rows("\"a\",\"Finished\",\"draft, paper\"\n")));
        assert!(!filter.keeps(&rows("\"a\",\"running\",\"paper\"\n")));
        assert!(!filter.keeps(&rows("\"a\",\"finished\",\"papers\"\n")));
        assert!(!filter.keeps(&rows("\"a\",\"finished\",\"\"\n")));
    }

    #[test]
    fn a_missing_column_names_the_flag_and_nothing_asked_checks_nothing() {
        let runs = RunFilter {
            sweep: Some("ab12".into()),
            ..RunFilter::default()
        };
        let error = RowFilter::new(&["Name"], &runs, "x.csv").unwrap_err().to_string();
        assert!(error.contains("no \"Sweep\" column, so --sweep ab12"), "{error}");
        assert!(RowFilter::new(&["Name"], &RunFilter::default(), "x.csv")
            .unwrap()
            .is_empty());
    }
}
