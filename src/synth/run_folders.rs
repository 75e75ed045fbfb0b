//! Run folders as the W&B SDK writes them, for tests and benchmarks, from the description
//! in `docs/run-folders.md` (checked against the SDK's own folders in
//! `fixtures/run-folders/`): `run-<date>_<time>-<id>/` (online) or `offline-run-...`,
//! holding `run-<id>.wandb` (a header record, the run record with the config `wandb.init`
//! got, one history record a step, then for a run that ended its exit record and its
//! final summary) and, for online runs, `files/config.yaml`, `files/wandb-summary.json`
//! and `files/wandb-metadata.json`. Offline runs keep everything in the log.

use std::io;
use std::path::{Path, PathBuf};

use prost::Message;
use serde_json::{Map, Value};

use crate::rundirs::log_framing::Writer;
use crate::rundirs::log_records::{
    Body, ConfigRecord, HistoryRecord, HistoryStep, Item, Record, RunExitRecord, RunRecord, SummaryRecord,
    Timestamp,
};

/// Which SDK and mode wrote the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// An online run of an SDK before wandb-core (0.16 and older): `config.yaml` starts
    /// with `wandb_version: 1` and gives each key `desc: null` beside its `value`.
    OnlineOlder,
    /// An online run of wandb-core (0.17 on): `config.yaml` gives each key only its
    /// `value`, indented by four.
    OnlineNewer,
    /// An offline run (`WANDB_MODE=offline`): `offline-run-...`, nothing in `files/` but
    /// `requirements.txt`; config and summary only in the log.
    Offline,
}

/// One run's folder.
#[derive(Debug, Clone)]
pub struct FolderSpec {
    pub id: String,
    /// The name given to `wandb.init`, if any.
    pub name: Option<String>,
    /// The start, in W&B's format (`2025-03-27T13:10:00`, UTC).
    pub created: String,
    pub config: Map<String, Value>,
    /// The final summary (the last step's values); `_timestamp` is added when missing.
    pub summary: Map<String, Value>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    /// History steps logged before the last one (their values drift towards the last).
    pub steps: usize,
    /// The exit code; `None` for a run that crashed (or still runs): no exit record, no
    /// final summary, and no `wandb-summary.json`.
    pub exit: Option<i32>,
    pub layout: Layout,
}

/// A sweep of `runs` run folders of `layout` (random-looking names, layer, SAE type, k and
/// `d_sae` in config, `metrics/l0` and `losses/mse_loss` in the summary), one a second from
/// 2025-03-27T13:00:00; every seventh crashed when `crashes` is set.
pub fn sweep(runs: usize, layout: Layout, crashes: bool) -> Vec<FolderSpec> {
    const TYPES: [&str; 3] = ["topk", "batchtopk", "relu"];
    (0..runs)
        .map(|i| {
            let (layer, kind, k) = (4 + (i % 7) as i64, TYPES[i / 7 % 3], 16 << (i % 5));
            let l0 = if kind == "relu" { 40.0 + (i % 13) as f64 } else { k as f64 };
            let config = serde_json::json!({"hook_layer": layer, "sae_type": kind, "top_k": if kind == "relu" { Value::Null } else { k.into() },
                "d_sae": 16384, "lr": 3e-4});
            let summary = serde_json::json!({"metrics/l0": l0, "losses/mse_loss": 0.5 / (l0 + (i % 11) as f64), "_step": 1000});
            let second = 13 * 3600 + i as i64;
            FolderSpec {
                id: format!("r{i:07x}"),
                name: Some(format!("sweep-run-{i}")),
                created: crate::fetch::graphql::timestamps::format_second(1_743_033_600 + second),
                config: config.as_object().cloned().unwrap_or_default(),
                summary: summary.as_object().cloned().unwrap_or_default(),
                tags: vec!["sweep".into()],
                group: None,
                steps: 3,
                exit: (!crashes || i % 7 != 3).then_some(0),
                layout,
            }
        })
        .collect()
}

/// Writes the folder under `parent` (made when missing); its path.
pub fn write_run_folder(parent: &Path, spec: &FolderSpec) -> io::Result<PathBuf> {
    let start = crate::fetch::graphql::timestamps::parse_second(&spec.created)
        .ok_or_else(|| io::Error::other(format!("bad start time {:?}", spec.created)))?;
    let stamp = spec.created.replace(['-', ':'], "").replace('T', "_");
    let prefix = match spec.layout {
        Layout::Offline => "offline-run",
        _ => "run",
    };
    let folder = parent.join(format!("{prefix}-{stamp}-{}", spec.id));
    let files = folder.join("files");
    std::fs::create_dir_all(&files)?;
    let mut summary = spec.summary.clone();
    summary
        .entry("_timestamp")
        .or_insert_with(|| Value::from(start as f64 + 3600.5));
    std::fs::write(
        folder.join(format!("run-{}.wandb", spec.id)),
        log_bytes(spec, start, &summary),
    )?;
    if spec.layout == Layout::Offline {
        return std::fs::write(files.join("requirements.txt"), "wandb\n").map(|()| folder);
    }
    std::fs::write(files.join("config.yaml"), config_yaml(&spec.config, spec.layout))?;
    let started = match spec.layout {
        Layout::OnlineOlder => format!("{}.123456", spec.created),
        _ => format!("{}.123456Z", spec.created),
    };
    let metadata =
        serde_json::json!({"os": "Linux", "python": "3.11.7", "startedAt": started, "program": "train.py"});
    std::fs::write(files.join("wandb-metadata.json"), metadata.to_string())?;
    if spec.exit.is_some() {
        std::fs::write(
            files.join("wandb-summary.json"),
            Value::Object(summary).to_string(),
        )?;
    }
    Ok(folder)
}

/// The `.wandb` log: header, run record, the history steps, and for a run that ended its
/// exit record and final summary (in the order of the SDK before wandb-core).
fn log_bytes(spec: &FolderSpec, start: i64, summary: &Map<String, Value>) -> Vec<u8> {
    let mut writer = Writer::default();
    let mut num = 0;
    let mut push = |body: Option<Body>| {
        num += 1;
        writer.push(&Record { num, body }.encode_to_vec());
    };
    push(None); // the header record, of a kind not read
    push(Some(Body::Run(Box::new(RunRecord {
        run_id: spec.id.clone(),
        project: "sae-sweep".into(),
        config: Some(ConfigRecord {
            update: items(&spec.config),
            remove: Vec::new(),
        }),
        run_group: spec.group.clone().unwrap_or_default(),
        display_name: spec.name.clone().unwrap_or_default(),
        tags: spec.tags.clone(),
        start_time: Some(Timestamp {
            seconds: start,
            nanos: 0,
        }),
        ..RunRecord::default()
    }))));
    for step in 0..=spec.steps {
        let drift = (spec.steps - step) as f64;
        let logged: Map<String, Value> = (summary.iter())
            .map(|(key, value)| match value.as_f64() {
                Some(number) if drift > 0.0 && !key.starts_with('_') => {
                    (key.clone(), Value::from(number * (1.0 + drift)))
                }
                _ => (key.clone(), value.clone()),
            })
            .collect();
        push(Some(Body::History(HistoryRecord {
            item: items(&logged),
            step: Some(HistoryStep { num: step as i64 }),
        })));
    }
    if let Some(exit_code) = spec.exit {
        push(Some(Body::Exit(RunExitRecord {
            exit_code,
            runtime: 3600,
        })));
        push(Some(Body::Summary(SummaryRecord {
            update: items(summary),
            remove: Vec::new(),
        })));
    }
    writer.into_bytes()
}

fn items(map: &Map<String, Value>) -> Vec<Item> {
    (map.iter())
        .map(|(key, value)| Item {
            key: key.clone(),
            nested_key: Vec::new(),
            value_json: value.to_string(),
        })
        .collect()
}

/// `config.yaml` in the layout's form; strings double-quoted (JSON's quoting is YAML's).
pub fn config_yaml(config: &Map<String, Value>, layout: Layout) -> String {
    let (mut text, indent) = match layout {
        Layout::OnlineOlder => ("wandb_version: 1\n\n".to_string(), 2),
        _ => (String::new(), 4),
    };
    let internal = serde_json::json!({"cli_version": "0.18.5", "python_version": "3.11.7"});
    let entries = std::iter::once(("_wandb", &internal)).chain(config.iter().map(|(k, v)| (k.as_str(), v)));
    for (key, value) in entries {
        text += &format!("{}:\n", yaml_key(key));
        if layout == Layout::OnlineOlder {
            text += &format!("{}desc: null\n", " ".repeat(indent));
        }
        text += &format!("{}value:", " ".repeat(indent));
        emit(&mut text, value, 2 * indent, indent);
    }
    text
}

/// Writes `value` after a `key:` already written, its lines indented by `at`.
fn emit(text: &mut String, value: &Value, at: usize, step: usize) {
    let pad = " ".repeat(at);
    match value {
        Value::Object(map) if !map.is_empty() => {
            text.push('\n');
            for (key, inner) in map {
                *text += &format!("{pad}{}:", yaml_key(key));
                emit(text, inner, at + step, step);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            text.push('\n');
            for item in items {
                *text += &format!("{pad}-");
                emit(text, item, at + step, step);
            }
        }
        Value::Object(_) => text.push_str(" {}\n"),
        Value::Array(_) => text.push_str(" []\n"),
        scalar => *text += &format!(" {scalar}\n"),
    }
}

fn yaml_key(key: &str) -> String {
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_/.-".contains(c));
    match plain && !key.is_empty() {
        true => key.to_string(),
        false => Value::from(key).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_yaml_of_either_layout_reads_back_as_written() {
        let config = json!({"hook_layer": 6, "sae_type": "topk", "lr": 1e-05, "betas": [0.9, 0.999],
            "nested": {"a": {"b": "x y"}}, "none": null, "flag": true, "odd key": "6", "empty": {}});
        let config = config.as_object().unwrap();
        for layout in [Layout::OnlineOlder, Layout::OnlineNewer] {
            let text = config_yaml(config, layout);
            let read = crate::rundirs::config_yaml::parse(&text).unwrap();
            assert_eq!(&read, config, "{text}");
        }
    }
}
