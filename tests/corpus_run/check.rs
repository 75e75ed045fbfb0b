//! Whether one case ended as documented: no panic, signal, hang or excess memory, then its
//! exit code and `error:` line, or its table, runs.csv and cells; returns what is wrong.

use std::path::Path;

use super::{corpus_dir, generated, limited, Case, Expect::*};
use crate::support::Workdir;

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Checks one case; returns what is wrong with it.
pub fn check(case: &Case) -> Vec<String> {
    let work = Workdir::new();
    let corpus = corpus_dir().display().to_string();
    let mut args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{corpus}", &corpus))
        .map(|a| {
            // The big inputs are written only when a case needs them.
            if a.contains("{gen}") {
                a.replace("{gen}", &generated::dir().display().to_string())
            } else {
                a
            }
        })
        .collect();
    args.extend(["--out", "out", "--lock-wait", "0"].map(String::from));
    let ran = limited::run_limited(&work, &args, case.time);
    let mut faults = Vec::new();
    let err = &ran.stderr;
    if ran.hung {
        faults.push(format!("hangs: killed after {:?}", case.time));
    }
    if err.contains("panicked") || ran.code == Some(101) {
        faults.push(format!("panicked: {err}"));
    }
    if let Some(signal) = ran.signal.filter(|_| !ran.hung) {
        faults.push(format!("killed by signal {signal} (out of memory?)"));
    }
    let peak_mib = ran.peak_rss_kib / 1024;
    if peak_mib > case.max_rss_mib {
        faults.push(format!("peak memory {peak_mib} MiB > {} MiB", case.max_rss_mib));
    }
    if !faults.is_empty() {
        return faults;
    }
    let last = err.lines().last().unwrap_or("");
    match &case.expect {
        Fails(code, words) => {
            if ran.code != Some(*code) {
                faults.push(format!("exit {:?}, expected {code}", ran.code));
            }
            if !last.starts_with("error: ") {
                faults.push(format!("last stderr line is not an error: {last:?}"));
            }
            if last.len() > 2000 {
                faults.push(format!("error line of {} bytes", last.len()));
            }
            for word in *words {
                if !last.contains(word) {
                    faults.push(format!("error line lacks {word:?}: {last:?}"));
                }
            }
            if work.join("out/mdl-table.csv").exists() {
                faults.push("failed but wrote artifacts".into());
            }
        }
        Table { rows, runs, cells } => {
            if ran.code != Some(0) {
                faults.push(format!("exit {:?}, expected success: {err}", ran.code));
                return faults;
            }
            let (header, table) = read_csv(&work.join("out/mdl-table.csv"));
            if table.len() != *rows {
                faults.push(format!("{} table rows, expected {rows}", table.len()));
            }
            let (_, run_rows) = read_csv(&work.join("out/runs.csv"));
            if run_rows.len() != *runs {
                faults.push(format!("{} runs in runs.csv, expected {runs}", run_rows.len()));
            }
            for (row, column, value) in *cells {
                let index = header.iter().position(|h| h == column).expect(column);
                let found = table.get(*row).map(|r| r[index].as_str());
                if found != Some(value) {
                    faults.push(format!("row {row} {column} is {found:?}, expected {value:?}"));
                }
            }
            // XML 1.0 allows no control characters but tab and line ends.
            let svg = std::fs::read_to_string(work.join("out/frontier.svg")).unwrap();
            if let Some(c) = svg
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                faults.push(format!("frontier.svg holds {c:?}: not well-formed XML"));
            }
        }
    }
    for word in case.stderr {
        if !err.contains(word) {
            faults.push(format!("stderr lacks {word:?}: {err:?}"));
        }
    }
    if std::env::var_os("MDL_FETCH_CORPUS_VERBOSE").is_some() {
        eprintln!(
            "{}: exit {:?} in {:?}, peak {peak_mib} MiB",
            case.name, ran.code, ran.elapsed
        );
    }
    faults
}
