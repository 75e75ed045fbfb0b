//! The runs of one `--runs-dir` as one W&B-style export, in a private temp file: the
//! columns and cells a fetch's cache writes (`CacheLayout`: name, ID, State, Created, the
//! role's config keys, then its summary keys, every cell quoted), rows in the cache's
//! order (creation time, then id), plus the `Tags`, `Sweep` and `Group` columns the run
//! filters read. It is then read like any export, so the same runs give the same table
//! as a fetch of them.

use std::io::{BufWriter, Write};
use std::sync::Arc;

use serde_json::{Map, Value};
use tempfile::NamedTempFile;

use super::folder::FolderRun;
use crate::config::export_spec::ExportSpec;
use crate::error::{Error, Kind};
use crate::fetch::graphql::columns::CacheLayout;
use crate::fetch::graphql::decode::RunNode;
use crate::model::project::ProjectRef;
use crate::read::row_filter::{GROUP_COLUMN, SWEEP_COLUMN, TAGS_COLUMN};

/// The state of a run whose folder does not say how it ended.
pub const UNKNOWN_STATE: &str = "unknown";

/// Writes `runs` (sorted here) as an export named `label`, in a temp file; its spec.
pub fn spool(
    runs: &mut [FolderRun],
    layout: &CacheLayout,
    label: &str,
    project: Option<Arc<ProjectRef>>,
) -> anyhow::Result<(ExportSpec, NamedTempFile)> {
    runs.sort_by(|a, b| (a.created.as_deref(), &a.id).cmp(&(b.created.as_deref(), &b.id)));
    let failed = |e: std::io::Error| -> anyhow::Error {
        let folder = std::env::temp_dir();
        let message = format!(
            "{label}: cannot write its runs into a temp file in {}: {e}; free some space or set TMPDIR",
            folder.display()
        );
        Error::new(Kind::Output, message).into()
    };
    let file = tempfile::Builder::new()
        .prefix("mdl-fetch-runs-")
        .suffix(".csv")
        .tempfile()
        .map_err(failed)?;
    let mut header: Vec<&str> = layout.header();
    let extra: Vec<&str> = [TAGS_COLUMN, SWEEP_COLUMN, GROUP_COLUMN]
        .into_iter()
        .filter(|column| !header.contains(column))
        .collect();
    header.extend(&extra);
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(BufWriter::with_capacity(1 << 16, file.reopen().map_err(failed)?));
    let csv_failed = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => failed(e),
        other => anyhow::anyhow!("{label}: cannot write its runs: {other:?}"),
    };
    writer.write_record(&header).map_err(csv_failed)?;
    for run in runs.iter() {
        let mut row = layout.row(&node(run));
        for column in &extra {
            row.push(metadata(run, column));
        }
        writer.write_record(&row).map_err(csv_failed)?;
    }
    let buffered = writer.into_inner().map_err(|e| failed(e.into_error()))?;
    buffered
        .into_inner()
        .map_err(|e| failed(e.into_error()))?
        .flush()
        .map_err(failed)?;
    let spec = ExportSpec {
        layer: None,
        path: file.path().to_path_buf(),
        label: Some(label.to_string()),
        project,
    };
    Ok((spec, file))
}

/// The run as a fetch's page would bring it: its id standing for its name when the folder
/// does not say one, `unknown` for a state it does not say.
fn node(run: &FolderRun) -> RunNode {
    let wrapped: Map<String, Value> = (run.config.iter())
        .map(|(key, value)| (key.clone(), serde_json::json!({ "value": value })))
        .collect();
    RunNode {
        name: run.id.clone(),
        display_name: run.name.clone(),
        state: Some(run.state.clone().unwrap_or_else(|| UNKNOWN_STATE.into())),
        created_at: run.created.clone().unwrap_or_default(),
        updated_at: None,
        config: wrapped,
        summary_metrics: run.summary.clone(),
    }
}

/// The `Tags` (comma-separated, as W&B's export writes them), `Sweep` or `Group` cell.
fn metadata(run: &FolderRun, column: &str) -> String {
    match column {
        TAGS_COLUMN => run.tags.as_ref().map(|tags| tags.join(", ")).unwrap_or_default(),
        SWEEP_COLUMN => run.sweep.clone().unwrap_or_default(),
        _ => run.group.clone().unwrap_or_default(),
    }
}
