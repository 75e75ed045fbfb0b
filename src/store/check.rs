//! `--check`: compare freshly computed artifacts with those on disk and say which differ,
//! each by its rows (CSV) or lines changed.

use std::path::Path;

use crate::error::{fail, Kind};
use crate::store::manifest;
use crate::store::staging::{Comparison, Staging};

/// `--check`: one line per artifact that differs, and exit 20 if any does; else the line
/// that says the artifacts are up to date, for the caller to print.
pub fn report(out_dir: &Path, staging: &Staging) -> anyhow::Result<String> {
    let mut stale = Vec::new();
    for (name, comparison) in staging.compare()? {
        match comparison {
            Comparison::Same => {}
            Comparison::Missing => stale.push(format!("{name}: missing")),
            Comparison::Differs(changes) => stale.push(format!("{name}: differs ({changes})")),
            Comparison::Retired => stale.push(format!("{name}: left by an earlier run, would be removed")),
        }
    }
    stale.extend(manifest_staleness(out_dir, staging)?);
    if stale.is_empty() {
        return Ok(format!("{}: artifacts are up to date", out_dir.display()));
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

/// Why the folder's `manifest.json` does not vouch for the artifacts just computed, if it
/// does not: it is missing, unreadable, or lists other files or other sha256s. Its time and
/// settings are not compared (the time always differs).
fn manifest_staleness(out_dir: &Path, staging: &Staging) -> anyhow::Result<Option<String>> {
    let name = manifest::FILE_NAME;
    let text = match std::fs::read(out_dir.join(name)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(format!("{name}: missing"))),
        Err(e) => return Ok(Some(format!("{name}: cannot be read: {e}"))),
    };
    let Some(listed) = manifest::listed_outputs(&text) else {
        return Ok(Some(format!(
            "{name}: not a manifest (no outputs with their sha256)"
        )));
    };
    let mut computed: Vec<(String, String)> = (manifest::output_digests(staging)?.into_iter())
        .map(|digest| (digest.file, digest.sha256))
        .collect();
    computed.sort();
    Ok((listed != computed).then(|| format!("{name}: vouches for other bytes")))
}
