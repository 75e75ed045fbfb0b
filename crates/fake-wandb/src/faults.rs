//! Injected misbehaviour: which faults exist, when a rule fires, and how many times.

use std::collections::HashMap;
use std::time::Duration;

use super::inspect::QueryInfo;

/// What the server does instead of (or to) a normal answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// HTTP 429 with a JSON error body and, when given, this `Retry-After` value
    /// (seconds, or an HTTP date).
    Status429 { retry_after: Option<String> },
    /// This HTTP status with a small JSON error body (500, 502, 503, 504, 400, 404, ...).
    Status(u16),
    /// Close the socket without answering, with SO_LINGER 0: the client sees a reset.
    Reset,
    /// Sleep this long, then answer normally (make it longer than the client's timeout).
    Slow(Duration),
    /// Headers with the full Content-Length, half the body, then close.
    TruncatedBody,
    /// HTTP 200 whose body is not JSON.
    MalformedJson,
    /// HTTP 200 `{"errors":[{"message":..,"path":["project","runs"]}],"data":null}`.
    ErrorsArray,
    /// HTTP 403, `text/html` body as a proxy would send.
    Html403,
    /// HTTP 200 `{"data":{"project":null}}`.
    ProjectNull,
    /// This redirect status (307, 308, 301, ...) with `Location: location`, an absolute URL
    /// (another fake server, say), and no body to speak of.
    Redirect { status: u16, location: String },
    /// Runs pages only: the page as normal, but `hasNextPage: true` and every cursor and
    /// `endCursor` set to the cursor the client sent (a page-1 "start" cursor on page 1).
    RepeatCursor,
    /// Runs pages only: zero edges, `hasNextPage: true`, a fresh `endCursor` each time.
    EndlessCursor,
    /// Runs pages only: drop this many runs from the start of the page's edges (counts and
    /// cursors unchanged, as if they vanished between requests).
    LoseRuns(usize),
    /// Runs pages only: the page's edges in reverse order (cursors still valid), as a
    /// server that ignores `order` within a page would send them.
    ShuffleEdges,
    /// Runs pages only: the page as normal but `pageInfo.endCursor` null, as a server
    /// that fills in only each edge's `cursor` would send it.
    NoEndCursor,
    /// No misbehaviour: these runs are added to the dataset just before the request is
    /// answered, as runs created while a client pages through the project.
    AddRuns(Vec<super::dataset::FakeRun>),
}

impl Fault {
    /// Faults that alter a runs page rather than the whole answer; they fire only on
    /// runs-page requests.
    pub fn is_page_fault(&self) -> bool {
        matches!(
            self,
            Fault::RepeatCursor
                | Fault::EndlessCursor
                | Fault::LoseRuns(_)
                | Fault::ShuffleEdges
                | Fault::NoEndCursor
        )
    }
}

/// When a rule fires. A rule stays armed until it has fired `times` times.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// The n-th POST /graphql overall (1-based), and, while still armed, each one after it.
    Nth(usize),
    /// The n-th runs-page request (1-based) whose filters name `layer` through
    /// `config.layer` (`None`: any runs page), and, while still armed, each one after it.
    RunsPage { page: usize, layer: Option<i64> },
    /// Every request.
    Always,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    pub fault: Fault,
    pub when: Trigger,
    /// How many times it fires before disarming (`usize::MAX`: for ever).
    pub times: usize,
}

impl FaultRule {
    pub fn new(fault: Fault, when: Trigger, times: usize) -> FaultRule {
        FaultRule { fault, when, times }
    }

    /// Fires once.
    pub fn once(fault: Fault, when: Trigger) -> FaultRule {
        FaultRule::new(fault, when, 1)
    }

    /// Fires on every request, for ever.
    pub fn always(fault: Fault) -> FaultRule {
        FaultRule::new(fault, Trigger::Always, usize::MAX)
    }
}

/// The armed rules and the request counters their triggers read.
#[derive(Debug, Default)]
pub struct FaultBook {
    rules: Vec<FaultRule>,
    graphql_requests: usize,
    runs_pages: usize,
    runs_pages_by_layer: HashMap<i64, usize>,
}

impl FaultBook {
    pub fn add(&mut self, rule: FaultRule) {
        if rule.times > 0 {
            self.rules.push(rule);
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn armed(&self) -> Vec<FaultRule> {
        self.rules.clone()
    }

    /// Counts a POST /graphql and returns its 1-based index.
    pub fn count_graphql(&mut self) -> usize {
        self.graphql_requests += 1;
        self.graphql_requests
    }

    /// Counts an (authenticated) request and picks the fault for it: the first armed rule
    /// whose trigger matches and whose fault applies; that rule spends one firing.
    pub fn pick(&mut self, graphql_index: usize, info: &QueryInfo) -> Option<Fault> {
        if info.runs_page {
            self.runs_pages += 1;
            for l in &info.layers {
                *self.runs_pages_by_layer.entry(*l).or_default() += 1;
            }
        }
        let i = self.rules.iter().position(|rule| {
            (info.runs_page || !rule.fault.is_page_fault())
                && match rule.when {
                    Trigger::Always => true,
                    Trigger::Nth(n) => graphql_index >= n,
                    Trigger::RunsPage { page, layer: None } => info.runs_page && self.runs_pages >= page,
                    Trigger::RunsPage { page, layer: Some(l) } => {
                        info.runs_page
                            && info.layers.contains(&l)
                            && self.runs_pages_by_layer.get(&l).copied().unwrap_or(0) >= page
                    }
                }
        })?;
        let rule = &mut self.rules[i];
        let fault = rule.fault.clone();
        if rule.times != usize::MAX {
            rule.times -= 1;
        }
        if rule.times == 0 {
            self.rules.remove(i);
        }
        Some(fault)
    }
}
