//! What to ask next, given the requests in flight the fetch may add (`room`): first a gap's
//! oldest end, when nothing of the gap is in flight or more than a page is left in it
//! beyond the page in flight; then its newest end, likewise (so the two ends' pages do not
//! overlap, and the gap's last page says no more follow); then a cut, giving a part of a
//! gap an end of its own. While more pages are left than may be asked at once, the gap with
//! most left (more than a window) is halved; once they fit, gaps are cut a page apart, so
//! that every page left is asked at once. How many runs a gap holds is estimated from the
//! runs not yet come (the server's count less those received) spread evenly over the
//! seconds of the open gaps. The count never closes a gap: runs created during the fetch
//! may be in any gap the newest end's first page reached.

use super::{slot, Ask, Edge, End, Gap, Gaps};

/// Where a cut made to ask every page left at once goes, as a share of the way to where
/// the page in flight is expected to end: short by three times how far a page's runs
/// spread over time strays from the average when runs come at random (one in the square
/// root of the page), so that page crosses it (and its gap closes without a request more)
/// even where runs came denser; within 50-97 %.
pub fn cut_short(page: u64) -> f64 {
    (1.0 - 3.0 / (page.max(1) as f64).sqrt()).clamp(0.5, 0.97)
}

/// The least share of a window worth a page of its own when every page left is asked at
/// once (less than that is taken as an estimate's error).
pub const TILE_LEAST: f64 = 0.05;

impl Gaps {
    /// Up to `room` pages to ask for now (at least one when none is in flight and a gap
    /// is open), `received` runs of the layer having come.
    pub fn next(&mut self, room: usize, received: u64) -> Vec<Ask> {
        let idle = self.gaps.iter().all(|gap| gap.in_flight() == 0);
        let room = if idle { room.max(1) } else { room };
        let mut asks = Vec::new();
        while asks.len() < room {
            let tile = self.window.is_none()
                && self.gaps.iter().all(|gap| gap.high.is_some())
                && self.pages_left(received) <= (room - asks.len()) as f64;
            let newest = |i: usize| self.newest_end_worth_it(i, received) && !(tile && self.gaps[i].is_top);
            if let Some(i) = (0..self.gaps.len()).find(|&i| self.oldest_end_worth_it(i, received)) {
                asks.push(self.ask(i, End::Oldest));
            } else if let Some(i) = (0..self.gaps.len()).find(|&i| newest(i)) {
                asks.push(self.ask(i, End::Newest));
            } else if let Some((i, at)) = self.best_cut(received, tile) {
                let upper = self.cut(i, at);
                asks.push(self.ask(upper, End::Oldest));
            } else {
                break;
            }
        }
        asks
    }

    /// Asks for the next page of gap `i` from `end`.
    fn ask(&mut self, i: usize, end: End) -> Ask {
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        let gap = &mut self.gaps[i];
        gap.asking[slot(end)] = Some(ticket);
        gap.pages[slot(end)] += 1;
        let page = gap.pages[slot(end)];
        let from = match end {
            End::Oldest => "",
            End::Newest => " from the newest",
        };
        Ask {
            ticket,
            end,
            range: gap.range(end),
            name: format!("{} window {} page {page}{from}", self.name, gap.number),
            first_from_top: end == End::Newest && gap.high.is_none(),
        }
    }

    /// Whether gap `i` is to be read from its oldest end now: it is open, that end is free,
    /// and either nothing else of it is in flight (the oldest end always goes on: only it
    /// reads what the top gap gained during the fetch) or more than a page is left beyond
    /// the page in flight at the newest end (else that page would bring some of what this
    /// one asks for, and this one would say more follow).
    fn oldest_end_worth_it(&self, i: usize, received: u64) -> bool {
        let gap = &self.gaps[i];
        let free = gap.open() && gap.asking[0].is_none();
        free && (gap.asking[1].is_none() || self.unclaimed(i, received) > self.page as f64)
    }

    /// Whether gap `i` is to be read from its newest end too: it is open, that end is
    /// free, and more than a page is left in it beyond the page in flight.
    fn newest_end_worth_it(&self, i: usize, received: u64) -> bool {
        let gap = &self.gaps[i];
        let free = gap.open() && gap.asking[1].is_none() && gap.in_flight() == 1;
        free && !gap.crossed() && self.unclaimed(i, received) > self.page as f64
    }

    /// Runs not yet come, over the seconds of the open gaps (0 when no gap has both edges).
    fn runs_per_second(&self, received: u64) -> f64 {
        let spans: u64 = (self.gaps.iter())
            .filter(|gap| gap.open())
            .filter_map(Gap::span)
            .sum();
        match spans {
            0 => 0.0,
            spans => self.counted.saturating_sub(received) as f64 / spans as f64,
        }
    }

    /// Runs estimated in gap `i` beyond the pages in flight (a page each).
    fn unclaimed(&self, i: usize, received: u64) -> f64 {
        self.runs_in(i, received) - (self.gaps[i].in_flight() as u64 * self.page) as f64
    }

    /// Runs estimated in gap `i` (read or not yet).
    fn runs_in(&self, i: usize, received: u64) -> f64 {
        // Rounded: the runs of a single gap are the runs not yet come, not a hair more.
        match self.gaps[i].span() {
            Some(span) => (span as f64 * self.runs_per_second(received)).round(),
            None => self.counted.saturating_sub(received) as f64,
        }
    }

    /// Runs of gap `i` for cuts a page apart to cover: those beyond its pages in flight,
    /// but for the top gap, those beyond its oldest end's page alone. Its last page must
    /// come from its oldest end and say no more follow, so its newest end's page in flight
    /// is read over again rather than left to end the gap.
    fn left_to_tile(&self, i: usize, received: u64) -> f64 {
        let gap = &self.gaps[i];
        let in_flight = match gap.is_top {
            true => gap.asking[0].is_some() as u64,
            false => gap.in_flight() as u64,
        };
        self.runs_in(i, received) - (in_flight * self.page) as f64
    }

    /// Pages of runs left to cut a page apart, over the gaps with both edges, each page to
    /// bring `cut_short` of a page (what a page a cut apart from the next brings).
    fn pages_left(&self, received: u64) -> f64 {
        let window = self.window.unwrap_or(self.page) as f64 * cut_short(self.page);
        (0..self.gaps.len())
            .filter(|&i| self.cuttable(i))
            .map(|i| (self.left_to_tile(i, received).max(0.0) / window).ceil())
            .sum()
    }

    /// The gap to cut and where: the one with most runs left beyond its pages in flight.
    /// While more pages are left than may be asked now, a gap with more than a window left
    /// is cut in the middle of the seconds those runs are in; once they fit (`tile`), any
    /// gap with runs left is cut where the page in flight at its oldest end is expected to
    /// end (a little short, `cut_short`), so that every page left is asked at once and the
    /// top gap's last page, from its oldest end, says no more follow.
    fn best_cut(&self, received: u64, tile: bool) -> Option<(usize, i64)> {
        let per_second = self.runs_per_second(received);
        if per_second <= 0.0 {
            return None;
        }
        let window = self.window.unwrap_or(self.page) as f64;
        let enough = if tile { window * TILE_LEAST } else { window };
        let left = |i: usize| match tile {
            true => self.left_to_tile(i, received),
            false => self.unclaimed(i, received),
        };
        let (_, i) = ((0..self.gaps.len()).filter(|&i| self.cuttable(i)))
            .map(|i| (left(i), i))
            .filter(|(left, _)| *left > enough)
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        let gap = &self.gaps[i];
        let high = gap.high.as_ref()?.second;
        let reach = (self.page as f64 / per_second).round() as i64;
        let from = gap.low.second + reach * gap.asking[0].is_some() as i64;
        let to = high - reach * gap.asking[1].is_some() as i64;
        let at = match tile {
            true => gap.low.second + (cut_short(self.page) * (from - gap.low.second) as f64) as i64,
            false => (from + to + 1).div_euclid(2),
        };
        (at > gap.low.second && at <= high).then_some((i, at))
    }

    /// Whether gap `i` may be cut: open, both edges known and not crossed.
    fn cuttable(&self, i: usize) -> bool {
        let gap = &self.gaps[i];
        gap.open() && gap.high.is_some() && !gap.crossed()
    }

    /// Cuts gap `i` below second `at`: the part from `at` up becomes a gap of its own,
    /// with the newest end (and its page in flight), and is returned.
    fn cut(&mut self, i: usize, at: i64) -> usize {
        let number = self.gaps.len() + 1;
        let lower = &mut self.gaps[i];
        let upper = Gap {
            number,
            low: Edge {
                second: at,
                seen: Vec::new(),
            },
            high: lower.high.take(),
            top: lower.top.take(),
            is_top: lower.is_top,
            closed: false,
            asking: [None, lower.asking[1].take()],
            pages: [0, lower.pages[1]],
            empty: [0, lower.empty[1]],
        };
        lower.high = Some(Edge {
            second: at - 1,
            seen: Vec::new(),
        });
        lower.is_top = false;
        lower.pages[1] = 0;
        lower.empty[1] = 0;
        self.gaps.insert(i + 1, upper);
        i + 1
    }
}
