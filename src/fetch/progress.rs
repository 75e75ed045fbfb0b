//! The one place progress bars are made: on stderr, hidden when it is not a terminal.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Bars for a fetch, one per layer.
pub struct Progress {
    bars: MultiProgress,
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
        Progress {
            bars: MultiProgress::with_draw_target(target),
            visible,
        }
    }

    /// A bar counting runs received against the server's count.
    pub fn layer(&self, layer: i64) -> ProgressBar {
        let bar = self.bars.add(ProgressBar::new(0));
        if self.visible {
            let style = ProgressStyle::with_template("layer {prefix:>3} {bar:30} {pos}/{len} runs {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
        }
        bar.set_prefix(layer.to_string());
        bar
    }

    /// Prints a line without tearing the bars.
    pub fn println(&self, line: &str) {
        if self.visible {
            let _ = self.bars.println(line);
        } else {
            eprintln!("{line}");
        }
    }
}
