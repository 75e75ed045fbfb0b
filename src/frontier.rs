//! The Pareto frontier of (error, DL): runs that no other run beats on both.

use std::collections::BTreeMap;

use crate::record::RunRecord;

/// A run and its price, as the frontier and the tolerance rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub run: RunRecord,
    /// The dictionary size it was priced with.
    pub dict_size: u64,
    pub dl_bits: f64,
}

impl Priced {
    /// True when `self` is at least as good on both axes and better on one.
    pub fn dominates(&self, other: &Priced) -> bool {
        let (e, d) = (self.run.error, self.dl_bits);
        let (oe, od) = (other.run.error, other.dl_bits);
        e <= oe && d <= od && (e < oe || d < od)
    }

    fn order(&self) -> (u32, u64) {
        self.run.origin.order()
    }
}

/// A frontier kept as runs stream past: keyed by error ascending (DL then strictly
/// descending). Points equal on both axes keep only the first in input order. A map, not a
/// vector, so that a frontier of many points (a sweep whose runs trade error for DL along
/// a curve) costs O(log n) per offer rather than O(n).
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    points: BTreeMap<ErrorKey, Priced>,
}

/// A non-NaN error as a map key (`-0.0` is stored as `0.0`, which `<` treats as equal).
#[derive(Debug, Clone, Copy, PartialEq)]
struct ErrorKey(f64);

impl ErrorKey {
    fn new(error: f64) -> ErrorKey {
        ErrorKey(if error == 0.0 { 0.0 } else { error })
    }
}

impl Eq for ErrorKey {}

impl PartialOrd for ErrorKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ErrorKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Frontier {
    /// Whether a run with these numbers would enter (cheap pre-check before copying it).
    pub fn would_enter(&self, error: f64, dl_bits: f64, order: (u32, u64)) -> bool {
        if error.is_nan() || dl_bits.is_nan() {
            return false;
        }
        // DL falls as error grows, so the point with the largest error <= `error` has the
        // smallest DL of those that could dominate the run.
        let Some(p) = self
            .points
            .range(..=ErrorKey::new(error))
            .next_back()
            .map(|(_, p)| p)
        else {
            return true;
        };
        let (e, d) = (p.run.error, p.dl_bits);
        let dominated = d <= dl_bits && (e < error || d < dl_bits);
        let earlier_twin = e == error && d == dl_bits && p.order() < order;
        !(dominated || earlier_twin)
    }

    /// Adds a run, dropping the points it dominates.
    pub fn offer(&mut self, candidate: Priced) {
        if !self.would_enter(candidate.run.error, candidate.dl_bits, candidate.order()) {
            return;
        }
        // The points it dominates (or equals) are the ones from its error on whose DL is
        // not below its own: a run of neighbours in key order.
        let key = ErrorKey::new(candidate.run.error);
        let doomed: Vec<ErrorKey> = self
            .points
            .range(key..)
            .take_while(|(_, p)| p.dl_bits >= candidate.dl_bits)
            .map(|(k, _)| *k)
            .collect();
        for k in doomed {
            self.points.remove(&k);
        }
        self.points.insert(key, candidate);
    }

    pub fn merge(&mut self, other: Frontier) {
        for point in other.points.into_values() {
            self.offer(point);
        }
    }

    /// The points by error ascending.
    pub fn iter(&self) -> impl Iterator<Item = &Priced> {
        self.points.values()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn into_points(self) -> Vec<Priced> {
        self.points.into_values().collect()
    }
}
