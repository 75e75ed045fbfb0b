//! The `error:` and `warning:` prefixes on stderr, red and yellow (bold, as clap's own)
//! when colour is on: `--color always`, or `--color auto` (the default) with stderr a
//! terminal and `NO_COLOR` unset or empty. And whether stdout's tables link runs to their
//! pages.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::sync::OnceLock;

pub use clap::ColorChoice;

use anstyle::{AnsiColor, Style};

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const WARNING: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// Records the `--color` choice for the whole run; the first call wins.
pub fn set_color(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

/// Whether stderr gets colour under `choice`, given `NO_COLOR` and whether it is a terminal.
pub fn colored(choice: ColorChoice, no_color: Option<&str>, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(str::is_empty),
    }
}

/// Whether the tables printed on stdout link each run to its page: not on a terminal or a
/// pipe, where a link is a line's worth of address in every row (the report keeps them),
/// but into a file, which is then what `mdl-report.md`'s tables are.
pub fn stdout_links() -> bool {
    use std::os::unix::fs::FileTypeExt;
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        return false;
    }
    let kind = (stdout.as_fd().try_clone_to_owned().map(std::fs::File::from))
        .and_then(|file| file.metadata())
        .map(|meta| meta.file_type());
    !kind.is_ok_and(|kind| kind.is_fifo() || kind.is_socket())
}

/// Whether this process's stderr gets colour.
pub fn stderr_colored() -> bool {
    let choice = CHOICE.get().copied().unwrap_or(ColorChoice::Auto);
    let no_color = std::env::var("NO_COLOR").ok();
    colored(choice, no_color.as_deref(), std::io::stderr().is_terminal())
}

/// `error: {message}`, its prefix styled when `color`.
pub fn error_line(message: &str, color: bool) -> String {
    prefixed(ERROR, "error:", message, color)
}

/// `warning: {message}`, its prefix styled when `color`.
pub fn warning_line(message: &str, color: bool) -> String {
    prefixed(WARNING, "warning:", message, color)
}

/// `error: {message}` as this process's stderr shows it.
pub fn error(message: &str) -> String {
    error_line(message, stderr_colored())
}

/// Prints `note: {message}` on stderr: something the user chose, said so they know.
pub fn note(message: &str) {
    crate::terminal_lines::say(&format!("note: {message}"));
}

/// Prints `warning: {message}` on stderr.
pub fn warn(message: &str) {
    crate::terminal_lines::say(&warning_line(message, stderr_colored()));
}

fn prefixed(style: Style, prefix: &str, message: &str, color: bool) -> String {
    match color {
        true => format!("{style}{prefix}{style:#} {message}"),
        false => format!("{prefix} {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        assert!(colored(ColorChoice::Auto, None, true));
        assert!(colored(ColorChoice::Auto, Some(""), true));
        assert!(!colored(ColorChoice::Auto, Some("1"), true));
        assert!(!colored(ColorChoice::Auto, None, false));
        assert!(colored(ColorChoice::Always, Some("1"), false));
        assert!(!colored(ColorChoice::Never, None, true));
    }

    #[test]
    fn prefixes_are_red_and_yellow_bold_or_plain() {
        assert_eq!(error_line("no", false), "error: no");
        assert_eq!(warning_line("hm", false), "warning: hm");
        assert_eq!(error_line("no", true), "\x1b[1m\x1b[31merror:\x1b[0m no");
        assert_eq!(warning_line("hm", true), "\x1b[1m\x1b[33mwarning:\x1b[0m hm");
    }
}
