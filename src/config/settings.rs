//! Resolves every setting once: built-in defaults < profile < `MDL_FETCH_*` env < flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;

use crate::config::cli::TableArgs;
use crate::config::grammar::{LayerRule, NameGrammar};
use crate::config::profile::Profile;
use crate::error::{fail, Kind};
use crate::model::mdl::Code;
use crate::model::select::Pricing;

/// Defaults when neither profile, env nor flag says otherwise.
pub const DEFAULT_BITS: f64 = 7.0;
pub const DEFAULT_DICT_SIZE: u64 = 12288;
pub const DEFAULT_D_MODEL: u64 = 768;
pub const DEFAULT_LAYERS: [i64; 3] = [6, 7, 8];
pub const DEFAULT_BASE_URL: &str = "https://api.wandb.ai";

/// Which export columns hold the fields a record needs.
#[derive(Debug, Clone)]
pub struct ColumnNames {
    pub name: String,
    pub l0: String,
    pub error: String,
    pub layer: String,
    pub dict_size: String,
}

impl Default for ColumnNames {
    fn default() -> Self {
        ColumnNames {
            name: "Name".into(),
            l0: "l0_norm".into(),
            error: "l2_loss".into(),
            layer: "layer".into(),
            dict_size: "dict_size".into(),
        }
    }
}

/// An export to replay, and the layer it holds when the user said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpec {
    pub layer: Option<i64>,
    pub path: PathBuf,
    /// The name messages and artifacts use, when it is not the path (a `--check` fetch
    /// reads a throwaway copy of the cache but names the cache's files).
    pub label: Option<String>,
}

impl ExportSpec {
    /// How messages and artifacts name this export.
    pub fn label(&self) -> String {
        self.label
            .clone()
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// Parses `--export [LAYER=]PATH`.
    pub fn parse(text: &str) -> anyhow::Result<ExportSpec> {
        if let Some((layer, path)) = text.split_once('=') {
            if let Ok(layer) = layer.trim().parse::<i64>() {
                if path.is_empty() {
                    return fail(
                        Kind::Usage,
                        format!("--export {text}: no path after '='; write --export {layer}=PATH"),
                    );
                }
                return Ok(ExportSpec {
                    layer: Some(layer),
                    path: path.into(),
                    label: None,
                });
            }
            // `x=a.csv` is a mistyped layer unless a file of that very name exists.
            let mistyped = !layer.contains(['/', '\\']) && !Path::new(text).exists();
            if mistyped || layer.chars().all(|c| c.is_ascii_digit() || c == '-') {
                return fail(
                    Kind::Usage,
                    format!("--export {text}: {layer:?} is not a layer number; write --export 6=PATH"),
                );
            }
        }
        if text.is_empty() {
            return fail(Kind::Usage, "--export needs a path, e.g. --export 6=export.csv");
        }
        Ok(ExportSpec {
            layer: None,
            path: text.into(),
            label: None,
        })
    }
}

/// How the online fetch behaves.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub base_url: String,
    pub entity: Option<String>,
    pub states: Vec<String>,
    pub page_size: u32,
    pub concurrency: usize,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub deadline: Duration,
    pub config_keys: Vec<String>,
    pub cache_root: PathBuf,
    /// Reuse the cache's finished runs and fetch only what changed.
    pub incremental: bool,
    /// Under `--check`, the cache folder the throwaway `cache_root` stands in for.
    pub real_cache_root: Option<PathBuf>,
}

/// Everything the pipeline needs to know, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub project: String,
    pub layers: Vec<i64>,
    pub bits: f64,
    pub dict_size: u64,
    /// Price every run with `dict_size`, ignoring the run's own.
    pub fixed_dict_size: bool,
    pub code: Code,
    /// ε values for the tolerance tables.
    pub tolerances: Vec<f64>,
    pub d_model: u64,
    pub out_dir: PathBuf,
    pub columns: ColumnNames,
    pub grammar: NameGrammar,
    pub layer_rule: Option<LayerRule>,
    /// Exports named with `--export`.
    pub exports: Vec<ExportSpec>,
    /// Exports the profile bundles, replayed offline when no cache exists.
    pub bundled_exports: Vec<ExportSpec>,
    pub offline: bool,
    pub strict: bool,
    /// Whether to write runs.csv (`--no-runs-csv` turns it off).
    pub runs_csv: bool,
    pub quiet: bool,
    pub verbose: u8,
    /// `--check`: compare with the artifacts on disk, write nothing.
    pub check: bool,
    pub lock_wait: Duration,
    pub fetch: FetchSettings,
    /// Where the profile came from, if any.
    pub profile_path: Option<PathBuf>,
}

impl Settings {
    /// How runs are priced under these settings.
    pub fn pricing(&self) -> Pricing {
        Pricing {
            code: self.code,
            bits: self.bits,
            dict_size: self.dict_size,
            fixed_dict_size: self.fixed_dict_size,
        }
    }

    /// Merges flags (with their env fallbacks), the profile and the defaults.
    pub fn resolve(args: &TableArgs) -> anyhow::Result<Settings> {
        let (profile, profile_path) = find_profile(args)?;
        let exports = args
            .export
            .iter()
            .map(|text| ExportSpec::parse(text))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let project = args
            .project
            .clone()
            .or_else(|| profile.project.clone())
            .or_else(|| profile_path.as_deref().and_then(file_stem))
            .or_else(|| (!exports.is_empty()).then(|| "exports".to_string()));
        let Some(project) = project else {
            return fail(
                Kind::Usage,
                "say what to tabulate: --project NAME (e.g. --project sae-sweeps) or --export LAYER=PATH",
            );
        };
        let layers = args
            .layers
            .clone()
            .or_else(|| profile.layers.clone())
            .unwrap_or_else(|| DEFAULT_LAYERS.to_vec());
        let bits = args.bits.or(profile.bits).unwrap_or(DEFAULT_BITS);
        if !(bits.is_finite() && bits >= 0.0) {
            return fail(
                Kind::Usage,
                format!("--bits {bits}: B must be a finite number >= 0"),
            );
        }
        let dict_size = args.dict_size.or(profile.dict_size).unwrap_or(DEFAULT_DICT_SIZE);
        if dict_size == 0 {
            return fail(Kind::Usage, "--dict-size 0: D must be at least 1");
        }
        let out_dir = args
            .out
            .clone()
            .or_else(|| profile.out_dir.clone())
            .unwrap_or_else(|| Path::new("out").join(&project));
        let bundled_exports = profile
            .exports
            .iter()
            .map(|entry| ExportSpec {
                layer: entry.layer,
                path: entry.path.clone(),
                label: None,
            })
            .collect();
        for eps in &args.tolerance {
            if !(eps.is_finite() && *eps >= 0.0) {
                return fail(
                    Kind::Usage,
                    format!("--tolerance {eps}: ε must be a finite number >= 0"),
                );
            }
        }
        Ok(Settings {
            layers,
            bits,
            dict_size,
            fixed_dict_size: args.fixed_dict_size,
            code: args.code.unwrap_or_default(),
            tolerances: args.tolerance.clone(),
            d_model: profile.d_model.unwrap_or(DEFAULT_D_MODEL),
            out_dir,
            columns: resolve_columns(&profile),
            grammar: resolve_grammar(&profile, profile_path.as_deref())?,
            layer_rule: resolve_layer_rule(&profile, profile_path.as_deref())?,
            exports,
            bundled_exports,
            offline: args.offline,
            strict: args.strict,
            runs_csv: !args.no_runs_csv,
            quiet: args.quiet,
            verbose: args.verbose,
            check: args.check,
            lock_wait: seconds(args.lock_wait, "--lock-wait")?,
            fetch: resolve_fetch(args, &profile)?,
            profile_path,
            project,
        })
    }
}

fn file_stem(path: &Path) -> Option<String> {
    path.file_stem().map(|stem| stem.to_string_lossy().into_owned())
}

/// `--config PATH`, else `config/<project>.toml` when it exists, else no profile.
fn find_profile(args: &TableArgs) -> anyhow::Result<(Profile, Option<PathBuf>)> {
    if let Some(path) = &args.config {
        if !path.is_file() {
            return fail(Kind::Usage, format!("--config {}: no such file", path.display()));
        }
        return Ok((Profile::load(path)?, Some(path.clone())));
    }
    if let Some(project) = &args.project {
        let dir =
            std::env::var_os("MDL_FETCH_CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from);
        let path = dir.join(format!("{project}.toml"));
        if path.is_file() {
            return Ok((Profile::load(&path)?, Some(path)));
        }
    }
    Ok((Profile::default(), None))
}

fn resolve_columns(profile: &Profile) -> ColumnNames {
    let defaults = ColumnNames::default();
    let columns = &profile.columns;
    ColumnNames {
        name: columns.name.clone().unwrap_or(defaults.name),
        l0: columns.l0.clone().unwrap_or(defaults.l0),
        error: columns.error.clone().unwrap_or(defaults.error),
        layer: columns.layer.clone().unwrap_or(defaults.layer),
        dict_size: columns.dict_size.clone().unwrap_or(defaults.dict_size),
    }
}

fn where_(profile_path: Option<&Path>) -> String {
    profile_path.map_or_else(|| "profile".into(), |path| path.display().to_string())
}

fn compile(pattern: &str, key: &str, profile_path: Option<&Path>) -> anyhow::Result<Regex> {
    Regex::new(pattern).or_else(|e| {
        let reason = e.to_string().replace('\n', " ");
        fail(
            Kind::Input,
            format!(
                "{}: name.{key} is not a valid regex: {reason}",
                where_(profile_path)
            ),
        )
    })
}

fn resolve_grammar(profile: &Profile, profile_path: Option<&Path>) -> anyhow::Result<NameGrammar> {
    let rule = &profile.name;
    if let Some(pattern) = &rule.regex {
        let regex = compile(pattern, "regex", profile_path)?;
        let groups: Vec<_> = regex.capture_names().flatten().collect();
        if !groups.contains(&"activation") || !groups.contains(&"k") {
            return fail(
                Kind::Input,
                format!(
                    "{}: name.regex needs named groups (?P<activation>...) and (?P<k>...)",
                    where_(profile_path)
                ),
            );
        }
        return Ok(NameGrammar::Pattern(regex));
    }
    let separator = rule.separator.clone().unwrap_or_else(|| "_".into());
    if separator.is_empty() {
        return fail(
            Kind::Input,
            format!("{}: name.separator must not be empty", where_(profile_path)),
        );
    }
    Ok(NameGrammar::Split {
        separator,
        activation: rule.activation.unwrap_or(-3),
        k: rule.k.unwrap_or(-2),
        dict_size: rule.dict_size,
    })
}

fn resolve_layer_rule(profile: &Profile, profile_path: Option<&Path>) -> anyhow::Result<Option<LayerRule>> {
    let pattern = profile.name.layer_regex.as_deref().or_else(|| {
        profile
            .name
            .regex
            .as_deref()
            .filter(|pattern| pattern.contains("?P<layer>"))
    });
    pattern
        .map(|pattern| compile(pattern, "layer_regex", profile_path).map(LayerRule))
        .transpose()
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value).or_else(|_| {
        fail(
            Kind::Usage,
            format!("{flag} {value}: give a number of seconds >= 0"),
        )
    })
}

fn resolve_fetch(args: &TableArgs, profile: &Profile) -> anyhow::Result<FetchSettings> {
    let wandb = &profile.wandb;
    let flags = &args.fetch;
    let base_url = std::env::var("WANDB_BASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .or_else(|| wandb.base_url.clone())
        .unwrap_or_else(|| DEFAULT_BASE_URL.into());
    let page_size = flags.page_size.or(wandb.page_size).unwrap_or(1000);
    let concurrency = flags.concurrency.or(wandb.concurrency).unwrap_or(4);
    if page_size == 0 || concurrency == 0 {
        return fail(Kind::Usage, "--page-size and --concurrency must be at least 1");
    }
    let max_attempts = flags.max_attempts.or(wandb.max_attempts).unwrap_or(8).max(1);
    Ok(FetchSettings {
        base_url: base_url.trim_end_matches('/').to_string(),
        entity: flags
            .entity
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| profile.entity.clone()),
        states: wandb.states.clone().unwrap_or_default(),
        page_size,
        concurrency,
        timeout: seconds(flags.timeout.or(wandb.timeout_secs).unwrap_or(30.0), "--timeout")?,
        max_attempts,
        deadline: seconds(
            flags.deadline.or(wandb.deadline_secs).unwrap_or(900.0),
            "--deadline",
        )?,
        config_keys: wandb.config_keys.clone().unwrap_or_default(),
        cache_root: flags
            .cache_dir
            .clone()
            .or_else(|| wandb.cache_dir.clone())
            .unwrap_or_else(|| PathBuf::from("cache")),
        incremental: flags.incremental,
        real_cache_root: None,
    })
}
