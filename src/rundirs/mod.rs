//! `--runs-dir PATH`: tables straight from the run folders the W&B SDK leaves under
//! `wandb/` (offline runs before `wandb sync`, and online runs), beside exports and the
//! API. Each runs folder's run folders are found (`walk`), read in parallel (`folder`,
//! with `config_yaml` and the `.wandb` log: `log_framing`, `log_records`, `log_read`),
//! checked for the role keys (`role_check`), matched by id with the other sources, the
//! newest summary winning (`merge`), and written as one W&B-style export in a temp file
//! (`spool`), which the one reading path then reads like any export.

pub mod config_yaml;
pub mod folder;
pub mod log_framing;
pub mod log_read;
pub mod log_records;
pub mod merge;
mod report;
mod role_check;
pub mod spool;
pub mod walk;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::config::export_spec::ExportSpec;
use crate::config::settings::Settings;
use crate::error::{fail, Error, Kind};
use crate::fetch::graphql::columns::CacheLayout;
use crate::model::project::ProjectRef;
use crate::read::spool::Spooled;
use folder::FolderRun;

/// Reads every run folder under the settings' runs folders and appends each runs folder's
/// runs to `exports` as one export (after the exports already there, which a run also in
/// a folder may be taken out of: see `merge`). The temp files live as long as the value
/// returned.
pub fn add_run_folders(settings: &Settings, exports: &mut Vec<ExportSpec>) -> anyhow::Result<Spooled> {
    let started = Instant::now();
    let layout = CacheLayout::new(&settings.rules.columns, &settings.fetch.config_keys);
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for dir in &settings.inputs.runs_dirs {
        let (folders, unlisted) = walk::run_folders(dir).map_err(|e| unreadable(dir, &e))?;
        problems.extend(unlisted);
        found.push(folders);
    }
    let total: usize = found.iter().map(Vec::len).sum();
    if total == 0 {
        return no_run_folders(settings, exports);
    }
    let (runs, read_problems) = read_all(settings, &found, &layout)?;
    problems.extend(read_problems);
    report::problems(&problems, settings.verbose);
    let all: Vec<&FolderRun> = runs.iter().flatten().collect();
    let read = all.len();
    role_check::check(&all, &settings.rules.columns, &shown_dirs(settings))?;
    for note in report::unsaid(&all, &settings.rules.runs) {
        crate::style::note(&note);
    }
    if settings.verbose > 0 {
        say_read(settings, &found, &runs, started);
    }
    let merged = merge::merge(exports, runs)?;
    for note in &merged.notes {
        crate::style::note(note);
    }
    let mut spooled = Spooled::default();
    for copy in merged.copies {
        spooled.keep(copy);
    }
    let project = folder_project(settings, exports);
    let mut kept = merged.kept;
    for runs in &mut kept {
        runs.retain(|run| report::passes(run, &settings.fetch.runs));
    }
    if exports.is_empty() && kept.iter().all(Vec::is_empty) {
        return fail(Kind::Empty, no_runs_kept(settings, total, read));
    }
    for (dir, mut kept) in settings.inputs.runs_dirs.iter().zip(kept) {
        let label = dir.display().to_string();
        let (spec, file) = spool::spool(&mut kept, &layout, &label, project.clone())?;
        spooled.keep(file);
        exports.push(spec);
    }
    Ok(spooled)
}

/// Each runs folder's runs (in its folders' order) and every problem met, in that order;
/// read on `--jobs` threads.
fn read_all(
    settings: &Settings,
    found: &[Vec<walk::Found>],
    layout: &CacheLayout,
) -> anyhow::Result<(Vec<Vec<FolderRun>>, Vec<String>)> {
    let summary_keys: Vec<&str> = layout.summary_keys.iter().map(String::as_str).collect();
    let folders: Vec<(usize, &walk::Found)> = (found.iter().enumerate())
        .flat_map(|(dir, folders)| folders.iter().map(move |found| (dir, found)))
        .collect();
    let read_one = |&(dir, found): &(usize, &walk::Found)| {
        crate::interrupt::check("nothing was written")?;
        let root = settings.inputs.runs_dirs[dir].display().to_string();
        let shown = folder::shown(&root, &found.relative);
        Ok((
            dir,
            folder::read_folder(&found.path, &shown, &found.id, &summary_keys),
        ))
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.inputs.jobs)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the threads reading run folders: {e}"))?;
    let reads: Vec<(usize, folder::Read)> =
        pool.install(|| folders.par_iter().map(read_one).collect::<anyhow::Result<_>>())?;
    let mut runs: Vec<Vec<FolderRun>> = found.iter().map(|_| Vec::new()).collect();
    let mut problems = Vec::new();
    for (dir, read) in reads {
        problems.extend(read.problems);
        runs[dir].extend(read.run);
    }
    Ok((runs, problems))
}

/// The runs folders as messages name them.
fn shown_dirs(settings: &Settings) -> String {
    let dirs: Vec<String> = (settings.inputs.runs_dirs.iter())
        .map(|dir| dir.display().to_string())
        .collect();
    dirs.join(", ")
}

/// A runs folder that cannot be read is bad input (exit 3), naming it and the flag.
fn unreadable(dir: &Path, error: &std::io::Error) -> anyhow::Error {
    Error::new(
        Kind::Input,
        format!(
            "--runs-dir {}: cannot read it: {error}; give the folder the W&B SDK writes its run folders in (usually wandb/), or fix the profile's [[runs_dirs]]",
            dir.display()
        ),
    )
    .into()
}

/// No run folder under any runs folder: nothing to tabulate when nothing else is read,
/// else a warning.
fn no_run_folders(settings: &Settings, exports: &[ExportSpec]) -> anyhow::Result<Spooled> {
    let message = format!(
        "--runs-dir {}: no run folder under it (run-<date>_<time>-<id>/ or offline-run-.../, as the W&B SDK writes them in wandb/)",
        shown_dirs(settings)
    );
    if exports.is_empty() {
        return fail(
            Kind::Empty,
            format!("nothing to tabulate: {message}; check the path"),
        );
    }
    crate::style::warn(&message);
    Ok(Spooled::default())
}

/// Why no run folder's run is left: none could be read, or none passes the run filter.
fn no_runs_kept(settings: &Settings, folders: usize, read: usize) -> String {
    let dirs = shown_dirs(settings);
    match read {
        0 => format!("nothing to tabulate: none of the {folders} run folders under {dirs} could be read (see the warnings above)"),
        _ => format!("nothing to tabulate: none of the {read} runs read from the run folders under {dirs} has the --tag, --sweep or --group asked"),
    }
}

/// `-v`: how many run folders were read, and how long it took.
fn say_read(settings: &Settings, found: &[Vec<walk::Found>], runs: &[Vec<FolderRun>], started: Instant) {
    for ((dir, folders), runs) in settings.inputs.runs_dirs.iter().zip(found).zip(runs) {
        let from_log = runs.iter().filter(|run| run.from_log).count();
        crate::terminal_lines::say(&format!(
            "read {} run folders under {} ({} runs; {from_log} read from their .wandb log)",
            folders.len(),
            dir.display(),
            runs.len()
        ));
    }
    crate::terminal_lines::say(&format!(
        "run folders read in {:.2} s",
        started.elapsed().as_secs_f64()
    ));
}

/// The W&B project the folders' runs are said to be in: the other inputs' (a fetch's
/// cache knows its entity), else the one named with `--project` and `--entity`.
fn folder_project(settings: &Settings, exports: &[ExportSpec]) -> Option<Arc<ProjectRef>> {
    if let Some(project) = exports.iter().find_map(|spec| spec.project.clone()) {
        return Some(project);
    }
    let project = settings.projects.first()?;
    let named = !settings.inputs.folders_only;
    let entity = project.entity_or(settings.fetch.entity.as_deref())?;
    named.then(|| {
        Arc::new(ProjectRef {
            entity: Some(entity.to_string()),
            project: project.name.clone(),
            ui: Some(settings.fetch.web_url.clone()),
        })
    })
}
