//! `--check`: compare freshly computed artifacts with those on disk and say which differ.

use std::path::Path;

use crate::error::{fail, Kind};
use crate::store::staging::{Comparison, Staging};

/// `--check`: one line per artifact that differs, and exit 20 if any does.
pub fn report(out_dir: &Path, staging: &Staging, quiet: bool) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    for (name, comparison) in staging.compare()? {
        match comparison {
            Comparison::Same => {}
            Comparison::Missing => stale.push(format!("{name}: missing")),
            Comparison::Differs { lines_changed } => {
                stale.push(format!("{name}: differs ({lines_changed} lines changed)"))
            }
            Comparison::Retired => stale.push(format!("{name}: left by an earlier run, would be removed")),
        }
    }
    if stale.is_empty() {
        if !quiet {
            eprintln!("{}: artifacts are up to date", out_dir.display());
        }
        return Ok(());
    }
    for line in &stale {
        eprintln!("{}/{line}", out_dir.display());
    }
    fail(
        Kind::Stale,
        format!(
            "{} of the artifacts in {} are out of date; run without --check to regenerate them",
            stale.len(),
            out_dir.display()
        ),
    )
}
