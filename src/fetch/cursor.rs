//! Cursor paging as a value: what to ask for after each page, and when the server is
//! misbehaving (a cursor sent twice, pages that never bring a new run, no cursor at all).
//! Pure: it sees only each page's paging facts, so loops are tested without a server.

use std::collections::HashSet;

/// Pages without a single new run before the server is called endless.
pub const MAX_EMPTY_PAGES: u32 = 3;

/// What one page said about paging, and whether it brought a run not seen before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFacts {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
    /// The last edge's own cursor, for servers that fill in no `endCursor`.
    pub last_cursor: Option<String>,
    pub new_runs: bool,
}

/// The next request, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Done,
    /// Ask for the page after `cursor` (the first page when `None`), with each edge's own
    /// cursor in the answer when `edge_cursors`.
    Ask {
        cursor: Option<String>,
        edge_cursors: bool,
    },
}

/// Why paging cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingError {
    /// `MAX_EMPTY_PAGES` pages in a row with more to come and nothing new.
    Endless,
    /// More pages follow, but neither `endCursor` nor an edge cursor says from where.
    NoCursor,
    /// A cursor the server had sent before.
    RepeatedCursor,
}

impl PagingError {
    /// One line for the user, after the page's name.
    pub fn message(self) -> &'static str {
        match self {
            PagingError::Endless => "the server keeps saying more pages follow but sends no new runs; it may be misbehaving: try later",
            PagingError::NoCursor => "the server says more pages follow but gives no cursor",
            PagingError::RepeatedCursor => "the server sent a cursor it had sent before; paging would never end: try later",
        }
    }
}

/// Where a layer's paging stands.
#[derive(Debug, Default)]
pub struct CursorWalk {
    cursor: Option<String>,
    seen: HashSet<String>,
    edge_cursors: bool,
    /// The page just read was the previous one asked again (with edge cursors).
    repeating: bool,
    empty_pages: u32,
}

impl CursorWalk {
    /// Takes in one page's facts and says what to ask for next.
    pub fn after_page(&mut self, page: PageFacts) -> Result<Next, PagingError> {
        if !page.has_next_page {
            return Ok(Next::Done);
        }
        if page.end_cursor.is_none() && !self.edge_cursors {
            // A server without `endCursor`: ask this page again, with each edge's cursor.
            self.edge_cursors = true;
            self.repeating = true;
            return Ok(self.ask());
        }
        // The runs of a page asked again are not new, and not a loop either.
        if !self.repeating {
            self.empty_pages = if page.new_runs { 0 } else { self.empty_pages + 1 };
        }
        self.repeating = false;
        if self.empty_pages >= MAX_EMPTY_PAGES {
            return Err(PagingError::Endless);
        }
        let next = page
            .end_cursor
            .or(page.last_cursor)
            .ok_or(PagingError::NoCursor)?;
        if self.cursor.as_deref() == Some(next.as_str()) || !self.seen.insert(next.clone()) {
            return Err(PagingError::RepeatedCursor);
        }
        self.cursor = Some(next);
        Ok(self.ask())
    }

    fn ask(&self) -> Next {
        Next::Ask {
            cursor: self.cursor.clone(),
            edge_cursors: self.edge_cursors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(next: bool, end: Option<&str>, last: Option<&str>, new_runs: bool) -> PageFacts {
        PageFacts {
            has_next_page: next,
            end_cursor: end.map(String::from),
            last_cursor: last.map(String::from),
            new_runs,
        }
    }

    fn ask(cursor: &str, edge_cursors: bool) -> Next {
        Next::Ask {
            cursor: Some(cursor.into()),
            edge_cursors,
        }
    }

    #[test]
    fn follows_end_cursors_to_the_last_page() {
        let mut walk = CursorWalk::default();
        assert_eq!(
            walk.after_page(page(true, Some("a"), None, true)),
            Ok(ask("a", false))
        );
        assert_eq!(
            walk.after_page(page(true, Some("b"), None, true)),
            Ok(ask("b", false))
        );
        assert_eq!(walk.after_page(page(false, None, None, true)), Ok(Next::Done));
    }

    #[test]
    fn a_cursor_sent_twice_is_a_loop() {
        let mut walk = CursorWalk::default();
        walk.after_page(page(true, Some("a"), None, true)).unwrap();
        assert_eq!(
            walk.after_page(page(true, Some("a"), None, true)),
            Err(PagingError::RepeatedCursor)
        );
        let mut walk = CursorWalk::default();
        for cursor in ["a", "b"] {
            walk.after_page(page(true, Some(cursor), None, true)).unwrap();
        }
        assert_eq!(
            walk.after_page(page(true, Some("a"), None, true)),
            Err(PagingError::RepeatedCursor)
        );
    }

    #[test]
    fn pages_with_nothing_new_end_after_a_few() {
        let mut walk = CursorWalk::default();
        walk.after_page(page(true, Some("0"), None, true)).unwrap();
        for (i, cursor) in ["1", "2"].iter().enumerate() {
            assert!(
                walk.after_page(page(true, Some(cursor), None, false)).is_ok(),
                "{i}"
            );
        }
        assert_eq!(
            walk.after_page(page(true, Some("3"), None, false)),
            Err(PagingError::Endless)
        );
        // A new run resets the count.
        let mut walk = CursorWalk::default();
        for (cursor, new_runs) in [
            ("1", false),
            ("2", false),
            ("3", true),
            ("4", false),
            ("5", false),
        ] {
            assert!(walk.after_page(page(true, Some(cursor), None, new_runs)).is_ok());
        }
    }

    #[test]
    fn without_end_cursor_the_page_is_asked_again_with_edge_cursors() {
        let mut walk = CursorWalk::default();
        let again = walk.after_page(page(true, None, None, true));
        assert_eq!(
            again,
            Ok(Next::Ask {
                cursor: None,
                edge_cursors: true
            })
        );
        // The repeat brings no new runs and is no empty page; then edge cursors lead on.
        assert_eq!(
            walk.after_page(page(true, None, Some("e7"), false)),
            Ok(ask("e7", true))
        );
        assert_eq!(
            walk.after_page(page(true, None, Some("e14"), true)),
            Ok(ask("e14", true))
        );
        assert_eq!(
            walk.after_page(page(true, None, None, true)),
            Err(PagingError::NoCursor)
        );
    }
}
