//! The record of every request the fake server received, for tests to assert on.

use std::sync::Arc;

use super::faults::Fault;
use super::inspect::QueryInfo;

/// One request, as received and as answered. Entries are added on arrival (status 0 until
/// the answer is sent), so a request still being slowed down is already visible.
#[derive(Clone, Debug, Default)]
pub struct LoggedRequest {
    /// 0-based arrival order over all requests.
    pub seq: usize,
    pub method: String,
    /// The path without a query string.
    pub path: String,
    /// Names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// 1-based index among POST /graphql requests (`None` for other requests).
    pub graphql_index: Option<usize>,
    /// The GraphQL `query` text, `variables` (`Null` when absent) and `operationName`.
    pub query: Option<String>,
    pub variables: serde_json::Value,
    pub operation_name: Option<String>,
    /// What the query asked of `runs` (default when it asked nothing of it).
    pub info: QueryInfo,
    /// The request carried the right key.
    pub authorized: bool,
    /// When the request had been read, before any injected latency (`None` only in a
    /// default-made entry).
    pub received_at: Option<std::time::Instant>,
    /// The fault applied, if any.
    pub fault: Option<Fault>,
    /// The status sent; 0 while unanswered, and when the answer was a reset.
    pub status: u16,
    /// Bytes written to the socket (head and body; a truncated body counts what was sent).
    pub bytes_sent: usize,
    /// The body was gzipped on the wire.
    pub gzipped: bool,
    /// Run edges in the answer (after page faults).
    pub edges: usize,
    /// The (uncompressed) body of the answer, unless body logging is off.
    pub response_body: Option<Arc<Vec<u8>>>,
}

impl LoggedRequest {
    /// The value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The answer's body as text, when logged.
    pub fn response_text(&self) -> Option<String> {
        self.response_body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// A runs-page request (it selected `Project.runs`).
    pub fn is_runs_page(&self) -> bool {
        self.info.runs_page
    }
}
