//! `--no-runs-csv`: the table's artifacts alone, the same bytes as with runs.csv, and no
//! runs.csv from an earlier run left beside them (nor named by the manifest).

mod support;

use support::*;

fn fixture_args(out: &str) -> Vec<String> {
    let fixtures = root().join("fixtures/sae-sweeps");
    let mut args: Vec<String> = [6, 7, 8]
        .iter()
        .flat_map(|layer| {
            let path = fixtures.join(format!("layer-{layer}.csv"));
            ["--export".to_string(), format!("{layer}={}", path.display())]
        })
        .collect();
    args.extend(["--out".to_string(), out.to_string(), "-q".to_string()]);
    args
}

fn run(work: &Workdir, extra: &[&str]) -> std::process::Output {
    let mut args = fixture_args("out");
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    work.run(&args)
}

fn manifest_outputs(work: &Workdir) -> Vec<String> {
    let text = std::fs::read_to_string(work.join("out/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|output| output["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_table_is_the_same_without_runs_csv_and_an_old_one_goes() {
    let work = Workdir::new();
    let full = run(&work, &[]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    assert!(work.join("out/runs.csv").is_file());
    assert!(manifest_outputs(&work).contains(&"runs.csv".to_string()));
    let before: Vec<Vec<u8>> = TABLE_ARTIFACTS
        .iter()
        .filter(|name| **name != "runs.csv")
        .map(|name| std::fs::read(work.join("out").join(name)).unwrap())
        .collect();

    // --check sees the old runs.csv that a run without it would remove.
    let check = run(&work, &["--no-runs-csv", "--check"]);
    assert_eq!(check.status.code(), Some(20), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("runs.csv: left by an earlier run"),
        "{}",
        stderr(&check)
    );
    assert!(work.join("out/runs.csv").is_file(), "--check removed a file");

    let lean = run(&work, &["--no-runs-csv"]);
    assert_eq!(lean.status.code(), Some(0), "{}", stderr(&lean));
    assert!(
        !work.join("out/runs.csv").exists(),
        "the earlier runs.csv was left"
    );
    assert!(!manifest_outputs(&work).contains(&"runs.csv".to_string()));
    let after: Vec<Vec<u8>> = TABLE_ARTIFACTS
        .iter()
        .filter(|name| **name != "runs.csv")
        .map(|name| std::fs::read(work.join("out").join(name)).unwrap())
        .collect();
    assert_eq!(before, after, "the table's artifacts changed without runs.csv");

    let check = run(&work, &["--no-runs-csv", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // And back: runs.csv returns, byte for byte.
    let again = run(&work, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(work.join("out/runs.csv").is_file());
}
