//! W&B's timestamps as its answers and filters write them (`2025-03-27T13:59:12`, UTC, no
//! zone), and whole seconds since the epoch, the resolution of creation-time filters.

use std::time::{Duration, SystemTime};

/// Seconds since the epoch: the resolution of the windows' bounds.
pub type Second = i64;

/// A W&B timestamp (`2025-03-27T13:59:12`, UTC, no zone; a trailing `Z` and fractions
/// accepted).
pub fn parse(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text.strip_suffix('Z').unwrap_or(text)).ok()
}

/// `time` in W&B's format: whole seconds (rounded down), no zone.
pub fn format(time: SystemTime) -> String {
    let text = humantime::format_rfc3339_seconds(time).to_string();
    text.trim_end_matches('Z').to_string()
}

/// The newest readable `updatedAt` of `stamps`.
pub fn newest<'a>(stamps: impl IntoIterator<Item = Option<&'a str>>) -> Option<SystemTime> {
    stamps.into_iter().flatten().filter_map(parse).max()
}

/// A second as W&B writes times (`2025-03-27T13:59:12`, UTC, no zone).
pub fn format_second(second: Second) -> String {
    let since_epoch = Duration::from_secs(u64::try_from(second).unwrap_or(0));
    format(SystemTime::UNIX_EPOCH + since_epoch)
}

/// A second as filters write times: W&B's format with the zone, `2025-03-27T13:59:12Z`.
pub fn filter_time(second: Second) -> String {
    format!("{}Z", format_second(second))
}

/// The second of a W&B time (fractions dropped); `None` when it cannot be read.
pub fn parse_second(text: &str) -> Option<Second> {
    let time = parse(text)?;
    let since_epoch = time.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    Second::try_from(since_epoch.as_secs()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        parse(text).unwrap()
    }

    #[test]
    fn timestamps_read_with_or_without_zone_and_fractions() {
        assert_eq!(format(at("2025-03-27T13:59:12")), "2025-03-27T13:59:12");
        assert_eq!(format(at("2025-03-27T13:59:12.999999Z")), "2025-03-27T13:59:12");
        assert!(at("2025-03-27T13:59:12.5") > at("2025-03-27T13:59:12"));
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn seconds_are_written_and_read_as_wandb_times() {
        let second = parse_second("2025-03-27T13:59:12.75Z").unwrap();
        assert_eq!(format_second(second), "2025-03-27T13:59:12");
        assert_eq!(parse_second("2025-03-27T13:59:12"), Some(second));
        assert_eq!(parse_second("soon"), None);
    }
}
