//! The same situation gives the same exit code and a line that says what to change: no
//! cache offline is exit 3 for one project as for two, `--out` naming a file says so, and
//! an output folder the user cannot write is not reported as a lock file's failure.
#![cfg(unix)]

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use support::*;

/// The one `error:` line of a failed run, checked to have exit code `code`.
fn error_line(output: &Output, code: i32) -> String {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    let errors: Vec<&str> = err.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    errors[0].to_string()
}

#[test]
fn offline_without_a_cache_is_exit_3_for_one_project_and_for_several() {
    let work = Workdir::new();
    // A profile without bundled exports.
    work.write("config/bare.toml", "layers = [6]\n");
    let cases: [(&str, &[&str]); 5] = [
        ("one project, no profile", &["--project", "nope"]),
        ("one project with its entity", &["--project", "lab/nope"]),
        ("one project, --entity", &["--project", "nope", "--entity", "lab"]),
        ("a profile without bundled exports", &["--project", "bare"]),
        ("two projects", &["--project", "lab/a", "--project", "lab/b"]),
    ];
    for (case, args) in cases {
        let output = work.command().args(args).arg("--offline").output().unwrap();
        let line = error_line(&output, 3);
        let project = args[1].rsplit('/').next().unwrap();
        assert!(line.contains(&format!("\"{project}\"")), "{case}: {line}");
        assert!(line.contains("fetch once without --offline"), "{case}: {line}");
    }
}

#[test]
fn out_naming_a_file_says_it_is_a_file_and_leaves_it_alone() {
    let work = Workdir::new();
    let export = one_run_export(&work);
    work.write("afile", "my notes\n");
    let output = work.run(&["--export", &export, "--out", "afile", "-q"]);
    let line = error_line(&output, 2);
    assert_eq!(
        line,
        "error: --out afile is a file, not a folder: name a folder, or - for stdout"
    );
    let check = work.run(&["--export", &export, "--out", "afile", "--check"]);
    assert_eq!(error_line(&check, 2), line, "--check");
    let below = work.run(&["--export", &export, "--out", "afile/tables", "-q"]);
    assert_eq!(
        error_line(&below, 2),
        "error: --out afile/tables: afile is a file, not a folder: name a folder, or - for stdout"
    );
    assert_eq!(read(work.join("afile")), b"my notes\n");
    let left: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("mdl-fetch"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `mdl-fetch --export 6=... --out OUT -q` in `work`, as an unprivileged user (nobody, when
/// the tests run as root, who writes anywhere).
fn run_unprivileged(work: &Workdir, out: &str) -> Output {
    let export = one_run_export(work);
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(work.join("layer6.csv"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let binary = work.command();
    let mut command = match is_root() {
        true => {
            let mut command = std::process::Command::new("setpriv");
            command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
            command.arg(binary.get_program());
            command
        }
        false => std::process::Command::new(binary.get_program()),
    };
    command.current_dir(work.path());
    for (key, value) in binary.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
        .args(["--export", &export, "--out", out, "-q", "--lock-wait", "0"])
        .output()
        .unwrap()
}

fn is_root() -> bool {
    let id = std::process::Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

fn make_read_only(path: &Path) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).unwrap();
}

#[test]
fn a_read_only_output_folder_is_named_as_such_not_as_a_lock_file() {
    let work = Workdir::new();
    std::fs::create_dir_all(work.join("shelf/tables")).unwrap();
    make_read_only(&work.join("shelf/tables"));
    make_read_only(&work.join("shelf"));
    let line = error_line(&run_unprivileged(&work, "shelf/tables"), 4);
    assert_eq!(
        line,
        "error: cannot write to the output folder shelf/tables (permission denied): \
         name a folder you can write with --out, or - for stdout"
    );
    // A folder that would be made inside one the user cannot write.
    let line = error_line(&run_unprivileged(&work, "shelf/new"), 4);
    assert_eq!(
        line,
        "error: cannot create the output folder shelf/new: cannot write to shelf (permission denied): \
         name a folder you can write with --out, or - for stdout"
    );
    assert!(!work.join("shelf/new").exists());
}

#[test]
fn an_output_folder_whose_parent_is_read_only_names_where_the_lock_goes() {
    let work = Workdir::new();
    std::fs::create_dir_all(work.join("shelf/tables")).unwrap();
    std::fs::set_permissions(work.join("shelf/tables"), std::fs::Permissions::from_mode(0o777)).unwrap();
    make_read_only(&work.join("shelf"));
    let line = error_line(&run_unprivileged(&work, "shelf/tables"), 4);
    assert_eq!(
        line,
        "error: cannot write to shelf, beside the output folder shelf/tables, where its lock file \
         .tables.mdl-fetch.lock goes (permission denied): make shelf writable, or name another folder \
         with --out, or - for stdout"
    );
    assert_eq!(std::fs::read_dir(work.join("shelf/tables")).unwrap().count(), 0);
}
