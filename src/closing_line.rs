//! The line a successful run ends with on stderr, as cargo ends with `Finished`:
//! `wrote out/sae-sweeps/ (8 files, 2 changed) from 7,500 runs in 0.4 s`, and when not
//! every run read is in the table (other layers, skipped runs), how many are:
//! `from 200 runs (69 in the table) in 0.1 s`. Said anywhere but on a terminal (a log,
//! cron's mail), it ends with the time: `... in 0.4 s at 2026-12-05T03:17:02Z`.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::human;
use crate::store::staging::Written;

/// How many runs were read, and how many of them are in the table's groups.
#[derive(Debug, Clone, Copy)]
pub struct RunCounts {
    pub read: u64,
    pub tabulated: u64,
}

/// The closing line for artifacts `written` into `out_dir` from the runs `counted`, after
/// `elapsed`; "changed" counts the files whose bytes differ from those there before.
pub fn closing_line(out_dir: &Path, written: &[Written], counted: RunCounts, elapsed: Duration) -> String {
    let mut folder = out_dir.display().to_string();
    if !folder.ends_with(std::path::MAIN_SEPARATOR) && !folder.ends_with('/') {
        folder.push(std::path::MAIN_SEPARATOR);
    }
    let changed = written.iter().filter(|file| file.changed).count();
    let files = match written.len() {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    let mut runs = match counted.read {
        1 => "1 run".to_string(),
        n => format!("{} runs", human::thousands(n)),
    };
    if counted.tabulated != counted.read {
        runs += &format!(" ({} in the table)", human::thousands(counted.tabulated));
    }
    format!(
        "wrote {folder} ({files}, {changed} changed) from {runs} in {}",
        human::duration(elapsed)
    )
}

/// `line` as stderr shows it at `now`: as it is on a terminal (`terminal`), else with the
/// time in RFC 3339 (UTC) after it, so that a log of runs says when each ended.
pub fn on_stderr(line: &str, terminal: bool, now: SystemTime) -> String {
    match terminal {
        true => line.to_string(),
        false => format!("{line} at {}", humantime::format_rfc3339_seconds(now)),
    }
}

/// Prints the closing `line` on stderr (with the time when stderr is no terminal).
pub fn say(line: &str) {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    eprintln!("{}", on_stderr(line, terminal, SystemTime::now()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_a_terminal_the_line_says_when() {
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_440_622);
        let line = "wrote out/ (9 files, 0 changed) from 1 run in 0.1 s";
        assert_eq!(on_stderr(line, true, when), line);
        assert_eq!(
            on_stderr(line, false, when),
            format!("{line} at 2026-12-05T03:17:02Z")
        );
    }

    fn written(changed: &[bool]) -> Vec<Written> {
        (changed.iter().enumerate())
            .map(|(i, &changed)| Written {
                name: format!("file{i}"),
                changed,
            })
            .collect()
    }

    #[test]
    fn counts_files_changed_files_and_runs() {
        let files = written(&[true, false, false, true, false, false, false, false]);
        let line = closing_line(
            Path::new("out/sae-sweeps"),
            &files,
            RunCounts {
                read: 7500,
                tabulated: 7500,
            },
            Duration::from_millis(412),
        );
        assert_eq!(
            line,
            "wrote out/sae-sweeps/ (8 files, 2 changed) from 7,500 runs in 0.4 s"
        );
        let line = closing_line(
            Path::new("tables/"),
            &written(&[false]),
            RunCounts {
                read: 1,
                tabulated: 1,
            },
            Duration::from_secs(75),
        );
        assert_eq!(line, "wrote tables/ (1 file, 0 changed) from 1 run in 1 min 15 s");
        let line = closing_line(
            Path::new("out"),
            &written(&[false]),
            RunCounts {
                read: 1200,
                tabulated: 69,
            },
            Duration::from_secs(1),
        );
        assert_eq!(
            line,
            "wrote out/ (1 file, 0 changed) from 1,200 runs (69 in the table) in 1.0 s"
        );
    }
}
