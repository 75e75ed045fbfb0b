//! `Project.runs` paging: the `order` argument, opaque cursors that encode the sort key
//! (so runs added mid-fetch cause no duplicates or gaps), and page selection.

use std::cmp::Ordering;

use base64::Engine;

use super::dataset::{Dataset, FakeRun};
use super::filters::Filter;

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

    fn value<'a>(&self, run: &'a FakeRun) -> &'a str {
        match self.key {
            OrderKey::CreatedAt => &run.created_at,
            OrderKey::HeartbeatAt => run.heartbeat_at.as_deref().unwrap_or(""),
            OrderKey::Name => &run.name,
            OrderKey::DisplayName => &run.display_name,
        }
    }

    /// Compares sort keys `(value, run name)` in this order's direction.
    fn cmp_keys(&self, a: (&str, &str), b: (&str, &str)) -> Ordering {
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

/// base64 of a small JSON array; `nonce` makes otherwise equal cursors differ.
pub fn encode_cursor(order: &Order, c: &Cursor, nonce: u64) -> String {
    let v = match c {
        Cursor::Start => serde_json::json!(["fw1", order.tag(), "start", nonce]),
        Cursor::After { value, name } => {
            serde_json::json!(["fw1", order.tag(), "after", value, name, nonce])
        }
    };
    base64::engine::general_purpose::STANDARD.encode(v.to_string())
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
    pub runs: Vec<FakeRun>,
    pub cursors: Vec<String>,
    pub has_next: bool,
    pub total: usize,
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
    let mut matched: Vec<&FakeRun> = ds.runs.iter().filter(|r| filter.matches(r)).collect();
    let total = matched.len();
    matched.sort_by(|a, b| order.cmp_keys((order.value(a), &a.name), (order.value(b), &b.name)));
    let start = match &from {
        Cursor::Start => 0,
        Cursor::After { value, name } => matched.partition_point(|r| {
            order.cmp_keys((order.value(r), &r.name), (value, name)) != Ordering::Greater
        }),
    };
    let end = start.saturating_add(first).min(matched.len());
    let runs: Vec<FakeRun> = matched[start..end].iter().map(|r| (*r).clone()).collect();
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
        has_next: end < matched.len(),
        total,
        from,
    })
}
