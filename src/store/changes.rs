//! How much an artifact changed, as `--check` says it: rows of a CSV artifact (a quoted
//! field may span lines, and a changed row is one row), lines of any other.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

/// The rows (or lines) of the new text that replace rows of the old one, and those only
/// added or only removed, counted as multisets: order does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    pub rows: bool,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
}

impl Changes {
    /// The changes from `old` to `new` of the artifact `name`: by rows when it is a CSV
    /// file both of whose texts read as CSV, else by lines.
    pub fn between(name: &str, old: &[u8], new: &[u8]) -> Changes {
        if name.ends_with(".csv") {
            if let (Some(old), Some(new)) = (csv_rows(old), csv_rows(new)) {
                return Changes::counted(true, old, new);
            }
        }
        let lines =
            |text: &[u8]| -> Vec<Vec<u8>> { (text.split(|&b| b == b'\n')).map(<[u8]>::to_vec).collect() };
        Changes::counted(false, lines(old), lines(new))
    }

    fn counted<T: Hash + Eq>(rows: bool, old: Vec<T>, new: Vec<T>) -> Changes {
        let mut counts: HashMap<T, isize> = HashMap::new();
        for row in old {
            *counts.entry(row).or_default() += 1;
        }
        for row in new {
            *counts.entry(row).or_default() -= 1;
        }
        let removed: usize = counts.values().filter(|&&c| c > 0).map(|&c| c as usize).sum();
        let added: usize = counts
            .values()
            .filter(|&&c| c < 0)
            .map(|&c| c.unsigned_abs())
            .sum();
        let changed = removed.min(added);
        Changes {
            rows,
            changed,
            added: added - changed,
            removed: removed - changed,
        }
    }
}

/// Every row of a CSV text, header included, as its fields; `None` if it is no CSV.
fn csv_rows(text: &[u8]) -> Option<Vec<Vec<Vec<u8>>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    (reader.byte_records())
        .map(|record| {
            record
                .ok()
                .map(|record| record.iter().map(<[u8]>::to_vec).collect())
        })
        .collect()
}

impl fmt::Display for Changes {
    /// `5 rows changed`, `31 rows added`, `2 lines changed, 1 removed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = |n: usize| match (self.rows, n) {
            (true, 1) => "row",
            (true, _) => "rows",
            (false, 1) => "line",
            (false, _) => "lines",
        };
        let parts = [
            (self.changed, "changed"),
            (self.added, "added"),
            (self.removed, "removed"),
        ];
        let mut said = 0;
        for (count, what) in parts.into_iter().filter(|(count, _)| *count > 0) {
            match said {
                0 => write!(f, "{count} {} {what}", unit(count))?,
                _ => write!(f, ", {count} {what}")?,
            }
            said += 1;
        }
        if said == 0 {
            // The same rows in another order.
            write!(f, "the same {} in another order", unit(2))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_artifact_counts_rows_and_a_changed_row_once() {
        let old = "a,b\n1,\"x\ny\"\n2,z\n3,w\n";
        let new = "a,b\n1,\"x\ny\"\n2,Z\n3,W\n4,v\n";
        let changes = Changes::between("runs.csv", old.as_bytes(), new.as_bytes());
        assert_eq!((changes.changed, changes.added, changes.removed), (2, 1, 0));
        assert_eq!(changes.to_string(), "2 rows changed, 1 added");
        let added = Changes::between("runs.csv", old.as_bytes(), format!("{old}5,u\n").as_bytes());
        assert_eq!(added.to_string(), "1 row added");
        let removed = Changes::between("runs.csv", old.as_bytes(), b"a,b\n");
        assert_eq!(removed.to_string(), "3 rows removed");
        let moved = Changes::between("runs.csv", b"a\n1\n2\n", b"a\n2\n1\n");
        assert_eq!(moved.to_string(), "the same rows in another order");
    }

    #[test]
    fn other_artifacts_count_lines() {
        let changes = Changes::between("mdl-table.md", b"| 1 |\n| 2 |\n| 3 |\n", b"| 1 |\n| 9 |\n| 8 |\n");
        assert_eq!(changes.to_string(), "2 lines changed");
        assert!(!changes.rows);
    }
}
