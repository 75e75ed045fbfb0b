//! What stderr says about the run folders read: the folders that could not be read
//! (warnings, `--quiet` or not: their runs are missing from the table), what the folders
//! do not say (display names, states, tags asked for), and with `-v` how many were read.

use super::folder::FolderRun;
use crate::config::settings::RunFilter;

/// Problems shown without `-v`; the rest are counted.
const SHOWN: usize = 5;

/// Warns of each problem (the first few, or all with `-v`).
pub fn problems(problems: &[String], verbose: u8) {
    let shown = match verbose {
        0 => SHOWN,
        _ => problems.len(),
    };
    for problem in problems.iter().take(shown) {
        crate::style::warn(problem);
    }
    if problems.len() > shown {
        crate::style::warn(&format!(
            "... and {} more problems with run folders (-v lists them all)",
            problems.len() - shown
        ));
    }
}

/// Whether a run's folder does not say something.
type Unsaid = dyn Fn(&FolderRun) -> bool;

/// The notes on what the folders' runs do not say, each once for all of them.
pub fn unsaid(runs: &[&FolderRun], filter: &RunFilter) -> Vec<String> {
    let count = |unsaid: &dyn Fn(&FolderRun) -> bool| runs.iter().filter(|run| unsaid(run)).count();
    let mut notes = Vec::new();
    let unnamed = count(&|run| run.name.is_none());
    if unnamed > 0 {
        notes.push(format!(
            "{unnamed} of the {} run folders do not say their run's display name (W&B names a run when it is synced, unless wandb.init got a name): the artifacts show its id instead",
            runs.len()
        ));
    }
    let no_state = count(&|run| run.state.is_none());
    if no_state > 0 && !filter.states.is_empty() {
        notes.push(format!(
            "{no_state} run folders do not say how their run ended (no exit record in their .wandb log: still running, or crashed): their state is \"unknown\", which --state {} leaves out",
            filter.states.join(",")
        ));
    }
    let asked: [(&str, bool, &Unsaid); 3] = [
        ("--tag", !filter.tags.is_empty(), &|run| run.tags.is_none()),
        ("--sweep", filter.sweep.is_some(), &|run| run.sweep.is_none()),
        ("--group", filter.group.is_some(), &|run| run.group.is_none()),
    ];
    for (flag, on, unsaid) in asked {
        let unsaid = count(unsaid);
        if on && unsaid > 0 {
            notes.push(format!(
                "{unsaid} run folders do not say what {flag} asks (their .wandb log has no run record, or none was given to wandb.init): {flag} leaves them out"
            ));
        }
    }
    notes
}

/// Whether `run` has a tag, the sweep and the group `filter` asks for, as the server
/// would hold a fetch to them (each compared without case); the states are held to by
/// the export's State column, as for any export.
pub fn passes(run: &FolderRun, filter: &RunFilter) -> bool {
    let same = |wanted: &str, value: &str| wanted.eq_ignore_ascii_case(value.trim());
    let tags = filter.tags.is_empty()
        || (run.tags.iter().flatten()).any(|tag| filter.tags.iter().any(|wanted| same(wanted, tag)));
    let one = |wanted: &Option<String>, value: &Option<String>| match (wanted, value) {
        (None, _) => true,
        (Some(wanted), Some(value)) => same(wanted, value),
        (Some(_), None) => false,
    };
    tags && one(&filter.sweep, &run.sweep) && one(&filter.group, &run.group)
}
