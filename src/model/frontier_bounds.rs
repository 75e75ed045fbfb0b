//! A coarse upper bound on a Pareto frontier's staircase, a few hundred bytes that stay in
//! the nearest cache, so that the many runs far above the frontier are turned away in a few
//! instructions, before any search.
//!
//! The frontier's error range is cut into `BUCKETS` equal spans of the errors' total order
//! (their bits, so about equal in log scale); each bucket keeps the DL of the last sampled
//! point at or below its lower end. A run in that bucket whose DL is above that bound is
//! beaten by that point (an error no larger, a smaller DL): dominated for sure. Anything
//! else goes on to the exact check.

/// Spans the frontier's error range is cut into.
const BUCKETS: usize = 256;

/// See the module documentation. Made with `rebuild`; the default turns no run away.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// The order key of the frontier's smallest error: bucket 0 starts there.
    base: u64,
    /// Bucket `b` starts at key `base + (b << shift)`.
    shift: u32,
    /// Per bucket, the DL of the last sampled point whose error is at or below its start.
    dls: [f64; BUCKETS],
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            // No error's key reaches it: nothing is turned away.
            base: u64::MAX,
            shift: 0,
            dls: [f64::INFINITY; BUCKETS],
        }
    }
}

/// A key that orders non-NaN floats as `f64::total_cmp` does, as an unsigned integer.
fn order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

impl Bounds {
    /// The bounds of a frontier whose points, by error ascending, are `errors` and `dls`.
    pub fn rebuild(&mut self, errors: &[f64], dls: &[f64]) {
        let (Some(&first), Some(&last)) = (errors.first(), errors.last()) else {
            *self = Bounds::default();
            return;
        };
        let base = order_key(first);
        let span = order_key(last) - base;
        // The fewest bits to shift so that every error of the frontier falls in a bucket.
        let bits = u64::BITS - span.leading_zeros();
        let shift = bits.saturating_sub(BUCKETS.trailing_zeros());
        let mut points = errors.iter().zip(dls).peekable();
        let mut bound = f64::INFINITY;
        for (bucket, slot) in self.dls.iter_mut().enumerate() {
            let start = base.saturating_add((bucket as u64) << shift);
            while let Some((_, &dl)) = points.next_if(|(&error, _)| order_key(error) <= start) {
                bound = dl;
            }
            *slot = bound;
        }
        self.base = base;
        self.shift = shift;
    }

    /// After the point (`error`, `dl`) entered the frontier (`errors`, `dls`, already with
    /// it) at position `at`, and the points it dominated left: the buckets that start from
    /// its error up to the next point's now have it as their last point. A point outside
    /// the buckets' range makes them anew, fitted to the frontier's new range.
    pub fn entered(&mut self, errors: &[f64], dls: &[f64], at: usize) {
        let (key, dl) = (order_key(errors[at]), dls[at]);
        let covered = self.base.saturating_add((BUCKETS as u64) << self.shift);
        if key < self.base || key >= covered {
            return self.rebuild(errors, dls);
        }
        // The first bucket starting at or after `key`, and the first at or after the next
        // point's error (the end when there is none).
        let first_from = |key: u64| {
            let offset = key - self.base;
            let bucket = (offset >> self.shift) + u64::from(offset & ((1u64 << self.shift) - 1) != 0);
            (bucket as usize).min(BUCKETS)
        };
        let next = errors
            .get(at + 1)
            .map_or(BUCKETS, |&next| first_from(order_key(next)));
        let from = first_from(key);
        if from < next {
            self.dls[from..next].fill(dl);
        }
    }

    /// True when a run of this error (not NaN, not -0.0) and DL is surely dominated: a
    /// point of the frontier has an error no larger and a smaller DL.
    #[inline]
    pub fn surely_dominated(&self, error: f64, dl_bits: f64) -> bool {
        let Some(offset) = order_key(error).checked_sub(self.base) else {
            return false;
        };
        let bucket = ((offset >> self.shift) as usize).min(BUCKETS - 1);
        let bound = self.dls[bucket];
        // A point at the bucket's start with the same DL may be the run's twin.
        dl_bits > bound || (dl_bits == bound && offset > (bucket as u64) << self.shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_orders_floats_as_total_cmp_does() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -1e-300,
            -0.0,
            0.0,
            1e-310,
            1e-3,
            1.0,
            7e300,
            f64::INFINITY,
        ];
        for a in values {
            for b in values {
                assert_eq!(order_key(a).cmp(&order_key(b)), a.total_cmp(&b), "{a} {b}");
            }
        }
    }

    /// The DL of the last point at or below `error` (infinite when none).
    fn staircase(errors: &[f64], dls: &[f64], error: f64) -> f64 {
        let below = errors.partition_point(|&e| e <= error);
        below.checked_sub(1).map_or(f64::INFINITY, |at| dls[at])
    }

    /// Probes `bounds` against the exact staircase: a run turned away is dominated (its DL
    /// above the staircase, or on it past a point's error), and nearly every run well above
    /// the staircase is turned away. Returns (turned away, well above).
    fn probe(bounds: &Bounds, errors: &[f64], dls: &[f64], rng: &mut fastrand::Rng) -> (usize, usize) {
        let (mut turned_away, mut far) = (0, 0);
        for _ in 0..2_000 {
            let error = rng.f64() * 0.12 - 0.005;
            let dl = rng.f64() * 1.2e5;
            let stair = staircase(errors, dls, error);
            if bounds.surely_dominated(error, dl) {
                turned_away += 1;
                let twin = errors.binary_search_by(|e| e.total_cmp(&error)).is_ok();
                assert!(
                    dl > stair || (dl == stair && !twin),
                    "({error}, {dl}) is not dominated"
                );
            }
            far += usize::from(dl > 1.5 * stair);
        }
        (turned_away, far)
    }

    #[test]
    fn a_run_turned_away_is_dominated_and_most_far_runs_are() {
        let mut rng = fastrand::Rng::with_seed(5);
        for len in [1, 2, 40, 700, 3000] {
            let mut errors: Vec<f64> = (0..len).map(|_| 1e-4 + rng.f64() * 0.1).collect();
            errors.sort_by(f64::total_cmp);
            errors.dedup();
            let dls: Vec<f64> = (0..errors.len()).map(|i| 1e5 / (1.0 + i as f64)).collect();
            let mut bounds = Bounds::default();
            bounds.rebuild(&errors, &dls);
            let (turned_away, far) = probe(&bounds, &errors, &dls, &mut rng);
            assert!(turned_away * 10 >= far * 9, "len {len}: {turned_away} of {far}");
        }
    }

    /// Points entering one by one (each dropping those it dominates), the bounds kept up
    /// to date by `entered`, stay as sure and nearly as tight as bounds made anew.
    #[test]
    fn bounds_kept_up_as_points_enter_stay_sure() {
        let mut rng = fastrand::Rng::with_seed(9);
        let (mut errors, mut dls): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut bounds = Bounds::default();
        for step in 0..3_000 {
            let error = 1e-4 + rng.f64() * 0.1;
            let dl = 1e3 / error * (1.0 + rng.f64());
            let at = errors.partition_point(|&e| e < error);
            let beaten = at > 0 && dls[at - 1] <= dl;
            if beaten || errors.get(at) == Some(&error) {
                continue;
            }
            let doomed = dls[at..].iter().take_while(|&&d| d >= dl).count();
            errors.splice(at..at + doomed, [error]);
            dls.splice(at..at + doomed, [dl]);
            bounds.entered(&errors, &dls, at);
            if step % 100 == 0 {
                let (turned_away, far) = probe(&bounds, &errors, &dls, &mut rng);
                assert!(turned_away * 10 >= far * 8, "step {step}: {turned_away} of {far}");
            }
        }
        assert!(errors.len() > 50, "a frontier worth bounding: {}", errors.len());
    }

    #[test]
    fn no_frontier_turns_nothing_away() {
        let mut bounds = Bounds::default();
        assert!(!bounds.surely_dominated(0.5, f64::MAX));
        bounds.rebuild(&[0.1], &[10.0]);
        assert!(bounds.surely_dominated(0.5, 11.0));
        assert!(bounds.surely_dominated(0.5, 10.0));
        assert!(!bounds.surely_dominated(0.1, 10.0), "a twin is no sure loser");
        bounds.rebuild(&[], &[]);
        assert!(!bounds.surely_dominated(0.5, f64::MAX));
    }
}
