//! A nightly regeneration's diff says what changed and nothing else: runs.csv's rows are in
//! run order (run id, entity, project) and name a cached layer without its content hash,
//! so 31 runs added to the project add 31 rows and change no other, online and from an
//! export; `--check` counts the rows that differ, per artifact.

use crate::support;

use fake_wandb::*;
use support::*;

/// 320 finished runs over layers 6-8, and the server that serves them, 50 to a page.
fn server() -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: 50,
        ..FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
            runs: 320,
            ..SweepOptions::default()
        }))
    })
}

/// 31 more runs, created after the others, as a night's training adds them.
fn add_31_runs(server: &FakeWandb) {
    server.dataset().with_mut(|dataset| {
        let added = dataset.add_sweep_runs(&SweepOptions {
            runs: 31,
            seed: 31,
            ..SweepOptions::default()
        });
        assert_eq!(added.len(), 31);
    });
}

fn text(work: &Workdir, path: &str) -> String {
    String::from_utf8(read(work.join(path))).unwrap()
}

/// Whether every line of `old` is in `new`, in the same order: then a line diff from one
/// to the other only adds lines.
fn only_adds(old: &str, new: &str) -> bool {
    let mut new_lines = new.lines();
    old.lines().all(|line| new_lines.any(|other| other == line))
}

/// The (run_id, entity, project) of every row of runs.csv's `text`.
fn run_keys(text: &str) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (entity, project, id) = (column("entity"), column("project"), column("run_id"));
    (reader.records())
        .map(|row| {
            let row = row.unwrap();
            (
                row[entity].to_string(),
                row[project].to_string(),
                row[id].to_string(),
            )
        })
        .collect()
}

/// runs.csv before and after, and how `--check` between them said it.
fn assert_31_rows_added(before: &str, after: &str, check: &std::process::Output, runs_csv: &str) {
    assert_eq!(after.lines().count(), before.lines().count() + 31);
    assert!(
        only_adds(before, after),
        "a row of runs.csv changed:\n{before}\n---\n{after}"
    );
    let keys = run_keys(after);
    assert!(
        keys.windows(2).all(|pair| pair[0] < pair[1]),
        "rows in run order: {keys:?}"
    );
    assert_eq!(check.status.code(), Some(20), "{}", stderr(check));
    let said = stderr(check);
    assert!(
        said.contains(&format!("{runs_csv}: differs (31 rows added)\n")),
        "{said}"
    );
}

#[test]
fn thirty_one_new_runs_add_thirty_one_rows_to_a_fetchs_runs_csv() {
    let server = server();
    let work = Workdir::new();
    ok(&fetch_command(&work, &server).arg("-q").output().unwrap());
    let before = text(&work, "out/fake-project/runs.csv");
    assert!(
        before.contains("\ncache/fake-entity/fake-project/layer-6-*.csv,"),
        "a cached layer is named without its hash: {before}"
    );
    add_31_runs(&server);
    let check = fetch_command(&work, &server)
        .args(["--check", "-q"])
        .output()
        .unwrap();
    ok(&fetch_command(&work, &server)
        .args(["--incremental", "-q"])
        .output()
        .unwrap());
    let after = text(&work, "out/fake-project/runs.csv");
    assert_31_rows_added(&before, &after, &check, "out/fake-project/runs.csv");
}

#[test]
fn thirty_one_new_runs_add_thirty_one_rows_from_an_export() {
    let server = server();
    let work = Workdir::new();
    let export = |work: &Workdir| {
        let export = server.dataset().with(|dataset| dataset.export_text(&[6, 7, 8]));
        work.write("sweep.csv", export);
        let mut command = work.command();
        command
            .args(["--export", "sweep.csv", "--out", "tables", "-q"])
            .args(["--project", "fake-project", "--entity", "fake-entity"]);
        command
    };
    ok(&export(&work).output().unwrap());
    let before = text(&work, "tables/runs.csv");
    add_31_runs(&server);
    let check = export(&work).arg("--check").output().unwrap();
    ok(&export(&work).output().unwrap());
    let after = text(&work, "tables/runs.csv");
    assert_31_rows_added(&before, &after, &check, "tables/runs.csv");
}

#[test]
fn check_counts_a_changed_row_once_and_names_each_artifact() {
    let server = server();
    let work = Workdir::new();
    ok(&fetch_command(&work, &server).arg("-q").output().unwrap());
    // Five runs get a better error: five rows of runs.csv change, none is added.
    let names: Vec<String> = server.dataset().with(|dataset| {
        (dataset.runs_of_layers(&[7]))
            .take(5)
            .map(|run| run.name.clone())
            .collect()
    });
    for name in &names {
        assert!(server
            .dataset()
            .set_summary(name, "l2_loss", SummaryValue::Float(1e-7)));
    }
    let check = fetch_command(&work, &server)
        .args(["--check", "-q"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(20), "{}", stderr(&check));
    let said = stderr(&check);
    assert!(
        said.contains("out/fake-project/runs.csv: differs (5 rows changed)\n"),
        "{said}"
    );
    assert!(
        said.contains("out/fake-project/mdl-table.csv: differs ("),
        "{said}"
    );
    assert!(
        said.contains("out/fake-project/mdl-table.md: differs ("),
        "{said}"
    );
    assert!(
        said.contains(" lines changed)\n"),
        "markdown counts lines: {said}"
    );
}
