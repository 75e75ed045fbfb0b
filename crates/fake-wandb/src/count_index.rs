//! `runCount` without a scan per count, as a database's index on creation time gives it:
//! for each filter (its `createdAt` conditions aside), how many of the first `i` runs
//! match, built on the first count and dropped whenever the runs change; the `createdAt`
//! conditions cut a range of runs, so a count is two lookups.

use std::collections::HashMap;

use super::dataset::Dataset;
use super::filters::Filter;
use super::paging;

/// Filters remembered at once; past this the index starts again (a client counts under a
/// handful of filters, each many times).
const MAX_FILTERS: usize = 16;

/// Per filter key (`Filter::past_created_at_key`): `prefix[i]` = matches among `runs[..i]`.
#[derive(Debug, Default)]
pub struct CountIndex {
    prefix_counts: HashMap<String, Vec<u32>>,
}

impl CountIndex {
    /// Forgets every count: call on any change to the runs.
    pub fn clear(&mut self) {
        self.prefix_counts.clear();
    }

    /// How many runs of `ds` match `filter` (what `paging::count` says, faster when asked
    /// again under the same filter with other creation times).
    pub fn count(&mut self, ds: &Dataset, filter: &Filter) -> usize {
        if !ds.in_created_order() {
            return paging::count(ds, filter);
        }
        let (low, high) = paging::created_range(&ds.runs, filter);
        if low == high {
            return 0;
        }
        let key = filter.past_created_at_key();
        if !self.prefix_counts.contains_key(&key) && self.prefix_counts.len() >= MAX_FILTERS {
            self.clear();
        }
        let prefix = self.prefix_counts.entry(key).or_insert_with(|| {
            let mut matched = 0;
            let mut prefix = Vec::with_capacity(ds.runs.len() + 1);
            prefix.push(0);
            for run in &ds.runs {
                matched += u32::from(filter.matches_past_created_at(run));
                prefix.push(matched);
            }
            prefix
        });
        (prefix[high] - prefix[low]) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DatasetHandle;
    use crate::filters::parse_filters;
    use crate::sweep::SweepOptions;

    fn scanned(ds: &Dataset, filter: &Filter) -> usize {
        ds.runs.iter().filter(|r| filter.matches(r)).count()
    }

    /// Counts from the index are the counts a scan of every run gives, for ranges of every
    /// kind under several filters, and again after the runs change through the handle.
    #[test]
    fn indexed_counts_are_scanned_counts_and_follow_changes() {
        let handle = DatasetHandle::new(Dataset::sweep(SweepOptions {
            runs: 400,
            ..SweepOptions::default()
        }));
        let at = |i: usize| handle.read().runs[i].created_at.clone();
        let (a, b, c) = (at(0), at(150), at(399));
        let filters = [
            String::new(),
            format!(r#"{{"createdAt": {{"$lt": "{b}"}}}}"#),
            format!(
                r#"{{"$and": [{{"config.layer": {{"$in": [6]}}}}, {{"createdAt": {{"$gte": "{a}", "$lt": "{b}"}}}}]}}"#
            ),
            format!(
                r#"{{"$and": [{{"config.layer": 7}}, {{"createdAt": {{"$gt": "{b}", "$lte": "{c}"}}}}]}}"#
            ),
            format!(r#"{{"$and": [{{"state": "finished"}}, {{"createdAt": {{"$gte": "{c}"}}}}]}}"#),
            format!(r#"{{"$or": [{{"config.layer": 8}}, {{"createdAt": {{"$lt": "{b}"}}}}]}}"#),
            format!(r#"{{"createdAt": {{"$lt": "{a}"}}}}"#),
        ];
        let check = |label: &str| {
            let ds = handle.read();
            for text in &filters {
                let filter = parse_filters(Some(text)).unwrap();
                assert_eq!(
                    handle.count(&ds, &filter),
                    scanned(&ds, &filter),
                    "{label}: {text}"
                );
            }
        };
        check("fresh");
        check("again, from the index");
        let first = handle.read().runs[0].name.clone();
        assert!(handle.set_state(&first, "crashed"));
        check("after a state change");
        handle.with_mut(|ds| {
            ds.runs.truncate(300);
        });
        check("after runs went");
    }
}
