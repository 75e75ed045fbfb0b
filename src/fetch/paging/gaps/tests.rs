use std::collections::{HashSet, VecDeque};

use super::*;

/// A server's runs as `(created second, id)`, answering pages as W&B does for a range.
struct Server {
    runs: Vec<(Second, String)>,
    page: usize,
}

impl Server {
    /// `count` runs from second 1000 on, `per_second` to a second.
    fn new(count: usize, per_second: usize, page: usize) -> Server {
        let runs = (0..count)
            .map(|i| (1000 + (i / per_second) as Second, format!("r{i:06}")))
            .collect();
        Server { runs, page }
    }

    /// `count` runs made 1 to 60 seconds apart (as the fake's sweeps are), drawn from `seed`.
    fn spaced(count: usize, seed: u64, page: usize) -> Server {
        let mut state = seed;
        let mut second = 1000;
        let runs = (0..count)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                second += 1 + (state >> 33) as Second % 60;
                (second, format!("r{i:06}"))
            })
            .collect();
        Server { runs, page }
    }

    fn page(&self, range: &Range, end: End, ids: &mut HashSet<String>) -> SeekPage {
        let inside = |s: Second| {
            let below = range.to.is_none_or(|to| s <= to);
            s >= range.from && (below || range.top.is_some_and(|top| s >= top))
        };
        let mut matched: Vec<&(Second, String)> = (self.runs.iter())
            .filter(|(s, id)| inside(*s) && !range.seen.contains(id))
            .collect();
        if end == End::Newest {
            matched.reverse();
        }
        let runs: Vec<(Option<Second>, String)> = (matched.iter().take(self.page))
            .map(|(s, id)| (Some(*s), id.clone()))
            .collect();
        let before = ids.len();
        ids.extend(runs.iter().map(|(_, id)| id.clone()));
        SeekPage {
            has_next_page: matched.len() > self.page,
            new_runs: ids.len() > before,
            runs,
        }
    }

    /// The first page, as the layer's stream asked for it, and the gaps after it.
    fn first(&self, window: Option<u64>, ids: &mut HashSet<String>) -> Gaps {
        let all = Range {
            from: 0,
            to: None,
            top: None,
            seen: Vec::new(),
        };
        let first = self.page(&all, End::Oldest, ids);
        let newest = first.runs.iter().filter_map(|(s, _)| *s).max().unwrap();
        let mut edge = Edge::default();
        advance(&mut edge, &first, newest);
        Gaps::new("layer 6", edge, self.page as u64, self.runs.len() as u64, window)
    }
}

/// Fetches the rest of `server`'s runs with at most `room` pages in flight, answering the
/// oldest request first (or the newest, when `lifo`), `grow` runs created after the third
/// request; returns the ids and the requests.
fn fetch(server: &mut Server, room: usize, lifo: bool, grow: usize) -> (HashSet<String>, usize) {
    let (ids, requests, _) = fetch_in(server, None, room, lifo, grow);
    (ids, requests)
}

/// `fetch` in windows of `window` runs when given; also returns the windows made.
fn fetch_in(
    server: &mut Server,
    window: Option<u64>,
    room: usize,
    lifo: bool,
    grow: usize,
) -> (HashSet<String>, usize, usize) {
    let mut ids = HashSet::new();
    let mut gaps = server.first(window, &mut ids);
    let mut flight: VecDeque<Ask> = VecDeque::new();
    let mut requests = 1;
    let mut grown = false;
    while !gaps.done() {
        let asks = gaps.next(room.saturating_sub(flight.len()), ids.len() as u64);
        requests += asks.len();
        flight.extend(asks);
        let ask = match lifo {
            true => flight.pop_back(),
            false => flight.pop_front(),
        }
        .expect("a gap is open, so a page is in flight");
        if requests >= 4 && !grown {
            grown = true;
            // Runs created while the fetch goes on, after every run so far.
            let last = server.runs.last().unwrap().0;
            server
                .runs
                .extend((0..grow).map(|i| (last + 1 + i as Second, format!("new{i}"))));
        }
        let page = server.page(&ask.range, ask.end, &mut ids);
        gaps.answered(ask.ticket, &page).unwrap();
    }
    (ids, requests, gaps.windows())
}

fn every_id(server: &Server) -> HashSet<String> {
    server.runs.iter().map(|(_, id)| id.clone()).collect()
}

/// With two pages in flight (what a server that serves one request at a time is left
/// at), a layer is read from both ends in exactly the requests of one stream.
#[test]
fn two_ends_cost_no_request_more_than_one_stream() {
    let layers = [(10_000, 1), (30_000, 1), (100_000, 1), (9_500, 31), (3_001, 2)];
    for ((count, per_second), lifo) in layers.into_iter().flat_map(|l| [(l, false), (l, true)]) {
        let mut server = Server::new(count, per_second, 1000);
        let (ids, requests) = fetch(&mut server, 2, lifo, 0);
        let case = format!("{count} runs, {per_second} a second, newest answer first: {lifo}");
        assert_eq!(ids, every_id(&server), "{case}");
        assert_eq!(requests, count.div_ceil(1000), "{case}");
    }
}

/// With eight in flight the gaps are cut into windows of about a page, which together
/// still bring every run, in a few requests more than one stream.
#[test]
fn more_room_cuts_windows_of_a_page_that_bring_every_run_once() {
    let servers = [
        (Server::new(100_000, 1, 1000), false),
        (Server::new(30_000, 31, 1000), true),
        (Server::new(10_000, 3, 1000), false),
        (Server::spaced(100_000, 7, 1000), false),
        (Server::spaced(30_000, 8, 1000), true),
        (Server::spaced(1_200, 9, 20), false),
    ];
    for (mut server, lifo) in servers {
        let count = server.runs.len();
        let (ids, requests) = fetch(&mut server, 8, lifo, 0);
        assert_eq!(ids, every_id(&server), "{count} runs");
        let stream = count.div_ceil(server.page);
        assert!(
            requests <= stream + stream / 10 + 3,
            "{requests} requests for {count} runs"
        );
    }
}

/// Runs created during the fetch, after the newest run the newest end first saw, are
/// read by the top gap's oldest end before it says the layer is done.
#[test]
fn runs_created_during_the_fetch_are_read_by_the_open_end() {
    for room in [2, 8] {
        let mut server = Server::new(20_000, 1, 1000);
        let (ids, _) = fetch(&mut server, room, false, 250);
        assert_eq!(ids.len(), 20_250, "room {room}");
        assert_eq!(ids, every_id(&server));
    }
}

#[test]
fn a_window_size_cuts_windows_of_that_many_runs_to_twice_as_many() {
    let mut server = Server::new(10_000, 1, 100);
    let (ids, requests, windows) = fetch_in(&mut server, Some(300), usize::MAX, false, 0);
    assert_eq!(ids, every_id(&server));
    assert!((14..=34).contains(&windows), "{windows} windows");
    assert!(requests <= 100 + windows, "{requests} requests");

    let mut ids = HashSet::new();
    let mut gaps = server.first(Some(300), &mut ids);
    let asks = gaps.next(usize::MAX, ids.len() as u64);
    // Before the top is known: the layer's two ends, the newest end checking the first page.
    assert_eq!(
        asks.iter().map(|a| a.end).collect::<Vec<_>>(),
        [End::Oldest, End::Newest]
    );
    assert!(asks[1].first_from_top && !asks[0].first_from_top);
    assert_eq!(asks[0].name, "layer 6 window 1 page 1");
    assert_eq!(asks[1].name, "layer 6 window 1 page 1 from the newest");
}

/// A page that says more follow but brings nothing new and moves no edge, again and
/// again, is an endless server; so is one that says more follow with no run in it.
#[test]
fn a_server_that_says_more_follow_and_brings_nothing_is_endless() {
    let server = Server::new(5_000, 1, 1000);
    let mut ids = HashSet::new();
    let mut gaps = server.first(None, &mut ids);
    let empty = SeekPage {
        has_next_page: true,
        runs: Vec::new(),
        new_runs: false,
    };
    let ask = gaps.next(1, ids.len() as u64).remove(0);
    assert_eq!(gaps.answered(ask.ticket, &empty), Err(PagingError::Endless));

    let mut gaps = server.first(None, &mut ids);
    let mut result = Ok(());
    let mut same: Option<SeekPage> = None;
    for _ in 0..=MAX_EMPTY_PAGES {
        let ask = gaps.next(1, ids.len() as u64).remove(0);
        assert_eq!(ask.end, End::Oldest);
        let page = same.get_or_insert_with(|| server.page(&ask.range, End::Oldest, &mut HashSet::new()));
        let repeated = SeekPage {
            new_runs: false,
            ..page.clone()
        };
        result = result.and(gaps.answered(ask.ticket, &repeated));
    }
    assert_eq!(result, Err(PagingError::Endless));
}

/// Fetches `server`'s runs with `room` pages in flight, every page taking one round trip:
/// returns the requests and the round trips the fetch took after its first page.
fn round_trips(server: &Server, room: usize) -> (usize, u32) {
    let mut ids = HashSet::new();
    let mut gaps = server.first(None, &mut ids);
    // (when it is answered, ask), answered in order.
    let mut flight: Vec<(u32, Ask)> = Vec::new();
    let (mut now, mut requests) = (0, 1);
    while !gaps.done() {
        let asks = gaps.next(room.saturating_sub(flight.len()), ids.len() as u64);
        requests += asks.len();
        flight.extend(asks.into_iter().map(|ask| (now + 1, ask)));
        flight.sort_by_key(|(at, ask)| (*at, ask.ticket));
        let (at, ask) = flight.remove(0);
        now = at;
        let page = server.page(&ask.range, ask.end, &mut ids);
        gaps.answered(ask.ticket, &page).unwrap();
    }
    assert_eq!(ids, every_id(server));
    (requests, now)
}

/// Once the layer's top is known, every slot has a page in flight: after the first page,
/// a round trip for the layer's two ends, then one for each round of pages, the last round
/// asking every page left at once.
#[test]
fn every_slot_has_a_page_from_the_second_round_trip_on() {
    for count in [10_000, 30_000, 100_000] {
        for (room, server) in [
            (2, Server::new(count, 1, 1000)),
            (8, Server::spaced(count, 3, 1000)),
        ] {
            let (requests, trips) = round_trips(&server, room);
            let pages = count / 1000 - 1;
            let least = 1 + (pages - 2).div_ceil(room);
            assert!(
                trips as usize <= least + 1,
                "{count} runs, {room} in flight: {trips} round trips"
            );
            assert!(
                requests <= count / 1000 + 3,
                "{count} runs, {room} in flight: {requests} requests"
            );
        }
    }
}
