//! Command-line types (clap derive) of `mdl-fetch keys` and `mdl-fetch init`, and nothing
//! else: which runs to look at, and what to print or write.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

pub const KEYS_AFTER_HELP: &str = "\
Examples:
  mdl-fetch keys --project my-sweep --entity my-lab    the newest 1000 runs' keys, from W&B
  mdl-fetch keys --export wandb_export_*.csv           the columns of exports from the web page
  mdl-fetch keys --project my-sweep --format json      the same, as JSON

Online, as for a fetch: the key from WANDB_API_KEY, else the netrc entry for the server's host;
the server from WANDB_BASE_URL (default https://api.wandb.ai). No profile is read.";

pub const INIT_AFTER_HELP: &str = "\
Examples:
  mdl-fetch init --project my-sweep --entity my-lab    write config/my-sweep.toml from W&B's runs
  mdl-fetch init --project my-sweep --export a.csv     the same from an export
  mdl-fetch init --project my-sweep --column error=losses/mse_loss --force
then: mdl-fetch --project my-sweep

Online, as for a fetch: the key from WANDB_API_KEY, else the netrc entry for the server's host;
the server from WANDB_BASE_URL (default https://api.wandb.ai). No profile is read.";

/// Where the runs whose keys are listed come from: a W&B project, or exports.
#[derive(Debug, Args)]
pub struct KeySourceArgs {
    /// W&B project, or ENTITY/NAME: its runs are read from the API (no profile is read).
    /// With --export, only names the project. Example: --project my-sweep
    #[arg(short, long, value_name = "[ENTITY/]NAME", env = "WANDB_PROJECT")]
    pub project: Option<String>,

    /// W&B entity (user or team) [else the key's default]. Example: --entity my-lab
    #[arg(long, value_name = "NAME", env = "WANDB_ENTITY")]
    pub entity: Option<String>,

    /// Read W&B web-page CSV exports instead of the API. Takes several files (or a quoted
    /// pattern); - reads stdin. Example: --export exports/*.csv
    #[arg(short, long, value_name = "PATH", num_args = 1..)]
    pub export: Vec<String>,

    /// Read at most this many runs from the API, the newest first. Example: --runs 5000
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub runs: usize,

    /// Say more on stderr: -v for the key's source and retries, -vv for every request.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `mdl-fetch keys`.
#[derive(Debug, Args)]
#[command(after_help = KEYS_AFTER_HELP)]
pub struct KeysArgs {
    #[command(flatten)]
    pub source: KeySourceArgs,

    /// What to print: text (tables of keys, then the proposed flags) or json.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = KeysFormat::Text)]
    pub format: KeysFormat,
}

/// `mdl-fetch init`.
#[derive(Debug, Args)]
#[command(after_help = INIT_AFTER_HELP)]
pub struct InitArgs {
    #[command(flatten)]
    pub source: KeySourceArgs,

    /// Use this key for ROLE instead of the guess: name, l0, error, layer, activation, k or
    /// dict_size. Repeatable. Example: --column error=losses/mse_loss
    #[arg(long, value_name = "ROLE=KEY")]
    pub column: Vec<String>,

    /// Write the profile here instead of config/<project>.toml. Example: --to my.toml
    #[arg(long, value_name = "PATH")]
    pub to: Option<PathBuf>,

    /// Replace the profile if it exists.
    #[arg(long)]
    pub force: bool,
}

/// What `mdl-fetch keys` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeysFormat {
    Text,
    Json,
}
