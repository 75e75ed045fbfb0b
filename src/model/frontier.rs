//! The Pareto frontier of (error, DL): runs that no other run beats on both.

use std::collections::BTreeMap;

use crate::model::frontier_bounds::Bounds;
use crate::model::record::RunRecord;

/// A run and its price, as the frontier and the tolerance rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub run: RunRecord,
    /// The dictionary size it was priced with.
    pub dict_size: u64,
    pub dl_bits: f64,
}

impl Priced {
    /// Whether the D it was priced with is the run's own (its config or name), not the
    /// default D.
    pub fn priced_by_own_dict_size(&self) -> bool {
        self.run.dict_size == Some(self.dict_size)
    }

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
///
/// Most runs do not enter, so the check comes first and must be cheap: while the frontier
/// has at most `INDEX_CAP` points, their (error, DL) pairs are also kept in a sorted vector,
/// searched in a few cache lines instead of walking the map's nodes, and a coarse bound
/// (`Bounds`) turns most runs away before that search.
#[derive(Debug, Clone)]
pub struct Frontier {
    points: BTreeMap<ErrorKey, Priced>,
    /// (error key, DL) of every point in key order, or `None` past `index_cap` points.
    index: Option<Index>,
    index_cap: usize,
}

/// The points' error keys and DLs in key order, in two vectors, and every `STRIDE`th
/// error once more in `tops`. A search goes through `tops` (a few hundred bytes, which stay
/// in the nearest cache) and then counts within one stride of `errors`: a binary search
/// of `errors` alone spends most of its time waiting on one far cache line after another.
/// Before any search, `bounds` turns away the runs surely dominated.
#[derive(Debug, Clone, Default)]
struct Index {
    errors: Vec<f64>,
    dls: Vec<f64>,
    tops: Vec<f64>,
    bounds: Bounds,
}

/// Errors per entry of `Index::tops`.
const STRIDE: usize = 16;

impl Index {
    /// How many errors are `<= key` (keys are never NaN and never -0.0, so `<=` orders
    /// them as `ErrorKey` does).
    fn count_at_or_below(&self, key: f64) -> usize {
        let Some(block) = self.tops.partition_point(|&e| e <= key).checked_sub(1) else {
            return 0;
        };
        let start = block * STRIDE;
        let stride = &self.errors[start..self.errors.len().min(start + STRIDE)];
        // Sorted, so a count is the partition point; a count has no branch to mispredict.
        start + stride.iter().filter(|&&e| e <= key).count()
    }

    /// Puts (`key`, `dl`) in place of the `replaced` points from position `at` on.
    fn splice(&mut self, at: usize, replaced: usize, key: f64, dl: f64) {
        self.errors.splice(at..at + replaced, [key]);
        self.dls.splice(at..at + replaced, [dl]);
        self.tops.clear();
        self.tops.extend(self.errors.iter().step_by(STRIDE));
        self.bounds.entered(&self.errors, &self.dls, at);
    }
}

/// The most points the sorted (error, DL) vector is kept for: its inserts move at most
/// this many pairs (64 KiB).
const INDEX_CAP: usize = 4096;

impl Default for Frontier {
    fn default() -> Self {
        Frontier::with_index_cap(INDEX_CAP)
    }
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
    fn with_index_cap(index_cap: usize) -> Frontier {
        Frontier {
            points: BTreeMap::new(),
            index: Some(Index::default()),
            index_cap,
        }
    }

    /// Whether a run with these numbers would enter (cheap pre-check before copying it).
    pub fn would_enter(&self, error: f64, dl_bits: f64, order: (u32, u64)) -> bool {
        if error.is_nan() || dl_bits.is_nan() {
            return false;
        }
        if let Some(index) = &self.index {
            let key = ErrorKey::new(error).0;
            if index.bounds.surely_dominated(key, dl_bits) {
                return false;
            }
            let below = index.count_at_or_below(key);
            let Some(at) = below.checked_sub(1) else {
                return true;
            };
            let (e, d) = (index.errors[at], index.dls[at]);
            let dominated = d <= dl_bits && (e < error || d < dl_bits);
            let twin = e == error && d == dl_bits;
            if !twin {
                return !dominated;
            }
            // An equal point: the earlier run stays; the map knows whose it is.
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
        if let Some(index) = &mut self.index {
            let at = index.errors.partition_point(|&e| e < key.0);
            index.splice(at, doomed.len(), key.0, candidate.dl_bits);
        }
        for k in doomed {
            self.points.remove(&k);
        }
        self.points.insert(key, candidate);
        if self.points.len() > self.index_cap {
            self.index = None;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::record::{Origin, RunRecord};

    fn point(error: f64, dl_bits: f64, line: u64) -> Priced {
        Priced {
            run: RunRecord {
                name: format!("run{line}"),
                layer: 6,
                activation: "topk".into(),
                k: 0,
                l0: 1.0,
                error,
                dict_size: None,
                id: String::new(),
                state: String::new(),
                origin: Origin {
                    file: "gen.csv".into(),
                    source: 0,
                    line,
                    project: None,
                },
            },
            dict_size: 1,
            dl_bits,
        }
    }

    /// Pseudo-random points near a curve, with repeats, so many enter and many leave.
    fn points(count: u64) -> Vec<Priced> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        (0..count)
            .map(|line| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let error = (state % 5000) as f64 / 64.0;
                let dl = 1e6 / (1.0 + error) + ((state >> 20) % 8) as f64;
                point(error, dl, line)
            })
            .collect()
    }

    #[test]
    fn the_index_counts_errors_as_a_binary_search_does() {
        let mut rng = fastrand::Rng::with_seed(11);
        for len in 0..80usize {
            let mut index = Index::default();
            for _ in 0..len {
                let error = f64::from(rng.u8(..40)) / 4.0; // repeats, to have equal keys
                let at = index.errors.partition_point(|&e| e < error);
                index.splice(at, 0, error, 0.0);
            }
            assert_eq!(index.tops.len(), len.div_ceil(STRIDE));
            for key in (0..45).map(|k| f64::from(k) / 4.0 - 0.125 * f64::from(k % 2)) {
                let expected = index.errors.partition_point(|&e| e <= key);
                assert_eq!(index.count_at_or_below(key), expected, "{:?} {key}", index.errors);
            }
        }
    }

    #[test]
    fn the_index_and_the_map_alone_keep_the_same_points() {
        for cap in [0, 3, 64, INDEX_CAP] {
            let (mut indexed, mut plain) = (Frontier::with_index_cap(cap), Frontier::with_index_cap(0));
            for p in points(20_000) {
                let order = p.run.origin.order();
                assert_eq!(
                    indexed.would_enter(p.run.error, p.dl_bits, order),
                    plain.would_enter(p.run.error, p.dl_bits, order),
                );
                indexed.offer(p.clone());
                plain.offer(p);
                if let Some(index) = &indexed.index {
                    let pairs: Vec<(f64, f64)> = indexed.iter().map(|p| (p.run.error, p.dl_bits)).collect();
                    let indexed_pairs: Vec<(f64, f64)> = index
                        .errors
                        .iter()
                        .copied()
                        .zip(index.dls.iter().copied())
                        .collect();
                    assert_eq!(indexed_pairs, pairs);
                }
            }
            assert!(
                indexed.len() > 100,
                "a frontier worth indexing: {}",
                indexed.len()
            );
            let summary = |f: Frontier| -> Vec<(f64, f64, u64)> {
                f.iter()
                    .map(|p| (p.run.error, p.dl_bits, p.run.origin.line))
                    .collect()
            };
            assert_eq!(summary(indexed), summary(plain), "cap {cap}");
        }
    }
}
