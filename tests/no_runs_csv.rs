//! `--no-runs-csv`: the table's artifacts alone, the same bytes as with runs.csv, and no
//! runs.csv from an earlier run left beside them (nor named by the manifest).

use crate::support;

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

/// Without either flag, exports of more rows than the bound get no runs.csv, with a note
/// saying so even under `-q`; `--runs-csv` writes it whatever their size. (The bound is a
/// million rows; debug builds take a lower one from the environment, for this test.)
#[test]
fn large_exports_get_runs_csv_only_when_asked() {
    let work = Workdir::new();
    let full = run(&work, &[]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let runs_csv = std::fs::read(work.join("out/runs.csv")).unwrap();
    let rows = runs_csv.iter().filter(|&&b| b == b'\n').count() as u64 - 1;

    let limited = |extra: &[&str], bound: u64| {
        let mut args = fixture_args("out");
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        work.command()
            .args(&args)
            .env("MDL_FETCH_TEST_RUNS_CSV_LIMIT", bound.to_string())
            .output()
            .unwrap()
    };
    let at_bound = limited(&[], rows);
    assert_eq!(at_bound.status.code(), Some(0), "{}", stderr(&at_bound));
    assert!(!stderr(&at_bound).contains("runs.csv"), "{}", stderr(&at_bound));
    assert_eq!(std::fs::read(work.join("out/runs.csv")).unwrap(), runs_csv);

    let past = limited(&[], rows - 1);
    assert_eq!(past.status.code(), Some(0), "{}", stderr(&past));
    let note = stderr(&past);
    assert!(
        note.contains(&format!("no runs.csv: the exports hold about {rows} runs"))
            && note.contains("--runs-csv"),
        "{note}"
    );
    assert!(!work.join("out/runs.csv").exists(), "an earlier runs.csv stayed");
    assert!(!manifest_outputs(&work).contains(&"runs.csv".to_string()));

    let asked = limited(&["--runs-csv"], rows - 1);
    assert_eq!(asked.status.code(), Some(0), "{}", stderr(&asked));
    assert_eq!(std::fs::read(work.join("out/runs.csv")).unwrap(), runs_csv);
}
