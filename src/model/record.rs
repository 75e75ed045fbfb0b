//! `RunRecord`: the one normalized currency passed between the pipeline's stages.

use std::fmt;
use std::sync::Arc;

use crate::model::project::ProjectRef;

/// Where a record came from, for error messages and for input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Display name of the source file.
    pub file: Arc<str>,
    /// Position of the source among all inputs (first export = 0).
    pub source: u32,
    /// 1-based line of the record in its file.
    pub line: u64,
    /// The W&B project the file's runs are in, when the inputs say.
    pub project: Option<Arc<ProjectRef>>,
}

impl Origin {
    /// The key that orders records as the user listed them: source, then line.
    pub fn order(&self) -> (u32, u64) {
        (self.source, self.line)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One W&B run, normalized: everything selection and DL need, and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run's display name, as the UI's "Name" column shows it.
    pub name: String,
    pub layer: i64,
    /// The SAE activation function (`topk`, `batchtopk`, `topafa`, ...).
    pub activation: String,
    pub k: i64,
    /// Mean number of active features per activation vector (NaN when missing).
    pub l0: f64,
    /// Reconstruction error, the table's tolerance (NaN when missing).
    pub error: f64,
    /// Dictionary size, when the export or the name says it.
    pub dict_size: Option<u64>,
    /// The run's W&B id (`3p0donj4`); empty when the export has no `ID` column.
    pub id: String,
    /// `finished`, `running`, ...; empty when the export has no `State` column.
    pub state: String,
    pub origin: Origin,
}

/// A borrowed view of one run while its export row is still in the reader's buffer;
/// stages copy it into a `RunRecord` only when they keep it.
#[derive(Debug, Clone, Copy)]
pub struct RunRef<'a> {
    pub name: &'a str,
    pub layer: i64,
    pub activation: &'a str,
    pub k: i64,
    pub l0: f64,
    pub error: f64,
    pub dict_size: Option<u64>,
    pub id: &'a str,
    pub state: &'a str,
    pub file: &'a Arc<str>,
    pub source: u32,
    pub line: u64,
    pub project: Option<&'a Arc<ProjectRef>>,
}

impl<'a> RunRef<'a> {
    /// A run with what selection needs and nothing else (no k, D, id, state or project;
    /// source 0): for runs made by hand, samples and tests, with `..` for the rest.
    pub fn plain(
        name: &'a str,
        file: &'a Arc<str>,
        line: u64,
        layer: i64,
        activation: &'a str,
        l0: f64,
        error: f64,
    ) -> RunRef<'a> {
        RunRef {
            name,
            layer,
            activation,
            k: 0,
            l0,
            error,
            dict_size: None,
            id: "",
            state: "",
            file,
            source: 0,
            line,
            project: None,
        }
    }

    pub fn to_record(&self) -> RunRecord {
        RunRecord {
            name: self.name.to_string(),
            layer: self.layer,
            activation: self.activation.to_string(),
            k: self.k,
            l0: self.l0,
            error: self.error,
            dict_size: self.dict_size,
            id: self.id.to_string(),
            state: self.state.to_string(),
            origin: Origin {
                file: Arc::clone(self.file),
                source: self.source,
                line: self.line,
                project: self.project.cloned(),
            },
        }
    }
}

impl RunRecord {
    /// The run's W&B page, when its id, entity and the web address are known.
    pub fn url(&self) -> Option<String> {
        self.origin.project.as_ref()?.run_url(&self.id)
    }

    /// True when the export says the run is in some state other than `finished`.
    pub fn unfinished(&self) -> bool {
        !self.state.is_empty() && !self.state.eq_ignore_ascii_case("finished")
    }

    pub fn as_ref(&self) -> RunRef<'_> {
        RunRef {
            name: &self.name,
            layer: self.layer,
            activation: &self.activation,
            k: self.k,
            l0: self.l0,
            error: self.error,
            dict_size: self.dict_size,
            id: &self.id,
            state: &self.state,
            file: &self.origin.file,
            source: self.origin.source,
            line: self.origin.line,
            project: self.origin.project.as_ref(),
        }
    }
}

/// Anything that consumes runs as a source yields them.
pub trait RecordSink {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()>;
}
