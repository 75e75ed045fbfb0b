//! The line a successful run ends with on stderr, as cargo ends with `Finished`:
//! `wrote out/sae-sweeps/ (8 files, 2 changed) from 7,500 runs in 0.4 s`.

use std::path::Path;
use std::time::Duration;

use crate::human;
use crate::store::staging::Written;

/// The closing line for artifacts `written` into `out_dir` from `runs` runs read, after
/// `elapsed`; "changed" counts the files whose bytes differ from those there before.
pub fn closing_line(out_dir: &Path, written: &[Written], runs: u64, elapsed: Duration) -> String {
    let mut folder = out_dir.display().to_string();
    if !folder.ends_with(std::path::MAIN_SEPARATOR) && !folder.ends_with('/') {
        folder.push(std::path::MAIN_SEPARATOR);
    }
    let changed = written.iter().filter(|file| file.changed).count();
    let files = match written.len() {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    let runs = match runs {
        1 => "1 run".to_string(),
        n => format!("{} runs", human::thousands(n)),
    };
    format!(
        "wrote {folder} ({files}, {changed} changed) from {runs} in {}",
        human::duration(elapsed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
            7500,
            Duration::from_millis(412),
        );
        assert_eq!(
            line,
            "wrote out/sae-sweeps/ (8 files, 2 changed) from 7,500 runs in 0.4 s"
        );
        let line = closing_line(
            Path::new("tables/"),
            &written(&[false]),
            1,
            Duration::from_secs(75),
        );
        assert_eq!(line, "wrote tables/ (1 file, 0 changed) from 1 run in 1 min 15 s");
    }
}
