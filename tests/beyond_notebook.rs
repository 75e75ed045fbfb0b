//! ε-MDL, the binomial code, per-run dictionary sizes, the JSON and the plot, end to end.

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use mdl_fetch::emit::json::{JsonTable, SCHEMA};
use support::*;

/// Runs the binary on the seed exports with the sae-sweeps profile and extra flags.
fn run_on_seed(work: &Workdir, extra: &[&str]) -> Option<JsonTable> {
    let paths = seed_exports()?;
    let config = root().join("config/sae-sweeps.toml");
    let mut args: Vec<String> = vec!["--config".into(), config.display().to_string(), "-q".into()];
    args.extend(seed_export_args(&paths));
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = work.command().args(&args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(work.join("out/sae-sweeps/mdl-table.json")).unwrap();
    Some(serde_json::from_str(&text).expect("mdl-table.json parses into the documented schema"))
}

/// The seed's rows read the plain way: (layer, activation) -> [(error, l0)].
fn seed_rows() -> BTreeMap<(i64, String), Vec<(f64, f64)>> {
    let mut groups = BTreeMap::new();
    for (layer, path) in [6, 7, 8].into_iter().zip(seed_exports().unwrap()) {
        let mut reader = csv::Reader::from_path(&path).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            let parts: Vec<&str> = record[0].split('_').collect();
            let activation = parts[parts.len() - 3].to_string();
            let (l0, error): (f64, f64) = (record[1].parse().unwrap(), record[2].parse().unwrap());
            groups
                .entry((layer, activation))
                .or_insert_with(Vec::new)
                .push((error, l0));
        }
    }
    groups
}

#[test]
fn eps_mdl_on_the_seed_matches_an_independent_computation() {
    let work = Workdir::new();
    let Some(json) = run_on_seed(&work, &["--tolerance", "2e-4"]) else {
        return;
    };
    assert_eq!(json.schema, SCHEMA);
    assert_eq!(json.settings.tolerances, vec![2e-4]);
    let expected = seed_rows();
    assert_eq!(json.groups.len(), 9);
    for group in &json.groups {
        let runs = &expected[&(group.layer, group.activation.clone())];
        let cheapest = runs
            .iter()
            .filter(|(error, _)| *error <= 2e-4)
            .map(|(_, l0)| l0 * (7.0 + 12288f64.log2()))
            .fold(f64::INFINITY, f64::min);
        let got = group.at_tolerance[0].run.as_ref().unwrap().dl_bits.unwrap();
        assert!(
            (got - cheapest).abs() <= 1e-9 * cheapest,
            "{} {}",
            group.layer,
            group.activation
        );
        match group.activation.as_str() {
            "topk" | "batchtopk" => assert!((got / 21_070.0 - 1.0).abs() < 1e-3, "{got}"),
            "topafa" => assert!((39_000.0..43_000.0).contains(&got), "{got}"),
            other => panic!("unexpected activation {other}"),
        }
    }
}

#[test]
fn binomial_code_prices_the_k1024_runs_near_12_2k_bits() {
    let work = Workdir::new();
    let Some(json) = run_on_seed(&work, &["--code", "binomial", "--tolerance", "2e-4"]) else {
        return;
    };
    assert_eq!(json.settings.code, "binomial");
    let mut checked = 0;
    for group in &json.groups {
        for run in group.at_tolerance[0].run.iter().chain(group.best.iter()) {
            if run.k != 1024 {
                continue;
            }
            let dl = run.dl_bits.unwrap();
            assert!((dl / 12_200.0 - 1.0).abs() < 0.01, "{}: {dl}", run.name);
            let l0 = run.l0.unwrap();
            if l0.fract() == 0.0 {
                // Exact: log2 C(n, k) = Σ log2((n - i) / (k - i)).
                let (n, k) = (12288.0, l0);
                let exact: f64 = (0..k as u64)
                    .map(|i| ((n - i as f64) / (k - i as f64)).log2())
                    .sum();
                assert!(
                    (dl - (7.0 * l0 + exact)).abs() < 1e-6 * dl,
                    "{dl} vs {}",
                    7.0 * l0 + exact
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 6, "k = 1024 rows checked: {checked}");
}

#[test]
fn each_row_is_priced_with_its_own_dictionary_size() {
    let work = Workdir::new();
    let mut export = String::from("\"Name\",\"l0_norm\",\"l2_loss\"");
    let sizes = [6144u64, 12288, 24576];
    for (i, d) in sizes.iter().enumerate() {
        for (activation, l2) in [("topk", 1e-4), ("batchtopk", 2e-4), ("relu", 3e-4)] {
            let l0 = 100.0 * (i + 1) as f64;
            export.push_str(&format!(
                "\n\"blocks.{layer}.hook_resid_pre_{d}_{activation}_64_0.0\",\"{l0}\",\"{l2}\"",
                layer = 6 + i
            ));
        }
    }
    let path = work.write("mixed.csv", export);
    let config = root().join("config/sae-sweeps.toml");
    let output = work.run(&[
        "--config",
        &config.display().to_string(),
        "--export",
        &path.display().to_string(),
        "-q",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut reader = csv::Reader::from_path(work.join("out/sae-sweeps/mdl-table.csv")).unwrap();
    let mut rows = 0;
    for record in reader.deserialize::<BTreeMap<String, String>>() {
        let row = record.unwrap();
        let layer: usize = row["layer"].parse().unwrap();
        let d = sizes[layer - 6];
        assert_eq!(row["dict_size"], d.to_string());
        let l0: f64 = row["l0"].parse().unwrap();
        let dl: f64 = row["MDL(tolerance)"].parse().unwrap();
        assert_eq!(dl, l0 * (7.0 + (d as f64).log2()));
        rows += 1;
    }
    assert_eq!(rows, 9);
    // --fixed-dict-size prices every row with the profile's D instead.
    let output = work.run(&[
        "--config",
        &config.display().to_string(),
        "--export",
        &path.display().to_string(),
        "--fixed-dict-size",
        "-q",
    ]);
    assert!(output.status.success());
    let csv = std::fs::read_to_string(work.join("out/sae-sweeps/mdl-table.csv")).unwrap();
    assert!(csv.lines().skip(1).all(|line| line.contains(",12288,")), "{csv}");
}

#[test]
fn the_plot_and_report_are_written_beside_the_tables() {
    let work = Workdir::new();
    if run_on_seed(&work, &["--tolerance", "2e-4", "--tolerance", "1e-5"]).is_none() {
        return;
    }
    let dir: PathBuf = work.join("out/sae-sweeps");
    let svg = std::fs::read_to_string(dir.join("frontier.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    for text in [
        "layer 6",
        "layer 7",
        "layer 8",
        "DL (bits, log scale)",
        "error (log scale)",
        "topafa",
        "dense baseline",
    ] {
        assert!(svg.contains(text), "frontier.svg lacks {text:?}");
    }
    let report = std::fs::read_to_string(dir.join("mdl-report.md")).unwrap();
    assert!(report.contains("Dense baseline: d_model × B = 768 × 7 = 5376 bits"));
    assert!(report.contains("ε = 0.0002"));
    assert_eq!(
        report.matches("no run ≤ ε").count(),
        9,
        "no seed run reaches 1e-5:\n{report}"
    );
    let frontier = std::fs::read_to_string(dir.join("frontier.csv")).unwrap();
    assert!(frontier.starts_with("layer,activation,error,dl_bits,run,"));
    assert!(frontier.lines().count() > 9);
}

/// The README's ε showcase, on the bundled fixtures: every group has a run within each ε,
/// and the ε tables follow the notebook's table on stdout.
#[test]
fn the_readme_tolerance_showcase_prints_non_empty_eps_rows_on_stdout() {
    let work = Workdir::new();
    let output = work
        .command()
        .env("MDL_FETCH_CONFIG_DIR", root().join("config"))
        .args(["--project", "sae-sweeps", "--offline", "--tolerance", "3e-3"])
        .args(["--tolerance", "1e-2", "--code", "binomial"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    let table = std::fs::read_to_string(work.join("out/sae-sweeps/mdl-table.md")).unwrap();
    assert!(printed.starts_with(&table), "{printed}");
    for eps in ["0.003", "0.01"] {
        let heading = format!("## MDL at tolerance ε = {eps}: the cheapest run with error ≤ ε");
        let section = printed
            .split(&heading)
            .nth(1)
            .unwrap_or_else(|| panic!("{heading} missing: {printed}"));
        let rows = section
            .lines()
            .take_while(|line| !line.starts_with("##"))
            .filter(|line| line.starts_with("|       "))
            .count();
        assert_eq!(rows, 9, "{section}");
    }
    assert!(!printed.contains("no run ≤ ε"), "{printed}");
    // Without --tolerance, stdout is the notebook's table alone.
    let plain = work
        .command()
        .env("MDL_FETCH_CONFIG_DIR", root().join("config"))
        .args(["--project", "sae-sweeps", "--offline", "--out", "plain"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&plain),
        std::fs::read_to_string(work.join("plain/mdl-table.md")).unwrap()
    );
}
