//! Pages as the real backend cuts them: the filtered runs sorted on the order's key alone
//! on every request, tied rows in an order of that request's own when ties are unstable,
//! and cursors that are offsets into that list (`arrayconnection:N`, base64), so runs
//! that tie, or that enter or leave the filter between two pages, shift what a cursor
//! points at: pages repeat some runs and skip others.

use std::sync::Arc;

use base64::Engine;

use super::dataset::{Dataset, FakeRun};
use super::filters::Filter;
use super::paging::{Cursor, Order, Page};

/// `arrayconnection:N` in base64: the cursor of the edge at index `n`.
pub fn offset_cursor(n: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("arrayconnection:{n}"))
}

/// The index after the edge `cursor` names (0 for no cursor).
fn start_after(cursor: Option<&str>) -> Result<usize, String> {
    let Some(cursor) = cursor else { return Ok(0) };
    let bad = || format!("invalid cursor {cursor:?}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let n: usize = (text.strip_prefix("arrayconnection:"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)?;
    Ok(n + 1)
}

/// One page: the runs matching `filter`, sorted on `order`'s key (ties by run id, or in
/// an order drawn from `tie_seed` when it is given), from just after `after`.
pub fn select(
    ds: &Dataset,
    filter: &Filter,
    order: &Order,
    after: Option<&str>,
    first: usize,
    tie_seed: Option<u64>,
) -> Result<Page, String> {
    let start = start_after(after)?;
    let mut matched: Vec<(&Arc<FakeRun>, u64)> = (ds.runs.iter())
        .filter(|run| filter.matches(run))
        .map(|run| (run, tie_seed.map_or(0, |seed| mix(seed, &run.name))))
        .collect();
    matched.sort_by(|(a, a_tie), (b, b_tie)| {
        order
            .cmp_keys((order.value(a), ""), (order.value(b), ""))
            .then(a_tie.cmp(b_tie))
            .then_with(|| a.name.cmp(&b.name))
    });
    let end = start.saturating_add(first).min(matched.len());
    let start = start.min(end);
    let runs: Vec<Arc<FakeRun>> = matched[start..end]
        .iter()
        .map(|(run, _)| Arc::clone(run))
        .collect();
    Ok(Page {
        cursors: (start..end).map(offset_cursor).collect(),
        runs,
        has_next: end < matched.len(),
        from: Cursor::Start,
    })
}

/// A per-request pseudo-random rank for a run (splitmix64 over its id and the seed).
fn mix(seed: u64, name: &str) -> u64 {
    let mut x = seed ^ 0x9e37_79b9_7f4a_7c15;
    for byte in name.bytes() {
        x = (x ^ u64::from(byte)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 31;
    }
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::parse_filters;
    use crate::sweep::SweepOptions;

    /// Offset cursors over runs tied on `createdAt`, their order new on each request, walk
    /// past some runs and show others twice, as the real backend's do.
    #[test]
    fn offset_cursors_over_unstable_ties_lose_and_repeat_runs() {
        let ds = Dataset::sweep(SweepOptions {
            runs: 300,
            burst: 30,
            ..SweepOptions::default()
        });
        let order = Order::parse(None).unwrap();
        let filter = parse_filters(None).unwrap();
        let (mut seen, mut cursor, mut request) = (Vec::new(), None, 0);
        loop {
            request += 1;
            let page = select(&ds, &filter, &order, cursor.as_deref(), 25, Some(request)).unwrap();
            assert_eq!(
                page.cursors.first().map(String::as_str),
                Some(offset_cursor((request as usize - 1) * 25).as_str())
            );
            seen.extend(page.runs.iter().map(|run| run.name.clone()));
            if !page.has_next {
                break;
            }
            cursor = page.cursors.last().cloned();
        }
        assert_eq!(seen.len(), 300, "every offset is read once");
        let mut distinct = seen.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() < 300, "some run came twice and another never");
        let stable = select(&ds, &filter, &order, None, 300, None).unwrap();
        let again = select(&ds, &filter, &order, None, 300, None).unwrap();
        assert_eq!(stable.runs, again.runs, "without unstable ties the order holds");
    }
}
