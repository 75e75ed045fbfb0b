//! Every write failure ends the run with exit 4 and one `error:` line naming the file it was
//! for, leaves the previous artifacts and cache as they were, and no temp file behind. The
//! failures are real: a full tmpfs (ENOSPC), `ulimit -f` (EFBIG), a read-only mount (EROFS)
//! and a folder the user cannot write (EACCES). Mounts are made in a private user and mount
//! namespace (`unshare -rm`); where the kernel refuses one, those tests say so and skip.

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_wandb::*;
use support::*;

/// Every file a run writes into the output folder (mdl-tolerance.csv with --tolerance), in
/// the order they are staged.
const ARTIFACTS: [&str; 11] = [
    "runs.csv",
    "mdl-table.md",
    "mdl-table.csv",
    "mdl-table.json",
    "mdl-table.tex",
    "frontier.csv",
    "mdl-report.md",
    "mdl-report.html",
    "frontier.svg",
    "mdl-tolerance.csv",
    "manifest.json",
];

/// An export of `runs` runs in layer 6, three activations.
fn export(work: &Workdir, runs: usize) -> PathBuf {
    let mut text = String::from("\"Name\",\"l0_norm\",\"l2_loss\"\n");
    for i in 0..runs {
        let activation = ["topk", "batchtopk", "topafa"][i % 3];
        let k = 16 << (i % 5);
        let error = 0.5 / (i + 1) as f64;
        text.push_str(&format!(
            "\"run{i}_12288_{activation}_{k}_0\",\"{}\",\"{error}\"\n",
            k + i % 7
        ));
    }
    work.write("layer6.csv", text)
}

/// `sh -c script` with the binary's scrubbed environment, `BIN` naming the binary, and
/// `prefix` (say `unshare -rm`) in front.
fn shell(work: &Workdir, prefix: &[&str], script: &str, vars: &[(&str, &Path)]) -> Output {
    let binary = work.command();
    let mut command = Command::new(prefix.first().copied().unwrap_or("sh"));
    let rest = if prefix.is_empty() { &[][..] } else { &prefix[1..] };
    command.args(rest);
    if !prefix.is_empty() {
        command.arg("sh");
    }
    command.args(["-c", script]).current_dir(work.path());
    for (key, value) in binary.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command.env("BIN", binary.get_program());
    for (key, value) in vars {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// Whether this kernel lets an unprivileged process mount a tmpfs in a namespace of its own.
fn namespaces_work(work: &Workdir) -> bool {
    let dir = work.join("probe");
    std::fs::create_dir_all(&dir).unwrap();
    let probe = shell(
        work,
        &["unshare", "-rm"],
        "mount -t tmpfs tmpfs \"$DIR\"",
        &[("DIR", &dir)],
    );
    if !probe.status.success() {
        // `eprintln!` would be captured and shown only if the test failed.
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!(
                "skipping {}: cannot mount a tmpfs in a user namespace here: {}\n",
                std::thread::current().name().unwrap_or("a test"),
                stderr(&probe).trim()
            ),
        );
    }
    probe.status.success()
}

/// The one `error:` line of a failed run, checked to be exit 4 and the last line.
fn the_error_line(output: &Output, what: &str) -> String {
    one_error_line(output, &stderr(output), what)
}

/// `stderr`'s one `error:` line, its last, of a run that exited 4.
fn one_error_line(output: &Output, stderr: &str, what: &str) -> String {
    assert_eq!(output.status.code(), Some(4), "{what}: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{what}: {stderr}");
    assert_eq!(stderr.lines().last(), Some(errors[0]), "{what}: {stderr}");
    errors[0].to_string()
}

/// The artifact whose path (inside `dir`) the error line names.
fn named_artifact(line: &str, dir: &str) -> Option<&'static str> {
    ARTIFACTS
        .into_iter()
        .find(|name| line.contains(&format!("{dir}/{name}:")))
}

/// A tmpfs filled to leave `free` pages: the first run fills the folder, the second (with
/// a tolerance added, so most artifacts change) runs out of space somewhere. Whatever it
/// was writing, the error names it and the folder is exactly as the first run left it.
#[test]
fn a_full_disk_exits_4_naming_whichever_artifact_it_was_writing() {
    let work = Workdir::new();
    if !namespaces_work(&work) {
        return;
    }
    let export = export(&work, 600);
    let disk = work.join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let script = r#"
        mount -t tmpfs -o size=4m tmpfs "$DISK" || exit 99
        "$BIN" --export "6=$EXPORT" --out "$DISK/t" -q $EXTRA || exit 98
        cp -a "$DISK/t" "$DISK/snapshot"
        avail=$(df -B4096 --output=avail "$DISK" | tail -1)
        dd if=/dev/zero of="$DISK/filler" bs=4096 count=$((avail - FREE)) 2>/dev/null
        "$BIN" --export "6=$EXPORT" --out "$DISK/t" -q --tolerance 0.01 $EXTRA
        code=$?
        diff -r "$DISK/t" "$DISK/snapshot" >&2 && echo "unchanged" >&2
        ls -a "$DISK/t" | grep '\.tmp$' >&2
        exit $code
    "#;
    let mut named = BTreeSet::new();
    let mut succeeded = 0;
    // With runs.csv, which is written first and is the largest; then without it, so that
    // the small artifacts and the manifest are the ones that do not fit.
    let tries = (0..40)
        .map(|free| (free, ""))
        .chain((0..40).map(|free| (free, "--no-runs-csv")));
    for (free, extra) in tries {
        let free_text = PathBuf::from(free.to_string());
        let extra = PathBuf::from(extra);
        let vars = [
            ("DISK", disk.as_path()),
            ("EXPORT", &export),
            ("FREE", &free_text),
            ("EXTRA", &extra),
        ];
        let output = shell(&work, &["unshare", "-rm"], script, &vars);
        let err = stderr(&output);
        assert!(!matches!(output.status.code(), Some(98 | 99)), "set-up: {err}");
        if output.status.success() {
            succeeded += 1;
            continue;
        }
        let line = the_error_line_before(&output, "unchanged", &format!("{free} pages free"));
        let artifact = named_artifact(&line, &format!("{}/t", disk.display()));
        assert!(artifact.is_some(), "{free} pages free: names no artifact: {line}");
        assert!(line.contains("No space left on device"), "{line}");
        named.insert(artifact.unwrap());
    }
    assert!(succeeded > 1, "too few runs fitted in the free pages");
    for name in ["runs.csv", "manifest.json"] {
        assert!(
            named.contains(name),
            "never ran out of space on {name}: {named:?}"
        );
    }
    eprintln!("ran out of space on {named:?}");
    assert!(named.len() >= 6, "{named:?}");
}

/// Exit 4 with one error line, then the script's own `unchanged` (the folder matched its
/// snapshot) and no temp file listed.
fn the_error_line_before(output: &Output, marker: &str, what: &str) -> String {
    let err = stderr(output);
    let Some(before) = err.strip_suffix(&format!("{marker}\n")) else {
        panic!("{what}: the folder changed or kept a temp file: {err}");
    };
    one_error_line(output, before, what)
}

#[test]
fn a_file_size_limit_exits_4_naming_runs_csv() {
    let work = Workdir::new();
    let export = export(&work, 2000);
    let output = shell(
        &work,
        &[],
        "ulimit -f 64; exec \"$BIN\" --export \"6=$EXPORT\" --out tables -q",
        &[("EXPORT", &export)],
    );
    let line = the_error_line(&output, "ulimit -f");
    assert_eq!(named_artifact(&line, "tables"), Some("runs.csv"), "{line}");
    assert!(line.contains("File too large"), "{line}");
    // The run made tables/ and left nothing in it: it goes too, with its lock file.
    let left: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name())
        .collect();
    assert_eq!(left, ["layer6.csv"], "left behind");
}

#[test]
fn a_file_size_limit_on_the_cache_exits_4_naming_the_cache_file() {
    let server = FakeWandb::start(FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
        runs: 3 * 400,
        extra_summary_keys: 20,
        ..SweepOptions::default()
    })));
    let work = Workdir::new();
    let base = PathBuf::from(server.base_url());
    let key = PathBuf::from(DEFAULT_KEY);
    let output = shell(
        &work,
        &[],
        "ulimit -f 64; WANDB_BASE_URL=\"$BASE\" WANDB_API_KEY=\"$KEY\" exec \"$BIN\" --project fake-project --entity fake-entity --out tables -q",
        &[("BASE", &base), ("KEY", &key)],
    );
    let line = the_error_line(&output, "ulimit -f on the cache");
    assert!(line.contains("cache/fake-entity/fake-project/"), "{line}");
    assert!(line.contains("File too large"), "{line}");
    // Neither the cache folders nor tables/ outlive the failed run that made them.
    assert!(
        !work.join("cache").exists(),
        "{:?}",
        support::disk::files(&work.join("cache"))
    );
    assert!(!work.join("tables").exists());
}

#[test]
fn a_read_only_folder_exits_4_and_keeps_the_previous_artifacts() {
    let work = Workdir::new();
    if !namespaces_work(&work) {
        return;
    }
    let export = export(&work, 60);
    let disk = work.join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    // The folder itself is the mount, so its lock (beside it) can still be taken.
    let script = r#"
        mount -t tmpfs tmpfs "$DISK" || exit 99
        "$BIN" --export "6=$EXPORT" --out "$DISK" -q || exit 98
        cp -a "$DISK" "$DISK.snapshot"
        mount -o remount,ro "$DISK" || exit 99
        "$BIN" --export "6=$EXPORT" --out "$DISK" -q --tolerance 0.01
        code=$?
        diff -r "$DISK" "$DISK.snapshot" >&2 && echo "unchanged" >&2
        exit $code
    "#;
    let output = shell(
        &work,
        &["unshare", "-rm"],
        script,
        &[("DISK", &disk), ("EXPORT", &export)],
    );
    let line = the_error_line_before(&output, "unchanged", "read-only");
    assert!(
        named_artifact(&line, &disk.display().to_string()).is_some(),
        "{line}"
    );
    assert!(line.contains("Read-only file system"), "{line}");
}

#[test]
fn a_folder_the_user_cannot_write_exits_4_naming_it() {
    let work = Workdir::new();
    let export = export(&work, 60);
    let tables = work.join("tables");
    std::fs::create_dir_all(&tables).unwrap();
    use std::os::unix::fs::PermissionsExt;
    // The lock beside the folder can be taken; the folder itself cannot be written.
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&tables, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes anywhere: run as nobody when we are root.
    let as_nobody: &[&str] = if is_root() {
        &["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    } else {
        &[]
    };
    let script = "\"$BIN\" --export \"6=$EXPORT\" --out \"$TABLES\" -q --lock-wait 0";
    let output = shell(
        &work,
        as_nobody,
        script,
        &[("EXPORT", &export), ("TABLES", &tables)],
    );
    let line = the_error_line(&output, "EACCES");
    assert!(line.contains(&tables.display().to_string()), "{line}");
    assert!(line.contains("Permission denied"), "{line}");
}

fn is_root() -> bool {
    let id = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}
