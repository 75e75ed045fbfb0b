//! How many requests in flight are worth it: an estimate kept from how long answers take,
//! in the way of TCP Vegas. A server that serves requests side by side answers two sent
//! together about as fast as one; a server that serves one at a time makes the second
//! wait for the first, so each answer takes about as long as the requests ahead of it.
//!
//! The shortest answer so far stands for an answer that waited for nothing. An answer
//! that shared the server with `in_flight - 1` others and took `took` says the server
//! served about `in_flight * shortest / took` of them at once. After a round (as many such
//! answers as the limit), the round's smallest such figure is what the server is taken to
//! serve at once: when that is most of the limit, the server kept up and the limit grows
//! fourfold (up to the most allowed: a fetch lasts few rounds); else the limit becomes twice that figure, so that each
//! request the server serves has one more waiting behind it and the server never waits
//! for the client. On a server that serves one request at a time that is two, which a
//! layer's two ends use without a request more. Pure: answers come in from the gate, so it
//! is tested without a server.

use std::time::Duration;

/// The share of the limit the server must be seen to serve at once for the limit to grow.
pub const KEPT_UP: f64 = 0.75;

/// How much the limit grows after a round the server kept up with.
pub const GROWTH: usize = 4;

/// The limit before any answer: a layer's two ends, one request each.
pub const START: usize = 2;

/// The estimate, and the answers of the round under way.
#[derive(Debug, Clone)]
pub struct Limiter {
    most: usize,
    limit: usize,
    shortest: Option<Duration>,
    /// Each answer of the round so far that shared the server: `(in_flight, took)`.
    round: Vec<(usize, Duration)>,
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
        }
    }

    /// Requests in flight worth having now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes in an answer that `took` from sending to its last byte, with at most
    /// `in_flight` requests in flight (itself included) while it was out.
    pub fn answered(&mut self, took: Duration, in_flight: usize) {
        let took = took.max(Duration::from_micros(1));
        let shortest = self.shortest.map_or(took, |shortest| shortest.min(took));
        self.shortest = Some(shortest);
        if in_flight < 2 {
            // Alone, it says how fast an answer can be, not whether others slow it.
            return;
        }
        self.round.push((in_flight, took));
        if self.round.len() < self.limit.max(2) {
            return;
        }
        let at_once = (self.round.drain(..))
            .map(|(in_flight, took)| in_flight as f64 * shortest.as_secs_f64() / took.as_secs_f64())
            .fold(f64::INFINITY, f64::min);
        self.limit = match at_once >= KEPT_UP * self.limit as f64 {
            true => self.limit * GROWTH,
            false => (2.0 * at_once).round() as usize,
        }
        .clamp(1, self.most);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A server that serves requests side by side: answers take as long with many in
    /// flight as alone, and the limit grows round by round up to the most allowed.
    #[test]
    fn side_by_side_the_limit_grows_to_the_most_allowed() {
        let mut limiter = Limiter::new(32);
        assert_eq!(limiter.limit(), 2);
        limiter.answered(ms(250), 1); // the first page, with its count: alone
        assert_eq!(limiter.limit(), 2, "an answer alone decides nothing");
        limiter.answered(ms(210), 2);
        limiter.answered(ms(215), 2);
        assert_eq!(limiter.limit(), 8);
        for took in [205, 220, 212, 230, 225, 214, 209, 230] {
            limiter.answered(ms(took), 8);
        }
        assert_eq!(limiter.limit(), 32);
        let mut limiter = Limiter::new(8);
        limiter.answered(ms(210), 2);
        limiter.answered(ms(215), 2);
        assert_eq!(limiter.limit(), 8);
        for _ in 0..16 {
            limiter.answered(ms(230), 8);
        }
        assert_eq!(limiter.limit(), 8, "never past the most allowed");
    }

    /// A server that serves one request at a time: of two sent together the second waits
    /// for the first, and every answer after waits for one other; the limit stays at two,
    /// and from more than two in flight it falls back to two at once.
    #[test]
    fn one_at_a_time_the_limit_stays_at_two_and_falls_back_to_it() {
        let mut limiter = Limiter::new(8);
        limiter.answered(ms(400), 1); // the first page: its count scans
        limiter.answered(ms(230), 2); // served first
        limiter.answered(ms(460), 2); // waited for it
        assert_eq!(limiter.limit(), 2);
        for _ in 0..10 {
            limiter.answered(ms(450), 2);
        }
        assert_eq!(limiter.limit(), 2);

        let mut wide = Limiter::new(4);
        wide.answered(ms(230), 2);
        wide.answered(ms(240), 2);
        assert_eq!(wide.limit(), 4, "two side by side, as a first round may show");
        for took in [230, 460, 690, 920] {
            wide.answered(ms(took), 4); // four in flight, served one after another
        }
        assert_eq!(wide.limit(), 2);
    }

    /// A server with a few workers: the limit grows while answers keep their pace, and
    /// settles at twice what the server is seen to serve at once when they queue.
    #[test]
    fn a_few_workers_the_limit_settles_at_twice_what_they_serve() {
        let mut limiter = Limiter::new(16);
        limiter.answered(ms(100), 2);
        limiter.answered(ms(105), 2);
        assert_eq!(limiter.limit(), 8);
        // Eight in flight, three served at once: the eighth answer took 8/3 as long.
        for took in [100, 130, 160, 190, 220, 240, 260, 267] {
            limiter.answered(ms(took), 8);
        }
        assert_eq!(limiter.limit(), 6);
    }

    #[test]
    fn one_allowed_is_one() {
        let mut limiter = Limiter::new(1);
        assert_eq!(limiter.limit(), 1);
        limiter.answered(ms(100), 1);
        assert_eq!(limiter.limit(), 1);
    }
}
