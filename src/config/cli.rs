//! Command-line types (clap derive) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The examples after the options in `--help`, and the man page's EXAMPLES, which keeps
/// their lines as they are laid out here (each fits a man page 80 columns wide).
pub const EXAMPLES: &str = "  mdl-fetch --project sae-sweeps
      fetch layers 6-8 from W&B, write out/sae-sweeps/
  mdl-fetch --project sae-sweeps --offline
      replay the cached (or bundled) exports, no network
  mdl-fetch --export 6=a.csv --export 7=b.csv
      replay exports downloaded from the W&B web page
  mdl-fetch --runs-dir wandb --column layer=hook_layer
      tabulate the SDK's local run folders, before any wandb sync
  mdl-fetch --project sae-sweeps --offline --tolerance 2e-4 --format csv
      the table, then MDL at tolerance 2e-4 (mdl-tolerance.csv)
  mdl-fetch dl --l0 65 --bits 7 --dict-size 25000
      one description length: 1404.63 bits
  mdl-fetch schedule cron --project sae-sweeps --incremental
      a crontab line that makes the table nightly, a log line a run";

/// How a fetch finds its key and server: after the examples in `--help`, and the man
/// page's AUTHENTICATION (laid out as here).
pub const AUTHENTICATION: &str = "  A fetch needs a W&B API key (--offline and --export need none). It is
  never a flag, which would land in the shell's history.
  WANDB_API_KEY   the key; without it, the netrc file ($NETRC, else
                  ~/.netrc) entry `machine HOST ... password KEY`,
                  HOST being the base URL's host[:port]
  WANDB_BASE_URL  a self-hosted server, e.g. https://wandb.example.org
                  [default: the profile's wandb.base_url, else
                  https://api.wandb.ai]
  WANDB_ENTITY    the user or team, as --entity [default: the key's]";

/// Turn W&B sweeps of sparse autoencoders into description-length (MDL) tables.
///
/// Reads run summaries from the W&B API (or from CSV exports), keeps per layer and
/// activation the run with the smallest reconstruction error, computes its description
/// length DL = L0 * (B + log2 D) and writes 10 files to the output folder: mdl-table.md
/// (also printed), mdl-table.csv, mdl-table.tex, mdl-table.json, mdl-report.md,
/// mdl-report.html, frontier.csv, frontier.svg, runs.csv (not with --no-runs-csv) and
/// manifest.json; with --tolerance also mdl-tolerance.csv, and with --png frontier.png.
#[derive(Debug, Parser)]
#[command(name = "mdl-fetch", version = crate::about::VERSION, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub table: TableArgs,

    /// Colour the `error:` and `warning:` prefixes and clap's messages: auto (on a
    /// terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_name = "WHEN", global = true, default_value = "auto")]
    pub color: clap::ColorChoice,
}

impl Cli {
    /// Parses the process's arguments, with the examples and the exit codes (listed from
    /// `error::Kind`) after the help; `--color` is honoured by clap's own messages too, and
    /// a usage error is one `error:` line.
    pub fn parse_with_help() -> Cli {
        use clap::FromArgMatches;
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let color = color_flag(&args);
        crate::style::set_color(color);
        let parsed = Cli::command_with_help()
            .color(color)
            .try_get_matches_from(args)
            .and_then(|matches| Cli::from_arg_matches(&matches));
        parsed.unwrap_or_else(|error| super::usage_error::exit(error))
    }

    /// The command as `--help`, the completions and the man page show it.
    pub fn command_with_help() -> clap::Command {
        use clap::CommandFactory;
        let after = format!(
            "Examples:\n{EXAMPLES}\n\nAuthentication:\n{AUTHENTICATION}\n\n{}",
            crate::error::exit_codes_help()
        );
        Cli::command().after_help(after)
    }
}

/// The `--color` asked for in `args` (the last one wins), before clap parses them, so that
/// clap's own errors honour it; `auto` when none or an unknown one is given.
pub fn color_flag(args: &[std::ffi::OsString]) -> clap::ColorChoice {
    use clap::ValueEnum;
    let mut choice = clap::ColorChoice::Auto;
    let mut args = args.iter().skip(1).map(|arg| arg.to_string_lossy());
    while let Some(arg) = args.next() {
        let value = match arg.as_ref() {
            "--" => break,
            "--color" => args.next().map(|value| value.into_owned()),
            other => other.strip_prefix("--color=").map(str::to_string),
        };
        if let Some(parsed) = value.and_then(|value| clap::ColorChoice::from_str(&value, true).ok()) {
            choice = parsed;
        }
    }
    choice
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print one description length: L0 * (B + log2 D) bits, or with --code binomial
    /// L0 * B + log2 C(D, L0). Example: mdl-fetch dl --l0 65 --dict-size 25000
    Dl(DlArgs),
    /// List a sweep's config and summary keys (type, runs, samples) and propose the --column
    /// flags. Example: mdl-fetch keys --project my-sweep --entity my-lab
    Keys(super::cli_keys::KeysArgs),
    /// Write the proposed --column flags as a profile, config/<project>.toml. Example:
    /// mdl-fetch init --project my-sweep --entity my-lab
    Init(super::cli_keys::InitArgs),
    /// Print a crontab line, a systemd .service and .timer, or a GitHub Actions workflow
    /// that makes this table every day, logging one line per run. Example: mdl-fetch
    /// schedule cron --project sae-sweeps --incremental
    Schedule(Box<super::cli_schedule::ScheduleArgs>),
    /// Print a shell completion script. Example: mdl-fetch completions bash > ~/.local/share/bash-completion/completions/mdl-fetch
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff). Example: mdl-fetch man > ~/.local/share/man/man1/mdl-fetch.1
    Man,
}

#[derive(Debug, Args)]
pub struct DlArgs {
    /// L0: active features per activation vector, e.g. 65.
    #[arg(long)]
    pub l0: f64,
    /// B: bits per non-zero value, as a profile's `bits`. Example: --bits 8
    #[arg(long, value_name = "B", default_value_t = crate::config::settings::DEFAULT_BITS, allow_negative_numbers = true)]
    pub bits: f64,
    /// D: dictionary size, e.g. 25000.
    #[arg(long)]
    pub dict_size: u64,
    /// The code: naive = L0*(B+log2 D) (the seed's), binomial = L0*B + log2 C(D,L0).
    #[arg(long, value_name = "CODE", default_value = "naive")]
    pub code: crate::model::mdl::Code,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// W&B project, or ENTITY/NAME; loads config/<NAME>.toml (of the first) from this folder
    /// or the nearest one above that has it, else ~/.config/mdl-fetch/<NAME>.toml.
    /// Repeat to tabulate several projects' runs together, each with its own cache.
    /// Example: --project sae-sweeps, or --project my-lab/sweep-a --project my-lab/sweep-b
    #[arg(short, long, value_name = "[ENTITY/]NAME", env = "WANDB_PROJECT")]
    pub project: Vec<String>,

    /// Profile file to use instead of config/<project>.toml. Example: --config my.toml
    #[arg(short, long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Replay W&B CSV exports instead of fetching; LAYER= says which layer a file holds,
    /// else each run's layer column or name gives it. Takes several files (or a quoted
    /// pattern); - reads stdin. Example: --export 6=layer6.csv, or --export exports/*.csv
    #[arg(short, long, value_name = "[LAYER=]PATH", num_args = 1..)]
    pub export: Vec<String>,

    /// Use no network: replay the project's cache; with none, the profile's bundled sample
    /// exports, but only when no entity or cache folder was named.
    #[arg(long)]
    pub offline: bool,

    /// Read the W&B SDK's run folders (run-*/ and offline-run-*/ at any depth, before any
    /// `wandb sync`) under this folder, beside the exports, the fetch (when a project is
    /// named) or the cache (--offline). Repeatable. Example: --runs-dir wandb
    #[arg(long, value_name = "PATH")]
    pub runs_dir: Vec<PathBuf>,

    /// Folder for the artifacts [default: out/<project> beside the config/ folder; out/exports
    /// for --export files without a --project or profile]. Example:
    /// --out tables/. `--out -` prints the table on stdout and writes no artifact (a fetch
    /// still updates the cache).
    #[arg(short, long, value_name = "DIR", env = "MDL_FETCH_OUT")]
    pub out: Option<PathBuf>,

    /// Layers that reach the table: numbers and ranges, or all [profile, else every layer
    /// the runs are in]. Example: --layers 6,7,8, --layers 4-10, --layers "4-6, 9", --layers all
    #[arg(long, value_name = "LIST", env = "MDL_FETCH_LAYERS", value_parser = crate::model::layers::LayerSet::parse)]
    pub layers: Option<crate::model::layers::LayerSet>,

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

    /// Leave runs.csv out (and remove an earlier one): the table's artifacts only. Without
    /// --runs-csv, exports of more than a million runs leave it out too.
    #[arg(long)]
    pub no_runs_csv: bool,

    /// Write runs.csv whatever the inputs' size. Without it, exports holding more than a
    /// million runs get no runs.csv (a note says so): it would be hundreds of MB.
    #[arg(long, conflicts_with = "no_runs_csv")]
    pub runs_csv: bool,

    /// What to print on stdout: md (the notebook's table, then the --tolerance tables), csv,
    /// json or latex (the mdl-table.csv, .json or .tex artifact). Example: --format latex
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = crate::emit::stdout::Format::Md)]
    pub format: crate::emit::stdout::Format,

    /// Also write frontier.png, the plot rasterized (without it, an earlier one is removed).
    #[arg(long)]
    pub png: bool,

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
    pub latex: LatexArgs,

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

    /// Append one line to FILE per run, however it ends, even with --quiet: the time (RFC
    /// 3339, UTC), the exit code, and the closing line or the error. For schedulers (see
    /// `mdl-fetch schedule`). Example: --log mdl-fetch.log
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// How mdl-table.tex looks; each overrides the profile's `[latex]` table.
#[derive(Debug, Args)]
#[command(next_help_heading = "LaTeX table (mdl-table.tex)")]
pub struct LatexArgs {
    /// Rename a column's header, LaTeX as written; COLUMN is layer, activation, error, dl or
    /// tolerance (where {eps} stands for each ε). Repeatable.
    /// Example: --latex-header activation=Architecture --latex-header 'error=$\ell_2$ error'
    #[arg(long, value_name = "COLUMN=TEXT")]
    pub latex_header: Vec<String>,

    /// Significant digits of the table's numbers, as Python's %g [profile, else 6, as in
    /// mdl-table.md]. Example: --digits 4
    #[arg(long, value_name = "N")]
    pub digits: Option<u32>,

    /// How number columns line up their decimal points: plain (r columns padded with
    /// \phantom; booktabs only) or siunitx (S columns; needs \usepackage{siunitx}) [profile,
    /// else plain].
    #[arg(long, value_name = "HOW", value_enum)]
    pub latex_align: Option<crate::emit::latex_style::Align>,

    /// Caption of the table, LaTeX as written: mdl-table.tex becomes a table environment.
    /// Example: --caption 'Description length per layer.'
    #[arg(long, value_name = "TEXT")]
    pub caption: Option<String>,

    /// \label of the table (with --caption). Example: --label tab:mdl
    #[arg(long, value_name = "KEY")]
    pub label: Option<String>,
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
