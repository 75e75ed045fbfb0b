//! When to try a request again, and how long to wait first.
//!
//! | outcome                                   | retry? | why                                  |
//! |-------------------------------------------|--------|--------------------------------------|
//! | 408, 429                                  | yes    | timeout, rate limit: wait and retry  |
//! | 500, 502, 503, 504 and other 5xx          | yes    | the server or a proxy hiccupped      |
//! | 501                                       | no     | the server cannot do this, ever      |
//! | connection refused/reset, timeout         | yes    | the network hiccupped                |
//! | body cut off before its end               | yes    | the connection dropped mid-answer    |
//! | 401, 403                                  | no     | the key is wrong or lacks permission |
//! | 404 and every other 4xx                   | no     | the request or the URL is wrong      |
//! | 200 with malformed JSON or GraphQL errors | no     | retrying gets the same answer        |
//! | 500 on every attempt at the first page of | after  | W&B answers a filter it cannot run   |
//! | a query carrying the user's `--filter`    | 3 only | with 500: say so, not wait minutes   |
//!
//! Waits grow exponentially from a base (2 s; `MDL_FETCH_BACKOFF_BASE_MS` changes it),
//! doubling per attempt with 0-25 % jitter, capped at 60 s. A `Retry-After` (seconds or an
//! HTTP date) or `RateLimit-Reset` (seconds) header replaces the computed wait and is
//! waited in full, however long, when the `--deadline` leaves time for it; when it does
//! not, the request fails at once rather than sleep into the deadline.
//! Attempts are bounded (`--max-attempts`), and so is the whole fetch (`--deadline`).

use std::time::{Duration, SystemTime};

/// The longest computed wait (a server's own `Retry-After` may be longer).
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// The most attempts at the first page of a query carrying the user's filter while every
/// answer is HTTP 500: the backend's answer to a filter it cannot run, which more attempts
/// would only wait minutes longer for.
pub const REFUSED_FILTER_ATTEMPTS: u32 = 3;

/// A failed attempt, as the retry decision sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<'a> {
    /// The attempt that failed (counted from 1), and the most there may be.
    pub attempt: u32,
    pub max_attempts: u32,
    /// Why it failed: `HTTP 503`, `cannot connect (...)`.
    pub reason: &'a str,
    /// The wait the server asked for (`Retry-After`, `RateLimit-Reset`).
    pub server_says: Option<Duration>,
    /// The user's filter, when this is the first page of a query carrying it and every
    /// attempt at it so far was answered HTTP 500.
    pub refused_filter: Option<&'a str>,
}

/// The wait before the next attempt, or why there is none (a message to follow the
/// request's name), with `left` the time before the `--deadline`.
pub fn decide(failure: &Failure<'_>, base: Duration, left: Duration) -> Result<Duration, String> {
    let Failure { attempt, reason, .. } = *failure;
    if let Some(filter) = failure
        .refused_filter
        .filter(|_| attempt >= REFUSED_FILTER_ATTEMPTS)
    {
        return Err(format!(
            "HTTP 500 on each of {attempt} attempts at the first page; the backend may be refusing the filter {filter}: check its fields and operators against those W&B documents (a filter W&B cannot run is answered with HTTP 500)"
        ));
    }
    if attempt >= failure.max_attempts {
        return Err(format!(
            "gave up after {attempt} attempts, last: {reason}; W&B may be down or rate-limiting: try later, or raise --max-attempts"
        ));
    }
    let wait = backoff(attempt, base, failure.server_says);
    match failure.server_says {
        Some(asked) if asked > left => Err(format!(
            "the server asked to wait {} s before retrying ({reason}) and the --deadline leaves {} s; try later, or raise --deadline",
            asked.as_secs_f64().ceil(),
            left.as_secs()
        )),
        _ if wait > left => Err(format!(
            "the --deadline ran out after {attempt} attempts, last: {reason}; try later, or raise --deadline"
        )),
        _ => Ok(wait),
    }
}

/// A request waiting before its next attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryWait {
    pub wait: Duration,
    /// Why the last attempt failed: `HTTP 503`, `cannot connect (...)`.
    pub reason: String,
    /// The attempt the wait leads to (counted from 1), and the most there will be.
    pub next_attempt: u32,
    pub max_attempts: u32,
}

/// Who is told when a request waits to be retried, and when it tries again.
pub trait RetryWatch: Send + Sync {
    fn waiting(&self, wait: &RetryWait);
    fn retrying(&self);
}

/// Tells no one.
pub struct Unwatched;

impl RetryWatch for Unwatched {
    fn waiting(&self, _: &RetryWait) {}
    fn retrying(&self) {}
}

/// Whether an HTTP status is worth another attempt.
pub fn status_is_transient(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..600).contains(&status) && status != 501
}

/// The wait before attempt `attempt + 1` (attempt counts from 1).
pub fn backoff(attempt: u32, base: Duration, server_says: Option<Duration>) -> Duration {
    if let Some(wait) = server_says {
        return wait;
    }
    let exponential = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let jitter = exponential.mul_f64(fastrand::f64() * 0.25);
    (exponential + jitter).min(MAX_WAIT)
}

/// The base wait: 2 s unless `MDL_FETCH_BACKOFF_BASE_MS` says otherwise.
pub fn base_wait() -> Duration {
    std::env::var("MDL_FETCH_BACKOFF_BASE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(2), Duration::from_millis)
}

/// Reads `Retry-After` (delta seconds or HTTP date), else `RateLimit-Reset` (seconds).
pub fn server_wait(retry_after: Option<&str>, ratelimit_reset: Option<&str>) -> Option<Duration> {
    if let Some(value) = retry_after.map(str::trim) {
        if let Ok(seconds) = value.parse::<f64>() {
            return Duration::try_from_secs_f64(seconds.max(0.0)).ok();
        }
        if let Ok(when) = httpdate::parse_http_date(value) {
            return Some(when.duration_since(SystemTime::now()).unwrap_or_default());
        }
    }
    ratelimit_reset
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_table() {
        for status in [408, 429, 500, 502, 503, 504, 599] {
            assert!(status_is_transient(status), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 410, 413, 422, 501, 200] {
            assert!(!status_is_transient(status), "{status}");
        }
    }

    #[test]
    fn waits_grow_and_are_capped() {
        let base = Duration::from_secs(2);
        let first = backoff(1, base, None);
        assert!(first >= base && first <= base.mul_f64(1.25));
        let third = backoff(3, base, None);
        assert!(third >= base * 4 && third <= (base * 4).mul_f64(1.25));
        assert_eq!(backoff(30, base, None), MAX_WAIT);
        assert_eq!(
            backoff(1, base, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            backoff(1, base, Some(Duration::from_secs(700))),
            Duration::from_secs(700)
        );
    }

    fn failure(attempt: u32, server_says: Option<u64>) -> Failure<'static> {
        Failure {
            attempt,
            max_attempts: 8,
            reason: "HTTP 429",
            server_says: server_says.map(Duration::from_secs),
            refused_filter: None,
        }
    }

    #[test]
    fn a_server_wait_within_the_deadline_is_waited_in_full_and_past_it_fails_at_once() {
        let (base, hour) = (Duration::from_secs(2), Duration::from_secs(3600));
        assert_eq!(
            decide(&failure(1, Some(300)), base, hour),
            Ok(Duration::from_secs(300))
        );
        let past = decide(&failure(1, Some(300)), base, Duration::from_millis(20_500)).unwrap_err();
        assert_eq!(
            past,
            "the server asked to wait 300 s before retrying (HTTP 429) and the --deadline leaves 20 s; try later, or raise --deadline"
        );
        let computed = decide(&failure(7, None), base, Duration::from_secs(10)).unwrap_err();
        assert!(
            computed.starts_with("the --deadline ran out after 7 attempts"),
            "{computed}"
        );
        let last = decide(&failure(8, Some(1)), base, hour).unwrap_err();
        assert!(last.starts_with("gave up after 8 attempts"), "{last}");
    }

    #[test]
    fn a_500_at_a_filtered_first_page_gives_up_after_three_attempts_naming_the_filter() {
        let (base, hour) = (Duration::from_secs(2), Duration::from_secs(3600));
        let refused = |attempt| Failure {
            reason: "HTTP 500",
            refused_filter: Some(r#"{"updatedAt":{"$gt":1}}"#),
            ..failure(attempt, None)
        };
        assert!(decide(&refused(2), base, hour).is_ok());
        let message = decide(&refused(3), base, hour).unwrap_err();
        assert!(message.starts_with("HTTP 500 on each of 3 attempts"), "{message}");
        assert!(
            message.contains(r#"refusing the filter {"updatedAt":{"$gt":1}}"#),
            "{message}"
        );
        // Without the filter, a 500 is retried as any transient failure.
        assert!(decide(&failure(3, None), base, hour).is_ok());
    }

    #[test]
    fn server_waits_in_seconds_or_dates() {
        assert_eq!(server_wait(Some("3"), None), Some(Duration::from_secs(3)));
        assert_eq!(server_wait(None, Some("1.5")), Some(Duration::from_millis(1500)));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(10));
        assert_eq!(server_wait(Some(&past), None), Some(Duration::ZERO));
        assert_eq!(server_wait(Some("soon"), None), None);
    }
}
