//! Selection: per (layer, activation), the run with the smallest reconstruction error.

use std::collections::BTreeMap;

use crate::record::{RecordSink, RunRecord, RunRef};

/// A (layer, activation) group while runs stream past.
#[derive(Debug, Default, Clone)]
struct Group {
    runs: u64,
    best: Option<RunRecord>,
}

/// The seed's rule, applied as runs arrive: NaN or missing error never wins, a tie goes
/// to the run first in input order, groups come out by layer then activation (code point).
#[derive(Debug, Clone)]
pub struct Selector {
    layers: Vec<i64>,
    groups: BTreeMap<i64, BTreeMap<String, Group>>,
}

/// A group that had runs but none with a usable error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptyGroup {
    pub layer: i64,
    pub activation: String,
    pub runs: u64,
}

/// The chosen runs, in table order, and the groups that could not be filled.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub chosen: Vec<RunRecord>,
    pub empty_groups: Vec<EmptyGroup>,
    /// Runs in the table's layers that were considered.
    pub considered: u64,
}

impl Selector {
    /// A selector that keeps only runs of `layers`.
    pub fn new(layers: &[i64]) -> Selector {
        Selector {
            layers: layers.to_vec(),
            groups: BTreeMap::new(),
        }
    }

    /// Folds in a selector that saw other inputs (e.g. another file read in parallel).
    pub fn merge(&mut self, other: Selector) {
        for (layer, groups) in other.groups {
            let mine = self.groups.entry(layer).or_default();
            for (activation, group) in groups {
                let slot = mine.entry(activation).or_default();
                slot.runs += group.runs;
                if let Some(best) = group.best {
                    offer(&mut slot.best, &best.as_ref());
                }
            }
        }
    }

    pub fn finish(self) -> Selection {
        let mut selection = Selection::default();
        for (layer, groups) in self.groups {
            for (activation, group) in groups {
                selection.considered += group.runs;
                match group.best {
                    Some(best) => selection.chosen.push(best),
                    None => selection.empty_groups.push(EmptyGroup {
                        layer,
                        activation,
                        runs: group.runs,
                    }),
                }
            }
        }
        selection
    }
}

/// Replaces the group's best when `run` beats it: smaller error, or equal error earlier in input.
fn offer(best: &mut Option<RunRecord>, run: &RunRef<'_>) {
    if run.error.is_nan() {
        return;
    }
    let wins = match best {
        None => true,
        Some(current) => {
            run.error < current.error
                || (run.error == current.error && (run.source, run.line) < current.origin.order())
        }
    };
    if wins {
        *best = Some(run.to_record());
    }
}

impl RecordSink for Selector {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        if !self.layers.contains(&run.layer) {
            return Ok(());
        }
        let groups = self.groups.entry(run.layer).or_default();
        let group = match groups.get_mut(run.activation) {
            Some(group) => group,
            None => groups.entry(run.activation.to_string()).or_default(),
        };
        group.runs += 1;
        offer(&mut group.best, run);
        Ok(())
    }
}
