//! Which run a row shows, beyond its display name (which W&B does not keep unique): the
//! entity, project, run id, state and web page, as the CSV artifacts' last columns.

use crate::model::record::RunRecord;

/// The identity columns' names, in order.
pub const COLUMNS: [&str; 5] = ["entity", "project", "run_id", "state", "url"];

/// A run's identity cells, empty where the inputs do not say.
pub fn cells(run: &RunRecord) -> [String; 5] {
    let project = run.origin.project.as_deref();
    [
        project.and_then(|p| p.entity.clone()).unwrap_or_default(),
        project.map(|p| p.project.clone()).unwrap_or_default(),
        run.id.clone(),
        run.state.clone(),
        run.url().unwrap_or_default(),
    ]
}
