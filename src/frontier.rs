//! The Pareto frontier of (error, DL): runs that no other run beats on both.

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

/// A frontier kept as runs stream past: sorted by error ascending (DL then descending).
/// Points equal on both axes keep only the first in input order.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    points: Vec<Priced>,
}

impl Frontier {
    /// Whether a run with these numbers would enter (cheap pre-check before copying it).
    pub fn would_enter(&self, error: f64, dl_bits: f64, order: (u32, u64)) -> bool {
        if error.is_nan() || dl_bits.is_nan() {
            return false;
        }
        !self.points.iter().any(|p| {
            let (e, d) = (p.run.error, p.dl_bits);
            (e <= error && d <= dl_bits && (e < error || d < dl_bits))
                || (e == error && d == dl_bits && p.order() < order)
        })
    }

    /// Adds a run, dropping the points it dominates.
    pub fn offer(&mut self, candidate: Priced) {
        if !self.would_enter(candidate.run.error, candidate.dl_bits, candidate.order()) {
            return;
        }
        self.points.retain(|p| {
            !(candidate.dominates(p)
                || (p.run.error == candidate.run.error && p.dl_bits == candidate.dl_bits))
        });
        let at = self.points.partition_point(|p| p.run.error < candidate.run.error);
        self.points.insert(at, candidate);
    }

    pub fn merge(&mut self, other: Frontier) {
        for point in other.points {
            self.offer(point);
        }
    }

    pub fn points(&self) -> &[Priced] {
        &self.points
    }

    pub fn into_points(self) -> Vec<Priced> {
        self.points
    }
}
