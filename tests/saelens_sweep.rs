//! The SAELens-style sweep a new user brings (random names, `hook_layer`, `architecture`,
//! `d_sae` mixed, `k` for TopK only, `metrics/l0`, `losses/mse_loss`, runs crashed or
//! still running) gives the table pandas computed from its export
//! (`scripts/saelens_expected.py`), through `keys` → `init` → a plain `mdl-fetch
//! --project`, online against the fake W&B server serving the same runs, and from the
//! export. The export is exactly what the generator writes.

use crate::support;

use mdl_fetch::synth::saelens::{fixture, sweep, write_export, FIXTURE_SEED};
use support::saelens::{export_path, fixture_text, online, server, PROJECT};
use support::*;

fn generated(runs: &[mdl_fetch::synth::saelens::SaelensRun]) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_export(runs, &mut bytes).unwrap();
    bytes
}

#[test]
fn the_committed_export_is_what_the_generator_writes() {
    let committed = read(export_path());
    assert!(
        committed == generated(&fixture()),
        "{} differs from the generator's output; regenerate with `cargo run --example gen_saelens_sweep`, then `python3 scripts/saelens_expected.py --write fixtures/saelens-sweep`",
        export_path().display()
    );
    // Guards the comparison against a generator that ignores its seed.
    assert_ne!(generated(&fixture()), generated(&sweep(FIXTURE_SEED + 1, 300)));
}

/// The expected table's rows: (layer, activation) → (run, D, L0, error, DL).
type Rows = Vec<((String, String), (String, String, f64, f64, f64))>;

/// The rows of a CSV table, read by its column names.
fn rows_of(csv_text: &str, columns: [&str; 7]) -> Rows {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|column| column == name)
            .unwrap_or_else(|| panic!("no {name} in {header:?}"))
    };
    let index = columns.map(at);
    let number = |text: &str| text.parse::<f64>().unwrap();
    (reader.records())
        .map(|record| {
            let record = record.unwrap();
            let cell = |i: usize| record[index[i]].to_string();
            let key = (cell(0), cell(1));
            (
                key,
                (
                    cell(2),
                    cell(3),
                    number(&cell(4)),
                    number(&cell(5)),
                    number(&cell(6)),
                ),
            )
        })
        .collect()
}

fn expected_rows() -> Rows {
    let columns = ["layer", "activation", "run", "d_sae", "l0", "tolerance", "mdl"];
    rows_of(&fixture_text("expected-table.csv"), columns)
}

/// `out`'s table is pandas': the markdown byte for byte, and each row's run, D, L0, error
/// and DL as the expected CSV has them.
fn assert_pandas_table(out: &std::path::Path, printed: &str) {
    let expected_md = fixture_text("expected-table.md");
    assert_eq!(printed, expected_md);
    assert_eq!(
        String::from_utf8(read(out.join("mdl-table.md"))).unwrap(),
        expected_md
    );
    let columns = [
        "layer",
        "activation",
        "run",
        "dict_size",
        "l0",
        "tolerance",
        "MDL(tolerance)",
    ];
    let got = rows_of(
        &String::from_utf8(read(out.join("mdl-table.csv"))).unwrap(),
        columns,
    );
    let expected = expected_rows();
    assert_eq!(got.len(), expected.len());
    for ((key, got), (expected_key, expected)) in got.iter().zip(&expected) {
        assert_eq!(key, expected_key);
        assert_eq!((&got.0, &got.1), (&expected.0, &expected.1), "{key:?}");
        for (a, b) in [(got.2, expected.2), (got.3, expected.3), (got.4, expected.4)] {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "{key:?}: {a} against {b}");
        }
    }
}

#[test]
fn the_expected_table_covers_every_layer_and_architecture_with_finished_runs() {
    let rows = expected_rows();
    assert_eq!(rows.len(), 7 * 3);
    let runs = fixture();
    for ((layer, activation), (name, d_sae, l0, _, _)) in &rows {
        let run = runs.iter().find(|run| &run.name == name).unwrap();
        assert_eq!(
            (run.layer.to_string(), run.architecture),
            (layer.clone(), activation.as_str())
        );
        assert_eq!((run.state, run.d_sae.to_string()), ("finished", d_sae.clone()));
        assert_eq!(run.metrics.unwrap().l0, *l0);
    }
    // Both dictionary sizes are selected: a table priced at one D would be wrong.
    assert!(rows.iter().any(|(_, row)| row.1 == "16384") && rows.iter().any(|(_, row)| row.1 == "24576"));
}

#[test]
fn keys_init_and_a_plain_run_give_the_pandas_table_online() {
    let server = server(&fixture());
    let work = Workdir::new();
    let keys = online(&work, &server)
        .args(["keys", "--project", PROJECT, "--entity", "fake-entity"])
        .output()
        .unwrap();
    ok(&keys);
    let listed = stdout(&keys);
    for flag in [
        "--column layer=hook_layer",
        "--column dict_size=d_sae",
        "--column activation=architecture",
        "--column k=k",
        "--column l0=metrics/l0",
        "--column error=losses/mse_loss",
    ] {
        assert!(listed.contains(flag), "{flag}: {listed}");
    }
    let init = online(&work, &server)
        .args(["init", "--project", PROJECT, "--entity", "fake-entity"])
        .output()
        .unwrap();
    ok(&init);
    assert!(work.join("config/saelens-sweep.toml").is_file());
    let plain = online(&work, &server)
        .args(["--project", PROJECT])
        .output()
        .unwrap();
    ok(&plain);
    assert_pandas_table(&work.join("out/saelens-sweep"), &stdout(&plain));
}

#[test]
fn init_on_the_export_and_a_run_on_it_give_the_pandas_table() {
    let work = Workdir::new();
    let export = export_path().display().to_string();
    ok(&work.run(&["init", "--project", PROJECT, "--export", &export]));
    let table = work.run(&["--project", PROJECT, "--export", &export]);
    ok(&table);
    assert_pandas_table(&work.join("out/saelens-sweep"), &stdout(&table));
    // The profile named with --config gives the same table from any folder.
    let elsewhere = Workdir::new();
    let profile = work.join("config/saelens-sweep.toml").display().to_string();
    let by_config = elsewhere.run(&["--config", &profile, "--export", &export, "--out", "t"]);
    ok(&by_config);
    assert_pandas_table(&elsewhere.join("t"), &stdout(&by_config));
}

#[test]
fn the_profiles_init_writes_online_and_from_the_export_say_the_same() {
    use mdl_fetch::config::profile::Profile;
    let server = server(&fixture());
    let work = Workdir::new();
    let export = export_path().display().to_string();
    ok(&(online(&work, &server)
        .args(["init", "--project", PROJECT, "--entity", "fake-entity"])
        .output()
        .unwrap()));
    ok(&work.run(&[
        "init",
        "--project",
        PROJECT,
        "--export",
        &export,
        "--to",
        "offline.toml",
    ]));
    let fetched = Profile::load(&work.join("config/saelens-sweep.toml")).unwrap();
    let exported = Profile::load(&work.join("offline.toml")).unwrap();
    for profile in [&fetched, &exported] {
        assert_eq!(
            profile.layers.as_ref().and_then(|layers| layers.listed()),
            Some(&[4, 5, 6, 7, 8, 9, 10][..])
        );
        assert_eq!(
            profile.wandb.states.as_deref(),
            Some(&["finished".to_string()][..])
        );
        let columns = &profile.columns;
        let keys = [
            &columns.layer,
            &columns.dict_size,
            &columns.activation,
            &columns.k,
            &columns.l0,
            &columns.error,
        ];
        let keys: Vec<Option<&str>> = keys.iter().map(|key| key.as_deref()).collect();
        let expected = [
            "hook_layer",
            "d_sae",
            "architecture",
            "k",
            "metrics/l0",
            "losses/mse_loss",
        ];
        assert_eq!(keys, expected.map(Some));
    }
    assert_eq!(fetched.entity.as_deref(), Some("fake-entity"));
    assert_eq!(exported.entity, None);
}

/// The arguments of the README's flags-only example on exports, as the README writes it.
fn readme_export_example() -> Vec<String> {
    let readme = String::from_utf8(read(root().join("README.md"))).unwrap();
    let mut lines = readme
        .lines()
        .skip_while(|line| !line.starts_with("mdl-fetch --export exports/*.csv"));
    let mut command = String::new();
    for line in lines.by_ref() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        command.push_str(line.trim_end_matches('\\'));
        command.push(' ');
        if !line.ends_with('\\') {
            break;
        }
    }
    command.split_whitespace().skip(1).map(str::to_string).collect()
}

/// The README's example names every key the sweep needs, `d_sae` among them: without it
/// each run would be priced at the default D, and the table would be wrong with exit 0.
#[test]
fn the_readmes_flags_only_example_gives_the_pandas_table() {
    let example = readme_export_example();
    assert!(example.contains(&"dict_size=d_sae".to_string()), "{example:?}");
    let export = export_path().display().to_string();
    let mut args: Vec<String> = (example.into_iter())
        .map(|arg| {
            if arg == "exports/*.csv" {
                export.clone()
            } else {
                arg
            }
        })
        .collect();
    args.extend(["--layers", "4,5,6,7,8,9,10", "--out", "t"].map(str::to_string));
    let work = Workdir::new();
    let output = work.command().args(&args).output().unwrap();
    ok(&output);
    assert_pandas_table(&work.join("t"), &stdout(&output));
}
