//! What a user of a polished CLI expects: `--version` with the commit, completions and a
//! man page, `error:`/`warning:` coloured only when asked or on a terminal, a usage error
//! in one line, and `-v` saying which profile, entity, server and cache a run used.

use crate::support;

#[path = "../build/commit.rs"]
mod commit;

use fake_wandb::*;
use support::*;

const RED_ERROR: &str = "\x1b[1m\x1b[31merror:\x1b[0m ";
const YELLOW_WARNING: &str = "\x1b[1m\x1b[33mwarning:\x1b[0m ";

#[test]
fn version_names_the_commit_when_built_from_git_and_falls_back_without_it() {
    let output = Workdir::new().run(&["--version"]);
    let version = stdout(&output);
    let bare = format!("mdl-fetch {}", env!("CARGO_PKG_VERSION"));
    let head = std::process::Command::new("git")
        .args(["log", "-1", "--date=short", "--format=%h %cd"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    match (head, commit::describe(&root()).0) {
        (Some(head), Some(_)) => assert_eq!(version, format!("{bare} ({head})\n")),
        _ => assert_eq!(version, format!("{bare}\n")),
    }

    // An unpacked tarball: no git work tree of its own, no commit, no failure; a packaged
    // crate's .cargo_vcs_info.json names its commit.
    let tarball = tempfile::tempdir().unwrap();
    assert_eq!(commit::describe(tarball.path()), (None, Vec::new()));
    let info = r#"{ "git": { "sha1": "0123456789abcdef0123456789abcdef01234567" }, "path_in_vcs": "" }"#;
    std::fs::write(tarball.path().join(".cargo_vcs_info.json"), info).unwrap();
    assert_eq!(commit::describe(tarball.path()).0.as_deref(), Some("0123456"));
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line() {
    let work = Workdir::new();
    let bash = work.run(&["completions", "bash"]);
    assert!(bash.status.success(), "{}", stderr(&bash));
    assert!(stdout(&bash).contains("--project"), "{}", stdout(&bash));
    let man = work.run(&["man"]);
    let page = stdout(&man);
    assert!(
        man.status.success() && page.contains("\n.TH mdl-fetch 1"),
        "{page}"
    );
    assert!(
        page.contains("\\-\\-project") && page.contains("\\-\\-color"),
        "{page}"
    );
    assert_eq!(work.run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn a_usage_error_piped_is_one_plain_line_and_red_only_when_asked() {
    let work = Workdir::new();
    let bad = work.run(&["--project", "x", "--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(stderr(&bad), "error: unexpected argument '--bogus' found\n");

    let red = work.run(&["--bogus", "--color", "always"]);
    assert_eq!(red.status.code(), Some(2));
    assert!(stderr(&red).starts_with(RED_ERROR), "{:?}", stderr(&red));
    assert_eq!(stderr(&red).lines().count(), 1, "{:?}", stderr(&red));

    for plain in [
        work.command()
            .args(["--bogus", "--color=never"])
            .output()
            .unwrap(),
        work.command()
            .env("NO_COLOR", "1")
            .args(["--bogus"])
            .output()
            .unwrap(),
    ] {
        assert!(
            stderr(&plain).starts_with("error: unexpected"),
            "{:?}",
            stderr(&plain)
        );
        assert!(!stderr(&plain).contains('\x1b'));
    }
}

#[test]
fn errors_and_warnings_of_a_run_are_coloured_by_color() {
    let work = Workdir::new();
    let export = one_run_export(&work);
    let warned = work.run(&["--export", &export, "--layers", "6,9", "-q", "--color", "always"]);
    assert!(warned.status.success(), "{}", stderr(&warned));
    let warning = stderr(&warned);
    assert!(
        warning.starts_with(&format!("{YELLOW_WARNING}no run in layer 9:")),
        "{warning:?}"
    );
    assert_eq!(warning.lines().count(), 1, "{warning:?}");
    let failed = work.run(&["--export", "6=missing.csv", "--color", "always"]);
    assert_eq!(failed.status.code(), Some(3), "{}", stderr(&failed));
    assert!(stderr(&failed).starts_with(RED_ERROR), "{:?}", stderr(&failed));
    let piped = work.run(&["--export", "6=missing.csv"]);
    assert!(stderr(&piped).starts_with("error: "), "{:?}", stderr(&piped));
}

#[test]
fn verbose_names_the_profile_entity_base_url_and_cache_online_and_offline() {
    let server = FakeWandb::start(FakeConfig::with_dataset(Dataset::sweep(SweepOptions::default())));
    let work = Workdir::new();
    work.write("config/fake-project.toml", "layers = [6, 7, 8]\n");
    let online = fetch_command(&work, &server).arg("-v").output().unwrap();
    let err = stderr(&online);
    assert!(online.status.success(), "{err}");
    let cache = std::path::Path::new("cache/fake-entity/fake-project")
        .display()
        .to_string();
    for line in [
        "profile: config/fake-project.toml".to_string(),
        format!("base URL: {}", server.base_url()),
        "entity: fake-entity; cache folder: cache".to_string(),
        format!("fetching fake-entity/fake-project into the cache folder {cache}"),
    ] {
        assert!(err.lines().any(|l| l == line), "{line:?} missing from:\n{err}");
    }

    let offline = work
        .command()
        .args(["--project", "fake-project", "--offline", "-v"])
        .output()
        .unwrap();
    let err = stderr(&offline);
    assert!(offline.status.success(), "{err}");
    for line in [
        "profile: config/fake-project.toml".to_string(),
        "base URL: https://api.wandb.ai (offline: not asked)".to_string(),
        "entity: any with a cache; cache folder: cache".to_string(),
        format!("replaying the cache of entity fake-entity in {cache}"),
    ] {
        assert!(err.lines().any(|l| l == line), "{line:?} missing from:\n{err}");
    }
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("wrote out/fake-project/ (10 files, "), "{err}");
    assert!(last.contains(" from 69 runs in "), "{err}");
}
