//! The watermark an incremental fetch starts from: a time on the
//! server's clock before which every change to a layer's runs is already in the cache.
//!
//! Each fetch takes its newest `updatedAt` (server time, so the client's clock plays no
//! part) less the time the fetch took, which puts it no later than the server's clock when
//! the fetch began: a change stamped after the watermark came after the fetch could have
//! read it, and one stamped before it was read. The next fetch lists the layer's runs and
//! fetches again in full those updated since the watermark less `SAFETY_MARGIN`, for
//! changes the server shows late.

use std::time::{Duration, SystemTime};

/// How far before the watermark an incremental fetch fetches changed runs again: room for
/// changes the server stamped but had not yet made visible, and for its nodes' clocks
/// disagreeing.
pub const SAFETY_MARGIN: Duration = Duration::from_secs(3600);

/// `time - SAFETY_MARGIN` (the epoch where the platform cannot go back that far).
pub fn minus_margin(time: SystemTime) -> SystemTime {
    time.checked_sub(SAFETY_MARGIN).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The watermark a fetch that took `took` leaves: its newest `updatedAt` less `took`
/// (rounded up to whole seconds); `None` when no run had a readable `updatedAt`.
pub fn after_fetch(newest_update: Option<SystemTime>, took: Duration) -> Option<SystemTime> {
    let took = Duration::from_secs(took.as_secs() + u64::from(took.subsec_nanos() > 0));
    newest_update?.checked_sub(took)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::graphql::timestamps::{format, newest, parse};

    fn at(text: &str) -> SystemTime {
        parse(text).unwrap()
    }

    #[test]
    fn the_margin_reaches_an_hour_back() {
        assert_eq!(minus_margin(at("2025-03-27T13:59:12")), at("2025-03-27T12:59:12"));
        assert_eq!(
            format(minus_margin(at("2025-03-27T00:30:00.123456Z"))),
            "2025-03-26T23:30:00"
        );
    }

    #[test]
    fn the_watermark_is_the_newest_update_less_the_fetchs_whole_seconds() {
        let newest = newest([
            Some("2025-03-27T13:59:12"),
            None,
            Some("junk"),
            Some("2025-03-27T14:00:00Z"),
        ]);
        assert_eq!(newest, Some(at("2025-03-27T14:00:00")));
        let mark = after_fetch(newest, Duration::from_millis(2100)).unwrap();
        assert_eq!(format(mark), "2025-03-27T13:59:57");
        assert_eq!(after_fetch(newest, Duration::ZERO), newest);
        assert_eq!(after_fetch(None, Duration::ZERO), None);
    }
}
