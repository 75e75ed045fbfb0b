//! Sweeps whose runs keep W&B's random names (`icy-pine-1245`) and say their activation,
//! k and layer in config keys: `--column ROLE=KEY` (or the profile's `[columns]`) reads
//! them from the export's columns and, online, asks the server for those keys. The same
//! runs give the same table through exports and through a fetch.

use crate::support;

use fake_wandb::*;
use support::*;

/// (random name, id, layer, sae_type, k, l0, error) of a small sweep.
const RUNS: [(&str, &str, i64, &str, i64, f64, f64); 8] = [
    ("icy-pine-1245", "a1b2c3d4", 6, "topk", 32, 31.5, 0.0021),
    ("warm-sun-7", "a1b2c3d5", 6, "topk", 64, 63.0, 0.0011),
    ("old-moon-19", "a1b2c3d6", 6, "relu", 0, 80.2, 0.0031),
    ("dark-sea-3", "a1b2c3d7", 6, "relu", 0, 60.1, 0.0009),
    ("cool-fog-88", "a1b2c3d8", 7, "topk", 32, 32.0, 0.0025),
    ("pure-sky-12", "a1b2c3d9", 7, "batchtopk", 64, 64.0, 0.0013),
    ("lone-oak-5", "a1b2c3e0", 8, "topk", 128, 128.0, 0.0007),
    ("wild-elk-40", "a1b2c3e1", 8, "topk", 16, 16.0, 0.0040),
];

const COLUMNS: [&str; 6] = [
    "--column",
    "activation=sae_type",
    "--column",
    "k=top_k",
    "--column",
    "layer=hook_layer",
];

/// The runs as a W&B UI export: Name, config columns, summary columns.
fn export_text() -> String {
    let mut text = String::from(
        "\"Name\",\"ID\",\"State\",\"hook_layer\",\"sae_type\",\"top_k\",\"l0_norm\",\"l2_loss\"\n",
    );
    for (name, id, layer, activation, k, l0, error) in RUNS {
        text.push_str(&format!(
            "\"{name}\",\"{id}\",\"finished\",\"{layer}\",\"{activation}\",\"{k}\",\"{l0}\",\"{error}\"\n"
        ));
    }
    text
}

/// A fake W&B server holding the sweep, its layout in config keys.
fn server() -> FakeWandb {
    server_with_layer_text(&[])
}

/// The sweep's server, the runs named in `as_text` logging their layer as text (`"6"`).
fn server_with_layer_text(as_text: &[&str]) -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, (name, id, layer, activation, k, l0, error)) in RUNS.into_iter().enumerate() {
        let mut run = FakeRun::new(id, name, &format!("2025-03-27T13:{:02}:00", 10 + i));
        let layer = match as_text.contains(&name) {
            true => serde_json::json!(layer.to_string()),
            false => serde_json::json!(layer),
        };
        run.config.insert("hook_layer".into(), layer);
        run.config
            .insert("sae_type".into(), serde_json::json!(activation));
        run.config.insert("top_k".into(), serde_json::json!(k));
        run.summary.insert("l0_norm".into(), l0.into());
        run.summary.insert("l2_loss".into(), error.into());
        dataset.push(run);
    }
    FakeWandb::start(FakeConfig {
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    })
}

/// The sweep fetched from `server` into `online` and replayed from its export into
/// `offline`: each table's rows, less the columns that name the cache or the export.
fn fetched_and_exported_rows(work: &Workdir, server: &FakeWandb) -> (Vec<String>, Vec<String>) {
    let fetched = fetch_command(work, server)
        .args(["--out", "online", "-q"])
        .args(COLUMNS)
        .output()
        .unwrap();
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    work.write("all.csv", export_text());
    let replayed = work.run(&[&["--export", "all.csv", "--out", "offline", "-q"][..], &COLUMNS].concat());
    assert!(replayed.status.success(), "{}", stderr(&replayed));
    let rows = |out: &str| -> Vec<String> {
        (table(work, out).lines())
            .map(|line| line.split(',').take(8).collect::<Vec<_>>().join(","))
            .collect()
    };
    (rows("online"), rows("offline"))
}

fn table(work: &Workdir, out: &str) -> String {
    std::fs::read_to_string(work.join(out).join("mdl-table.csv")).unwrap()
}

#[test]
fn random_names_with_activation_k_and_layer_in_columns_make_a_table() {
    let work = Workdir::new();
    work.write("all.csv", export_text());
    let output = work.run(&[&["--export", "all.csv", "--out", "out", "-q"][..], &COLUMNS].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).is_empty(),
        "no run is skipped: {}",
        stderr(&output)
    );
    let csv = table(&work, "out");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 5, "{csv}");
    assert!(
        rows[0].starts_with("6,relu,0.0009,") && rows[0].contains(",dark-sea-3,0,"),
        "{csv}"
    );
    assert!(
        rows[1].starts_with("6,topk,0.0011,") && rows[1].contains(",warm-sun-7,64,"),
        "{csv}"
    );
    assert!(
        rows[4].starts_with("8,topk,0.0007,") && rows[4].contains(",lone-oak-5,128,"),
        "{csv}"
    );
    // Without the columns, every random name is skipped: exit 5, the first one named.
    let bare = work.run(&["--export", "all.csv", "--out", "bare", "-q"]);
    assert_eq!(bare.status.code(), Some(5), "{}", stderr(&bare));
    assert!(stderr(&bare).contains("icy-pine-1245"), "{}", stderr(&bare));
}

#[test]
fn a_named_column_the_export_lacks_is_an_error_and_a_bad_role_a_usage_error() {
    let work = Workdir::new();
    work.write("all.csv", export_text());
    let missing = work.run(&["--export", "all.csv", "-q", "--column", "activation=architecture"]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("no \"architecture\" column"),
        "{}",
        stderr(&missing)
    );
    assert!(
        stderr(&missing).contains("columns.activation"),
        "{}",
        stderr(&missing)
    );
    let role = work.run(&["--export", "all.csv", "-q", "--column", "colour=sae_type"]);
    assert_eq!(role.status.code(), Some(2), "{}", stderr(&role));
    assert!(
        stderr(&role).contains("roles: name, l0, error, layer, activation, k, dict_size"),
        "{}",
        stderr(&role)
    );
}

#[test]
fn the_fetch_asks_for_the_named_keys_and_gives_the_same_table() {
    let server = server();
    let work = Workdir::new();
    let (online, offline) = fetched_and_exported_rows(&work, &server);
    assert_eq!(online, offline);
    let asked = server.runs_requests();
    // The page requests (a named layer key first has one run sampled, to see its type).
    let is_page = |query: &str| query.contains("summaryMetrics") && !query.contains("query Sample");
    let pages: Vec<_> = (asked.iter())
        .filter(|request| request.query.as_deref().is_some_and(is_page))
        .collect();
    assert!(!pages.is_empty());
    for key in ["sae_type", "top_k", "hook_layer"] {
        assert!(
            (pages.iter()).all(|page| {
                page.query.as_deref().unwrap_or_default().contains(key)
                    || page.variables.to_string().contains(key)
            }),
            "{key} not asked for"
        );
    }
}

#[test]
fn a_fetch_that_matches_no_run_says_what_was_asked_and_what_the_runs_hold() {
    let server = server();
    let work = Workdir::new();
    // The layer under a key the profile does not name: the keys the runs have are listed.
    let output = fetch_command(&work, &server).args(["-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("0 of the 8 runs in fake-entity/fake-project match config.layer in [6, 7, 8]"),
        "{message}"
    );
    assert!(message.contains("--column layer=KEY"), "{message}");
    assert!(
        message.contains("a run's config keys: hook_layer, sae_type, top_k"),
        "{message}"
    );
    assert!(!message.contains("header but no runs"), "{message}");
    let manifest = work.join("cache/fake-entity/fake-project/cache-manifest.json");
    assert!(!manifest.exists(), "a fetch of nothing caches nothing");
    // The layer key is right but the states exclude every run: the filter is named.
    let states = fetch_command(&work, &server)
        .args(["-q", "--column", "layer=hook_layer", "--state", "crashed"])
        .output()
        .unwrap();
    assert_eq!(states.status.code(), Some(5), "{}", stderr(&states));
    let message = stderr(&states);
    assert!(
        message.contains("though 8 have config.hook_layer in [6, 7, 8]: check --state"),
        "{message}"
    );
}

#[test]
fn several_files_or_a_pattern_after_one_export_take_their_layers_from_the_runs() {
    let work = Workdir::new();
    work.write("all.csv", export_text());
    let text = export_text();
    let (header, rows) = text.split_once('\n').unwrap();
    for layer in [6, 7, 8] {
        let mine: String = rows
            .lines()
            .filter(|row| row.contains(&format!("\"finished\",\"{layer}\",")))
            .map(|row| format!("{row}\n"))
            .collect();
        work.write(&format!("exports/layer{layer}.csv"), format!("{header}\n{mine}"));
    }
    let whole = work.run(&[&["--export", "all.csv", "--out", "whole", "-q"][..], &COLUMNS].concat());
    assert!(whole.status.success(), "{}", stderr(&whole));
    let files = [
        "--export",
        "exports/layer6.csv",
        "exports/layer7.csv",
        "exports/layer8.csv",
    ];
    let listed = work.run(&[&files[..], &["--out", "listed", "-q"], &COLUMNS].concat());
    assert!(listed.status.success(), "{}", stderr(&listed));
    let pattern = work.run(
        &[
            &["--export", "exports/*.csv", "--out", "pattern", "-q"][..],
            &COLUMNS,
        ]
        .concat(),
    );
    assert!(pattern.status.success(), "{}", stderr(&pattern));
    let md = |out: &str| std::fs::read_to_string(work.join(out).join("mdl-table.md")).unwrap();
    assert_eq!(md("listed"), md("whole"));
    assert_eq!(md("pattern"), md("whole"));
    let inputs = std::fs::read_to_string(work.join("pattern/manifest.json")).unwrap();
    assert!(inputs.contains("exports/layer8.csv"), "{inputs}");
    let none = work.run(&["--export", "nowhere/*.csv", "-q"]);
    assert_eq!(none.status.code(), Some(2), "{}", stderr(&none));
    assert!(
        stderr(&none).contains("no file matches the pattern"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn name_and_layer_regex_flags_read_names_no_profile_describes() {
    let work = Workdir::new();
    let header = "\"Name\",\"l0_norm\",\"l2_loss\"\n";
    let rows = [
        "L6-topk-k32,32,0.004",
        "L6-topk-k64,64,0.002",
        "L7-relu-k0,80,0.003",
    ];
    let text: String = rows.iter().map(|row| format!("{row}\n")).collect();
    work.write("named.csv", format!("{header}{text}"));
    let regex = r"^L(?P<layer>\d+)-(?P<activation>[a-z]+)-k(?P<k>\d+)$";
    let output = work.run(&["--export", "named.csv", "--name-regex", regex, "--out", "a", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = table(&work, "a");
    assert!(
        csv.contains("\n6,topk,0.002,") && csv.contains("\n7,relu,0.003,"),
        "{csv}"
    );
    // The seed's split names with the layer read by --layer-regex: no layer column, no L=;
    // without the flag, the default rule reads the same TransformerLens hook.
    let seed = "\"blocks.7.hook_resid_pre_12288_topk_32_0.0\",32,0.005\n";
    work.write("seed.csv", format!("{header}{seed}"));
    let bare = work.run(&["--export", "seed.csv", "--out", "b", "-q"]);
    assert!(bare.status.success(), "{}", stderr(&bare));
    let layered = work.run(&[
        "--export",
        "seed.csv",
        "--layer-regex",
        r"^blocks\.(\d+)\.",
        "--out",
        "c",
        "-q",
    ]);
    assert!(layered.status.success(), "{}", stderr(&layered));
    assert!(table(&work, "c").contains("\n7,topk,0.005,"));
    assert_eq!(table(&work, "b"), table(&work, "c"));
    // A pattern that does not compile, or lacks the groups, is a usage error naming the flag.
    for (flag, pattern, says) in [
        ("--name-regex", "(", "--name-regex is not a valid regex"),
        ("--name-regex", "x", "needs named groups"),
        ("--layer-regex", "[", "--layer-regex is not a valid regex"),
    ] {
        let output = work.run(&["--export", "seed.csv", flag, pattern, "-q"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(says), "{}", stderr(&output));
    }
}

/// Runs of one layer and activation (`topk`), with `d_sae` and `top_k` cells as given.
fn sized_export(rows: &[(&str, &str, &str, f64)]) -> String {
    let mut text =
        String::from("\"Name\",\"hook_layer\",\"sae_type\",\"top_k\",\"d_sae\",\"l0_norm\",\"l2_loss\"\n");
    for (name, k, d_sae, error) in rows {
        text.push_str(&format!(
            "\"{name}\",\"6\",\"topk\",\"{k}\",\"{d_sae}\",\"32\",\"{error}\"\n"
        ));
    }
    text
}

const SIZED_COLUMNS: [&str; 8] = [
    "--column",
    "activation=sae_type",
    "--column",
    "k=top_k",
    "--column",
    "layer=hook_layer",
    "--column",
    "dict_size=d_sae",
];

/// A `d_sae` of 0, -0 or below is no dictionary size: the run is skipped with a data
/// warning naming it (an error under `--strict`), never priced with the default D; a D
/// past 2^53 is a whole number like any other.
#[test]
fn a_bad_dictionary_size_is_a_data_warning_never_the_default_d() {
    let work = Workdir::new();
    for bad in ["-4096", "-1", "0", "-0"] {
        work.write(
            "a.csv",
            sized_export(&[("best-run", "32", bad, 0.001), ("next-run", "64", "16384", 0.002)]),
        );
        let output = work
            .command()
            .args(["--export", "a.csv", "--out", "out", "-q"])
            .args(SIZED_COLUMNS)
            .output()
            .unwrap();
        assert!(output.status.success(), "{bad}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(
            err.contains("best-run") && err.contains("no dictionary size"),
            "{bad}: {err}"
        );
        let table = String::from_utf8(read(work.join("out/mdl-table.csv"))).unwrap();
        assert!(
            table.contains("next-run") && !table.contains("best-run"),
            "{bad}: {table}"
        );
        let strict = work
            .command()
            .args(["--export", "a.csv", "--out", "-", "--strict"])
            .args(SIZED_COLUMNS)
            .output()
            .unwrap();
        assert_eq!(strict.status.code(), Some(3), "{bad}: {}", stderr(&strict));
    }
    work.write(
        "a.csv",
        sized_export(&[("huge-d", "32", "9007199254740993", 0.001)]),
    );
    let output = work
        .command()
        .args(["--export", "a.csv", "--out", "out", "-q"])
        .args(SIZED_COLUMNS)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let runs = String::from_utf8(read(work.join("out/runs.csv"))).unwrap();
    assert!(runs.contains(",9007199254740993,"), "{runs}");
}

/// A k column is read as pandas and then Python's `int()` would read it: `1_000`, Arabic-
/// Indic and full-width digits, `64.0` and `1e3` are whole numbers; `64.5` is exit 3.
#[test]
fn a_k_column_reads_every_spelling_of_a_whole_number() {
    let work = Workdir::new();
    let spellings = [
        ("1_000", 1000),
        ("\u{666}\u{664}", 64),
        ("\u{FF16}\u{FF14}", 64),
        ("64.0", 64),
        ("1e3", 1000),
    ];
    for (text, k) in spellings {
        work.write("a.csv", sized_export(&[("one-run", text, "16384", 0.001)]));
        let output = work
            .command()
            .args(["--export", "a.csv", "--out", "out", "-q"])
            .args(SIZED_COLUMNS)
            .output()
            .unwrap();
        assert!(output.status.success(), "{text}: {}", stderr(&output));
        let runs = String::from_utf8(read(work.join("out/runs.csv"))).unwrap();
        assert!(runs.contains(&format!(",6,topk,{k},")), "{text}: {runs}");
    }
    work.write("a.csv", sized_export(&[("one-run", "64.5", "16384", 0.001)]));
    let output = work
        .command()
        .args(["--export", "a.csv", "--out", "out", "-q"])
        .args(SIZED_COLUMNS)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("a.csv:2: top_k value \"64.5\" is not a whole number"),
        "{}",
        stderr(&output)
    );
}

/// A run that logged its layer as text (`hook_layer: "6"`) is fetched like the others: the
/// server compares types, so the fetch asks for both spellings, and the table is the one
/// an export of the same runs gives (here the text-layer run is layer 6's best topk).
#[test]
fn a_layer_logged_as_text_is_fetched_like_a_number() {
    let server = server_with_layer_text(&["warm-sun-7", "lone-oak-5"]);
    let work = Workdir::new();
    let (online, offline) = fetched_and_exported_rows(&work, &server);
    let shown = online.join("\n");
    assert!(
        shown.contains("warm-sun-7") && shown.contains("lone-oak-5"),
        "{shown}"
    );
    assert_eq!(online, offline);
}
