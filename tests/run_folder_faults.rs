//! `--runs-dir` against bad run folders and at scale: a bad file of each kind, an empty
//! folder and one the user cannot read are warnings and the rest is read; 10,000 folders
//! are all read; a bad runs folder, a server filter or a key no folder has is refused.

use crate::support;

use mdl_fetch::synth::run_folders::{write_run_folder, Layout};
use support::run_folders::*;
use support::*;

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
