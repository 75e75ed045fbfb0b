//! What a run's `.wandb` log says: its run record (display name, tags, group, sweep,
//! start time, the config `wandb.init` got), how it exited, and, read whole, its config
//! and summary as `wandb sync` would send them: each history step's values (the last one
//! of each key wins, as in W&B's summary), with the summary records' updates and removals
//! applied in log order, and config records over the initial config.
//!
//! A log is read whole only when the folder's files do not say enough (offline runs keep
//! everything in it); otherwise its start (the run record is among the first records) and
//! its last two blocks (the exit record is among the last) are enough.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use prost::Message;
use serde_json::{Map, Value};

use super::log_framing::{Records, Stop, BLOCK};
use super::log_records::{Body, ConfigRecord, Item, Record, RunRecord, SummaryRecord};
use crate::fetch::graphql::decode::quote_non_finite;

/// How much of the log's start is read for its run record, at most.
const HEAD_BYTES: u64 = 1 << 20;
/// A log this small is read whole whatever is asked.
const SMALL: u64 = 4 * BLOCK;

/// What the log says; what it does not is left empty.
#[derive(Debug, Default)]
pub struct LogFacts {
    pub run: Option<RunRecord>,
    /// The exit code, when the log has the run's exit record.
    pub exit: Option<i32>,
    /// Read whole: the config (values unwrapped) and the summary.
    pub config: Map<String, Value>,
    pub summary: Map<String, Value>,
    /// Read whole: whether any history, summary or config record was found.
    pub has_data: bool,
    /// Why reading stopped before the end of the file, when it did.
    pub stop: Option<Stop>,
}

/// How much of the log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The run record and the exit record.
    RunAndExit,
    /// Everything: config and summary too.
    Everything,
}

/// Reads the log at `path`; `Err` says why it cannot be read at all.
pub fn read_log(path: &Path, want: Want) -> Result<LogFacts, String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let mut facts = LogFacts::default();
    if want == Want::Everything || size <= SMALL {
        let bytes = read_range(&mut file, 0, size)?;
        scan(Records::from_start(&bytes)?, &mut facts, true)?;
        return Ok(facts);
    }
    let head = read_range(&mut file, 0, size.min(HEAD_BYTES))?;
    for record in Records::from_start(&head)? {
        let Ok(record) = record else { break };
        if let Some(Body::Run(run)) = decode(&record)?.body {
            facts.run = Some(*run);
            break;
        }
    }
    let from = ((size - 1) / BLOCK).saturating_sub(1) * BLOCK;
    let tail = read_range(&mut file, from, size - from)?;
    let mut tail_facts = LogFacts::default();
    scan(Records::from_block(&tail, from)?, &mut tail_facts, false)?;
    facts.exit = tail_facts.exit;
    facts.stop = tail_facts.stop;
    Ok(facts)
}

fn read_range(file: &mut std::fs::File, from: u64, length: u64) -> Result<Vec<u8>, String> {
    file.seek(SeekFrom::Start(from)).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(length as usize);
    file.take(length)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

fn decode(bytes: &[u8]) -> Result<Record, String> {
    Record::decode(bytes).map_err(|e| format!("a record is not the SDK's protobuf: {e}"))
}

/// Applies every record of `records` to `facts`: the run and exit records always, the
/// config and summary when `whole`. A damaged or torn record ends the scan, noted in
/// `facts.stop`; a record that is not protobuf is an error.
fn scan(records: Records<'_>, facts: &mut LogFacts, whole: bool) -> Result<(), String> {
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(stop) => {
                facts.stop = Some(stop);
                break;
            }
        };
        match decode(&record)?.body {
            Some(Body::Run(run)) => {
                if whole {
                    apply_config(&mut facts.config, run.config.as_ref());
                    apply_summary(&mut facts.summary, run.summary.as_ref());
                }
                facts.run.get_or_insert(*run);
            }
            Some(Body::Exit(exit)) => facts.exit = Some(exit.exit_code),
            Some(Body::History(history)) if whole => {
                facts.has_data = true;
                for item in &history.item {
                    set(&mut facts.summary, &item.path(), json_value(item));
                }
                if let Some(step) = history.step.filter(|_| !facts.summary.contains_key("_step")) {
                    facts.summary.insert("_step".into(), step.num.into());
                }
            }
            Some(Body::Summary(summary)) if whole => {
                facts.has_data = true;
                apply_summary(&mut facts.summary, Some(&summary));
            }
            Some(Body::Config(config)) if whole => {
                facts.has_data = true;
                apply_config(&mut facts.config, Some(&config));
            }
            _ => {}
        }
    }
    Ok(())
}

fn apply_summary(summary: &mut Map<String, Value>, record: Option<&SummaryRecord>) {
    let Some(record) = record else { return };
    for item in &record.update {
        set(summary, &item.path(), json_value(item));
    }
    for item in &record.remove {
        remove(summary, &item.path());
    }
}

fn apply_config(config: &mut Map<String, Value>, record: Option<&ConfigRecord>) {
    let Some(record) = record else { return };
    for item in &record.update {
        let path = item.path();
        if path.first() != Some(&"_wandb") {
            set(config, &path, json_value(item));
        }
    }
    for item in &record.remove {
        remove(config, &item.path());
    }
}

/// An item's value: its JSON text read (bare `NaN` and `Infinity` as W&B's exports write
/// them), or the text itself when it is not JSON.
fn json_value(item: &Item) -> Value {
    let text = quote_non_finite(&item.value_json);
    serde_json::from_str(&text).unwrap_or_else(|_| Value::String(item.value_json.clone()))
}

/// Sets the value at `path`, making the objects on the way.
fn set(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = map;
    for part in parents {
        let entry = at
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        at = entry.as_object_mut().expect("made an object");
    }
    at.insert(last.to_string(), value);
}

fn remove(map: &mut Map<String, Value>, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = map;
    for part in parents {
        match at.get_mut(*part).and_then(Value::as_object_mut) {
            Some(inner) => at = inner,
            None => return,
        }
    }
    at.remove(*last);
}

#[cfg(test)]
mod tests;
