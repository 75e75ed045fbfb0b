//! Command-line types (clap derive) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Examples:
  mdl-fetch --project sae-sweeps                 fetch layers 6-8 from W&B, write out/sae-sweeps/
  mdl-fetch --project sae-sweeps --offline       replay the cached (or bundled) exports, no network
  mdl-fetch --export 6=a.csv --export 7=b.csv    replay exports downloaded from the W&B web page
  mdl-fetch dl --l0 65 --bits 7 --dict-size 25000";

/// Turn W&B sweeps of sparse autoencoders into description-length (MDL) tables.
///
/// Reads run summaries from the W&B API (or from CSV exports), keeps per layer and
/// activation the run with the smallest reconstruction error, computes its description
/// length DL = L0 * (B + log2 D) and writes mdl-table.md, mdl-table.csv and runs.csv.
#[derive(Debug, Parser)]
#[command(name = "mdl-fetch", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub table: TableArgs,
}

impl Cli {
    /// Parses the process's arguments, with the examples and the exit codes (listed from
    /// `error::Kind`) after the help.
    pub fn parse_with_help() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let after = format!("{AFTER_HELP}\n\n{}", crate::error::exit_codes_help());
        let matches = Cli::command().after_help(after).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the description length of one code: L0 * (B + log2 D) bits.
    Dl(DlArgs),
}

#[derive(Debug, Args)]
pub struct DlArgs {
    /// L0: active features per activation vector, e.g. 65.
    #[arg(long)]
    pub l0: f64,
    /// B: bits per non-zero value, e.g. 7.
    #[arg(long)]
    pub bits: f64,
    /// D: dictionary size, e.g. 25000.
    #[arg(long)]
    pub dict_size: u64,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// W&B project, or ENTITY/NAME; loads config/<NAME>.toml (of the first) when it exists.
    /// Repeat to tabulate several projects' runs together, each with its own cache.
    /// Example: --project sae-sweeps, or --project my-lab/sweep-a --project my-lab/sweep-b
    #[arg(short, long, value_name = "[ENTITY/]NAME", env = "WANDB_PROJECT")]
    pub project: Vec<String>,

    /// Profile file to use instead of config/<project>.toml. Example: --config my.toml
    #[arg(short, long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Replay W&B CSV exports instead of fetching; LAYER= says which layer a file holds,
    /// else each run's layer column or name gives it. Takes several files (or a quoted
    /// pattern). Example: --export 6=layer6.csv, or --export exports/*.csv
    #[arg(short, long, value_name = "[LAYER=]PATH", num_args = 1..)]
    pub export: Vec<String>,

    /// Use no network: replay the project's cache; with none, the profile's bundled sample
    /// exports, but only when no entity or cache folder was named.
    #[arg(long)]
    pub offline: bool,

    /// Folder for the artifacts [default: out/<project>]. Example: --out tables/
    #[arg(short, long, value_name = "DIR", env = "MDL_FETCH_OUT")]
    pub out: Option<PathBuf>,

    /// Layers that reach the table, comma-separated. Example: --layers 6,7,8
    #[arg(long, value_name = "LIST", value_delimiter = ',', env = "MDL_FETCH_LAYERS")]
    pub layers: Option<Vec<i64>>,

    /// B, bits per non-zero activation value [profile, else 7]. Example: --bits 8
    #[arg(long, value_name = "B", env = "MDL_FETCH_BITS", allow_negative_numbers = true)]
    pub bits: Option<f64>,

    /// D, dictionary size [profile, else 12288]. Example: --dict-size 24576
    #[arg(long, value_name = "D", env = "MDL_FETCH_DICT_SIZE")]
    pub dict_size: Option<u64>,

    /// Price every run with D, ignoring the dictionary size its config or name gives.
    #[arg(long)]
    pub fixed_dict_size: bool,

    /// Description-length code: naive = L0*(B+log2 D) (the seed's), binomial = L0*B + log2 C(D,L0).
    #[arg(long, value_name = "CODE", env = "MDL_FETCH_CODE")]
    pub code: Option<crate::model::mdl::Code>,

    /// Also tabulate the paper's MDL at tolerance ε: per group, the smallest DL among runs
    /// with error <= ε. Repeat for several. Example: --tolerance 2e-4
    #[arg(long, value_name = "EPS")]
    pub tolerance: Vec<f64>,

    /// Which export column (or W&B key) holds a run's ROLE: name, l0, error, layer,
    /// activation, k or dict_size. Repeatable; overrides the profile's [columns].
    /// Example: --column activation=sae_type --column k=top_k --column error=losses/mse_loss
    #[arg(long, value_name = "ROLE=KEY")]
    pub column: Vec<String>,

    /// Fail instead of skipping runs whose name or layer cannot be read (exit 3), and when a
    /// group or an asked-for layer is left without a row (exit 5).
    #[arg(long)]
    pub strict: bool,

    /// Leave runs.csv out (and remove an earlier one): the table's artifacts only. For sweeps
    /// of millions of runs, where runs.csv is larger than the exports and costs most of the time.
    #[arg(long)]
    pub no_runs_csv: bool,

    /// Compute everything and compare with the artifacts on disk, writing nothing: exit 0
    /// when they match, 20 when they differ (with a per-file summary on stderr).
    #[arg(long)]
    pub check: bool,

    /// Threads reading exports (a large export is cut into as many pieces); 1 reads each
    /// file whole, in order. For tests and benchmarks. [default: cores, at most 8]
    #[arg(long, value_name = "N", hide = true)]
    pub jobs: Option<usize>,

    /// How long to wait for another mdl-fetch writing the same folder. Example: --lock-wait 60
    #[arg(long, value_name = "SECS", default_value_t = 600.0)]
    pub lock_wait: f64,

    #[command(flatten)]
    pub runs: RunArgs,

    #[command(flatten)]
    pub fetch: FetchArgs,

    /// No table on stdout, no progress bars: only errors and warnings about the data (runs
    /// skipped, groups or layers without a row), which are never silenced.
    #[arg(short, long)]
    pub quiet: bool,

    /// Say more on stderr: -v for retries and sources, -vv for every request.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Which runs reach the table and how their names read; each overrides the profile.
#[derive(Debug, Args)]
#[command(next_help_heading = "Which runs")]
pub struct RunArgs {
    /// Only runs in this state: finished, running, crashed, failed, killed, pending.
    /// Repeatable. Asked of the server, and applied to exports by their State column.
    /// Example: --state finished
    #[arg(long, value_name = "STATE", value_delimiter = ',')]
    pub state: Vec<String>,

    /// Only runs with this tag (any of several). Exports need their Tags column.
    /// Example: --tag paper
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,

    /// Only the runs of this sweep (its id). Exports need their Sweep column.
    #[arg(long, value_name = "ID")]
    pub sweep: Option<String>,

    /// Only the runs of this group. Exports need their Group column.
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,

    /// An extra W&B server filter (MongoDB-style JSON), ANDed with the others; fetches
    /// only. Example: --filter '{"config.lr": {"$lt": 0.001}}'
    #[arg(long, value_name = "JSON")]
    pub filter: Option<String>,

    /// Read activation and k (and optionally dict_size, layer) from run names with this
    /// regex's named groups, instead of splitting on '_'.
    /// Example: --name-regex '(?P<activation>[a-z]+)-k(?P<k>\d+)'
    #[arg(long, value_name = "REGEX")]
    pub name_regex: Option<String>,

    /// Read the layer from run names: the regex's first group (or group `layer`).
    /// Example: --layer-regex '^blocks\.(\d+)\.'
    #[arg(long, value_name = "REGEX")]
    pub layer_regex: Option<String>,
}

/// Settings of the online fetch; the API key comes only from WANDB_API_KEY or netrc.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fetch options")]
pub struct FetchArgs {
    /// W&B entity (user or team) [profile, else the key's default]. Example: --entity my-lab
    #[arg(long, value_name = "NAME", env = "WANDB_ENTITY")]
    pub entity: Option<String>,

    /// Runs per page asked of the server (it may grant fewer). Example: --page-size 1000
    #[arg(long, value_name = "N", env = "MDL_FETCH_PAGE_SIZE")]
    pub page_size: Option<u32>,

    /// Requests in flight at once: layers, and the time windows of a large layer, share
    /// them. Example: --concurrency 8
    #[arg(long, value_name = "N", env = "MDL_FETCH_CONCURRENCY")]
    pub concurrency: Option<usize>,

    /// Per-request timeout in seconds. Example: --timeout 30
    #[arg(long, value_name = "SECS", env = "MDL_FETCH_TIMEOUT")]
    pub timeout: Option<f64>,

    /// Attempts per request before giving up. Example: --max-attempts 8
    #[arg(long, value_name = "N", env = "MDL_FETCH_MAX_ATTEMPTS")]
    pub max_attempts: Option<u32>,

    /// Give up the whole fetch after this many seconds. Example: --deadline 600
    #[arg(long, value_name = "SECS", env = "MDL_FETCH_DEADLINE")]
    pub deadline: Option<f64>,

    /// Reuse the cached runs that were finished at the last fetch; ask the server only for
    /// runs created since (less an hour) or unfinished then. Same result as a full fetch.
    #[arg(long)]
    pub incremental: bool,

    /// Runs per creation-time window of a large layer; 0 pages every layer in one stream.
    /// For tests and benchmarks. [default: from --concurrency]
    #[arg(long, value_name = "N", hide = true)]
    pub window_runs: Option<u64>,

    /// Cache folder [default: cache]; runs land in <DIR>/<entity>/<project>/.
    #[arg(long, value_name = "DIR", env = "MDL_FETCH_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}
