//! frontier.svg's log axes: the range over the data (in log10 space, so that any positive
//! finite value can be placed) and the ticks, whole powers of ten (`10⁴`) or round numbers
//! (`20000`, `2×10⁻⁵`), as many as fit without their labels touching.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// One log axis, drawn in log10 space on a linear scale: any positive finite value (from
/// subnormals to `f64::MAX`) maps to -324..309, so the bounds and padding stay finite and
/// plotters places the ticks on an ordinary linear range.
#[derive(Debug, Clone, PartialEq)]
pub struct LogAxis {
    pub low: f64,
    pub high: f64,
}

impl LogAxis {
    /// The axis over the positive finite `values`, padded a little beyond the data.
    pub fn over(values: impl Iterator<Item = f64>) -> LogAxis {
        let (low, high) = values
            .filter_map(log10_of)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let (low, high) = if low > high { (-6.0, 0.0) } else { (low, high) };
        let pad = ((high - low) * 0.05).max(0.2);
        LogAxis {
            low: low - pad,
            high: high + pad,
        }
    }
}

/// A plotters axis over a `LogAxis`, ticked where `ticks` says (and nowhere else: no
/// light grid points).
#[derive(Clone)]
pub struct Ticked {
    range: RangedCoordf64,
    positions: Vec<f64>,
}

impl Ticked {
    pub fn new(axis: &LogAxis, ticks: &[Tick]) -> Ticked {
        Ticked {
            range: (axis.low..axis.high).into(),
            positions: ticks.iter().map(|(position, _)| *position).collect(),
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match hint.weight().allow_light_points() {
            true => Vec::new(),
            false => self.positions.clone(),
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// log10 of a positive finite value, else `None` (a log axis cannot place it).
pub fn log10_of(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then(|| value.log10())
}

/// A tick: its log10 position and its label.
pub type Tick = (f64, String);

/// How many ticks an axis should have, at best.
const FEWEST: usize = 3;
const MOST: usize = 6;

/// The ticks of `axis`, drawn `pixels` long, whose labels need `room(label)` pixels along
/// it (their width on an x axis, their height on a y axis) and `gap` between them, and may
/// reach `overhang` pixels beyond either end (ticks whose labels would reach further are
/// left out): whole
/// powers of ten when enough of them fall on the axis, else round numbers (1, 2, 5 or
/// 1 and 5, or 1 to 9 times a power of ten); the first choice giving 3 to 6 ticks whose labels do not
/// touch, else the one giving the most that do not.
pub fn ticks(axis: &LogAxis, pixels: f64, room: &dyn Fn(&str) -> f64, gap: f64, overhang: f64) -> Vec<Tick> {
    let scale = pixels / (axis.high - axis.low);
    let at = |position: f64| (position - axis.low) * scale;
    let within = |(position, label): &Tick| {
        let half = room(label) / 2.0;
        at(*position) - half >= -overhang && at(*position) + half <= pixels + overhang
    };
    let apart = |ticks: &[Tick]| {
        (ticks.windows(2))
            .all(|pair| at(pair[1].0) - at(pair[0].0) >= (room(&pair[0].1) + room(&pair[1].1)) / 2.0 + gap)
    };
    let fitting: Vec<Vec<Tick>> = (candidates(axis).into_iter())
        .map(|positions| {
            let kept: Vec<f64> = (labelled(&positions).iter())
                .filter(|tick| within(tick))
                .map(|(position, _)| *position)
                .collect();
            labelled(&kept)
        })
        .filter(|ticks| ticks.iter().all(within) && apart(ticks))
        .collect();
    let good = |ticks: &&Vec<Tick>| (FEWEST..=MOST).contains(&ticks.len());
    match fitting.iter().find(good) {
        Some(ticks) => ticks.clone(),
        None => (fitting.into_iter())
            .filter(|ticks| ticks.len() <= MOST)
            .max_by_key(|ticks| ticks.len())
            .unwrap_or_default(),
    }
}

/// Every set of tick positions to choose from, in order of preference: whole powers (every
/// one, then every 2nd, 3rd, ...), then round numbers ever more finely.
fn candidates(axis: &LogAxis) -> Vec<Vec<f64>> {
    let (first, last) = (axis.low.ceil() as i64, axis.high.floor() as i64);
    let mut candidates = Vec::new();
    for step in [1, 2, 3, 4, 5, 10, 20, 50, 100] {
        let start = first.div_euclid(step) * step;
        let powers: Vec<f64> = (0..)
            .map(|n| start + n * step)
            .take_while(|power| *power <= last)
            .filter(|power| *power >= first)
            .map(|power| power as f64)
            .collect();
        candidates.push(powers);
    }
    if last - first < 3 {
        for mantissas in [&[1, 2, 5][..], &[1, 5], &[1, 2, 3, 4, 5, 6, 7, 8, 9]] {
            candidates.push(round_numbers(axis, mantissas));
        }
    }
    candidates
}

/// The positions of `m × 10^k` on the axis, for each mantissa `m`.
fn round_numbers(axis: &LogAxis, mantissas: &[u32]) -> Vec<f64> {
    let (first, last) = (axis.low.floor() as i64, axis.high.ceil() as i64);
    (first..=last)
        .flat_map(|power| mantissas.iter().map(move |m| (*m as f64).log10() + power as f64))
        .filter(|position| (axis.low..=axis.high).contains(position))
        .collect()
}

/// The positions with their labels, all in one style: `10⁴` when every tick is a whole
/// power, plain numbers (`0.002`, `20000`) when every tick lies from 10⁻³ to below 10⁵,
/// else `2×10⁻⁵`.
fn labelled(positions: &[f64]) -> Vec<Tick> {
    let parts: Vec<(u32, i64)> = positions.iter().map(|p| mantissa_and_power(*p)).collect();
    let powers_only = parts.iter().all(|(m, _)| *m == 1);
    let plain = parts.iter().all(|(_, power)| (-3..5).contains(power));
    (positions.iter().zip(&parts))
        .map(|(position, &(m, power))| {
            let label = match (powers_only, plain) {
                (true, _) => format!("10{}", superscript(power)),
                (false, true) => plain_number(m, power),
                (false, false) if m == 1 => format!("10{}", superscript(power)),
                (false, false) => format!("{m}×10{}", superscript(power)),
            };
            (*position, label)
        })
        .collect()
}

/// A round position's mantissa (1 to 9) and power of ten.
fn mantissa_and_power(position: f64) -> (u32, i64) {
    let power = (position + 1e-9).floor();
    let mantissa = 10f64.powf(position - power).round() as u32;
    (mantissa.clamp(1, 9), power as i64)
}

/// `m × 10^power` written out in full, from its digits (no float noise): `20000`, `0.002`.
fn plain_number(m: u32, power: i64) -> String {
    match power {
        0.. => format!("{m}{}", "0".repeat(power as usize)),
        _ => format!("0.{}{m}", "0".repeat((-power - 1) as usize)),
    }
}

/// An exponent in superscript digits: `⁻¹²`.
fn superscript(power: i64) -> String {
    (power.to_string().chars())
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(low: f64, high: f64) -> LogAxis {
        LogAxis {
            low: low.log10(),
            high: high.log10(),
        }
    }

    fn labels(ticks: &[Tick]) -> Vec<&str> {
        ticks.iter().map(|(_, label)| label.as_str()).collect()
    }

    /// Labels about 8 px a character, 4 px apart.
    fn wide(label: &str) -> f64 {
        label.chars().count() as f64 * 8.0
    }

    #[test]
    fn axes_over_decades_are_ticked_at_whole_powers() {
        let ticks = ticks(&axis(3e3, 2e7), 220.0, &|_| 14.0, 4.0, 4.0);
        assert_eq!(labels(&ticks), ["10⁴", "10⁵", "10⁶", "10⁷"]);
        assert!((ticks[0].0 - 4.0).abs() < 1e-12);
        // Twelve decades: every 2nd power, never 316 or 3162.
        let many = super::ticks(&axis(1e-310, 1e-298), 220.0, &|_| 14.0, 4.0, 4.0);
        assert_eq!(labels(&many), ["10⁻³⁰⁸", "10⁻³⁰⁶", "10⁻³⁰⁴", "10⁻³⁰²", "10⁻³⁰⁰"]);
    }

    #[test]
    fn short_axes_are_ticked_at_round_numbers() {
        // The seed's DLs and the dense baseline: 5376 to 61000 bits.
        let dl = ticks(&axis(4500.0, 75000.0), 220.0, &|_| 14.0, 4.0, 4.0);
        assert_eq!(labels(&dl), ["5000", "10000", "20000", "50000"]);
        // Two and a half decades: 1 and 5 (1, 2 and 5 would be 7 ticks).
        let two = ticks(&axis(300.0, 90000.0), 220.0, &|_| 14.0, 4.0, 4.0);
        assert_eq!(labels(&two), ["500", "1000", "5000", "10000", "50000"]);
        let narrow = ticks(&axis(18000.0, 65000.0), 220.0, &|_| 14.0, 4.0, 4.0);
        assert_eq!(labels(&narrow), ["20000", "30000", "40000", "50000", "60000"]);
        let errors = ticks(&axis(1.5e-4, 2.3e-4), 260.0, &wide, 4.0, 4.0);
        assert_eq!(labels(&errors), ["2×10⁻⁴"]);
        let small = ticks(&axis(1.2e-5, 9e-5), 260.0, &wide, 4.0, 4.0);
        assert_eq!(labels(&small), ["2×10⁻⁵", "5×10⁻⁵"]);
    }

    #[test]
    fn labels_never_touch() {
        // 1 to 9 would crowd 260 px with labels 48 px wide: 1, 2, 5 fit.
        let ticks = ticks(&axis(8e-5, 1.4e-3), 260.0, &wide, 4.0, 4.0);
        assert_eq!(labels(&ticks), ["10⁻⁴", "2×10⁻⁴", "5×10⁻⁴", "10⁻³"]);
        let plain = super::ticks(&axis(8e-4, 1.4e-2), 260.0, &wide, 4.0, 4.0);
        assert_eq!(labels(&plain), ["0.001", "0.002", "0.005", "0.01"]);
        let crowded = super::ticks(&axis(8e-5, 1.4e-3), 30.0, &wide, 4.0, 4.0);
        assert!(crowded.len() <= 1, "{crowded:?}");
    }

    #[test]
    fn no_label_reaches_past_the_axis() {
        // 10⁻¹ lies 7 px from the end of a 260 px axis: its label, 32 px wide, would stick
        // out, so the axis is ticked at 10⁻³ and 10⁻² alone.
        let axis = LogAxis {
            low: -3.2,
            high: -0.974,
        };
        let ticks = ticks(&axis, 260.0, &wide, 4.0, 4.0);
        assert_eq!(labels(&ticks), ["10⁻³", "10⁻²"]);
    }

    #[test]
    fn round_numbers_are_written_from_their_digits() {
        assert_eq!(plain_number(2, 4), "20000");
        assert_eq!(plain_number(3, -4), "0.0003");
        assert_eq!(plain_number(1, 0), "1");
        assert_eq!(superscript(-12), "⁻¹²");
        assert_eq!(mantissa_and_power(5f64.log10() - 3.0), (5, -3));
        assert_eq!(mantissa_and_power(4.0), (1, 4));
    }

    #[test]
    fn axes_stay_finite_for_any_positive_finite_value() {
        let extremes = [5e-324, 1e-310, f64::MIN_POSITIVE, 1.0, 8e306, f64::MAX];
        for &a in &extremes {
            for &b in &extremes {
                let axis = LogAxis::over([a, b].into_iter());
                assert!(
                    axis.low.is_finite() && axis.high.is_finite(),
                    "{a:e} {b:e}: {axis:?}"
                );
                assert!(axis.high - axis.low > 0.39, "{a:e} {b:e}: {axis:?}");
                assert!(axis.low >= -360.0 && axis.high <= 360.0, "{a:e} {b:e}: {axis:?}");
                let ticks = ticks(&axis, 200.0, &|_| 14.0, 4.0, 4.0);
                assert!(ticks.len() <= MOST, "{axis:?}: {ticks:?}");
            }
        }
    }

    #[test]
    fn nothing_placeable_gives_a_default_axis() {
        let axis = LogAxis::over([0.0, -1.0, f64::NAN, f64::INFINITY].into_iter());
        assert!(
            (axis.low + 6.3).abs() < 1e-9 && (axis.high - 0.3).abs() < 1e-9,
            "{axis:?}"
        );
    }
}
