//! What the real W&B backend does that a kind fake hides, and the table standing anyway:
//! summary values that are objects, config keys with a dot in their name, a filter the
//! backend answers with HTTP 500, times in filters, and a `Retry-After` past the deadline.

use crate::support;

use fake_wandb::*;
use support::*;

/// (random name, id, layer, sae_type, k, l0, error) of a small sweep.
const RUNS: [(&str, &str, i64, &str, i64, f64, f64); 6] = [
    ("icy-pine-1245", "a1b2c3d4", 6, "topk", 32, 31.5, 0.0021),
    ("warm-sun-7", "a1b2c3d5", 6, "topk", 64, 63.0, 0.0011),
    ("dark-sea-3", "a1b2c3d7", 6, "relu", 0, 60.1, 0.0009),
    ("cool-fog-88", "a1b2c3d8", 7, "topk", 32, 32.0, 0.0025),
    ("pure-sky-12", "a1b2c3d9", 7, "batchtopk", 64, 64.0, 0.0013),
    ("lone-oak-5", "a1b2c3e0", 8, "topk", 128, 128.0, 0.0007),
];

const COLUMNS: [&str; 4] = ["--column", "activation=sae_type", "--column", "k=top_k"];

/// The sweep as a UI export, its layer under `layer_key` and its error under `error_key`,
/// leaving out the runs named in `without`.
fn export_text(layer_key: &str, error_key: &str, without: &[&str]) -> String {
    let mut text = format!(
        "\"Name\",\"ID\",\"State\",\"{layer_key}\",\"sae_type\",\"top_k\",\"l0_norm\",\"{error_key}\"\n"
    );
    for (name, id, layer, activation, k, l0, error) in RUNS {
        if !without.contains(&name) {
            text.push_str(&format!(
                "\"{name}\",\"{id}\",\"finished\",\"{layer}\",\"{activation}\",\"{k}\",\"{l0}\",\"{error}\"\n"
            ));
        }
    }
    text
}

/// A fake server (the kind one, or the real backend's behaviours under
/// `MDL_FETCH_FAKE_BACKEND=real`) holding the sweep, its layer under the config key
/// `layer_key`, each run passed through `change` (which gets the run's error) before it is
/// stored.
fn server_with(layer_key: &str, change: impl Fn(&mut FakeRun, f64)) -> FakeWandb {
    server_on(fake_backend(), layer_key, change)
}

/// `server_with`, showing the real backend's behaviours `real`.
fn server_on(real: RealBackend, layer_key: &str, change: impl Fn(&mut FakeRun, f64)) -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, (name, id, layer, activation, k, l0, error)) in RUNS.into_iter().enumerate() {
        let mut run = FakeRun::new(id, name, &format!("2025-03-27T13:{:02}:00", 10 + i));
        run.config.insert(layer_key.into(), serde_json::json!(layer));
        run.config
            .insert("sae_type".into(), serde_json::json!(activation));
        run.config.insert("top_k".into(), serde_json::json!(k));
        run.summary.insert("l0_norm".into(), l0.into());
        run.summary.insert("l2_loss".into(), error.into());
        change(&mut run, error);
        dataset.push(run);
    }
    FakeWandb::start(FakeConfig {
        real,
        ..FakeConfig::with_dataset(dataset)
    })
}

/// A summary value as `define_metric(..., summary="min")` stores it.
fn min_object(value: f64) -> SummaryValue {
    SummaryValue::object([("min", SummaryValue::from(value))])
}

/// The table's rows, without the columns that name where the runs came from.
fn table_rows(work: &Workdir, out: &str) -> Vec<String> {
    let text = std::fs::read_to_string(work.join(out).join("mdl-table.csv")).unwrap();
    text.lines()
        .map(|line| line.split(',').take(11).collect::<Vec<_>>().join(","))
        .collect()
}

/// The table of `export` (written to `name`), with `args`, in `out`.
fn export_table(work: &Workdir, name: &str, export: String, out: &str, args: &[&str]) -> Vec<String> {
    work.write(name, export);
    let output = work
        .command()
        .args(["--export", name, "--out", out, "-q"])
        .args(COLUMNS)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    table_rows(work, out)
}

#[test]
fn an_object_summary_value_skips_its_run_with_a_warning_naming_the_fix() {
    let server = server_with("layer", |run, error| {
        if run.name == "a1b2c3d5" {
            run.summary.insert("l2_loss".into(), min_object(error));
        }
    });
    let work = Workdir::new();
    let output = fetch_command(&work, &server)
        .args(["--out", "online"])
        .args(COLUMNS)
        .output()
        .unwrap();
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    for part in [
        "warm-sun-7",
        "a1b2c3d5",
        "l2_loss",
        "\"min\"",
        "--column error=l2_loss.min",
    ] {
        assert!(message.contains(part), "{part} missing: {message}");
    }
    assert!(
        !message.contains("layer-6-"),
        "an internal cache file is named: {message}"
    );
    let expected = export_table(
        &work,
        "all.csv",
        export_text("layer", "l2_loss", &["warm-sun-7"]),
        "offline",
        &[],
    );
    assert_eq!(table_rows(&work, "online"), expected);

    // Under --strict the run is an error that names it, its key and the fix.
    let strict = fetch_command(&work, &server)
        .args(["--out", "strict", "-q", "--strict"])
        .args(COLUMNS)
        .output()
        .unwrap();
    let message = stderr(&strict);
    assert_eq!(strict.status.code(), Some(3), "{message}");
    for part in ["warm-sun-7", "a1b2c3d5", "--column error=l2_loss.min"] {
        assert!(message.contains(part), "{part} missing: {message}");
    }
    assert!(
        !message.contains("layer-6-"),
        "an internal cache file is named: {message}"
    );
}

#[test]
fn a_dotted_error_path_reads_into_summary_objects_online_and_flattened_columns_offline() {
    let server = server_with("layer", |run, error| {
        run.summary.insert("l2_loss".into(), min_object(error));
    });
    let work = Workdir::new();
    let output = fetch_command(&work, &server)
        .args(["--out", "online", "-q", "--column", "error=l2_loss.min"])
        .args(COLUMNS)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let query = server.runs_requests()[0].query.clone().unwrap_or_default();
    assert!(
        query.contains("\"l2_loss\""),
        "the top-level key is projected: {query}"
    );
    let flattened = export_text("layer", "l2_loss.min", &[]);
    let expected = export_table(
        &work,
        "all.csv",
        flattened,
        "offline",
        &["--column", "error=l2_loss.min"],
    );
    assert_eq!(table_rows(&work, "online"), expected);
    assert!(expected.len() > 3, "{expected:?}");
}

#[test]
fn a_layer_key_with_a_dot_is_filtered_here_not_on_the_server() {
    // The real backend reads `config.sae.layer` as a nested path: a server-side filter on
    // it would match no run (exit 5, "no runs").
    let server = server_on(RealBackend::all(), "sae.layer", |_, _| {});
    let work = Workdir::new();
    let layer = ["--column", "layer=sae.layer", "--state", "finished"];
    let output = fetch_command(&work, &server)
        .args(["--out", "online", "-v"])
        .args(COLUMNS)
        .args(layer)
        .output()
        .unwrap();
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("layer key \"sae.layer\" has a dot: W&B cannot filter on it"),
        "{message}"
    );
    let requests = server.runs_requests();
    assert!(!requests.is_empty());
    for request in requests {
        let filters = request.variables["filters"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(!filters.contains("config.sae.layer"), "{filters}");
        assert!(filters.contains("\"state\""), "the other clauses stay: {filters}");
    }
    let export = export_text("sae.layer", "l2_loss", &[]);
    let expected = export_table(&work, "all.csv", export, "offline", &layer);
    assert_eq!(table_rows(&work, "online"), expected);

    // The cache it left replays offline to the same table.
    let replayed = fetch_command(&work, &server)
        .args(["--out", "replayed", "-q", "--offline"])
        .args(COLUMNS)
        .args(layer)
        .output()
        .unwrap();
    assert!(replayed.status.success(), "{}", stderr(&replayed));
    assert_eq!(table_rows(&work, "replayed"), expected);

    // No run in the layers asked: the message says the layers were picked here.
    let none = fetch_command(&work, &server)
        .args(["--out", "none", "-q", "--layers", "9"])
        .args(COLUMNS)
        .args(layer)
        .output()
        .unwrap();
    let message = stderr(&none);
    assert_eq!(none.status.code(), Some(5), "{message}");
    assert!(
        message.contains("none of the 6 runs (of 6) in fake-entity/fake-project that --state"),
        "{message}"
    );
    assert!(message.contains("config.sae.layer in [9]"), "{message}");
}

/// The sweep's server answering every first runs page with HTTP 500.
fn server_failing_first_pages() -> FakeWandb {
    let server = server_with("layer", |_, _| {});
    let first_page = Trigger::RunsPage { page: 1, layer: None };
    server.inject(FaultRule::new(Fault::Status(500), first_page, usize::MAX));
    server
}

#[test]
fn http_500_at_the_first_page_of_a_filtered_query_names_the_filter_after_three_attempts() {
    let server = server_failing_first_pages();
    let work = Workdir::new();
    let filter = r#"{"updatedAt":{"$gt":"2025-03-21T06:44:34Z"}}"#;
    let output = fetch_command(&work, &server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["--out", "out", "-q", "--layers", "6", "--filter", filter])
        .args(COLUMNS)
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(8), "{message}");
    assert!(message.contains("HTTP 500 on each of 3 attempts"), "{message}");
    assert!(
        message.contains(&format!("the backend may be refusing the filter {filter}")),
        "{message}"
    );
    assert_eq!(server.runs_requests().len(), 3, "{message}");
    // The filter was looked at before it was sent: one warning line names the field.
    let warnings: Vec<&str> = message.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{message}");
    assert!(warnings[0].contains("field \"updatedAt\""), "{message}");

    // Without a --filter, a 500 is retried as any transient failure: all 8 attempts.
    let server = server_failing_first_pages();
    let unfiltered = fetch_command(&work, &server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["--out", "out", "-q", "--layers", "6"])
        .args(COLUMNS)
        .output()
        .unwrap();
    let message = stderr(&unfiltered);
    assert_eq!(unfiltered.status.code(), Some(8), "{message}");
    assert!(message.contains("gave up after 8 attempts"), "{message}");
    assert!(!message.contains("warning:"), "{message}");
    assert_eq!(server.runs_requests().len(), 8, "{message}");
}

#[test]
fn a_filter_with_documented_fields_only_warns_of_nothing_and_one_that_is_not_json_is_usage() {
    let server = server_with("layer", |_, _| {});
    let work = Workdir::new();
    let filter = r#"{"$or":[{"config.top_k":{"$gte":32}},{"state":{"$in":["finished"]}}]}"#;
    let output = fetch_command(&work, &server)
        .args(["--out", "out", "-q", "--filter", filter])
        .args(COLUMNS)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("warning:"), "{}", stderr(&output));
    let bad = fetch_command(&work, &server)
        .args(["--out", "out", "-q", "--filter", "{state: finished}"])
        .args(COLUMNS)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn a_retry_after_past_the_deadline_fails_at_once_saying_both_waits() {
    let server = server_with("layer", |_, _| {});
    let retry_after = Some("600".to_string());
    server.inject(FaultRule::always(Fault::Status429 { retry_after }));
    let work = Workdir::new();
    let output = fetch_command(&work, &server)
        .args(["--out", "out", "-q", "--layers", "6", "--deadline", "20"])
        .args(COLUMNS)
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(8), "{message}");
    assert!(
        message
            .contains("the server asked to wait 600 s before retrying (HTTP 429) and the --deadline leaves"),
        "{message}"
    );
    assert_eq!(server.runs_requests().len(), 1, "no second attempt: {message}");
}

#[test]
fn an_incremental_refresh_never_filters_on_updated_at_and_fetches_again_only_runs_that_can_change() {
    let server = server_on(RealBackend::all(), "layer", |run, _| match run.name.as_str() {
        "a1b2c3d4" => run.state = "crashed".into(),
        "a1b2c3d7" => run.state = "failed".into(),
        "a1b2c3d8" => run.state = "preempted".into(),
        // Each layer's newest change a day after the others, past them by more than the
        // margin: still running, still preempting, and an eval script's edit.
        "a1b2c3d5" => {
            run.state = "running".into();
            run.updated_at = Some("2025-03-28T13:15:00".into());
        }
        "a1b2c3d9" => {
            run.state = "preempting".into();
            run.updated_at = Some("2025-03-28T13:15:00".into());
        }
        "a1b2c3e0" => run.updated_at = Some("2025-03-28T13:15:00".into()),
        _ => {}
    });
    let work = Workdir::new();
    let fetch = |out: &str, extra: &[&str]| {
        let output = fetch_command(&work, &server)
            .args(["--out", out, "-q", "--page-size", "2"])
            .args(COLUMNS)
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    };
    fetch("full", &[]);
    server.clear_requests();
    fetch("refreshed", &["--incremental"]);
    let mut fetched_again = Vec::new();
    let mut later_pages = 0;
    for request in server.runs_requests() {
        let text = request.variables["filters"].as_str().unwrap().to_string();
        assert!(!text.contains("updatedAt"), "{text}");
        let filter: serde_json::Value = serde_json::from_str(&text).unwrap();
        for clause in filter["$and"].as_array().into_iter().flatten() {
            if let Some(time) = clause["createdAt"]["$gte"].as_str() {
                assert!(time.ends_with('Z'), "createdAt without a zone: {text}");
                later_pages += 1;
            }
            let full = request.query.as_deref().unwrap().contains("summaryMetrics");
            if let (true, Some(names)) = (full, clause["name"]["$in"].as_array()) {
                fetched_again.extend(names.clone());
            }
        }
    }
    assert!(later_pages > 0, "the listing took one page");
    // The crashed, failed and preempted runs, changed long before, come from the cache;
    // the finished run of layer 8 is its layer's newest change, within the margin.
    fetched_again.sort_by_key(|name| name.to_string());
    assert_eq!(fetched_again, ["a1b2c3d5", "a1b2c3d9", "a1b2c3e0"]);
    assert_eq!(table_rows(&work, "refreshed"), table_rows(&work, "full"));
}
