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
//!
//! Waits grow exponentially from a base (2 s; `MDL_FETCH_BACKOFF_BASE_MS` changes it),
//! doubling per attempt with 0-25 % jitter, capped at 60 s. A `Retry-After` (seconds or an
//! HTTP date) or `RateLimit-Reset` (seconds) header replaces the computed wait, capped the same.
//! Attempts are bounded (`--max-attempts`), and so is the whole fetch (`--deadline`).

use std::time::{Duration, SystemTime};

/// The longest single wait.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

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
        return wait.min(MAX_WAIT);
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
        assert_eq!(backoff(1, base, Some(Duration::from_secs(700))), MAX_WAIT);
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
