//! The same run in several places (two run folders, a folder and an export, a folder and
//! a fetch): its id keys it, and the place whose summary is newest wins. A summary's time
//! is its `_timestamp` (when the run last logged; an export or cache has it in a
//! `_timestamp` column, and a fetch beside `--runs-dir` asks for it), else, for a folder,
//! its summary file's time. A place that says no time loses to one that does; equal
//! times (or none) go to the place given first: exports and the fetch before run folders,
//! runs folders in the order given. A run kept from a folder is left out of an export
//! that also has it by reading a copy of the export in which that run's rows are blank
//! lines, so every other row keeps its line number.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::io::Write;

use tempfile::NamedTempFile;

use super::folder::FolderRun;
use crate::config::export_spec::ExportSpec;
use crate::read::column_index::ID_COLUMN;

/// The summary-time column of exports and caches.
pub const TIME_COLUMN: &str = crate::config::settings::SUMMARY_TIME_KEY;

/// What merging decided.
#[derive(Debug, Default)]
pub struct Merged {
    /// Per runs folder, the runs it keeps.
    pub kept: Vec<Vec<FolderRun>>,
    /// Copies of exports, without the rows of runs a folder has newer (the exports now
    /// point at them).
    pub copies: Vec<NamedTempFile>,
    /// What stderr should say about it.
    pub notes: Vec<String>,
}

/// One place a run is in.
#[derive(Debug)]
struct Place {
    /// Its rank among the places: exports first, then the folders in order.
    order: usize,
    time: Option<f64>,
    /// An export's rows of the run (byte ranges), or a folder's position.
    at: At,
}

#[derive(Debug)]
enum At {
    Export { spec: usize, spans: Vec<(u64, u64)> },
    Folder { dir: usize, index: usize },
}

/// Keeps, for each run in more than one place, only its newest; see the module's doc.
pub fn merge(exports: &mut [ExportSpec], folders: Vec<Vec<FolderRun>>) -> anyhow::Result<Merged> {
    let mut places: HashMap<String, Vec<Place>> = HashMap::new();
    let mut order = exports.len();
    for (dir, runs) in folders.iter().enumerate() {
        for (index, run) in runs.iter().enumerate() {
            let at = At::Folder { dir, index };
            let place = Place {
                order,
                time: run.summary_time,
                at,
            };
            places.entry(run.id.clone()).or_default().push(place);
            order += 1;
        }
    }
    let mut notes = Vec::new();
    for (spec, export) in exports.iter().enumerate() {
        match export_places(export, spec, &places) {
            Some(found) => {
                for (id, place) in found {
                    places.get_mut(&id).expect("a folder's run").push(place);
                }
            }
            None => notes.push(format!(
                "{} has no {ID_COLUMN} column, so its runs cannot be matched with the run folders': a run in both is read twice",
                export.label()
            )),
        }
    }
    let decided = decide(places);
    let mut merged = Merged {
        kept: keep_folders(folders, &decided.dropped_folders),
        notes,
        copies: Vec::new(),
    };
    merged.notes.extend(decided.note(exports));
    for (spec, spans) in decided.blanked {
        merged.copies.push(blank_rows(&mut exports[spec], &spans)?);
    }
    Ok(merged)
}

/// The losers of every run in more than one place.
#[derive(Default)]
struct Decided {
    dropped_folders: HashSet<(usize, usize)>,
    /// Per export, the byte ranges of the rows to leave out.
    blanked: std::collections::BTreeMap<usize, Vec<(u64, u64)>>,
    runs: usize,
    /// Runs decided by place order because a place said no time.
    undated: usize,
}

fn decide(places: HashMap<String, Vec<Place>>) -> Decided {
    let mut decided = Decided::default();
    for (_, mut at) in places.into_iter().filter(|(_, at)| at.len() > 1) {
        decided.runs += 1;
        decided.undated += usize::from(at.iter().any(|place| place.time.is_none()));
        let newest = |place: &Place| {
            (
                place.time.is_some(),
                place.time.map(TotalOrder),
                Reverse(place.order),
            )
        };
        at.sort_by_key(|place| Reverse(newest(place)));
        for loser in at.into_iter().skip(1) {
            match loser.at {
                At::Folder { dir, index } => {
                    decided.dropped_folders.insert((dir, index));
                }
                At::Export { spec, spans } => decided.blanked.entry(spec).or_default().extend(spans),
            }
        }
    }
    decided
}

impl Decided {
    fn note(&self, exports: &[ExportSpec]) -> Option<String> {
        if self.runs == 0 {
            return None;
        }
        let mut note = format!(
            "{} run(s) are in more than one place (run folders{}): each was read from the place whose summary is newest, by its {TIME_COLUMN}; runs.csv's file column says which",
            self.runs,
            match exports.is_empty() {
                true => String::new(),
                false => ", and the exports or the fetch".into(),
            }
        );
        if self.undated > 0 {
            note += &format!(
                "; {} of them had a place that says no {TIME_COLUMN} (an export without that column), which the other place won",
                self.undated
            );
        }
        Some(note)
    }
}

/// `f64` ordered by `total_cmp`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TotalOrder(f64);

impl Eq for TotalOrder {}

impl PartialOrd for TotalOrder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TotalOrder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn keep_folders(folders: Vec<Vec<FolderRun>>, dropped: &HashSet<(usize, usize)>) -> Vec<Vec<FolderRun>> {
    (folders.into_iter().enumerate())
        .map(|(dir, runs)| {
            (runs.into_iter().enumerate())
                .filter(|(index, _)| !dropped.contains(&(dir, *index)))
                .map(|(_, run)| run)
                .collect()
        })
        .collect()
}

/// The places in export `spec` of the runs the folders hold, by id; `None` when it has no
/// `ID` column. An export the csv crate cannot read is left to the reader to report.
fn export_places(
    export: &ExportSpec,
    spec: usize,
    wanted: &HashMap<String, Vec<Place>>,
) -> Option<Vec<(String, Place)>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&export.path)
        .ok()?;
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).unwrap_or(false) {
        return Some(Vec::new());
    }
    let column = |name: &str| record.iter().position(|cell| strip_bom(cell) == name.as_bytes());
    let id_at = column(ID_COLUMN)?;
    let time_at = column(TIME_COLUMN);
    let mut found: HashMap<String, Place> = HashMap::new();
    loop {
        let start = reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            _ => break,
        }
        let end = reader.position().byte();
        let id = String::from_utf8_lossy(record.get(id_at).unwrap_or_default());
        if !wanted.contains_key(id.as_ref()) {
            continue;
        }
        let time = time_at.and_then(|at| {
            std::str::from_utf8(record.get(at)?)
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
        });
        let place = found.entry(id.into_owned()).or_insert(Place {
            order: spec,
            time: None,
            at: At::Export {
                spec,
                spans: Vec::new(),
            },
        });
        place.time = match (place.time, time) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let At::Export { spans, .. } = &mut place.at {
            spans.push((start, end));
        }
    }
    Some(found.into_iter().collect())
}

fn strip_bom(cell: &[u8]) -> &[u8] {
    cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
}

/// Points `export` at a copy of itself whose rows at `spans` are blank lines.
fn blank_rows(export: &mut ExportSpec, spans: &[(u64, u64)]) -> anyhow::Result<NamedTempFile> {
    let label = export.label();
    let mut bytes = std::fs::read(&export.path)?;
    for &(start, end) in spans {
        let end = (end as usize).min(bytes.len());
        for byte in &mut bytes[start as usize..end] {
            if *byte != b'\n' {
                *byte = b'\r';
            }
        }
    }
    let mut copy = tempfile::Builder::new().prefix("mdl-fetch-export-").tempfile()?;
    copy.write_all(&bytes)?;
    copy.flush()?;
    export.path = copy.path().to_path_buf();
    export.label = Some(label);
    Ok(copy)
}

#[cfg(test)]
mod tests;
