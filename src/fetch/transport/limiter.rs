//! How many requests in flight are worth it: an estimate kept from how long answers take,
//! in the way of TCP Vegas. A server that serves requests side by side answers two sent
//! together about as fast as one; a server that serves one at a time makes the second
//! wait for the first, so each answer takes about as long as the requests ahead of it, and
//! answers come no faster than one a shortest answer's time.
//!
//! The shortest answer so far stands for an answer that waited for nothing. An answer
//! that shared the server with `in_flight - 1` others and took `took` says the server
//! served about `in_flight * shortest / took` of them at once; `n` answers (any) coming in
//! over a time `span` say it served about `n * shortest / span` at once. After a round (as
//! many answers that shared the server as the limit), the smaller of the two (the first
//! the smallest over the round, the second over the round's span) is what the server is
//! taken to serve at once: when that is most of the limit, the server kept up and
//! the limit grows fourfold (up to the most allowed: a fetch lasts few rounds); else the
//! limit becomes twice that figure (rounded down: the shortest answer holds the client's
//! time too, so the figure errs high), so that each request the server serves has one
//! more waiting behind it and the server never waits for the client, but never less than
//! two. On a server that serves one request at a time that is where it stays: a layer's
//! two ends, which cost no request more than one stream. Pure: answers come in from the
//! gate, so it is tested without a server.

use std::time::Duration;

/// The share of the limit the server must be seen to serve at once for the limit to grow.
pub const KEPT_UP: f64 = 0.8;

/// How much the limit grows after a round the server kept up with.
pub const GROWTH: usize = 4;

/// The limit before any answer, and the least after: a layer's two ends, one request
/// each, which cost no request more than one stream whatever the server.
pub const START: usize = 2;

/// One answer, as the gate saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    /// When it came in full, from any fixed moment.
    pub at: Duration,
    /// From sending to its last byte.
    pub took: Duration,
    /// The most requests in flight while it was out, itself included.
    pub in_flight: usize,
}

/// How many of the last answers the pace is told from.
const PACE_ANSWERS: usize = 64;

/// The estimate, and the answers of the round under way.
#[derive(Debug, Clone)]
pub struct Limiter {
    most: usize,
    limit: usize,
    shortest: Option<Duration>,
    /// The answers of the round so far that shared the server.
    round: Vec<Answer>,
    /// When the last answers (any) came in, oldest first.
    recent: std::collections::VecDeque<Duration>,
    judged: bool,
}

impl Limiter {
    /// An estimate between 1 and `most` (`--concurrency`).
    pub fn new(most: usize) -> Limiter {
        let most = most.max(1);
        Limiter {
            most,
            limit: START.min(most),
            shortest: None,
            round: Vec::new(),
            recent: std::collections::VecDeque::new(),
            judged: false,
        }
    }

    /// Requests in flight worth having now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether a round has been judged yet: before, the limit is only where it starts.
    pub fn judged(&self) -> bool {
        self.judged
    }

    /// Takes in an answer.
    pub fn answered(&mut self, answer: Answer) {
        let took = answer.took.max(Duration::from_micros(1));
        let shortest = self.shortest.map_or(took, |shortest| shortest.min(took));
        self.shortest = Some(shortest);
        if self.recent.len() == PACE_ANSWERS {
            self.recent.pop_front();
        }
        self.recent.push_back(answer.at);
        if answer.in_flight < 2 {
            // Alone, it says how fast an answer can be, not whether others slow it.
            return;
        }
        self.round.push(Answer { took, ..answer });
        if self.round.len() < self.limit.max(2) {
            return;
        }
        let at_once = served_at_once(&self.round, &self.recent, shortest);
        self.round.clear();
        self.judged = true;
        self.limit = match at_once >= KEPT_UP * self.limit.max(START) as f64 {
            true => self.limit * GROWTH,
            false => (2.0 * at_once).floor() as usize,
        }
        .clamp(START.min(self.most), self.most);
    }
}

/// How many requests the server served at once over `round` (two answers or more), an
/// answer waiting for nothing taking `shortest`: the least of what each answer's time
/// says, and no more than the answers that came in (`recent`, their times) from the first
/// of the round's being sent to the last of them coming say.
fn served_at_once(
    round: &[Answer],
    recent: &std::collections::VecDeque<Duration>,
    shortest: Duration,
) -> f64 {
    let shortest = shortest.as_secs_f64();
    let by_time = (round.iter())
        .map(|a| a.in_flight as f64 * shortest / a.took.as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    let from = round
        .iter()
        .map(|a| a.at.saturating_sub(a.took))
        .min()
        .unwrap_or_default();
    let to = round.iter().map(|a| a.at).max().unwrap_or_default();
    let came = recent.iter().filter(|at| **at > from && **at <= to).count();
    let span = (to - from).as_secs_f64();
    match span > 0.0 {
        true => by_time.min(came as f64 * shortest / span),
        false => by_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feeds `limiter` answers `(at, took)` in milliseconds, each with `in_flight`.
    fn feed(limiter: &mut Limiter, in_flight: usize, answers: &[(u64, u64)]) {
        for &(at, took) in answers {
            limiter.answered(Answer {
                at: ms(at),
                took: ms(took),
                in_flight,
            });
        }
    }

    /// A server that serves requests side by side: answers take as long with many in
    /// flight as alone and come in together, and the limit grows round by round up to the
    /// most allowed.
    #[test]
    fn side_by_side_the_limit_grows_to_the_most_allowed() {
        let mut limiter = Limiter::new(32);
        assert_eq!((limiter.limit(), limiter.judged()), (2, false));
        feed(&mut limiter, 1, &[(250, 250)]); // the first page, with its count: alone
        assert_eq!(limiter.limit(), 2, "an answer alone decides nothing");
        feed(&mut limiter, 2, &[(460, 210)]);
        assert!(!limiter.judged(), "a round is as many answers as the limit");
        feed(&mut limiter, 2, &[(465, 215)]);
        assert_eq!((limiter.limit(), limiter.judged()), (8, true));
        let eight: Vec<(u64, u64)> = (0..8).map(|i| (700 + 3 * i, 205 + 3 * i)).collect();
        feed(&mut limiter, 8, &eight);
        assert_eq!(limiter.limit(), 32);
        let mut limiter = Limiter::new(8);
        feed(&mut limiter, 2, &[(210, 210), (215, 215)]);
        assert_eq!(limiter.limit(), 8, "never past the most allowed");
    }

    /// A server that serves one request at a time: of two sent together the second waits
    /// for the first, and every answer after waits for one other; the limit stays at two,
    /// and from more than two in flight it falls back to two at once.
    #[test]
    fn one_at_a_time_the_limit_stays_at_two_and_falls_back_to_it() {
        let mut limiter = Limiter::new(8);
        feed(&mut limiter, 1, &[(400, 400)]); // the first page: its count scans
        feed(&mut limiter, 2, &[(630, 230), (860, 460)]); // served first, then waited
        assert_eq!(limiter.limit(), 2);
        let steady: Vec<(u64, u64)> = (0..10).map(|i| (1090 + 230 * i, 450)).collect();
        feed(&mut limiter, 2, &steady);
        assert_eq!(limiter.limit(), 2);
        // A client slow to ask again: no answer waited long, but they came no faster
        // than one a shortest answer's time.
        let slow: Vec<(u64, u64)> = (0..4).map(|i| (5000 + 240 * i, 260)).collect();
        feed(&mut limiter, 2, &slow);
        assert_eq!(limiter.limit(), 2);

        let mut wide = Limiter::new(4);
        feed(&mut wide, 2, &[(230, 230), (240, 240)]);
        assert_eq!(wide.limit(), 4, "two side by side, as a first round may show");
        // Four in flight, served one after another.
        feed(&mut wide, 4, &[(470, 230), (700, 460), (930, 690), (1160, 920)]);
        assert_eq!(wide.limit(), 2);
    }

    /// A server with a few workers: the limit grows while answers keep their pace, and
    /// settles at twice what the server is seen to serve at once when they queue.
    #[test]
    fn a_few_workers_the_limit_settles_at_twice_what_they_serve() {
        let mut limiter = Limiter::new(16);
        feed(&mut limiter, 2, &[(100, 100), (105, 105)]);
        assert_eq!(limiter.limit(), 8);
        // Eight in flight, three served at once: the eighth answer took about 8/3 as long.
        let queued = [100, 130, 160, 190, 220, 240, 255, 260];
        let answers: Vec<(u64, u64)> = queued.iter().map(|&took| (200 + took, took)).collect();
        feed(&mut limiter, 8, &answers);
        assert_eq!(limiter.limit(), 6);
    }

    #[test]
    fn one_allowed_is_one() {
        let mut limiter = Limiter::new(1);
        assert_eq!(limiter.limit(), 1);
        feed(&mut limiter, 1, &[(100, 100)]);
        assert_eq!(limiter.limit(), 1);
    }
}
