//! A researcher's own SAELens-style sweep over layers 4-10 (random names, the layout in
//! config, SAELens' metric names): every role the table depends on is accounted for. A
//! flag left out or mistyped gives the right table or an error naming the flag to pass,
//! never a wrong table with exit 0; layers a list leaves out are said.

use crate::support;

use fake_wandb::*;
use support::*;

/// One run: (name, id, state, layer, architecture, d_sae, k, l0, mse).
type Run = (
    String,
    String,
    &'static str,
    i64,
    &'static str,
    u64,
    Option<i64>,
    f64,
    f64,
);

/// 42 runs: layers 4-10, each with topk (k 32 and 64), jumprelu and standard runs, D
/// 16384 or 24576; one crashed run per layer.
fn sweep() -> Vec<Run> {
    let words = ["icy", "bold", "calm", "dark", "eager", "fine"];
    let mut runs = Vec::new();
    for layer in 4..=10i64 {
        let d_sae = if layer % 2 == 0 { 16384 } else { 24576 };
        let shapes: [(&str, Option<i64>, f64, &str); 6] = [
            ("topk", Some(32), 0.020, "finished"),
            ("topk", Some(64), 0.012, "finished"),
            ("jumprelu", None, 0.015, "finished"),
            ("jumprelu", None, 0.011, "crashed"),
            ("standard", None, 0.030, "finished"),
            ("standard", None, 0.025, "finished"),
        ];
        for (i, (arch, k, mse, state)) in shapes.into_iter().enumerate() {
            let n = runs.len();
            let name = format!("{}-{}-{}", words[n % 6], words[(n / 6) % 6], 100 + n);
            let l0 = k.map_or(40.0 + 10.0 * i as f64 + layer as f64, |k| k as f64);
            let mse = mse * (1.0 + layer as f64 / 100.0);
            runs.push((name, format!("r{n:03}"), state, layer, arch, d_sae, k, l0, mse));
        }
    }
    runs
}

/// The sweep as the W&B runs table exports it.
fn export_text(runs: &[Run]) -> String {
    let mut text = String::from("\"Name\",\"ID\",\"State\",\"hook_layer\",\"hook_name\",\"architecture\",\"d_sae\",\"k\",\"lr\",\"metrics/l0\",\"losses/mse_loss\"\n");
    for (name, id, state, layer, arch, d_sae, k, l0, mse) in runs {
        let k = k.map_or(String::new(), |k| k.to_string());
        text.push_str(&format!(
            "\"{name}\",\"{id}\",\"{state}\",\"{layer}\",\"blocks.{layer}.hook_resid_pre\",\"{arch}\",\"{d_sae}\",\"{k}\",\"0.0003\",\"{l0}\",\"{mse}\"\n"
        ));
    }
    text
}

/// A fake W&B server holding the sweep, as SAELens logs it.
fn server(runs: &[Run]) -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, (name, id, state, layer, arch, d_sae, k, l0, mse)) in runs.iter().enumerate() {
        // An hour apart: a run updated long before the watermark is reused by --incremental.
        let created = format!("2025-05-{:02}T{:02}:00:00", 1 + i / 24, i % 24);
        let mut run = FakeRun::new(id, name, &created);
        run.state = state.to_string();
        let config = &mut run.config;
        config.insert("hook_layer".into(), serde_json::json!(layer));
        config.insert(
            "hook_name".into(),
            serde_json::json!(format!("blocks.{layer}.hook_resid_pre")),
        );
        config.insert("architecture".into(), serde_json::json!(arch));
        config.insert("d_sae".into(), serde_json::json!(d_sae));
        config.insert("lr".into(), serde_json::json!(0.0003));
        if let Some(k) = k {
            config.insert("k".into(), serde_json::json!(k));
        }
        run.summary.insert("metrics/l0".into(), (*l0).into());
        run.summary.insert("losses/mse_loss".into(), (*mse).into());
        run.summary
            .insert("metrics/explained_variance".into(), 0.9.into());
        dataset.push(run);
    }
    FakeWandb::start(FakeConfig {
        real: fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    })
}

/// Every role named, as the README's example names them.
const ALL_ROLES: [&str; 12] = [
    "--column=layer=hook_layer",
    "--column=activation=architecture",
    "--column=k=k",
    "--column=dict_size=d_sae",
    "--column=l0=metrics/l0",
    "--column=error=losses/mse_loss",
    "--state=finished",
    "-q",
    "--out=out",
    "--format=md",
    "--code=naive",
    "--bits=7",
];

/// `ALL_ROLES` less the flags that start with any of `without`, plus `extra`.
fn flags<'a>(without: &[&str], extra: &[&'a str]) -> Vec<&'a str> {
    let kept = ALL_ROLES
        .iter()
        .filter(|flag| !without.iter().any(|w| flag.starts_with(w)));
    kept.copied().chain(extra.iter().copied()).collect()
}

fn export_run(work: &Workdir, args: &[&str]) -> std::process::Output {
    work.write("sweep.csv", export_text(&sweep()));
    work.run(&[&["--export", "sweep.csv"][..], args].concat())
}

fn table_rows(work: &Workdir) -> Vec<String> {
    let text = std::fs::read_to_string(work.join("out/mdl-table.csv")).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

/// The DL of the best finished topk run of `layer`, priced with its own D, as the
/// notebook's formula gives it.
fn expected_topk_dl(layer: i64) -> f64 {
    let runs = sweep();
    let best = (runs.iter())
        .filter(|run| run.3 == layer && run.4 == "topk" && run.2 == "finished")
        .min_by(|a, b| a.8.total_cmp(&b.8))
        .unwrap();
    best.7 * (7.0 + (best.5 as f64).log2())
}

#[test]
fn every_role_named_gives_each_run_its_own_dictionary_size() {
    let work = Workdir::new();
    let output = export_run(&work, &flags(&[], &[]));
    ok(&output);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let rows = table_rows(&work);
    assert_eq!(rows.len(), 7 * 3, "every layer 4-10 by default: {rows:#?}");
    let topk5 = rows.iter().find(|row| row.starts_with("5,topk,")).unwrap();
    let dl: f64 = topk5.split(',').nth(3).unwrap().parse().unwrap();
    assert!((dl - expected_topk_dl(5)).abs() < 1e-6, "{topk5}");
}

#[test]
fn an_unnamed_dictionary_size_is_a_warning_naming_the_flag_and_the_json_says_which_d() {
    let work = Workdir::new();
    let output = export_run(&work, &flags(&["--column=dict_size"], &[]));
    ok(&output);
    let err = stderr(&output);
    assert!(
        err.contains("\"d_sae\" column") && err.contains("pass --column dict_size=d_sae"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "warned once: {err}");
    let json = std::fs::read_to_string(work.join("out/mdl-table.json")).unwrap();
    assert!(json.contains("\"dict_size_source\": \"default\""), "{json}");
    assert!(!json.contains("\"dict_size_source\": \"run\""), "{json}");
    let report = std::fs::read_to_string(work.join("out/mdl-report.md")).unwrap();
    assert!(report.contains("no row's run gives its own"), "{report}");
    let strict = export_run(&work, &flags(&["--column=dict_size"], &["--strict"]));
    assert_eq!(strict.status.code(), Some(5), "{}", stderr(&strict));
    // Priced at one D on purpose: no warning.
    let fixed = export_run(&work, &flags(&["--column=dict_size"], &["--fixed-dict-size"]));
    ok(&fixed);
    assert!(stderr(&fixed).is_empty(), "{}", stderr(&fixed));
    // Named: each run's own D, said in the JSON.
    ok(&export_run(&work, &flags(&[], &[])));
    let json = std::fs::read_to_string(work.join("out/mdl-table.json")).unwrap();
    assert!(json.contains("\"dict_size_source\": \"run\""), "{json}");
}

#[test]
fn layers_take_ranges_blanks_and_all_and_a_list_says_what_it_left_out() {
    let work = Workdir::new();
    for (layers, rows) in [("4-10", 21), ("all", 21), ("6, 7", 6), ("4-5,10", 9)] {
        let output = export_run(&work, &flags(&[], &["--layers", layers]));
        ok(&output);
        assert_eq!(table_rows(&work).len(), rows, "--layers {layers}");
    }
    // Quiet or not, the runs of the other layers are said.
    let quiet = export_run(&work, &flags(&[], &["--layers", "6-8"]));
    ok(&quiet);
    let err = stderr(&quiet);
    assert!(
        err.starts_with("note: 20 runs of layers 4, 5, 9, 10 are not in the table, which keeps layers 6-8"),
        "{err}"
    );
    let loud = export_run(&work, &flags(&["-q"], &["--layers", "6-8"]));
    ok(&loud);
    let closing = stderr(&loud).lines().last().unwrap().to_string();
    assert!(
        closing.contains(" from 42 runs (15 in the table) in "),
        "{closing}"
    );
    let typo = export_run(&work, &flags(&[], &["--layers", "4..10"]));
    assert_eq!(typo.status.code(), Some(2), "{}", stderr(&typo));
    assert!(stderr(&typo).contains("4-10"), "{}", stderr(&typo));
}

#[test]
fn a_layer_read_from_a_text_key_by_a_regex_gives_the_same_table() {
    let work = Workdir::new();
    ok(&export_run(&work, &flags(&[], &[])));
    let by_number = table_rows(&work);
    let hook_name = flags(&["--column=layer"], &["--column=layer=hook_name"]);
    ok(&export_run(&work, &hook_name));
    assert_eq!(table_rows(&work), by_number);
    let own_regex = [&hook_name[..], &["--layer-regex", r"^blocks\.(\d+)\.hook"]].concat();
    ok(&export_run(&work, &own_regex));
    assert_eq!(table_rows(&work), by_number);
    let wrong_regex = [&hook_name[..], &["--layer-regex", r"layer(\d+)"]].concat();
    let output = export_run(&work, &wrong_regex);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("--layer-regex"), "{}", stderr(&output));
}

#[test]
fn a_missing_role_names_the_flag_and_the_column_it_meant() {
    let work = Workdir::new();
    let cases: [(&[&str], &[&str], i32, &str); 5] = [
        (
            &["--column=l0"],
            &["--column=l0=metrics/L0"],
            3,
            "pass --column l0=metrics/l0",
        ),
        (&["--column=l0"], &[], 3, "pass --column l0=metrics/l0"),
        (
            &["--column=error"],
            &["--column=error=mse"],
            3,
            "pass --column error=losses/mse_loss",
        ),
        (&["--column=k"], &[], 5, "pass --column k=k"),
        (&["--column=layer"], &[], 5, "pass --column layer=hook_layer"),
    ];
    for (without, extra, code, wanted) in cases {
        let output = export_run(&work, &flags(without, extra));
        assert_eq!(
            output.status.code(),
            Some(code),
            "{without:?} {extra:?}: {}",
            stderr(&output)
        );
        let last = stderr(&output).lines().last().unwrap().to_string();
        assert!(
            last.starts_with("error: ") && last.contains(wanted),
            "{without:?} {extra:?}: {last}"
        );
        assert!(
            !last.contains("activation at index"),
            "k is not blamed on the activation: {last}"
        );
    }
}

#[test]
fn online_a_mistyped_summary_key_is_an_error_and_the_cache_is_unchanged() {
    let runs = sweep();
    let server = server(&runs);
    let work = Workdir::new();
    let fetch = |args: &[&str]| {
        (fetch_command(&work, &server).args(["--layers", "4-10"]))
            .args(args)
            .output()
            .unwrap()
    };
    let good = fetch(&flags(&[], &[]));
    ok(&good);
    let good_table = table_rows(&work);
    assert_eq!(good_table.len(), 21);
    let cached = cache_exports(&work);
    for extra in [&[][..], &["--strict"][..]] {
        let typo = fetch(&flags(
            &["--column=l0"],
            &[&["--column=l0=metrics/L0"], extra].concat(),
        ));
        assert_eq!(typo.status.code(), Some(3), "{}", stderr(&typo));
        let err = stderr(&typo);
        assert!(
            err.contains("\"metrics/L0\"") && err.contains("pass --column l0=metrics/l0"),
            "{err}"
        );
        assert_eq!(cache_exports(&work), cached, "the cache is unchanged");
        assert_eq!(table_rows(&work), good_table, "the artifacts are unchanged");
    }
    let wrong_activation = fetch(&flags(&["--column=activation"], &["--column=activation=arch"]));
    assert_eq!(
        wrong_activation.status.code(),
        Some(3),
        "{}",
        stderr(&wrong_activation)
    );
    assert!(stderr(&wrong_activation).contains("pass --column activation=architecture"));
    // The dictionary size left unnamed: the table is made, with a warning naming the flag.
    let unnamed = fetch(&flags(&["--column=dict_size"], &[]));
    ok(&unnamed);
    assert!(
        stderr(&unnamed).contains("pass --column dict_size=d_sae"),
        "{}",
        stderr(&unnamed)
    );
}

#[test]
fn a_fetch_of_some_layers_keeps_the_others_in_the_cache() {
    let runs = sweep();
    let server = server(&runs);
    let work = Workdir::new();
    let fetch = |args: &[&str]| fetch_command(&work, &server).args(args).output().unwrap();
    ok(&fetch(&flags(&[], &["--layers", "4-10"])));
    let whole = table_rows(&work);
    let manifest = || -> serde_json::Value {
        let path = work.join("cache/fake-entity/fake-project/cache-manifest.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let first = manifest();
    // A quick refresh of one layer, printed and not written.
    let quick = fetch(&flags(
        &["--out", "-q"],
        &["--layers", "6", "--incremental", "--out", "-"],
    ));
    ok(&quick);
    let after = manifest();
    let layers: Vec<i64> = (after["layers"].as_array().unwrap().iter())
        .map(|layer| layer["layer"].as_i64().unwrap())
        .collect();
    assert_eq!(
        layers,
        (4..=10).collect::<Vec<_>>(),
        "every layer is still cached"
    );
    for layer in after["layers"].as_array().unwrap() {
        let fetched_at = &layer["fetched_at"];
        match layer["layer"].as_i64() {
            Some(6) => assert_eq!(fetched_at, &after["fetched_at"]),
            _ => assert_eq!(fetched_at, &first["fetched_at"], "{layer}"),
        }
    }
    // Offline, the cache stands for every layer, and for some of them.
    ok(&work.run(&flags(
        &[],
        &["--project=fake-project", "--offline", "--layers", "4-10"],
    )));
    assert_eq!(table_rows(&work), whole);
    ok(&work.run(&flags(
        &[],
        &["--project=fake-project", "--offline", "--layers", "5,9"],
    )));
    assert_eq!(table_rows(&work).len(), 6);
    // The next incremental fetch of every layer reuses each one's cached runs.
    let next = fetch(&flags(&["-q"], &["--layers", "4-10", "--incremental", "-v"]));
    ok(&next);
    let said = stderr(&next);
    for layer in [4, 5, 7, 8, 9, 10] {
        let line = (said.lines())
            .find(|line| line.starts_with(&format!("layer {layer}: 5 runs (server counted 5; ")))
            .unwrap_or_else(|| panic!("layer {layer}: {said}"));
        assert!(
            line.ends_with("reused from the cache)") && !line.contains("; 0 reused"),
            "{line}"
        );
    }
    assert_eq!(table_rows(&work), whole);
}

#[test]
fn a_group_whose_runs_lack_l0_is_a_data_warning() {
    let work = Workdir::new();
    let mut text = String::new();
    for line in export_text(&sweep()).lines() {
        let mut fields: Vec<&str> = line.split("\",\"").collect();
        if fields[3] == "5" && fields[5] == "jumprelu" {
            fields[9] = "";
        }
        text.push_str(&fields.join("\",\""));
        text.push('\n');
    }
    work.write("sweep.csv", text);
    let output = work.run(&[&["--export", "sweep.csv"][..], &flags(&[], &[])].concat());
    ok(&output);
    let err = stderr(&output);
    assert!(
        err.contains("layer 5 activation \"jumprelu\": none of its 1 run(s) has a metrics/l0"),
        "{err}"
    );
    let strict = work.run(&[&["--export", "sweep.csv", "--strict"][..], &flags(&[], &[])].concat());
    assert_eq!(strict.status.code(), Some(5), "{}", stderr(&strict));
}

#[test]
fn no_column_named_gives_an_error_that_names_the_flags() {
    let work = Workdir::new();
    work.write("sweep.csv", export_text(&sweep()));
    let bare = work.run(&["--export", "sweep.csv", "--out", "out"]);
    assert_eq!(bare.status.code(), Some(3), "{}", stderr(&bare));
    assert!(
        stderr(&bare).contains("pass --column l0=metrics/l0"),
        "{}",
        stderr(&bare)
    );
    assert!(!work.join("out").exists());
    let server = server(&sweep());
    let online = fetch_command(&work, &server)
        .args(["--out", "out"])
        .output()
        .unwrap();
    assert!(!online.status.success(), "{}", stderr(&online));
    assert!(
        stderr(&online).contains("pass --column layer=hook_layer"),
        "{}",
        stderr(&online)
    );
    let layer_named = (fetch_command(&work, &server).args(["--out", "out", "--column", "layer=hook_layer"]))
        .output()
        .unwrap();
    assert_eq!(layer_named.status.code(), Some(3), "{}", stderr(&layer_named));
    assert!(
        stderr(&layer_named).contains("pass --column l0=metrics/l0"),
        "{}",
        stderr(&layer_named)
    );
    assert!(!work.join("out").exists());
}

#[test]
fn online_every_layer_is_fetched_in_one_stream_and_a_text_layer_key_read_by_the_regex() {
    let runs = sweep();
    let server = server(&runs);
    let work = Workdir::new();
    ok(&export_run(&work, &flags(&[], &[])));
    let exported = table_rows(&work);
    let fetch = |args: &[&str]| {
        (fetch_command(&work, &server).env_remove("MDL_FETCH_LAYERS"))
            .args(args)
            .output()
            .unwrap()
    };
    // No layers asked: every layer the runs are in, the table the export gives.
    ok(&fetch(&flags(&[], &[])));
    assert_eq!(table_rows(&work).len(), 21);
    let same_columns = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .map(|row| row.split(',').take(9).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(same_columns(&table_rows(&work)), same_columns(&exported));
    // The layer in a text key: the server cannot match it, the regex reads it here.
    let hook_name = flags(&["--column=layer"], &["--column=layer=hook_name"]);
    ok(&fetch(&hook_name));
    assert_eq!(same_columns(&table_rows(&work)), same_columns(&exported));
    ok(&fetch(&[&hook_name[..], &["--layers", "6-8"]].concat()));
    let some: Vec<String> = (same_columns(&exported).into_iter())
        .filter(|row| ["6,", "7,", "8,"].iter().any(|layer| row.starts_with(layer)))
        .collect();
    assert_eq!(same_columns(&table_rows(&work)), some);
    // Replayed offline, the cache of every layer stands for any of them.
    ok(&work.run(&flags(
        &[],
        &["--project=fake-project", "--offline", "--layers", "9"],
    )));
    assert_eq!(table_rows(&work).len(), 3);
}
