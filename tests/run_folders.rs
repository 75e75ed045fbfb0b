//! `--runs-dir`: tables straight from the W&B SDK's local run folders. The same runs give
//! the same table from their folders (every layout the SDK writes), from an export of
//! them and from the fake server serving them; a crashed offline run is read from its
//! log; bad folders are warnings; a run in two places keeps its newest summary.

use crate::support;

use std::path::Path;

use fake_wandb::*;
use mdl_fetch::synth::run_folders::{write_run_folder, FolderSpec, Layout};
use serde_json::{json, Value};
use support::*;

/// (name, id, created, layer, sae_type, k, l0, error) of a small sweep.
type Run = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    i64,
    f64,
    f64,
);
const RUNS: [Run; 8] = [
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

const COLUMNS: [&str; 10] = [
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

const LAYOUTS: [Layout; 3] = [Layout::OnlineOlder, Layout::OnlineNewer, Layout::Offline];

fn spec(run: &Run, layout: Layout) -> FolderSpec {
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
fn write_sweep(dir: &Path) {
    for (i, run) in RUNS.iter().enumerate() {
        write_run_folder(dir, &spec(run, LAYOUTS[i % 3])).unwrap();
    }
}

/// The sweep as the W&B page exports it.
fn export_text() -> String {
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
fn server(stamp: impl Fn(usize) -> Option<f64>) -> FakeWandb {
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

const NAMED: [&str; 4] = ["--project", "fake-project", "--entity", "fake-entity"];

/// runs.csv without its file and line columns, which name the input.
fn runs_rows(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    text.lines()
        .map(|line| line.splitn(3, ',').nth(2).unwrap().to_string())
        .collect()
}

fn artifact(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_same_table_from_run_folders_an_export_and_the_fake_server() {
    let work = Workdir::new();
    write_sweep(&work.join("wandb"));
    let folders = work.run(
        &[
            &["--runs-dir", "wandb", "--offline", "--out", "folders", "-q"][..],
            &NAMED,
            &COLUMNS,
        ]
        .concat(),
    );
    ok(&folders);
    assert!(stderr(&folders).is_empty(), "{}", stderr(&folders));
    work.write("all.csv", export_text());
    let exported = work.run(
        &[
            &["--export", "all.csv", "--out", "exported", "-q"][..],
            &NAMED,
            &COLUMNS,
        ]
        .concat(),
    );
    ok(&exported);
    let server = server(|_| None);
    let fetched = fetch_command(&work, &server)
        .args(["--out", "fetched", "-q"])
        .args(COLUMNS)
        .output()
        .unwrap();
    ok(&fetched);
    let [folders, exported, fetched] = ["folders", "exported", "fetched"].map(|out| work.join(out));
    for name in [
        "mdl-table.md",
        "mdl-table.csv",
        "mdl-table.tex",
        "frontier.csv",
        "frontier.svg",
    ] {
        assert_eq!(
            artifact(&folders, name),
            artifact(&exported, name),
            "{name}: folders and export"
        );
        assert_eq!(
            artifact(&folders, name),
            artifact(&fetched, name),
            "{name}: folders and fetch"
        );
    }
    assert_eq!(runs_rows(&folders), runs_rows(&fetched));
    assert_eq!(runs_rows(&folders), runs_rows(&exported));
    let table = artifact(&folders, "mdl-table.csv");
    assert_eq!(table.lines().count(), 6, "{table}");
    assert!(
        table.contains("dark-sea-3")
            && table.contains("https://wandb.test/fake-entity/fake-project/runs/a1b2c3d7"),
        "{table}"
    );
    let runs = artifact(&folders, "runs.csv");
    assert!(
        runs.lines().skip(1).all(|line| line.starts_with("wandb,")),
        "{runs}"
    );
}

#[test]
fn a_crashed_offline_run_without_a_summary_is_read_from_its_log_and_its_unknown_state_warned() {
    let work = Workdir::new();
    let dir = work.join("wandb");
    // The SDK's own folders: wandb 0.15 offline, one finished and one crashed mid-run.
    for name in [
        "offline-run-20261205_050550-os91spfv",
        "offline-run-20261205_050555-4vzmqz56",
    ] {
        copy_dir(&root().join("fixtures/run-folders").join(name), &dir.join(name));
    }
    let mut crashed = spec(&RUNS[3], Layout::Offline);
    crashed.exit = None;
    crashed.summary.insert("losses/mse_loss".into(), json!(0.00001));
    write_run_folder(&dir, &crashed).unwrap();
    let output = work.run(&[&["--runs-dir", "wandb", "--layers", "6"][..], &COLUMNS].concat());
    ok(&output);
    let runs = artifact(&work.join("out/run-folders"), "runs.csv");
    assert!(
        runs.contains(",old-crashed,6,topk,32,35.5,0.002,,,,4vzmqz56,unknown,"),
        "{runs}"
    );
    assert!(
        runs.contains(",old-finished,6,topk,32,35.5,0.002,,,,os91spfv,finished,"),
        "{runs}"
    );
    assert!(
        runs.contains(",dark-sea-3,6,relu,0,60.1,1e-05,,,,a1b2c3d7,unknown,"),
        "{runs}"
    );
    let warned = stderr(&output);
    assert!(
        warned.contains("its row's run \"dark-sea-3\" (id a1b2c3d7) is unknown, not finished"),
        "{warned}"
    );
    assert!(artifact(&work.join("out/run-folders"), "mdl-table.md").contains("Not final"));
    // --state finished leaves the runs of unknown state out, and says why.
    let finished = work.run(
        &[
            &[
                "--runs-dir",
                "wandb",
                "--layers",
                "6",
                "--state",
                "finished",
                "--out",
                "f",
            ][..],
            &COLUMNS,
        ]
        .concat(),
    );
    ok(&finished);
    let runs = artifact(&work.join("f"), "runs.csv");
    assert_eq!(runs.lines().count(), 2, "{runs}");
    assert!(
        stderr(&finished).contains("2 run folders do not say how their run ended"),
        "{}",
        stderr(&finished)
    );
}

fn copy_dir(from: &Path, to: &Path) {
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
fn spoil(dir: &Path, run: usize, file: &str, bytes: &[u8]) -> String {
    let folder = write_run_folder(dir, &spec(&RUNS[run], Layout::OnlineNewer)).unwrap();
    std::fs::write(folder.join(file), bytes).unwrap();
    folder.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn a_corrupt_file_of_each_kind_is_a_warning_and_the_rest_is_read() {
    let work = Workdir::new();
    let dir = work.join("wandb");
    let yaml = spoil(
        &dir,
        0,
        "files/config.yaml",
        b"hook_layer:\n    value: 6\nsae_type:\n    value: \"top",
    );
    let json = spoil(
        &dir,
        1,
        "files/wandb-summary.json",
        b"{\"metrics/l0\": 63.0, \"losses/mse",
    );
    let meta = spoil(&dir, 2, "files/wandb-metadata.json", b"\x00\x01 not json");
    let id = RUNS[3].1;
    let log = spoil(&dir, 3, &format!("run-{id}.wandb"), b"<html>not a log</html>");
    let empty = dir.join("run-20250327_131800-emptyrun");
    std::fs::create_dir_all(&empty).unwrap();
    let output = work.run(&[&["--runs-dir", "wandb", "--layers", "6"][..], &COLUMNS].concat());
    ok(&output);
    let warned = stderr(&output);
    for expected in [
        format!("warning: wandb/{yaml}/files/config.yaml: not YAML at line 4"),
        format!("warning: wandb/{json}/files/wandb-summary.json: not JSON (EOF while parsing"),
        format!("warning: wandb/{meta}/files/wandb-metadata.json: not JSON (expected value"),
        format!(
            "warning: wandb/{log}/run-{id}.wandb: cannot be read: it does not start with the W&B log header"
        ),
        "warning: wandb/run-20250327_131800-emptyrun: an empty run folder; it is left out".to_string(),
    ] {
        assert!(warned.contains(&expected), "{expected}\n in {warned}");
    }
    // What the damaged files held came from the log, or the other files: every run is in.
    let runs = artifact(&work.join("out/run-folders"), "runs.csv");
    for (name, ..) in &RUNS[..3] {
        assert!(runs.contains(&format!(",{name},6,")), "{name}: {runs}");
    }
    // The run whose log is unreadable: no display name or state without it.
    assert!(
        runs.contains(&format!(",{id},6,relu,0,60.1,0.0009,,,,{id},unknown,")),
        "{runs}"
    );
    assert!(runs.contains(",warm-sun-7,6,topk,64,63.0,0.0011,"), "{runs}");
}

#[test]
fn a_folder_the_user_cannot_read_is_a_warning() {
    let work = Workdir::new();
    let dir = work.join("wandb");
    write_sweep(&dir);
    let locked = spoil(&dir, 0, "files/requirements.txt", b"wandb\n");
    use std::os::unix::fs::PermissionsExt;
    let folder = dir.join(&locked);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // Root reads anything: run as nobody when we are root.
    let script = format!(
        "cd \"$1\" && exec \"$0\" --runs-dir wandb --layers 6 --out \"$2\" {}",
        COLUMNS.join(" ")
    );
    let mut command = match is_root() {
        true => std::process::Command::new("setpriv"),
        false => std::process::Command::new("sh"),
    };
    if is_root() {
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", "sh"]);
    }
    let out = tempfile::tempdir().unwrap();
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let binary = work.command();
    let output = command
        .args([
            "-c",
            &script,
            binary.get_program().to_str().unwrap(),
            work.path().to_str().unwrap(),
        ])
        .arg(out.path().join("t"))
        .env("HOME", work.path())
        .output()
        .unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(&output);
    let warned = stderr(&output);
    assert!(
        warned.contains(&format!(
            "warning: wandb/{locked}: cannot read the folder: Permission denied"
        )),
        "{warned}"
    );
    assert_eq!(
        warned.matches("warning:").count(),
        1,
        "one line for the folder: {warned}"
    );
}

fn is_root() -> bool {
    let id = std::process::Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

/// An export of the sweep with `_timestamp`s, and where runs.csv says each run came from.
fn sources(runs_csv: &str) -> Vec<(String, String)> {
    (runs_csv.lines().skip(1))
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[11].to_string(), cells[0].to_string())
        })
        .collect()
}

#[test]
fn the_same_run_in_a_folder_and_an_export_keeps_the_newest_summary() {
    let work = Workdir::new();
    let dir = work.join("wandb");
    // Runs 0 and 1 are also in folders: run 0's folder is newer, run 1's older.
    for (i, stamp, error) in [(0, 2000.0, 0.0001), (1, 500.0, 0.0002)] {
        let mut folder = spec(&RUNS[i], Layout::OnlineNewer);
        folder.summary.insert("_timestamp".into(), json!(stamp));
        folder.summary.insert("losses/mse_loss".into(), json!(error));
        write_run_folder(&dir, &folder).unwrap();
    }
    let mut text = String::new();
    for (i, line) in export_text().lines().enumerate() {
        let stamp = if i == 0 {
            "\"_timestamp\"".to_string()
        } else {
            "\"1000\"".into()
        };
        text += &format!("{line},{stamp}\n");
    }
    work.write("all.csv", text);
    let output = work.run(
        &[
            &["--export", "all.csv", "--runs-dir", "wandb", "--layers", "6"][..],
            &COLUMNS,
        ]
        .concat(),
    );
    ok(&output);
    let runs = artifact(&work.join("out/exports"), "runs.csv");
    let from = sources(&runs);
    assert_eq!(from.len(), RUNS.len(), "{runs}");
    assert!(from.contains(&("a1b2c3d4".into(), "wandb".into())), "{runs}");
    assert!(from.contains(&("a1b2c3d5".into(), "all.csv".into())), "{runs}");
    assert!(runs.contains(",icy-pine-1245,6,topk,32,31.5,0.0001,"), "{runs}");
    assert!(
        runs.contains("all.csv,3,warm-sun-7,6,topk,64,63.0,0.0011,"),
        "line numbers kept: {runs}"
    );
    assert!(
        stderr(&output).contains("2 run(s) are in more than one place"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_same_run_in_a_folder_and_on_the_server_keeps_the_newest_summary() {
    let work = Workdir::new();
    let dir = work.join("wandb");
    for (i, stamp, error) in [(0, 2000.0, 0.0001), (1, 500.0, 0.0002)] {
        let mut folder = spec(&RUNS[i], Layout::Offline);
        folder.summary.insert("_timestamp".into(), json!(stamp));
        folder.summary.insert("losses/mse_loss".into(), json!(error));
        write_run_folder(&dir, &folder).unwrap();
    }
    let server = server(|_| Some(1000.0));
    let output = fetch_command(&work, &server)
        .args(["--runs-dir", "wandb", "--layers", "6", "--out", "t"])
        .args(COLUMNS)
        .output()
        .unwrap();
    ok(&output);
    let runs = artifact(&work.join("t"), "runs.csv");
    let from = sources(&runs);
    assert_eq!(from.len(), 4, "{runs}");
    assert!(from.contains(&("a1b2c3d4".into(), "wandb".into())), "{runs}");
    assert!(
        from.iter().any(|(id, file)| id == "a1b2c3d5" && file.starts_with("cache/fake-entity/fake-project/layer-6-")),
        "{runs}"
    );
    assert!(
        runs.contains(",icy-pine-1245,6,topk,32,31.5,0.0001,,fake-entity,fake-project,a1b2c3d4,finished,"),
        "{runs}"
    );
    let asked = &server.runs_requests()[0];
    let query = asked.query.clone().unwrap_or_default() + &asked.variables.to_string();
    assert!(
        query.contains("_timestamp"),
        "the fetch asks when each summary is from: {query}"
    );
}

#[test]
fn ten_thousand_run_folders_are_all_read() {
    let work = Workdir::new();
    // In memory where there is /dev/shm: making 40,000 files on a slow disk takes longer
    // than reading them.
    let memory = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let dir = memory.path().join("wandb");
    let specs = mdl_fetch::synth::run_folders::sweep(10_000, Layout::OnlineNewer, false);
    for (i, mut folder) in specs.into_iter().enumerate() {
        folder.layout = LAYOUTS[i % 3];
        write_run_folder(&dir, &folder).unwrap();
    }
    std::os::unix::fs::symlink("run-20250327_150000-r0001c20", dir.join("latest-run")).unwrap();
    let runs_dir = dir.display().to_string();
    let flags = [
        "--runs-dir",
        &runs_dir,
        "--layers",
        "all",
        "-q",
        "--column",
        "dict_size=d_sae",
    ];
    let output = work.run(&[&flags[..], &COLUMNS].concat());
    ok(&output);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let runs = artifact(&work.join("out/run-folders"), "runs.csv");
    assert_eq!(runs.lines().count(), 10_001);
    let table = artifact(&work.join("out/run-folders"), "mdl-table.csv");
    assert_eq!(table.lines().count(), 1 + 7 * 3, "7 layers, 3 SAE types: {table}");
}

#[test]
fn run_folders_are_filtered_by_tag_and_a_bad_runs_dir_or_filter_is_refused() {
    let work = Workdir::new();
    write_sweep(&work.join("wandb"));
    let mut other = spec(&RUNS[0], Layout::Offline);
    other.id = "othertag".into();
    other.tags = vec!["draft".into()];
    write_run_folder(&work.join("wandb"), &other).unwrap();
    let tagged = work.run(
        &[
            &["--runs-dir", "wandb", "--tag", "paper", "--layers", "6"][..],
            &COLUMNS,
        ]
        .concat(),
    );
    ok(&tagged);
    let runs = artifact(&work.join("out/run-folders"), "runs.csv");
    assert_eq!(runs.lines().count(), 1 + RUNS.len(), "{runs}");
    assert!(!runs.contains("othertag"), "{runs}");
    let missing = work.run(&["--runs-dir", "nowhere"]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("--runs-dir nowhere: cannot read it"),
        "{}",
        stderr(&missing)
    );
    std::fs::create_dir_all(work.join("empty")).unwrap();
    let empty = work.run(&["--runs-dir", "empty"]);
    assert_eq!(empty.status.code(), Some(5), "{}", stderr(&empty));
    assert!(
        stderr(&empty).contains("no run folder under it"),
        "{}",
        stderr(&empty)
    );
    let filter = work.run(&["--runs-dir", "wandb", "--filter", "{\"state\": \"finished\"}"]);
    assert_eq!(filter.status.code(), Some(2), "{}", stderr(&filter));
    let wrong = work.run(
        &[
            &["--runs-dir", "wandb"][..],
            &COLUMNS[..8],
            &["--column", "error=losses/mse"],
        ]
        .concat(),
    );
    assert_eq!(wrong.status.code(), Some(3), "{}", stderr(&wrong));
    assert!(
        stderr(&wrong).contains("pass --column error=losses/mse_loss"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn a_profile_names_its_runs_dirs_relative_to_itself() {
    let work = Workdir::new();
    write_sweep(&work.join("lab/wandb"));
    let columns = "[columns]\nlayer = \"hook_layer\"\nactivation = \"sae_type\"\nk = \"top_k\"\nl0 = \"metrics/l0\"\nerror = \"losses/mse_loss\"\n";
    work.write(
        "lab/config/sweep.toml",
        format!("layers = [6]\n{columns}[[runs_dirs]]\npath = \"../wandb\"\n"),
    );
    let output = work.run(&["--config", "lab/config/sweep.toml", "--out", "t", "-q"]);
    ok(&output);
    let runs = artifact(&work.join("t"), "runs.csv");
    assert_eq!(runs.lines().count(), 1 + RUNS.len(), "{runs}");
}
