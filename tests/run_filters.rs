//! Which runs count, and which run a row is: `--state`, `--tag`, `--sweep`, `--group` and
//! `--filter` pick the same runs through a fetch, its cache and a web-page export; a row's
//! run that is not finished is a data warning and a line under the table; every CSV and
//! JSON artifact gives the row's run id, state and W&B page.

use crate::support;

use fake_wandb::*;
use support::*;

/// (id, layer, activation, state, error, tags, sweep, group) of a small sweep.
type Run = (
    &'static str,
    i64,
    &'static str,
    &'static str,
    f64,
    &'static str,
    &'static str,
    &'static str,
);

const RUNS: [Run; 7] = [
    ("r1aaaaaa", 6, "topk", "finished", 0.0020, "", "", ""),
    ("r2aaaaaa", 6, "topk", "running", 0.0010, "", "", ""),
    ("r3aaaaaa", 6, "topk", "crashed", 0.0015, "paper", "", ""),
    ("r4aaaaaa", 6, "relu", "finished", 0.0030, "paper", "sw1", ""),
    ("r5aaaaaa", 6, "relu", "finished", 0.0025, "", "", "g2"),
    (
        "r6aaaaaa",
        7,
        "topk",
        "finished",
        0.0040,
        "paper,draft",
        "sw1",
        "g2",
    ),
    ("r7aaaaaa", 7, "topk", "finished", 0.0035, "", "", ""),
];

fn display_name(run: &Run) -> String {
    format!("blocks.{}.hook_resid_pre_12288_{}_{}_0.0", run.1, run.2, 32)
}

/// The runs as the W&B web page exports them, with the metadata columns.
fn export_text() -> String {
    let mut text = String::from(
        "\"Name\",\"ID\",\"State\",\"Tags\",\"Sweep\",\"Group\",\"layer\",\"l0_norm\",\"l2_loss\"\n",
    );
    for run in &RUNS {
        let (id, layer, _, state, error, tags, sweep, group) = *run;
        let name = display_name(run);
        text.push_str(&format!(
            "\"{name}\",\"{id}\",\"{state}\",\"{tags}\",\"{sweep}\",\"{group}\",\"{layer}\",\"32\",\"{error}\"\n"
        ));
    }
    text
}

fn server() -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, run) in RUNS.iter().enumerate() {
        let (id, layer, _, state, error, tags, sweep, group) = *run;
        let mut fake = FakeRun::new(id, &display_name(run), &format!("2025-03-27T13:{:02}:00", 10 + i));
        fake.state = state.into();
        fake.config.insert("layer".into(), serde_json::json!(layer));
        fake.summary.insert("l0_norm".into(), 32.0.into());
        fake.summary.insert("l2_loss".into(), error.into());
        fake.tags = tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        fake.sweep_name = (!sweep.is_empty()).then(|| sweep.to_string());
        fake.group = (!group.is_empty()).then(|| group.to_string());
        dataset.push(fake);
    }
    FakeWandb::start(FakeConfig {
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    })
}

fn read(work: &Workdir, out: &str, file: &str) -> String {
    std::fs::read_to_string(work.join(out).join(file)).unwrap()
}

/// The binary on the export, with `args`, into `out`.
fn replay(work: &Workdir, out: &str, args: &[&str]) -> std::process::Output {
    work.write("sweep.csv", export_text());
    let base = ["--export", "sweep.csv", "--out", out, "-q"];
    work.run(&[&base[..], args].concat())
}

/// A fetch from `server` into `out` (cache under `cache`), with `args`.
fn fetch(work: &Workdir, server: &FakeWandb, out: &str, cache: &str, args: &[&str]) -> std::process::Output {
    fetch_command(work, server)
        .args(["--out", out, "--cache-dir", cache, "-q"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn an_unfinished_row_run_is_a_warning_a_line_under_the_table_and_an_error_under_strict() {
    let work = Workdir::new();
    let all = replay(&work, "all", &[]);
    ok(&all);
    let warning = stderr(&all);
    assert!(
        warning.contains("warning: layer 6 activation \"topk\": its row's run")
            && warning.contains("(id r2aaaaaa) is running, not finished"),
        "{warning}"
    );
    let table = read(&work, "all", "mdl-table.md");
    assert!(table.ends_with("|\n\nNot final: layer 6 topk (run \"blocks.6.hook_resid_pre_12288_topk_32_0.0\", running) not finished; the numbers may still change.\n"), "{table}");
    let csv = read(&work, "all", "mdl-table.csv");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",entity,project,run_id,state,url"),
        "{csv}"
    );
    assert!(csv.contains(",r2aaaaaa,running,\n"), "{csv}");
    assert!(read(&work, "all", "mdl-report.md").contains("is running, not finished"));
    let json: serde_json::Value = serde_json::from_str(&read(&work, "all", "mdl-table.json")).unwrap();
    assert_eq!(json["groups"][1]["best"]["state"], "running", "{json}");
    assert_eq!(json["groups"][1]["best"]["run_id"], "r2aaaaaa", "{json}");

    let strict = replay(&work, "strict", &["--strict"]);
    assert_eq!(strict.status.code(), Some(5), "{}", stderr(&strict));
    // Said once, as the error: not a warning and then an error.
    let said = stderr(&strict);
    assert_eq!(
        said.matches("layer 6 activation \"topk\": its row's run").count(),
        1,
        "{said}"
    );
    assert!(
        said.starts_with("error: --strict: layer 6 activation \"topk\""),
        "{said}"
    );

    // Only finished runs: the next best finished run takes the row, and nothing to say.
    let finished = replay(&work, "finished", &["--state", "finished"]);
    ok(&finished);
    assert_eq!(stderr(&finished), "");
    let csv = read(&work, "finished", "mdl-table.csv");
    assert!(
        csv.contains("\n6,topk,0.002,") && csv.contains(",r1aaaaaa,finished,\n"),
        "{csv}"
    );
    assert!(!read(&work, "finished", "mdl-table.md").contains("Not final"));
    let manifest = read(&work, "finished", "manifest.json");
    assert!(manifest.contains("\"filtered_out\": 2"), "{manifest}");
}

#[test]
fn state_tag_sweep_and_group_pick_the_same_runs_online_and_from_an_export() {
    let server = server();
    let work = Workdir::new();
    let cases: [&[&str]; 6] = [
        &[],
        &["--state", "finished"],
        &["--state", "finished,crashed"],
        &["--tag", "paper"],
        &["--sweep", "sw1"],
        &["--group", "g2"],
    ];
    for (i, args) in cases.iter().enumerate() {
        let (online, offline) = (format!("online{i}"), format!("offline{i}"));
        ok(&fetch(&work, &server, &online, &format!("cache{i}"), args));
        ok(&replay(&work, &offline, args));
        assert_eq!(
            read(&work, &online, "mdl-table.md"),
            read(&work, &offline, "mdl-table.md"),
            "{args:?}"
        );
    }
    assert!(read(&work, "online3", "mdl-table.md").contains("| relu "));
    assert!(!read(&work, "online4", "mdl-table.md").contains("| topk  |          6"));
    // The server was asked, not the whole project fetched and filtered here.
    let filters: Vec<String> = (server.runs_requests().iter())
        .filter_map(|request| request.info.filters.clone())
        .collect();
    for wanted in [
        r#"{"state":{"$in":["finished"]}}"#,
        r#"{"tags":{"$in":["paper"]}}"#,
        r#"{"sweep":"sw1"}"#,
        r#"{"group":"g2"}"#,
    ] {
        assert!(
            filters.iter().any(|f| f.contains(wanted)),
            "{wanted} not in {filters:?}"
        );
    }
}

#[test]
fn an_extra_filter_goes_to_the_server_and_exports_refuse_it() {
    let server = server();
    let work = Workdir::new();
    let filter = r#"{"summary_metrics.l2_loss": {"$lt": 0.0026}}"#;
    ok(&fetch(&work, &server, "out", "cache", &["--filter", filter]));
    let csv = read(&work, "out", "mdl-table.csv");
    assert!(csv.contains("\n6,relu,0.0025,") && !csv.contains("\n7,"), "{csv}");
    let exported = replay(&work, "x", &["--filter", filter]);
    assert_eq!(exported.status.code(), Some(2), "{}", stderr(&exported));
    assert!(
        stderr(&exported).contains("--filter is applied by the W&B server"),
        "{}",
        stderr(&exported)
    );
    let bad = replay(&work, "x", &["--filter", "[1]"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let state = replay(&work, "x", &["--state", "done"]);
    assert_eq!(state.status.code(), Some(2), "{}", stderr(&state));
    assert!(
        stderr(&state).contains("one of finished, running"),
        "{}",
        stderr(&state)
    );
}

#[test]
fn an_export_without_the_column_a_filter_needs_is_an_error_naming_it() {
    let work = Workdir::new();
    let export = work.write(
        "bare.csv",
        "\"Name\",\"layer\",\"l0_norm\",\"l2_loss\"\n\"blocks.6.x_12288_topk_32_0.0\",\"6\",\"32\",\"0.1\"\n",
    );
    for (flag, value, column) in [
        ("--state", "finished", "State"),
        ("--tag", "paper", "Tags"),
        ("--group", "g", "Group"),
    ] {
        let output = work.run(&["--export", export.to_str().unwrap(), "-q", flag, value]);
        assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains(&format!(
                "no \"{column}\" column, so {flag} {value} cannot be applied"
            )),
            "{message}"
        );
    }
}

#[test]
fn offline_replays_a_cache_only_under_the_filters_it_was_fetched_with() {
    let server = server();
    let work = Workdir::new();
    ok(&fetch(
        &work,
        &server,
        "finished",
        "only-finished",
        &["--state", "finished"],
    ));
    ok(&fetch(&work, &server, "all", "every-state", &[]));
    let offline = |cache: &str, out: &str, args: &[&str]| {
        fetch_command(&work, &server)
            .args(["--offline", "--cache-dir", cache, "--out", out, "-q"])
            .args(args)
            .output()
            .unwrap()
    };
    // Every state was asked, but the cache holds only finished runs: refuse.
    let refused = offline("only-finished", "a", &[]);
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("fetch again without --offline"),
        "{}",
        stderr(&refused)
    );
    // The same filter, or a cache of every state held to the asked states, replays.
    ok(&offline("only-finished", "b", &["--state", "finished"]));
    ok(&offline("every-state", "c", &["--state", "finished"]));
    for out in ["b", "c"] {
        assert_eq!(
            read(&work, out, "mdl-table.md"),
            read(&work, "finished", "mdl-table.md")
        );
    }
    // A tag cannot be applied to a cache fetched without it; nor a layer it never fetched.
    let tagged = offline("every-state", "d", &["--tag", "paper"]);
    assert_eq!(tagged.status.code(), Some(3), "{}", stderr(&tagged));
    let layer = offline("every-state", "e", &["--layers", "6,9"]);
    assert_eq!(layer.status.code(), Some(3), "{}", stderr(&layer));
    assert!(stderr(&layer).contains("not layer 9"), "{}", stderr(&layer));
}

#[test]
fn every_artifact_naming_a_run_gives_its_id_and_page() {
    let server = server();
    let work = Workdir::new();
    ok(&fetch(&work, &server, "out", "cache", &["--state", "finished"]));
    let page = format!("{WEB_URL}/fake-entity/fake-project/runs/r1aaaaaa");
    let row = format!(",fake-entity,fake-project,r1aaaaaa,finished,{page}\n");
    assert!(
        read(&work, "out", "mdl-table.csv").contains(&row),
        "{}",
        read(&work, "out", "mdl-table.csv")
    );
    assert!(read(&work, "out", "frontier.csv").contains(&row));
    assert!(read(&work, "out", "runs.csv").contains(&row));
    assert!(read(&work, "out", "mdl-report.md").contains(&format!("]({page}) | finished |")));
    let json: serde_json::Value = serde_json::from_str(&read(&work, "out", "mdl-table.json")).unwrap();
    assert_eq!(
        json["groups"][1]["best"]["url"],
        serde_json::json!(page),
        "{json}"
    );
    // Without a web address set, the pages are on the API's server (`api.` dropped).
    let derived = fetch_command(&work, &server)
        .env_remove("MDL_FETCH_WEB_URL")
        .args([
            "--out",
            "derived",
            "--cache-dir",
            "cache2",
            "-q",
            "--state",
            "finished",
        ])
        .output()
        .unwrap();
    ok(&derived);
    let page = format!(
        "{}/fake-entity/fake-project/runs/r1aaaaaa",
        server.base_url().trim_end_matches('/')
    );
    assert!(read(&work, "derived", "mdl-table.csv").contains(&page));
    // An export of a named entity and project links its runs too; without them, no page.
    let linked = replay(&work, "linked", &["--project", "sae", "--entity", "lab"]);
    ok(&linked);
    let page = format!(",lab,sae,r7aaaaaa,finished,{WEB_URL}/lab/sae/runs/r7aaaaaa\n");
    assert!(read(&work, "linked", "mdl-table.csv").contains(&page));
    ok(&replay(&work, "plain", &[]));
    assert!(read(&work, "plain", "mdl-table.csv").contains(",,,r7aaaaaa,finished,\n"));
}
