//! `Project.runs` paging: the `order` argument, opaque cursors that encode the sort key
//! (so runs added mid-fetch cause no duplicates or gaps), and page selection.

use std::cmp::Ordering;
use std::sync::Arc;

use base64::Engine;

use super::dataset::{Dataset, FakeRun};
use super::filters::{created_at_holds, Cond, Filter};
use super::values::write_json_str;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OrderKey {
    CreatedAt,
    HeartbeatAt,
    Name,
    DisplayName,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    pub key: OrderKey,
    pub desc: bool,
}

impl Order {
    /// `"+created_at"` (also the default, when null), `"-created_at"`, `"name"`, ...
    pub fn parse(s: Option<&str>) -> Result<Order, String> {
        let s = s.map(str::trim).unwrap_or("");
        if s.is_empty() {
            return Ok(Order {
                key: OrderKey::CreatedAt,
                desc: false,
            });
        }
        let (desc, field) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let key = match field {
            "created_at" | "createdAt" => OrderKey::CreatedAt,
            "heartbeat_at" | "heartbeatAt" => OrderKey::HeartbeatAt,
            "name" => OrderKey::Name,
            "display_name" | "displayName" => OrderKey::DisplayName,
            _ => return Err(format!("unsupported order {s:?}")),
        };
        Ok(Order { key, desc })
    }

    fn tag(&self) -> &'static str {
        match self.key {
            OrderKey::CreatedAt => "created_at",
            OrderKey::HeartbeatAt => "heartbeat_at",
            OrderKey::Name => "name",
            OrderKey::DisplayName => "display_name",
        }
    }

    pub(crate) fn value<'a>(&self, run: &'a FakeRun) -> &'a str {
        match self.key {
            OrderKey::CreatedAt => &run.created_at,
            OrderKey::HeartbeatAt => run.heartbeat_at.as_deref().unwrap_or(""),
            OrderKey::Name => &run.name,
            OrderKey::DisplayName => &run.display_name,
        }
    }

    /// Compares sort keys `(value, run name)` in this order's direction.
    pub(crate) fn cmp_keys(&self, a: (&str, &str), b: (&str, &str)) -> Ordering {
        let o = a.cmp(&b);
        if self.desc {
            o.reverse()
        } else {
            o
        }
    }
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Cursor {
    Start,
    After { value: String, name: String },
}

/// base64 of a small JSON array; `nonce` makes otherwise equal cursors differ. (Written
/// by hand: a page of a thousand runs makes a thousand of them.)
pub fn encode_cursor(order: &Order, c: &Cursor, nonce: u64) -> String {
    let mut text = format!("[\"fw1\",\"{}\",", order.tag());
    match c {
        Cursor::Start => text.push_str("\"start\","),
        Cursor::After { value, name } => {
            text.push_str("\"after\",");
            write_json_str(&mut text, value);
            text.push(',');
            write_json_str(&mut text, name);
            text.push(',');
        }
    }
    text.push_str(&nonce.to_string());
    text.push(']');
    base64::engine::general_purpose::STANDARD.encode(text)
}

pub fn decode_cursor(order: &Order, s: &str) -> Result<Cursor, String> {
    let bad = || format!("invalid cursor {s:?}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| bad())?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let a = v.as_array().ok_or_else(bad)?;
    let text = |i: usize| a.get(i).and_then(|x| x.as_str());
    if text(0) != Some("fw1") {
        return Err(bad());
    }
    if text(1) != Some(order.tag()) {
        return Err(format!("cursor {s:?} does not belong to order {:?}", order.tag()));
    }
    match text(2) {
        Some("start") => Ok(Cursor::Start),
        Some("after") => match (text(3), text(4)) {
            (Some(value), Some(name)) => Ok(Cursor::After {
                value: value.into(),
                name: name.into(),
            }),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// One page of runs, before faults touch it.
pub struct Page {
    pub runs: Vec<Arc<FakeRun>>,
    pub cursors: Vec<String>,
    pub has_next: bool,
    /// Where the client asked to start.
    pub from: Cursor,
}

pub fn select(
    ds: &Dataset,
    filter: &Filter,
    order: &Order,
    after: Option<&str>,
    first: usize,
) -> Result<Page, String> {
    let from = match after {
        None => Cursor::Start,
        Some(s) => decode_cursor(order, s)?,
    };
    let in_created_order = order.key == OrderKey::CreatedAt && ds.in_created_order();
    let (runs, has_next) = if in_created_order {
        page_in_created_order(&ds.runs, filter, order, &from, first)
    } else {
        page_sorting_all(&ds.runs, filter, order, &from, first)
    };
    let cursors = runs
        .iter()
        .map(|r| {
            let c = Cursor::After {
                value: order.value(r).into(),
                name: r.name.clone(),
            };
            encode_cursor(order, &c, 0)
        })
        .collect();
    Ok(Page {
        runs,
        cursors,
        has_next,
        from,
    })
}

/// How many runs match `filter`, by a scan (`CountIndex` remembers what it finds).
pub fn count(ds: &Dataset, filter: &Filter) -> usize {
    if ds.in_created_order() {
        let window = created_window(&ds.runs, filter);
        window
            .iter()
            .filter(|r| filter.matches_past_created_at(r))
            .count()
    } else {
        ds.runs.iter().filter(|r| filter.matches(r)).count()
    }
}

/// The runs of `runs` (in created order) that the filter's top-level `createdAt`
/// conditions leave: those conditions are monotone in creation time.
fn created_window<'a>(runs: &'a [Arc<FakeRun>], filter: &Filter) -> &'a [Arc<FakeRun>] {
    let (low, high) = created_range(runs, filter);
    &runs[low..high]
}

/// `created_window` as the range `low..high` of `runs`.
pub fn created_range(runs: &[Arc<FakeRun>], filter: &Filter) -> (usize, usize) {
    let (mut low, mut high) = (0, runs.len());
    for cond in filter.created_at_conds() {
        match cond {
            Cond::Gt(_) | Cond::Gte(_) => {
                low = low.max(runs.partition_point(|r| !created_at_holds(cond, r)));
            }
            Cond::Lt(_) | Cond::Lte(_) => {
                high = high.min(runs.partition_point(|r| created_at_holds(cond, r)));
            }
            _ => {}
        }
    }
    (low, high.max(low))
}

/// One page from runs in created order, by creation time either way (as an index on it
/// serves both): from the cursor, the next `first` matches, and whether another follows.
/// Every run of the window meets the filter's top-level `createdAt` conditions, so only
/// the rest are tested.
fn page_in_created_order(
    runs: &[Arc<FakeRun>],
    filter: &Filter,
    order: &Order,
    from: &Cursor,
    first: usize,
) -> (Vec<Arc<FakeRun>>, bool) {
    let window = created_window(runs, filter);
    let matching = |r: &&Arc<FakeRun>| filter.matches_past_created_at(r);
    let take = |matches: &mut dyn Iterator<Item = &Arc<FakeRun>>| {
        let page: Vec<Arc<FakeRun>> = matches.take(first).cloned().collect();
        (page, matches.next().is_some())
    };
    if order.desc {
        // Descending, the runs before the cursor's place are those after it in the window.
        let end = window.partition_point(|r| !before_the_page(order, from, r));
        return take(&mut window[..end].iter().rev().filter(matching));
    }
    let start = window.partition_point(|r| before_the_page(order, from, r));
    take(&mut window[start..].iter().filter(matching))
}

/// Whether `run` sorts at or before the cursor, so not on the page that starts there.
fn before_the_page(order: &Order, from: &Cursor, run: &FakeRun) -> bool {
    match from {
        Cursor::Start => false,
        Cursor::After { value, name } => {
            order.cmp_keys((order.value(run), &run.name), (value, name)) != Ordering::Greater
        }
    }
}

/// One page from runs in any order: every match, sorted, then the page after the cursor.
fn page_sorting_all(
    runs: &[Arc<FakeRun>],
    filter: &Filter,
    order: &Order,
    from: &Cursor,
    first: usize,
) -> (Vec<Arc<FakeRun>>, bool) {
    let mut matched: Vec<&Arc<FakeRun>> = runs.iter().filter(|r| filter.matches(r)).collect();
    matched.sort_by(|a, b| order.cmp_keys((order.value(a), &a.name), (order.value(b), &b.name)));
    let start = matched.partition_point(|r| before_the_page(order, from, r));
    let end = start.saturating_add(first).min(matched.len());
    let page = matched[start..end].iter().map(|r| Arc::clone(r)).collect();
    (page, end < matched.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::parse_filters;
    use crate::sweep::SweepOptions;

    /// Cursors are the base64 of the JSON serde_json writes, and read back as written.
    #[test]
    fn cursors_are_compact_json_and_round_trip() {
        let order = Order::parse(Some("display_name")).unwrap();
        let after = Cursor::After {
            value: "a \"quoted\" \\ name\n".into(),
            name: "3p0donj4".into(),
        };
        for (cursor, json) in [
            (
                &Cursor::Start,
                serde_json::json!(["fw1", "display_name", "start", 7]),
            ),
            (
                &after,
                serde_json::json!([
                    "fw1",
                    "display_name",
                    "after",
                    "a \"quoted\" \\ name\n",
                    "3p0donj4",
                    7
                ]),
            ),
        ] {
            let text = encode_cursor(&order, cursor, 7);
            let expected = base64::engine::general_purpose::STANDARD.encode(json.to_string());
            assert_eq!(text, expected);
            assert_eq!(&decode_cursor(&order, &text).unwrap(), cursor);
        }
    }

    /// Pages found by binary search in a created-order project are the pages that filtering
    /// and sorting every run gives, for windows, cursors, page sizes and both directions.
    #[test]
    fn created_order_pages_are_the_sorted_pages() {
        let ds = Dataset::sweep(SweepOptions {
            runs: 600,
            ..SweepOptions::default()
        });
        assert!(ds.in_created_order());
        let mut shuffled = ds.clone();
        shuffled.runs.swap(0, 1);
        let swapped = Dataset::from_runs(shuffled.runs.into_iter().map(Arc::unwrap_or_clone).collect());
        assert!(
            !swapped.in_created_order(),
            "a run pushed after a later one is noticed"
        );
        let at = |i: usize| ds.runs[i].created_at.clone();
        let filters = [
            String::new(),
            r#"{"config.layer": {"$in": [6]}}"#.to_string(),
            format!(
                r#"{{"$and": [{{"config.layer": 7}}, {{"createdAt": {{"$gte": "{}", "$lt": "{}"}}}}]}}"#,
                at(100),
                at(400)
            ),
            format!(
                r#"{{"createdAt": {{"$gt": "{}", "$lte": "{}"}}}}"#,
                at(0),
                at(599)
            ),
            format!(r#"{{"createdAt": {{"$gte": "{}"}}}}"#, at(599)),
            format!(r#"{{"createdAt": {{"$lt": "{}"}}}}"#, at(0)),
        ];
        let orders = ["+created_at", "-created_at"].map(|o| Order::parse(Some(o)).unwrap());
        for (text, order) in filters.iter().flat_map(|f| orders.iter().map(move |o| (f, o))) {
            let filter = parse_filters(Some(text)).unwrap();
            for first in [1, 7, 50, 1000] {
                let mut from = Cursor::Start;
                loop {
                    let fast = page_in_created_order(&ds.runs, &filter, order, &from, first);
                    let slow = page_sorting_all(&ds.runs, &filter, order, &from, first);
                    assert_eq!(fast, slow, "{text}, {order:?}, pages of {first}");
                    assert_eq!(
                        count(&ds, &filter),
                        ds.runs.iter().filter(|r| filter.matches(r)).count()
                    );
                    let (page, has_next) = fast;
                    let Some(last) = page.last().filter(|_| has_next) else {
                        break;
                    };
                    from = Cursor::After {
                        value: last.created_at.clone(),
                        name: last.name.clone(),
                    };
                }
            }
        }
    }
}
