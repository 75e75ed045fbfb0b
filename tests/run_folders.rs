//! `--runs-dir`: tables straight from the W&B SDK's local run folders. The same runs give
//! the same table from their folders (every layout the SDK writes), from an export of
//! them and from the fake server serving them; a crashed offline run is read from its
//! log; a run in two places keeps its newest summary.

use crate::support;

use mdl_fetch::synth::run_folders::{write_run_folder, Layout};
use serde_json::json;
use support::run_folders::*;
use support::*;

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
        "mdl-report.md",
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
    let requests = server.runs_requests();
    // The first page request (a named layer key first has one run sampled).
    let asked = (requests.iter())
        .find(|request| {
            !request
                .query
                .as_deref()
                .unwrap_or_default()
                .contains("query Sample")
        })
        .unwrap();
    let query = asked.query.clone().unwrap_or_default() + &asked.variables.to_string();
    assert!(
        query.contains("_timestamp"),
        "the fetch asks when each summary is from: {query}"
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
