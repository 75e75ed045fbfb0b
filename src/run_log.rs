//! `--log FILE`: one line appended per run, however it ends, for a scheduler's log:
//! `2026-12-05T03:17:02Z exit 0: wrote out/sae-sweeps/ (9 files, 1 changed) from ...`,
//! the time in RFC 3339 (UTC), the exit code, and the closing line or the error.
//!
//! The file is opened (created if need be) before the run does anything else, so a log
//! that cannot be written is said at once (exit 4), and a run that fails later, or is
//! ended by a signal, still gets its line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::error::{fail, Kind};

/// The log this run appends to, once `open` has named one.
static LOG: Mutex<Option<(File, PathBuf)>> = Mutex::new(None);

/// From now on, this run's outcome is appended to `path`.
pub fn open(path: &Path) -> anyhow::Result<()> {
    let file = OpenOptions::new().create(true).append(true).open(path);
    match file {
        Ok(file) => {
            *LOG.lock().unwrap_or_else(|e| e.into_inner()) = Some((file, path.to_path_buf()));
            Ok(())
        }
        Err(e) => fail(
            Kind::Output,
            format!(
                "{}: cannot open the log: {e}; give --log a file in a folder this user can write",
                path.display()
            ),
        ),
    }
}

/// Appends this run's line: `code` and `what` (its closing line, or its error), with the
/// time. Once per run: the log is closed after it. A log that cannot be written is said
/// on stderr; the run's outcome stays what it was.
pub fn record(code: i32, what: &str) {
    let Some((mut file, path)) = LOG.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return;
    };
    let line = line(SystemTime::now(), code, what);
    if let Err(e) = file.write_all(line.as_bytes()) {
        crate::style::warn(&format!("{}: cannot append to the log: {e}", path.display()));
    }
}

/// The log's line for a run that ended at `now` with `code` and `what`: one line, whatever
/// `what` holds (line breaks become `; `, escape codes are dropped).
pub fn line(now: SystemTime, code: i32, what: &str) -> String {
    let plain: String = strip_escapes(what).split('\n').collect::<Vec<_>>().join("; ");
    format!(
        "{} exit {code}: {plain}\n",
        humantime::format_rfc3339_seconds(now)
    )
}

/// `text` without ANSI escape sequences (an `error:` prefix coloured for a terminal).
fn strip_escapes(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            plain.push(c);
            continue;
        }
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_line_is_the_time_the_code_and_what_happened_on_one_line() {
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_440_622);
        let said = line(when, 0, "wrote out/x/ (9 files, 1 changed) from 60 runs in 0.4 s");
        assert_eq!(
            said,
            "2026-12-05T03:17:02Z exit 0: wrote out/x/ (9 files, 1 changed) from 60 runs in 0.4 s\n"
        );
        let failed = line(
            when,
            8,
            "\x1b[1;31merror:\x1b[0m the server kept failing\n  at page 3",
        );
        assert_eq!(
            failed,
            "2026-12-05T03:17:02Z exit 8: error: the server kept failing;   at page 3\n"
        );
    }
}
