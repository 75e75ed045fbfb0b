//! Settings by role, resolved once (see `resolve.rs`): each stage gets the part it needs
//! and never sees the flags. Readers get `RecordRules`, selection and pricing
//! `TableSettings`, the fetcher `FetchSettings`, the writer `OutputSettings`.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::export_spec::ExportSpec;
use crate::config::grammar::{LayerRule, NameGrammar};
use crate::config::projects::ProjectName;
use crate::model::layers::LayerSet;
use crate::model::mdl::Pricing;

/// Defaults when neither profile, env nor flag says otherwise.
pub const DEFAULT_BITS: f64 = 7.0;
pub const DEFAULT_DICT_SIZE: u64 = 12288;
pub const DEFAULT_D_MODEL: u64 = 768;
pub const DEFAULT_BASE_URL: &str = "https://api.wandb.ai";
/// The summary key saying when a run last logged: how a run in a folder and the same run
/// elsewhere are told apart by age (`--runs-dir`).
pub const SUMMARY_TIME_KEY: &str = "_timestamp";

/// Which export columns hold the fields a record needs.
#[derive(Debug, Clone)]
pub struct ColumnNames {
    pub name: String,
    pub l0: String,
    pub error: String,
    pub layer: String,
    pub dict_size: String,
    /// The column (config key) holding the activation type, when runs say it there; else
    /// the name grammar reads it from the run's name.
    pub activation: Option<String>,
    /// The column (config key) holding k; else the name grammar.
    pub k: Option<String>,
}

impl Default for ColumnNames {
    fn default() -> Self {
        ColumnNames {
            name: "Name".into(),
            l0: "l0_norm".into(),
            error: "l2_loss".into(),
            layer: "layer".into(),
            dict_size: "dict_size".into(),
            activation: None,
            k: None,
        }
    }
}

/// How an export row becomes a run record: what readers get.
#[derive(Debug, Clone)]
pub struct RecordRules {
    pub columns: ColumnNames,
    pub grammar: NameGrammar,
    pub layer_rule: Option<LayerRule>,
    /// A run whose name or layer cannot be read is an error, not a skip.
    pub strict: bool,
    /// The runs an export's rows are held to by their metadata columns: the states always
    /// (a fetch's cache has them too), the rest only for `--export` files.
    pub runs: RunFilter,
}

/// Which runs count, beyond their layer: what a fetch asks the server for, and what export
/// rows are held to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    /// Run states, lower case; empty takes every state.
    pub states: Vec<String>,
    /// Runs with any of these tags.
    pub tags: Vec<String>,
    pub sweep: Option<String>,
    pub group: Option<String>,
    /// An extra W&B filter (MongoDB-style JSON), ANDed with the rest; fetches only.
    pub extra: Option<serde_json::Value>,
}

impl RunFilter {
    /// Whether it asks for more than run states.
    pub fn beyond_states(&self) -> bool {
        !self.tags.is_empty() || self.sweep.is_some() || self.group.is_some() || self.extra.is_some()
    }
}

/// What reaches the table and how its runs are priced: what selection gets.
#[derive(Debug, Clone)]
pub struct TableSettings {
    /// `--layers`, else the profile's, else every layer the runs are in.
    pub layers: LayerSet,
    /// ε values for the tolerance tables, in the order given.
    pub tolerances: Vec<f64>,
    pub d_model: u64,
    pub pricing: Pricing,
}

/// Where the runs come from.
#[derive(Debug, Clone)]
pub struct InputSettings {
    /// Exports named with `--export`.
    pub exports: Vec<ExportSpec>,
    /// Exports the profile bundles, replayed offline when no cache exists.
    pub bundled_exports: Vec<ExportSpec>,
    pub offline: bool,
    /// Folders of W&B run folders (`--runs-dir`, the profile's `[[runs_dirs]]`).
    pub runs_dirs: Vec<PathBuf>,
    /// Run folders and nothing else: no export given and no project named, so neither the
    /// API nor a cache is asked.
    pub folders_only: bool,
    /// Threads reading exports (a large export is cut into this many pieces); 1 reads
    /// every file whole, in order, on this thread.
    pub jobs: usize,
}

/// How the online fetch behaves.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub base_url: String,
    /// The web app's address, for links to run pages (from the base URL unless set).
    pub web_url: String,
    pub entity: Option<String>,
    /// The runs asked of the server (with each layer).
    pub runs: RunFilter,
    pub page_size: u32,
    pub concurrency: usize,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub deadline: Duration,
    pub config_keys: Vec<String>,
    /// Extra summary keys kept as cache columns (`_timestamp` beside `--runs-dir`: when a
    /// run's summary is from, to match it with a run folder's).
    pub summary_keys: Vec<String>,
    pub cache_root: PathBuf,
    /// Whether the user named the entity or the cache folder (flag, env or profile): then
    /// `--offline` replays that cache or fails, never the profile's bundled exports.
    pub named_a_cache: bool,
    /// Reuse the cache's finished runs and fetch only what changed.
    pub incremental: bool,
    /// Runs per creation-time window of a large layer: `None` makes windows of about a
    /// page, as many as the requests in flight worth having allow (`concurrency` at most),
    /// `Some(0)` keeps every layer one stream of pages.
    pub window_runs: Option<u64>,
}

/// Whether a run writes its artifacts or only compares them with the folder's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// `--check`: compute everything, compare with the artifacts on disk, write nothing
    /// (a fetch goes to a throwaway cache).
    Check,
    /// `--out -`: print the table on stdout and write no artifact, take no lock (a fetch
    /// still writes its cache).
    Print,
}

/// Whether runs.csv is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsCsvChoice {
    /// `--runs-csv`: whatever the inputs' size.
    Always,
    /// `--no-runs-csv`.
    Never,
    /// Neither flag: written unless the exports replayed hold more than `runs` rows (a
    /// fetch's runs always are: a W&B project holds far fewer).
    UpTo { runs: u64 },
}

impl RunsCsvChoice {
    /// The default's bound: ten times the runs a W&B project can hold, and the size where
    /// runs.csv passes 100 MB and most of the run's time.
    pub const DEFAULT_LIMIT: u64 = 1_000_000;
}

/// Where and how the artifacts are written: what the writer gets.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub out_dir: PathBuf,
    /// Whether to write runs.csv: `--runs-csv`, `--no-runs-csv`, else by the inputs' size.
    pub runs_csv: RunsCsvChoice,
    pub lock_wait: Duration,
    pub mode: Mode,
    /// What stdout gets: the table in this format (`--format`).
    pub format: crate::emit::stdout::Format,
    /// Whether frontier.png is written beside frontier.svg (`--png`).
    pub png: bool,
    /// How mdl-table.tex looks (`[latex]`, `--latex-header`, `--digits`, ...).
    pub latex: crate::emit::latex_style::LatexStyle,
}

/// Everything the pipeline needs to know, resolved, by role.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The (first) project's name: the profile's, the messages', the output folder's.
    pub project: String,
    /// Every project the table is made of, in the order given (at least one).
    pub projects: Vec<ProjectName>,
    pub inputs: InputSettings,
    pub rules: RecordRules,
    pub table: TableSettings,
    pub fetch: FetchSettings,
    pub output: OutputSettings,
    pub quiet: bool,
    pub verbose: u8,
    /// Where the profile came from, if any.
    pub profile_path: Option<PathBuf>,
    /// Where a profile was looked for when none was found (empty when one was, or when
    /// nothing asked for one).
    pub profile_looked: Vec<PathBuf>,
}

/// What a fetch reads of the settings: its own (`FetchSettings`) and the few it shares with
/// the rest of the run; nothing of reading, the table or the artifacts.
#[derive(Debug, Clone, Copy)]
pub struct FetchJob<'a> {
    pub fetch: &'a FetchSettings,
    /// The keys the cache's columns are asked for under.
    pub columns: &'a ColumnNames,
    /// The layers fetched, one stream each (none when every layer is, in one stream).
    pub layers: &'a [i64],
    /// How a layer cell that is text gives its layer (`blocks.6.hook_resid_pre`).
    pub layer_rule: Option<&'a LayerRule>,
    /// The layers the table asks for (`all`, or a list), which a cache replayed must hold.
    pub layer_set: &'a LayerSet,
    pub projects: &'a [ProjectName],
    /// How long to wait for the cache folder's lock.
    pub lock_wait: Duration,
    pub quiet: bool,
    pub verbose: u8,
}

impl Settings {
    /// The part of the settings a fetch reads.
    pub fn fetch_job(&self) -> FetchJob<'_> {
        FetchJob {
            fetch: &self.fetch,
            columns: &self.rules.columns,
            layers: self.table.layers.listed().unwrap_or_default(),
            layer_rule: self.rules.layer_rule.as_ref(),
            layer_set: &self.table.layers,
            projects: &self.projects,
            lock_wait: self.output.lock_wait,
            quiet: self.quiet,
            verbose: self.verbose,
        }
    }
}

/// What reading the exports reads of the settings: how records are read, what the table
/// keeps, on how many threads, and whether runs.csv is written.
#[derive(Debug, Clone, Copy)]
pub struct ReadJob<'a> {
    pub rules: &'a RecordRules,
    pub table: &'a TableSettings,
    pub jobs: usize,
    pub runs_csv: RunsCsvChoice,
    pub verbose: u8,
}

impl Settings {
    /// The part of the settings reading the exports reads.
    pub fn read_job(&self) -> ReadJob<'_> {
        ReadJob {
            rules: &self.rules,
            table: &self.table,
            jobs: self.inputs.jobs,
            runs_csv: self.output.runs_csv,
            verbose: self.verbose,
        }
    }
}
