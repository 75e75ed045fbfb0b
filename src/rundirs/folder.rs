//! One run folder (`run-<date>_<time>-<id>/` or `offline-run-...`) read into a run: its
//! config from `files/config.yaml`, its summary from `files/wandb-summary.json`, its start
//! from `files/wandb-metadata.json`, and from its `run-<id>.wandb` log its display name,
//! tags, group, sweep and exit; what the files lack (an offline run keeps nothing but its
//! log; a crashed one has no summary file) is read from the whole log. What cannot be read
//! is said as a problem naming the file, never an abort.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::config_yaml;
use super::log_framing::Stop;
use super::log_read::{read_log, LogFacts, Want};
use crate::fetch::graphql::decode::{lookup, quote_non_finite};
use crate::fetch::graphql::timestamps;

/// A run as its folder gives it.
#[derive(Debug, Clone, Default)]
pub struct FolderRun {
    pub id: String,
    /// The display name, when the folder says it (an offline run is named when synced).
    pub name: Option<String>,
    /// `finished` or `failed` from the log's exit record; `None` when nothing says.
    pub state: Option<String>,
    /// The start time in W&B's format (`2025-03-27T13:59:12`), when known.
    pub created: Option<String>,
    /// Tags, group and sweep, when the log's run record says them.
    pub tags: Option<Vec<String>>,
    pub group: Option<String>,
    pub sweep: Option<String>,
    /// The config, values unwrapped.
    pub config: Map<String, Value>,
    pub summary: Map<String, Value>,
    /// When the summary is from: its `_timestamp`, else the summary file's time.
    pub summary_time: Option<f64>,
    /// Whether the summary (or config) was read from the whole log.
    pub from_log: bool,
}

/// What reading a folder gave: the run (unless nothing could be read) and the problems.
#[derive(Debug, Default)]
pub struct Read {
    pub run: Option<FolderRun>,
    pub problems: Vec<String>,
}

/// The run id in a run folder's name: `run-20250101_120000-abc123de` gives `abc123de`.
pub fn run_id(folder_name: &str) -> Option<&str> {
    let rest = (folder_name.strip_prefix("offline-run-")).or_else(|| folder_name.strip_prefix("run-"))?;
    let (stamp, id) = rest.split_at_checked(15)?;
    let well_formed = stamp.as_bytes().iter().enumerate().all(|(i, &b)| match i {
        8 => b == b'_',
        _ => b.is_ascii_digit(),
    });
    let id = id.strip_prefix('-')?;
    (well_formed && !id.is_empty()).then_some(id)
}

/// Reads the run folder `folder` (shown as `shown` in problems) whose run id is `id`;
/// `summary_keys` are the summary keys the table needs: a summary file without them is
/// completed from the log.
pub fn read_folder(folder: &Path, shown: &str, id: &str, summary_keys: &[&str]) -> Read {
    let mut read = Read::default();
    let files = folder.join("files");
    let mut parsed = |name: &str, parse: fn(&str) -> Result<Map<String, Value>, String>| {
        let file = format!("files/{name}");
        read_file(&files.join(name), shown, &mut read.problems)
            .and_then(|text| parse_or_note(parse(&text), shown, &file, &mut read.problems))
    };
    let config = parsed("config.yaml", config_yaml::parse);
    let summary = parsed("wandb-summary.json", json_object);
    let started = parsed("wandb-metadata.json", json_object).and_then(|metadata| start_time(&metadata));
    let summary_path = files.join("wandb-summary.json");
    let lacks_keys =
        (summary.as_ref()).is_none_or(|summary| summary_keys.iter().any(|k| lookup(summary, k).is_none()));
    let want = match config.is_none() || lacks_keys {
        true => Want::Everything,
        false => Want::RunAndExit,
    };
    let log_path = folder.join(format!("run-{id}.wandb"));
    let log = read_log_noting(&log_path, shown, id, want, &mut read.problems);
    let nothing = config.is_none() && summary.is_none() && log.as_ref().is_none_or(|log| !log.has_data);
    if nothing {
        let why = nothing_read(folder, shown, id, log.is_some());
        match why.1 {
            // A folder that cannot be listed: one problem, not one per file in it.
            true => read.problems = vec![why.0],
            false => read.problems.push(why.0),
        }
        return read;
    }
    let mut run = FolderRun {
        id: id.to_string(),
        created: started,
        config: config.unwrap_or_default(),
        ..FolderRun::default()
    };
    let had_summary_file = summary.is_some();
    run.summary = summary.unwrap_or_default();
    if let Some(log) = log {
        apply_log(&mut run, log, want == Want::Everything);
    }
    let dated = match had_summary_file {
        true => summary_path,
        false => log_path,
    };
    run.summary_time = summary_time(&run.summary, &dated);
    read.run = Some(run);
    read
}

/// When a summary is from: its `_timestamp`, else the modification time of `file`.
fn summary_time(summary: &Map<String, Value>, file: &Path) -> Option<f64> {
    if let Some(stamp) = summary.get("_timestamp").and_then(Value::as_f64) {
        return Some(stamp);
    }
    let modified = std::fs::metadata(file).and_then(|meta| meta.modified()).ok()?;
    Some(
        modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_secs_f64(),
    )
}

/// Fills in what the log says: the run record's name, tags, group, sweep and start; the
/// exit; and, read whole, the config and the summary keys the files lack.
fn apply_log(run: &mut FolderRun, log: LogFacts, whole: bool) {
    if let Some(record) = log.run {
        let said = |text: String| (!text.is_empty()).then_some(text);
        run.name = said(record.display_name);
        run.tags = Some(record.tags);
        run.group = said(record.run_group);
        run.sweep = said(record.sweep_id);
        let start = record.start_time.filter(|stamp| stamp.seconds > 0);
        if let (None, Some(start)) = (&run.created, start) {
            run.created = Some(timestamps::format_second(start.seconds));
        }
    }
    run.state = log.exit.map(|code| match code {
        0 => "finished".to_string(),
        _ => "failed".to_string(),
    });
    if !whole {
        return;
    }
    run.from_log = true;
    if run.config.is_empty() {
        run.config = log.config;
    }
    for (key, value) in log.summary {
        run.summary.entry(key).or_insert(value);
    }
}

/// The text of `path`; `None` when it is missing (said nowhere: offline runs have no
/// files) or cannot be read (said in `problems`).
fn read_file(path: &Path, shown: &str, problems: &mut Vec<String>) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                problems.push(format!(
                    "{shown}/{}: not UTF-8 text; it is left unread",
                    tail(path)
                ));
                None
            }
        },
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => {
            problems.push(format!("{shown}/{}: cannot read: {e}", tail(path)));
            None
        }
    }
}

/// `files/NAME` or `NAME`: a path as shown after its run folder.
fn tail(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    match path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|parent| parent == "files")
    {
        true => format!("files/{name}"),
        false => name.into_owned(),
    }
}

fn parse_or_note<T>(
    parsed: Result<T, String>,
    shown: &str,
    file: &str,
    problems: &mut Vec<String>,
) -> Option<T> {
    parsed
        .map_err(|why| {
            problems.push(format!(
                "{shown}/{file}: {why}; what it says is read from the run's .wandb log instead, where it has one"
            ))
        })
        .ok()
}

/// `startedAt` of `wandb-metadata.json`, in W&B's format.
fn start_time(metadata: &Map<String, Value>) -> Option<String> {
    let started = metadata.get("startedAt")?.as_str()?;
    timestamps::parse(started).map(timestamps::format)
}

/// A JSON file's object (bare `NaN` and `Infinity`, which the SDK writes, read as W&B's
/// exports write them); `Err` says where it breaks.
fn json_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(&quote_non_finite(text)) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!("not JSON ({e})")),
    }
}

/// The log, read as `want` says; `None` when it is missing or unreadable (said in
/// `problems` when it matters: the files lack what only it could give).
fn read_log_noting(
    path: &Path,
    shown: &str,
    id: &str,
    want: Want,
    problems: &mut Vec<String>,
) -> Option<LogFacts> {
    if !path.exists() {
        return None;
    }
    match read_log(path, want) {
        Ok(facts) => {
            if let Some(Stop::Corrupt { at, what }) = facts.stop {
                problems.push(format!(
                    "{shown}/run-{id}.wandb: damaged at byte {at} ({what}); what it logged before that byte is read"
                ));
            }
            Some(facts)
        }
        Err(why) => {
            problems.push(format!("{shown}/run-{id}.wandb: cannot be read: {why}"));
            None
        }
    }
}

/// Why a folder gave no run at all, and whether it is that the folder cannot be listed.
fn nothing_read(folder: &Path, shown: &str, id: &str, had_log: bool) -> (String, bool) {
    let empty = std::fs::read_dir(folder).map(|mut entries| entries.next().is_none());
    let why = match (empty, had_log) {
        (Ok(true), _) => format!("{shown}: an empty run folder; it is left out"),
        (Err(e), _) => return (format!("{shown}: cannot read the folder: {e}; it is left out"), true),
        (Ok(false), true) => format!(
            "{shown}: run-{id}.wandb holds no logged values and the folder has no files/config.yaml or files/wandb-summary.json (the run stopped before it logged anything); it is left out"
        ),
        (Ok(false), false) => format!(
            "{shown}: no files/config.yaml, no files/wandb-summary.json and no readable run-{id}.wandb: nothing says the run's config or summary; it is left out (if W&B has the run, `wandb sync` it and fetch it)"
        ),
    };
    (why, false)
}

/// The folder as messages show it: `PATH` under the runs folder given.
pub fn shown(root_shown: &str, relative: &Path) -> String {
    let relative = relative.display().to_string();
    match relative.is_empty() {
        true => root_shown.to_string(),
        false => format!("{}/{relative}", root_shown.trim_end_matches('/')),
    }
}

/// A folder's path under `root`, for messages.
pub fn relative(root: &Path, folder: &Path) -> PathBuf {
    folder.strip_prefix(root).unwrap_or(folder).to_path_buf()
}
