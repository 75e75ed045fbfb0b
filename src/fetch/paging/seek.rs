//! Paging by creation time instead of by cursor. W&B's cursors are offsets into a sorted
//! result whose tied rows (runs started in the same second) come in a new order on each
//! request, so a cursor walk repeats some runs and skips others. Here no cursor is ever
//! sent: every page is the first page of a filter, `createdAt >= S and name $nin [...]`,
//! where S is the second of the newest run read so far (every run created before it has
//! come whole) and the list holds the ids of S's runs already read. A second that holds a
//! page or more of runs is so read a page at a time, its list growing. Only documented
//! filter fields and operators are used; runs are still de-duplicated by id. Pure: it sees
//! only each page's facts, so it is tested without a server.

use serde_json::{json, Value};

use crate::fetch::graphql::timestamps::{filter_time, Second};

/// Pages without a single new run, more said to follow, before the server is called
/// endless.
pub const MAX_EMPTY_PAGES: u32 = 3;

/// Why paging cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingError {
    /// `MAX_EMPTY_PAGES` pages in a row with more to come and nothing new, or more to come
    /// after a page with no run to go on from.
    Endless,
}

impl PagingError {
    /// One line for the user, after the page's name.
    pub fn message(self) -> &'static str {
        match self {
            PagingError::Endless => "the server keeps saying more pages follow but sends no new runs; it may be misbehaving: try later",
        }
    }
}

/// What one page said: whether more follow, and its runs' creation seconds and ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeekPage {
    pub has_next_page: bool,
    /// `(created second, run id)` of each edge, in the server's order; a run whose time
    /// cannot be read has `None`.
    pub runs: Vec<(Option<Second>, String)>,
    /// Whether the page brought a run not seen before.
    pub new_runs: bool,
}

/// Where a stream's paging stands: the next page's lower bound (a creation second), and
/// the runs of that second already read.
#[derive(Debug, Default, Clone)]
pub struct SeekWalk {
    from: Option<Second>,
    seen_at_from: Vec<String>,
    empty_pages: u32,
}

/// What to do after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    Done,
    /// Ask for the page `SeekWalk::filter` now names.
    Ask,
}

impl SeekWalk {
    /// Takes in one page's facts and says whether another page is needed.
    pub fn after_page(&mut self, page: &SeekPage) -> Result<Seek, PagingError> {
        self.empty_pages = if page.new_runs { 0 } else { self.empty_pages + 1 };
        if !page.has_next_page {
            return Ok(Seek::Done);
        }
        if self.empty_pages >= MAX_EMPTY_PAGES {
            return Err(PagingError::Endless);
        }
        let Some(Some(newest)) = page.runs.iter().map(|(second, _)| *second).max() else {
            // No run, or no time that can be read: no bound to move to.
            return Err(PagingError::Endless);
        };
        if self.from != Some(newest) {
            self.from = Some(newest);
            self.seen_at_from.clear();
        }
        let at_newest = (page.runs.iter()).filter(|(second, _)| *second == Some(newest));
        self.seen_at_from.extend(at_newest.map(|(_, id)| id.clone()));
        Ok(Seek::Ask)
    }

    /// The filter of the next page: `base` (a JSON object as text) narrowed to the runs
    /// created at or after the bound, less those of its second already read.
    pub fn filter(&self, base: &str) -> anyhow::Result<String> {
        let Some(from) = self.from else {
            return Ok(base.to_string());
        };
        let mut clauses: Vec<Value> = vec![serde_json::from_str(base)?];
        clauses.push(json!({ "createdAt": { "$gte": filter_time(from) } }));
        if !self.seen_at_from.is_empty() {
            clauses.push(json!({ "name": { "$nin": self.seen_at_from } }));
        }
        Ok(json!({ "$and": clauses }).to_string())
    }
}

#[cfg(test)]
mod tests;
