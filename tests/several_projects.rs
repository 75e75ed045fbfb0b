//! `--project a --project b` (or `entity/project` paths): one table of several projects'
//! runs, each project fetched into (and replayed from) its own cache, every run's row
//! saying which project it is from.

use crate::support;

use fake_wandb::*;
use support::*;

fn server() -> FakeWandb {
    let dataset = Dataset::sweep(SweepOptions {
        runs: 90,
        layers: vec![6, 7, 8],
        ..SweepOptions::default()
    });
    FakeWandb::start(FakeConfig {
        projects: vec!["sweep-a".into(), "sweep-b".into()],
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    })
}

fn read(work: &Workdir, path: &str) -> String {
    std::fs::read_to_string(work.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn several(work: &Workdir, server: &FakeWandb, args: &[&str]) -> std::process::Output {
    work.command()
        .env("WANDB_BASE_URL", server.base_url())
        .env("WANDB_API_KEY", server.api_key())
        .args([
            "--project",
            "fake-entity/sweep-a",
            "--project",
            "sweep-b",
            "--entity",
            "fake-entity",
        ])
        .args(["--out", "out", "-q"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn two_projects_make_one_table_with_a_cache_each_and_replay_offline_the_same() {
    let server = server();
    let work = Workdir::new();
    let fetched = several(&work, &server, &[]);
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    for project in ["sweep-a", "sweep-b"] {
        let cache = read(&work, &format!("cache/fake-entity/{project}/cache-manifest.json"));
        assert!(cache.contains(&format!("\"project\": \"{project}\"")), "{cache}");
    }
    // Both projects' runs are read, each labelled; equal runs tie and the first project wins.
    let runs = read(&work, "out/runs.csv");
    let from = |project: &str| {
        runs.lines()
            .filter(|l| l.contains(&format!(",fake-entity,{project},")))
            .count()
    };
    assert!(
        from("sweep-a") > 0 && from("sweep-a") == from("sweep-b"),
        "{runs}"
    );
    let table = read(&work, "out/mdl-table.csv");
    assert!(
        table
            .lines()
            .skip(1)
            .all(|row| row.contains(",fake-entity,sweep-a,")),
        "{table}"
    );
    assert!(
        table.contains(&format!("{WEB_URL}/fake-entity/sweep-a/runs/")),
        "{table}"
    );
    let manifest = read(&work, "out/manifest.json");
    assert!(
        manifest.contains("\"projects\": [\n      \"fake-entity/sweep-a\",\n      \"sweep-b\"\n    ]"),
        "{manifest}"
    );
    assert!(manifest.contains("\"more_projects\""), "{manifest}");
    // Offline, the two caches give the same artifacts (the manifest aside).
    let online: Vec<String> = ["mdl-table.md", "mdl-table.csv", "runs.csv"]
        .map(|f| read(&work, &format!("out/{f}")))
        .to_vec();
    let offline = several(&work, &server, &["--offline"]);
    assert!(offline.status.success(), "{}", stderr(&offline));
    let replayed: Vec<String> = ["mdl-table.md", "mdl-table.csv", "runs.csv"]
        .map(|f| read(&work, &format!("out/{f}")))
        .to_vec();
    assert_eq!(online, replayed);
}

#[test]
fn a_project_without_a_cache_or_a_bad_path_is_an_error_never_sample_runs() {
    let server = server();
    let work = Workdir::new();
    let offline = several(&work, &server, &["--offline"]);
    assert_eq!(offline.status.code(), Some(3), "{}", stderr(&offline));
    assert!(
        stderr(&offline).contains("no cache of project \"sweep-a\""),
        "{}",
        stderr(&offline)
    );
    let bad = work.run(&["--project", "a/b/c", "--offline"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let exports = work.run(&["--project", "a", "--project", "b", "--export", "x.csv"]);
    assert_eq!(exports.status.code(), Some(2), "{}", stderr(&exports));
    assert!(
        stderr(&exports).contains("at most one --project"),
        "{}",
        stderr(&exports)
    );
}

/// `lab/sweep-a` and `sweep-a` under `--entity lab` are one project: fetched once, its runs
/// counted once, and the folder named once, exactly as when it is named alone.
#[test]
fn the_same_project_named_twice_is_one_project() {
    let server = server();
    let alone = Workdir::new();
    let twice = Workdir::new();
    let run = |work: &Workdir, projects: &[&str]| {
        let mut command = work.command();
        command
            .env("WANDB_BASE_URL", server.base_url())
            .env("WANDB_API_KEY", server.api_key())
            .args(["--entity", "fake-entity", "-q"]);
        for project in projects {
            command.args(["--project", project]);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{projects:?}: {}", stderr(&output));
    };
    run(&alone, &["sweep-a"]);
    run(&twice, &["fake-entity/sweep-a", "sweep-a", "fake-entity/sweep-a"]);
    assert!(!twice.join("out/sweep-a+sweep-a").exists());
    let (once, doubled) = (
        artifacts(&alone.join("out/sweep-a")),
        artifacts(&twice.join("out/sweep-a")),
    );
    for name in ["mdl-table.md", "mdl-table.csv", "runs.csv"] {
        assert_eq!(once[name], doubled[name], "{name}");
    }
}
