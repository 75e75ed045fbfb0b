//! Selection: per (layer, activation), the run with the smallest reconstruction error (the
//! seed's rule), the cheapest run within each tolerance ε (the paper's ε-MDL), and the
//! Pareto frontier, all kept as runs stream past.

use std::collections::BTreeMap;

use crate::model::frontier::{Frontier, Priced};
use crate::model::layers::LayerSet;
use crate::model::mdl::{naive_bits_per_feature, Code, Pricing};
use crate::model::record::{RecordSink, RunRef};

/// A (layer, activation) group while runs stream past.
#[derive(Debug, Default, Clone)]
struct Group {
    runs: u64,
    /// Runs without an L0 (NaN): priced NaN.
    no_l0: u64,
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
    /// Runs of the group without an L0, whose DL is not a number.
    pub no_l0: u64,
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
    layers: LayerSet,
    /// Runs of layers outside `layers`, by layer.
    left_out: BTreeMap<i64, u64>,
    tolerances: Vec<f64>,
    pricing: Pricing,
    /// The groups in the order first seen (a sweep has a handful per layer, so a scan
    /// from the last one used beats a map), and past `SCAN_LIMIT` groups a map to them.
    groups: Vec<(i64, String, Group)>,
    last_used: usize,
    index: Option<BTreeMap<i64, BTreeMap<String, usize>>>,
    /// `B + log2 D` of the naive code for the last D priced, and that D.
    naive_per_feature: Option<(u64, f64)>,
}

/// The most groups looked up by a scan; more are looked up in a map.
const SCAN_LIMIT: usize = 32;

impl Selector {
    /// A selector that keeps only runs of `layers`.
    pub fn new(layers: &LayerSet, tolerances: &[f64], pricing: Pricing) -> Selector {
        Selector {
            layers: layers.clone(),
            left_out: BTreeMap::new(),
            tolerances: tolerances.to_vec(),
            pricing,
            groups: Vec::new(),
            last_used: 0,
            index: None,
            naive_per_feature: None,
        }
    }

    /// Where the group of (layer, activation) is in `groups`, made when first seen.
    fn group_at(&mut self, layer: i64, activation: &str) -> usize {
        let found = match &self.index {
            Some(index) => index
                .get(&layer)
                .and_then(|by_name| by_name.get(activation))
                .copied(),
            None => {
                let is = |(l, a, _): &(i64, String, Group)| *l == layer && a == activation;
                match self.groups.get(self.last_used) {
                    Some(slot) if is(slot) => Some(self.last_used),
                    _ => self.groups.iter().position(is),
                }
            }
        };
        let at = found.unwrap_or_else(|| {
            self.groups
                .push((layer, activation.to_string(), Group::default()));
            let at = self.groups.len() - 1;
            if let Some(index) = &mut self.index {
                index.entry(layer).or_default().insert(activation.to_string(), at);
            } else if self.groups.len() > SCAN_LIMIT {
                let mut index: BTreeMap<i64, BTreeMap<String, usize>> = BTreeMap::new();
                for (i, (l, a, _)) in self.groups.iter().enumerate() {
                    index.entry(*l).or_default().insert(a.clone(), i);
                }
                self.index = Some(index);
            }
            at
        });
        self.last_used = at;
        at
    }

    /// The run's dictionary size and DL, as `Pricing::price` gives them (the naive code's
    /// per-feature cost is kept for the last D rather than taking a log per run).
    fn price(&mut self, run: &RunRef<'_>) -> (u64, f64) {
        if self.pricing.code != Code::Naive {
            return self.pricing.price(run);
        }
        let dict_size = self.pricing.dict_for(run.dict_size);
        let per_feature = match self.naive_per_feature {
            Some((d, cost)) if d == dict_size => cost,
            _ => {
                let cost = naive_bits_per_feature(self.pricing.bits, dict_size);
                self.naive_per_feature = Some((dict_size, cost));
                cost
            }
        };
        (dict_size, run.l0 * per_feature)
    }

    /// Folds in a selector that saw other inputs (e.g. another file read in parallel).
    pub fn merge(&mut self, other: Selector) {
        for (layer, runs) in other.left_out {
            *self.left_out.entry(layer).or_default() += runs;
        }
        for (layer, activation, group) in other.groups {
            let at = self.group_at(layer, &activation);
            let slot = &mut self.groups[at].2;
            slot.runs += group.runs;
            slot.no_l0 += group.no_l0;
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

    /// How many runs of each layer outside the selector's layers went past, by layer.
    pub fn left_out(&self) -> &BTreeMap<i64, u64> {
        &self.left_out
    }

    pub fn finish(mut self) -> Vec<GroupResult> {
        let tolerances = self.tolerances.len();
        self.groups
            .sort_by(|(la, aa, _), (lb, ab, _)| (la, aa).cmp(&(lb, ab)));
        let mut results = Vec::new();
        for (layer, activation, mut group) in self.groups {
            group.at_tolerance.resize(tolerances, None);
            results.push(GroupResult {
                layer,
                activation,
                runs: group.runs,
                no_l0: group.no_l0,
                best: group.best,
                at_tolerance: group.at_tolerance,
                frontier: group.frontier.into_points(),
            });
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
        if !self.layers.contains(run.layer) {
            *self.left_out.entry(run.layer).or_default() += 1;
            return Ok(());
        }
        let (dict_size, dl_bits) = self.price(run);
        let at = self.group_at(run.layer, run.activation);
        let group = &mut self.groups[at].2;
        group.runs += 1;
        if run.l0.is_nan() {
            group.no_l0 += 1;
        }
        if run.error.is_nan() {
            return Ok(());
        }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;

    /// Many groups (past the scan limit, so looked up in the map) come out in order, each
    /// with its own runs and its smallest error.
    #[test]
    fn many_groups_keep_their_own_runs() {
        let file: Arc<str> = "gen.csv".into();
        let mut selector = Selector::new(&LayerSet::Only(vec![6, 7, 8]), &[], Pricing::seed());
        let mut expected: BTreeMap<(i64, String), (u64, f64)> = BTreeMap::new();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for line in 0..5000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let layer = 6 + (state % 3) as i64;
            let activation = format!("act{}", (state >> 8) % 40);
            let error = ((state >> 16) % 1000) as f64 / 1e4;
            let run = RunRef::plain("run", &file, line, layer, &activation, 10.0, error);
            selector.accept(&run).unwrap();
            let slot = expected
                .entry((layer, activation.clone()))
                .or_insert((0, f64::INFINITY));
            slot.0 += 1;
            slot.1 = slot.1.min(error);
        }
        assert!(expected.len() > SCAN_LIMIT);
        let got: Vec<((i64, String), (u64, f64))> = selector
            .finish()
            .into_iter()
            .map(|g| ((g.layer, g.activation), (g.runs, g.best.unwrap().run.error)))
            .collect();
        assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
    }
}
