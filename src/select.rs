//! Selection: per (layer, activation), the run with the smallest reconstruction error (the
//! seed's rule), the cheapest run within each tolerance ε (the paper's ε-MDL), and the
//! Pareto frontier, all kept as runs stream past.

use std::collections::BTreeMap;

use crate::frontier::{Frontier, Priced};
use crate::mdl::Code;
use crate::record::{RecordSink, RunRef};

/// How runs are priced: the code, B, and D (a run's own, unless fixed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pricing {
    pub code: Code,
    pub bits: f64,
    /// D for runs that do not say theirs (or for every run when `fixed_dict_size`).
    pub dict_size: u64,
    pub fixed_dict_size: bool,
}

impl Pricing {
    /// The seed's pricing: naive code, B = 7, D = 12288 for every run.
    pub fn seed() -> Pricing {
        Pricing {
            code: Code::Naive,
            bits: 7.0,
            dict_size: 12288,
            fixed_dict_size: true,
        }
    }

    pub fn dict_for(&self, own: Option<u64>) -> u64 {
        match own {
            Some(d) if !self.fixed_dict_size && d > 0 => d,
            _ => self.dict_size,
        }
    }

    pub fn price(&self, run: &RunRef<'_>) -> (u64, f64) {
        let dict_size = self.dict_for(run.dict_size);
        (dict_size, self.code.bits(run.l0, self.bits, dict_size))
    }
}

/// A (layer, activation) group while runs stream past.
#[derive(Debug, Default, Clone)]
struct Group {
    runs: u64,
    best: Option<Priced>,
    at_tolerance: Vec<Option<Priced>>,
    frontier: Frontier,
}

/// What selection found for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupResult {
    pub layer: i64,
    pub activation: String,
    /// Runs of the group seen.
    pub runs: u64,
    /// The smallest-error run; `None` when no run has a usable error.
    pub best: Option<Priced>,
    /// Per tolerance (in the order given): the cheapest run with error <= ε.
    pub at_tolerance: Vec<Option<Priced>>,
    /// The Pareto frontier of (error, DL), by error ascending.
    pub frontier: Vec<Priced>,
}

/// Streams runs into groups; output order is layer, then activation by code point.
#[derive(Debug, Clone)]
pub struct Selector {
    layers: Vec<i64>,
    tolerances: Vec<f64>,
    pricing: Pricing,
    groups: BTreeMap<i64, BTreeMap<String, Group>>,
}

impl Selector {
    /// A selector that keeps only runs of `layers`.
    pub fn new(layers: &[i64], tolerances: &[f64], pricing: Pricing) -> Selector {
        Selector {
            layers: layers.to_vec(),
            tolerances: tolerances.to_vec(),
            pricing,
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
                    keep_if(&mut slot.best, best, smaller_error);
                }
                slot.at_tolerance.resize(self.tolerances.len(), None);
                for (mine, theirs) in slot.at_tolerance.iter_mut().zip(group.at_tolerance) {
                    if let Some(theirs) = theirs {
                        keep_if(mine, theirs, cheaper);
                    }
                }
                slot.frontier.merge(group.frontier);
            }
        }
    }

    pub fn finish(self) -> Vec<GroupResult> {
        let tolerances = self.tolerances.len();
        let mut results = Vec::new();
        for (layer, groups) in self.groups {
            for (activation, mut group) in groups {
                group.at_tolerance.resize(tolerances, None);
                results.push(GroupResult {
                    layer,
                    activation,
                    runs: group.runs,
                    best: group.best,
                    at_tolerance: group.at_tolerance,
                    frontier: group.frontier.into_points(),
                });
            }
        }
        results
    }
}

/// Smaller error wins; equal error goes to the earlier run. NaN never wins.
fn smaller_error(new: &Priced, old: &Priced) -> bool {
    new.run.error < old.run.error
        || (new.run.error == old.run.error && new.run.origin.order() < old.run.origin.order())
}

/// Smaller DL wins; equal DL goes to the earlier run.
fn cheaper(new: &Priced, old: &Priced) -> bool {
    new.dl_bits < old.dl_bits
        || (new.dl_bits == old.dl_bits && new.run.origin.order() < old.run.origin.order())
}

fn keep_if(slot: &mut Option<Priced>, candidate: Priced, better: fn(&Priced, &Priced) -> bool) {
    if slot.as_ref().is_none_or(|old| better(&candidate, old)) {
        *slot = Some(candidate);
    }
}

/// Would `run` (with this DL) beat the slot's run under `better`? Checked before copying.
fn beats(slot: &Option<Priced>, run: &RunRef<'_>, dl_bits: f64, by_error: bool) -> bool {
    let Some(old) = slot else { return true };
    let order = (run.source, run.line) < old.run.origin.order();
    if by_error {
        run.error < old.run.error || (run.error == old.run.error && order)
    } else {
        dl_bits < old.dl_bits || (dl_bits == old.dl_bits && order)
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
        if run.error.is_nan() {
            return Ok(());
        }
        let (dict_size, dl_bits) = self.pricing.price(run);
        let priced = || Priced {
            run: run.to_record(),
            dict_size,
            dl_bits,
        };
        if beats(&group.best, run, dl_bits, true) {
            group.best = Some(priced());
        }
        if !dl_bits.is_nan() {
            group.at_tolerance.resize(self.tolerances.len(), None);
            for (slot, eps) in group.at_tolerance.iter_mut().zip(&self.tolerances) {
                if run.error <= *eps && beats(slot, run, dl_bits, false) {
                    *slot = Some(priced());
                }
            }
            if group
                .frontier
                .would_enter(run.error, dl_bits, (run.source, run.line))
            {
                group.frontier.offer(priced());
            }
        }
        Ok(())
    }
}
