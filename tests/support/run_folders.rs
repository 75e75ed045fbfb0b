//! A small sweep as W&B run folders, a W&B page export and runs on the fake server, for
//! the `--runs-dir` tests: `support::run_folders` in a test.
#![allow(dead_code)]

use std::path::Path;

use fake_wandb::*;
use mdl_fetch::synth::run_folders::{write_run_folder, FolderSpec, Layout};
use serde_json::{json, Value};

use super::fake_backend;

/// (name, id, created, layer, sae_type, k, l0, error) of a small sweep.
pub type Run = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    i64,
    f64,
    f64,
);
pub const RUNS: [Run; 8] = [
    (
        "icy-pine-1245",
        "a1b2c3d4",
        "2025-03-27T13:10:00",
        6,
        "topk",
        32,
        31.5,
        0.0021,
    ),
    (
        "warm-sun-7",
        "a1b2c3d5",
        "2025-03-27T13:11:00",
        6,
        "topk",
        64,
        63.0,
        0.0011,
    ),
    (
        "old-moon-19",
        "a1b2c3d6",
        "2025-03-27T13:12:00",
        6,
        "relu",
        0,
        80.2,
        0.0031,
    ),
    (
        "dark-sea-3",
        "a1b2c3d7",
        "2025-03-27T13:13:00",
        6,
        "relu",
        0,
        60.1,
        0.0009,
    ),
    (
        "cool-fog-88",
        "a1b2c3d8",
        "2025-03-27T13:14:00",
        7,
        "topk",
        32,
        32.0,
        0.0025,
    ),
    (
        "pure-sky-12",
        "a1b2c3d9",
        "2025-03-27T13:15:00",
        7,
        "batchtopk",
        64,
        64.0,
        0.0013,
    ),
    (
        "lone-oak-5",
        "a1b2c3e0",
        "2025-03-27T13:16:00",
        8,
        "topk",
        128,
        128.0,
        0.0007,
    ),
    (
        "wild-elk-40",
        "a1b2c3e1",
        "2025-03-27T13:17:00",
        8,
        "topk",
        16,
        16.0,
        0.0040,
    ),
];

pub const COLUMNS: [&str; 10] = [
    "--column",
    "layer=hook_layer",
    "--column",
    "activation=sae_type",
    "--column",
    "k=top_k",
    "--column",
    "l0=metrics/l0",
    "--column",
    "error=losses/mse_loss",
];

pub const LAYOUTS: [Layout; 3] = [Layout::OnlineOlder, Layout::OnlineNewer, Layout::Offline];

pub fn spec(run: &Run, layout: Layout) -> FolderSpec {
    let (name, id, created, layer, activation, k, l0, error) = *run;
    let k = if activation == "relu" {
        Value::Null
    } else {
        json!(k)
    };
    FolderSpec {
        id: id.into(),
        name: Some(name.into()),
        created: created.into(),
        config: json!({"hook_layer": layer, "sae_type": activation, "top_k": k, "lr": 0.0003})
            .as_object()
            .cloned()
            .unwrap(),
        summary: json!({"metrics/l0": l0, "losses/mse_loss": error, "_step": 999})
            .as_object()
            .cloned()
            .unwrap(),
        tags: vec!["paper".into()],
        group: None,
        steps: 2,
        exit: Some(0),
        layout,
    }
}

/// The sweep's run folders under `dir`, the layouts taking turns.
pub fn write_sweep(dir: &Path) {
    for (i, run) in RUNS.iter().enumerate() {
        write_run_folder(dir, &spec(run, LAYOUTS[i % 3])).unwrap();
    }
}

/// The sweep as the W&B page exports it.
pub fn export_text() -> String {
    let mut text = String::from("\"Name\",\"ID\",\"State\",\"hook_layer\",\"sae_type\",\"top_k\",\"metrics/l0\",\"losses/mse_loss\"\n");
    for (name, id, _, layer, activation, k, l0, error) in RUNS {
        let k = if activation == "relu" {
            String::new()
        } else {
            k.to_string()
        };
        text += &format!(
            "\"{name}\",\"{id}\",\"finished\",\"{layer}\",\"{activation}\",\"{k}\",\"{l0}\",\"{error}\"\n"
        );
    }
    text
}

/// The sweep on a fake W&B server; each run's summary `_timestamp` is `stamp(i)`.
pub fn server(stamp: impl Fn(usize) -> Option<f64>) -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, (name, id, created, layer, activation, k, l0, error)) in RUNS.into_iter().enumerate() {
        let mut run = FakeRun::new(id, name, created);
        run.config.insert("hook_layer".into(), json!(layer));
        run.config.insert("sae_type".into(), json!(activation));
        let k = if activation == "relu" {
            Value::Null
        } else {
            json!(k)
        };
        run.config.insert("top_k".into(), k);
        run.summary.insert("metrics/l0".into(), l0.into());
        run.summary.insert("losses/mse_loss".into(), error.into());
        if let Some(stamp) = stamp(i) {
            run.summary.insert("_timestamp".into(), stamp.into());
        }
        dataset.push(run);
    }
    FakeWandb::start(FakeConfig {
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    })
}

pub const NAMED: [&str; 4] = ["--project", "fake-project", "--entity", "fake-entity"];

/// runs.csv without its file and line columns, which name the input.
pub fn runs_rows(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    text.lines()
        .map(|line| line.splitn(3, ',').nth(2).unwrap().to_string())
        .collect()
}

pub fn artifact(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        match entry.path().is_dir() {
            true => copy_dir(&entry.path(), &to.join(entry.file_name())),
            false => {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }
}

/// A folder of the sweep with `file` (under the run folder) replaced by `bytes`.
pub fn spoil(dir: &Path, run: usize, file: &str, bytes: &[u8]) -> String {
    let folder = write_run_folder(dir, &spec(&RUNS[run], Layout::OnlineNewer)).unwrap();
    std::fs::write(folder.join(file), bytes).unwrap();
    folder.file_name().unwrap().to_string_lossy().into_owned()
}

pub fn is_root() -> bool {
    let id = std::process::Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

/// An export of the sweep with `_timestamp`s, and where runs.csv says each run came from.
pub fn sources(runs_csv: &str) -> Vec<(String, String)> {
    (runs_csv.lines().skip(1))
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[11].to_string(), cells[0].to_string())
        })
        .collect()
}
