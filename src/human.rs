//! Numbers and durations as people read them on stderr: `7,500`, `0.4 s`, `2 min 05 s`.

use std::time::Duration;

/// `n` with thousands separators: `7,500`, `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// A duration to a hundredth of a second below 0.1 s (`0.04 s`), to a tenth below 10 s
/// (`0.4 s`), to the second below a minute (`17 s`), else in minutes and seconds
/// (`2 min 05 s`).
pub fn duration(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    if seconds < 0.095 {
        return format!("{seconds:.2} s");
    }
    if seconds < 9.95 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as u64;
    match whole {
        0..60 => format!("{whole} s"),
        _ => format!("{} min {:02} s", whole / 60, whole % 60),
    }
}

/// A rate per second: `350`, `12,400` or, below 10, `2.5`.
pub fn rate(per_second: f64) -> String {
    match per_second {
        r if r < 9.95 => format!("{r:.1}"),
        r => thousands(r.round() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (7500, "7,500"),
            (1234567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn durations_and_rates_read_naturally() {
        assert_eq!(duration(Duration::from_millis(412)), "0.4 s");
        assert_eq!(duration(Duration::from_millis(42)), "0.04 s");
        assert_eq!(duration(Duration::from_millis(9_940)), "9.9 s");
        assert_eq!(duration(Duration::from_millis(9_960)), "10 s");
        assert_eq!(duration(Duration::from_secs(59)), "59 s");
        assert_eq!(duration(Duration::from_secs(125)), "2 min 05 s");
        assert_eq!(rate(2.46), "2.5");
        assert_eq!(rate(12_400.2), "12,400");
    }
}
