//! The one place progress bars are made: on stderr, hidden when it is not a terminal.
//!
//! Every layer has its line from the start, waiting for its turn; then it goes through
//! three faces: a spinner saying it is asking W&B until the first page brings the server's
//! `runCount`; then a bar of runs received against that count, with runs/s and the time
//! left at that pace; and, whenever a request waits to be retried, what it waits for and
//! how long is left. The clock ticks on its own throughout. Every face fits the terminal's
//! width: the bar takes what the words leave, a retry's reason is cut to fit, and a
//! terminal narrower than `WIDE` columns gets the counts without the pace.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::transport::retry::{RetryWait, RetryWatch};
use crate::human;

/// How often a visible line is redrawn when nothing else moves it.
/// The stream of every layer (`fetch::every_layer`), where paging and progress take a
/// layer number.
pub const EVERY_LAYER: i64 = i64::MIN;

/// How messages and the progress line name a layer's stream: `layer 6`, `every layer`.
pub fn stream_name(layer: i64) -> String {
    match layer {
        EVERY_LAYER => "every layer".into(),
        layer => format!("layer {layer}"),
    }
}

const TICK: Duration = Duration::from_millis(100);

/// Columns from which a counting bar also says its pace and the time left.
const WIDE: u16 = 72;

const WAITING_TURN: &str = "layer {prefix:>3} · waiting";
const ASKING: &str = "layer {prefix:>3} {spinner} asking W&B {took}";
const COUNTING: &str = "layer {prefix:>3} {wide_bar} {human_pos}/{human_len} runs, {rate} runs/s, ETA {left}";
const COUNTING_NARROW: &str = "layer {prefix:>3} {wide_bar} {human_pos}/{human_len} runs";
const WAITING_TO_ASK: &str = "layer {prefix:>3} {spinner} waiting {wait}: {wide_msg}";
const WAITING: &str = "layer {prefix:>3} {bar:10} {human_pos}/{human_len} runs, waiting {wait}: {wide_msg}";
const DONE: &str = "layer {prefix:>3} {wide_bar} {human_pos}/{human_len} runs in {took}";

/// The counting face for a terminal `columns` wide (unknown: the full one).
fn counting(columns: Option<u16>) -> &'static str {
    match columns {
        Some(columns) if columns < WIDE => COUNTING_NARROW,
        _ => COUNTING,
    }
}

/// The width of the terminal stderr is on, if it is one.
fn stderr_columns() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stderr()).map(|(width, _)| width.0)
}

/// Bars for a fetch, one per layer.
pub struct Progress {
    bars: MultiProgress,
    /// Every layer's bar, kept to the end of the fetch: a finished bar dropped early would
    /// no longer be drawn again after a line printed above the bars.
    made: std::sync::Mutex<Vec<ProgressBar>>,
    /// The lines of layers still waiting for their turn, in the order they were listed.
    waiting: std::sync::Mutex<Vec<(i64, ProgressBar)>>,
    visible: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bars = MultiProgress::with_draw_target(target);
        if visible {
            crate::terminal_lines::print_above(&bars);
        }
        Progress {
            bars,
            made: Default::default(),
            waiting: Default::default(),
            visible,
        }
    }

    /// Lists `layers` (in fetch order, a layer once per project) as waiting, each on its
    /// line, before any of them starts.
    pub fn expect(&self, layers: impl IntoIterator<Item = i64>) {
        if !self.visible {
            return;
        }
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        for layer in layers {
            let bar = self.add(layer, WAITING_TURN);
            // Drawn now: a line is shown only once its bar has drawn it.
            bar.tick();
            waiting.push((layer, bar));
        }
    }

    /// A layer's line, a spinner asking W&B until `LayerBar::counting` is told the total:
    /// the line it waited on, if it was listed, else a new one.
    pub fn layer(&self, layer: i64) -> LayerBar {
        let listed = {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            let at = waiting.iter().position(|(listed, _)| *listed == layer);
            at.map(|at| waiting.remove(at).1)
        };
        let bar = match listed {
            // Its own line, new (its spinner and clock from the start), where it waited.
            Some(waited) => {
                let bar = new_line(layer, ASKING);
                let bar = self.bars.insert_after(&waited, bar);
                self.bars.remove(&waited);
                self.keep(&bar);
                bar
            }
            None => self.add(layer, ASKING),
        };
        if self.visible {
            bar.enable_steady_tick(TICK);
        }
        LayerBar {
            bar,
            visible: self.visible,
        }
    }

    /// A new line for `layer` under the others, in the face `template`.
    fn add(&self, layer: i64, template: &str) -> ProgressBar {
        let bar = self.bars.add(new_line(layer, template));
        self.keep(&bar);
        bar
    }

    fn keep(&self, bar: &ProgressBar) {
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(bar.clone());
    }

    /// Prints a line without tearing the bars.
    pub fn println(&self, line: &str) {
        crate::terminal_lines::say(line);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.visible {
            crate::terminal_lines::bars_gone();
        }
    }
}

/// A line for `layer` in the face `template`, not shown yet. Styled before it is shown,
/// so that its first frame is already this one.
fn new_line(layer: i64, template: &str) -> ProgressBar {
    ProgressBar::new_spinner()
        .with_style(style(template))
        .with_prefix(match layer {
            EVERY_LAYER => "all".to_string(),
            layer => layer.to_string(),
        })
}

/// One layer's line; clones drive the same line (the pager's, and its requests' retries).
#[derive(Clone)]
pub struct LayerBar {
    bar: ProgressBar,
    visible: bool,
}

impl LayerBar {
    /// The server counted `run_count` runs: from now on a bar counting toward them.
    pub fn counting(&self, run_count: u64) {
        self.bar.set_length(run_count);
        if self.visible {
            self.bar.set_style(style(counting(stderr_columns())));
        }
    }

    /// `received` runs so far.
    pub fn received(&self, received: u64) {
        self.bar.set_position(received);
    }

    /// `more` runs came, beside those counted so far (windows of one layer side by side).
    pub fn add(&self, more: u64) {
        self.bar.inc(more);
    }

    /// Every run is in: the bar full, with the time it took.
    pub fn finish(&self) {
        if self.visible {
            self.bar.set_style(style(DONE));
        }
        self.bar.finish();
    }

    /// The face the line has when no request is waiting.
    fn at_work(&self) -> ProgressStyle {
        style(match self.bar.length() {
            Some(_) => counting(stderr_columns()),
            None => ASKING,
        })
    }
}

impl RetryWatch for LayerBar {
    fn waiting(&self, wait: &RetryWait) {
        if !self.visible {
            return;
        }
        let until = Instant::now() + wait.wait;
        let template = match self.bar.length() {
            Some(_) => WAITING,
            None => WAITING_TO_ASK,
        };
        let left = move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
            let left = until.saturating_duration_since(Instant::now());
            let _ = write!(out, "{} s", left.as_secs_f64().ceil() as u64);
        };
        self.bar.set_style(style(template).with_key("wait", left));
        self.bar.set_message(format!(
            "{}, attempt {}/{}",
            wait.reason, wait.next_attempt, wait.max_attempts
        ));
    }

    fn retrying(&self) {
        if self.visible {
            self.bar.set_style(self.at_work());
            self.bar.set_message("");
        }
    }
}

/// The style of `template`, with the keys this module adds: `rate` (runs/s so far), `left`
/// (time to the server's count at that rate) and `took` (the time it took).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = out.write_str(&human::rate(rate(state.pos(), state.elapsed())));
        })
        .with_key("left", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
            let left = time_left(state.pos(), state.len().unwrap_or(0), state.elapsed());
            let _ = out.write_str(&left.map_or_else(|| "?".to_string(), human::duration));
        })
        .with_key("took", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = out.write_str(&human::duration(state.elapsed()));
        })
}

/// Runs per second: `received` over the time since the layer's first request.
pub fn rate(received: u64, elapsed: Duration) -> f64 {
    match elapsed.as_secs_f64() {
        seconds if seconds > 0.0 => received as f64 / seconds,
        _ => 0.0,
    }
}

/// The time to receive the rest of `total` (the server's `runCount`) at the rate so far;
/// `None` before the first run arrives.
pub fn time_left(received: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    let per_second = rate(received, elapsed);
    if received >= total {
        return Some(Duration::ZERO);
    }
    (per_second > 0.0).then(|| Duration::from_secs_f64((total - received) as f64 / per_second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_the_rest_of_the_server_count_at_the_pace_so_far() {
        let two_seconds = Duration::from_secs(2);
        assert_eq!(rate(700, two_seconds), 350.0);
        assert_eq!(time_left(700, 7_700, two_seconds), Some(Duration::from_secs(20)));
        assert_eq!(time_left(0, 7_700, two_seconds), None);
        assert_eq!(time_left(7_700, 7_700, two_seconds), Some(Duration::ZERO));
        assert_eq!(rate(10, Duration::ZERO), 0.0);
    }

    #[test]
    fn a_narrow_terminal_counts_without_the_pace() {
        assert_eq!(counting(Some(60)), COUNTING_NARROW);
        assert_eq!(counting(Some(WIDE)), COUNTING);
        assert_eq!(counting(None), COUNTING);
    }

    #[test]
    fn every_face_is_a_valid_template() {
        for template in [
            WAITING_TURN,
            ASKING,
            COUNTING,
            COUNTING_NARROW,
            WAITING_TO_ASK,
            WAITING,
            DONE,
        ] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }
}
