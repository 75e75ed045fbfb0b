//! Resolves every setting once: built-in defaults < profile < `MDL_FETCH_*` env < flags.
//! Loading the profile reads a file; the rest is pure, with the environment passed in.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::base_url::check_address;
use crate::config::cli::TableArgs;
use crate::config::export_spec::ExportSpec;
use crate::config::locate;
use crate::config::profile::Profile;
use crate::config::projects::{self, ProjectName};
use crate::config::resolve_latex::resolve_latex;
use crate::config::resolve_runs::{local_filter, resolve_grammar, resolve_layer_rule, run_filter};
use crate::config::settings::*;
use crate::error::{fail, Kind};
use crate::model::project::{ui_of_api, ProjectRef};

use crate::model::mdl::Pricing;

/// Threads reading exports at once, at most.
const MAX_JOBS: usize = 8;

/// What resolution may know of the process: its environment variables and its cores.
pub struct Env<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub cores: usize,
}

impl Env<'_> {
    /// This process's environment.
    pub fn process() -> Env<'static> {
        Env {
            var: &|key| std::env::var(key).ok(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    fn var(&self, key: &str) -> Option<String> {
        (self.var)(key)
    }
}

impl Settings {
    /// Finds and reads the profile (see `locate`), then resolves the settings against it,
    /// with default folders in the project root it was found in.
    pub fn load(args: &TableArgs, env: &Env) -> anyhow::Result<Settings> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let search = locate::search(args, env, &cwd)?;
        let profile = match &search.found {
            Some(path) => Profile::load(path)?,
            None => Profile::default(),
        };
        let root = search.root.as_deref();
        let mut settings = Settings::resolve_in(args, &profile, search.found.clone(), root, env)?;
        if search.found.is_none() {
            settings.profile_looked = search.looked;
        }
        Ok(settings)
    }

    /// Merges flags (with their env fallbacks), the profile and the defaults; pure. Default
    /// folders are relative to the working directory.
    pub fn resolve(
        args: &TableArgs,
        profile: &Profile,
        profile_path: Option<PathBuf>,
        env: &Env,
    ) -> anyhow::Result<Settings> {
        Settings::resolve_in(args, profile, profile_path, None, env)
    }

    /// `resolve`, with the default `out/` and `cache/` in the project root `root` when
    /// there is one.
    pub fn resolve_in(
        args: &TableArgs,
        profile: &Profile,
        profile_path: Option<PathBuf>,
        root: Option<&Path>,
        env: &Env,
    ) -> anyhow::Result<Settings> {
        let root = root.unwrap_or(Path::new(""));
        let mut inputs = resolve_inputs(args, profile, env)?;
        let named = projects::parse_all(&args.project)?;
        let fallback = (profile.project.clone())
            .or_else(|| profile_path.as_deref().and_then(file_stem))
            .or_else(|| (!inputs.exports.is_empty()).then(|| "exports".to_string()))
            .or_else(|| (!inputs.runs_dirs.is_empty()).then(|| RUN_FOLDERS_PROJECT.to_string()));
        let projects =
            match (named.is_empty(), fallback) {
                (false, _) => named,
                (true, Some(name)) => vec![ProjectName { entity: None, name }],
                (true, None) => return fail(
                    Kind::Usage,
                    "say what to tabulate: --project NAME (e.g. --project sae-sweeps), --export LAYER=PATH or --runs-dir wandb",
                ),
            };
        let mut fetch = resolve_fetch(args, profile, env, root)?;
        let named_project = !args.project.is_empty() || profile.project.is_some();
        if !inputs.runs_dirs.is_empty() {
            refuse_server_filter(args, profile)?;
            inputs.folders_only = inputs.exports.is_empty() && !named_project;
            fetch.summary_keys.push(SUMMARY_TIME_KEY.to_string());
        }
        let projects = projects::one_each(projects, fetch.entity.as_deref());
        if named_project && !inputs.exports.is_empty() {
            name_exports_project(&mut inputs.exports, &fetch, &projects)?;
        }
        let project = projects[0].name.clone();
        Ok(Settings {
            inputs,
            rules: resolve_rules(args, profile, profile_path.as_deref())?,
            table: resolve_table(args, profile)?,
            fetch,
            output: resolve_output(
                args,
                profile,
                profile_path.as_deref(),
                &root.join("out").join(projects::folder_name(&projects)),
            )?,
            projects,
            quiet: args.quiet,
            verbose: args.verbose,
            profile_path,
            profile_looked: Vec::new(),
            project,
        })
    }
}

fn resolve_inputs(args: &TableArgs, profile: &Profile, env: &Env) -> anyhow::Result<InputSettings> {
    let exports = (args.export.iter())
        .map(|text| ExportSpec::parse_all(text))
        .collect::<anyhow::Result<Vec<_>>>()?
        .concat();
    ExportSpec::check_one_stdin(&exports)?;
    let bundled_exports = (profile.exports.iter())
        .map(|entry| ExportSpec {
            layer: entry.layer,
            path: entry.path.clone(),
            label: None,
            project: None,
        })
        .collect();
    let jobs = args.jobs.unwrap_or(env.cores.min(MAX_JOBS));
    if jobs == 0 {
        return fail(Kind::Usage, "--jobs 0: give at least 1");
    }
    let runs_dirs = match args.runs_dir.is_empty() {
        true => profile.runs_dirs.iter().map(|entry| entry.path.clone()).collect(),
        false => args.runs_dir.clone(),
    };
    Ok(InputSettings {
        exports,
        bundled_exports,
        offline: args.offline,
        runs_dirs,
        folders_only: false,
        jobs,
    })
}

/// `--export` files of a named project and entity: their runs' pages can be linked.
fn name_exports_project(
    exports: &mut [ExportSpec],
    fetch: &FetchSettings,
    projects: &[ProjectName],
) -> anyhow::Result<()> {
    let [project] = projects else {
        return fail(
            Kind::Usage,
            "--export files are one project's runs: give at most one --project with them",
        );
    };
    let Some(entity) = project.entity_or(fetch.entity.as_deref()) else {
        return Ok(());
    };
    let named = std::sync::Arc::new(ProjectRef {
        entity: Some(entity.to_string()),
        project: project.name.clone(),
        ui: Some(fetch.web_url.clone()),
    });
    for spec in exports {
        spec.project = Some(std::sync::Arc::clone(&named));
    }
    Ok(())
}

fn resolve_table(args: &TableArgs, profile: &Profile) -> anyhow::Result<TableSettings> {
    let bits = args.bits.or(profile.bits).unwrap_or(DEFAULT_BITS);
    if !(bits.is_finite() && bits >= 0.0) {
        return fail(
            Kind::Usage,
            format!("--bits {bits}: B must be a finite number >= 0"),
        );
    }
    let dict_size = args.dict_size.or(profile.dict_size).unwrap_or(DEFAULT_DICT_SIZE);
    if !crate::model::mdl::is_dict_size(dict_size.into()) {
        return fail(Kind::Usage, "--dict-size 0: D must be at least 1");
    }
    for eps in &args.tolerance {
        if !(eps.is_finite() && *eps >= 0.0) {
            return fail(
                Kind::Usage,
                format!("--tolerance {eps}: ε must be a finite number >= 0"),
            );
        }
    }
    Ok(TableSettings {
        layers: (args.layers.clone())
            .or_else(|| profile.layers.clone())
            .unwrap_or_default(),
        tolerances: args.tolerance.clone(),
        d_model: profile.d_model.unwrap_or(DEFAULT_D_MODEL),
        pricing: Pricing {
            code: args.code.unwrap_or_default(),
            bits,
            dict_size,
            fixed_dict_size: args.fixed_dict_size,
        },
    })
}

/// Where artifacts go: `--out` (`-` for stdout only), the profile's `out_dir`, else
/// `default_dir`; and how they look.
fn resolve_output(
    args: &TableArgs,
    profile: &Profile,
    profile_path: Option<&Path>,
    default_dir: &Path,
) -> anyhow::Result<OutputSettings> {
    let to_stdout = args.out.as_deref() == Some(Path::new(STDOUT));
    if to_stdout && args.check {
        return fail(
            Kind::Usage,
            "--check compares the artifacts in the output folder, and --out - writes none; give a folder",
        );
    }
    Ok(OutputSettings {
        out_dir: (args.out.clone())
            .or_else(|| profile.out_dir.clone())
            .unwrap_or_else(|| default_dir.to_path_buf()),
        runs_csv: if to_stdout || args.no_runs_csv {
            RunsCsvChoice::Never
        } else if args.runs_csv {
            RunsCsvChoice::Always
        } else {
            RunsCsvChoice::UpTo {
                runs: crate::test_hooks::number("MDL_FETCH_TEST_RUNS_CSV_LIMIT")
                    .unwrap_or(RunsCsvChoice::DEFAULT_LIMIT),
            }
        },
        lock_wait: seconds(args.lock_wait, "--lock-wait")?,
        format: args.format,
        png: args.png,
        latex: resolve_latex(&args.latex, &profile.latex, profile_path)?,
        mode: match (to_stdout, args.check) {
            (true, _) => Mode::Print,
            (false, true) => Mode::Check,
            (false, false) => Mode::Write,
        },
    })
}

/// `--filter` (or the profile's `wandb.filter`) beside `--runs-dir`: only the server can
/// apply it, and run folders never reach the server.
fn refuse_server_filter(args: &TableArgs, profile: &Profile) -> anyhow::Result<()> {
    let origin = match (&args.runs.filter, &profile.wandb.filter) {
        (Some(_), _) => "--filter",
        (None, Some(_)) => "the profile's wandb.filter",
        (None, None) => return Ok(()),
    };
    fail(
        Kind::Usage,
        format!("{origin} is applied by the W&B server, so run folders (--runs-dir) cannot be held to it; use --state, --tag, --sweep and --group, which they can"),
    )
}

/// The project name of a table made from run folders alone (its default output folder is
/// `out/run-folders/`).
pub const RUN_FOLDERS_PROJECT: &str = "run-folders";

/// `--out -`: the table on stdout, no artifact written.
pub const STDOUT: &str = "-";

fn file_stem(path: &Path) -> Option<String> {
    path.file_stem().map(|stem| stem.to_string_lossy().into_owned())
}

fn resolve_rules(
    args: &TableArgs,
    profile: &Profile,
    profile_path: Option<&Path>,
) -> anyhow::Result<RecordRules> {
    Ok(RecordRules {
        columns: resolve_columns(args, profile)?,
        grammar: resolve_grammar(args, profile, profile_path)?,
        layer_rule: resolve_layer_rule(args, profile, profile_path)?,
        strict: args.strict,
        runs: local_filter(run_filter(args, profile)?, !args.export.is_empty()),
    })
}

/// The roles `--column ROLE=KEY` takes.
const COLUMN_ROLES: [&str; 7] = ["name", "l0", "error", "layer", "activation", "k", "dict_size"];

/// The profile's columns, each overridden by a `--column ROLE=KEY`.
fn resolve_columns(args: &TableArgs, profile: &Profile) -> anyhow::Result<ColumnNames> {
    let defaults = ColumnNames::default();
    let columns = &profile.columns;
    let mut names = ColumnNames {
        name: columns.name.clone().unwrap_or(defaults.name),
        l0: columns.l0.clone().unwrap_or(defaults.l0),
        error: columns.error.clone().unwrap_or(defaults.error),
        layer: columns.layer.clone().unwrap_or(defaults.layer),
        dict_size: columns.dict_size.clone().unwrap_or(defaults.dict_size),
        activation: columns.activation.clone(),
        k: columns.k.clone(),
    };
    for text in &args.column {
        let Some((role, key)) = text.split_once('=').filter(|(_, key)| !key.is_empty()) else {
            return fail(
                Kind::Usage,
                format!("--column {text}: write ROLE=KEY, e.g. --column activation=sae_type"),
            );
        };
        let key = key.to_string();
        match role.trim() {
            "name" => names.name = key,
            "l0" => names.l0 = key,
            "error" => names.error = key,
            "layer" => names.layer = key,
            "dict_size" => names.dict_size = key,
            "activation" => names.activation = Some(key),
            "k" => names.k = Some(key),
            other => {
                return fail(
                    Kind::Usage,
                    format!(
                        "--column {text}: {other:?} is not a role; roles: {}",
                        COLUMN_ROLES.join(", ")
                    ),
                )
            }
        }
    }
    Ok(names)
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value).or_else(|_| {
        fail(
            Kind::Usage,
            format!("{flag} {value}: give a number of seconds >= 0"),
        )
    })
}

/// `--timeout`: a request given no time at all would only ever time out and be retried.
fn request_timeout(value: f64) -> anyhow::Result<Duration> {
    match seconds(value, "--timeout")? {
        timeout if timeout.is_zero() => fail(
            Kind::Usage,
            "--timeout 0: give a request's time limit in seconds, more than 0 (default 30)",
        ),
        timeout => Ok(timeout),
    }
}

fn resolve_fetch(
    args: &TableArgs,
    profile: &Profile,
    env: &Env,
    root: &Path,
) -> anyhow::Result<FetchSettings> {
    let wandb = &profile.wandb;
    let flags = &args.fetch;
    let base_url = env
        .var("WANDB_BASE_URL")
        .filter(|url| !url.is_empty())
        .or_else(|| wandb.base_url.clone())
        .unwrap_or_else(|| DEFAULT_BASE_URL.into());
    // Checked whatever the inputs: run links in the artifacts are made from them.
    check_address(&base_url, "base URL")?;
    let web_url =
        (env.var("MDL_FETCH_WEB_URL").filter(|url| !url.is_empty())).or_else(|| wandb.web_url.clone());
    if let Some(web_url) = &web_url {
        check_address(web_url, "web address (MDL_FETCH_WEB_URL or wandb.web_url)")?;
    }
    let page_size = flags.page_size.or(wandb.page_size).unwrap_or(1000);
    let concurrency = flags.concurrency.or(wandb.concurrency).unwrap_or(4);
    if page_size == 0 || concurrency == 0 {
        return fail(Kind::Usage, "--page-size and --concurrency must be at least 1");
    }
    let max_attempts = flags.max_attempts.or(wandb.max_attempts).unwrap_or(8).max(1);
    let entity = (flags.entity.clone())
        .filter(|e| !e.is_empty())
        .or_else(|| profile.entity.clone());
    Ok(FetchSettings {
        web_url: web_url.map_or_else(
            || ui_of_api(&base_url),
            |url| url.trim_end_matches('/').to_string(),
        ),
        base_url: base_url.trim_end_matches('/').to_string(),
        named_a_cache: entity.is_some() || flags.cache_dir.is_some() || wandb.cache_dir.is_some(),
        entity,
        runs: run_filter(args, profile)?,
        page_size,
        concurrency,
        timeout: request_timeout(flags.timeout.or(wandb.timeout_secs).unwrap_or(30.0))?,
        max_attempts,
        deadline: seconds(
            flags.deadline.or(wandb.deadline_secs).unwrap_or(900.0),
            "--deadline",
        )?,
        config_keys: wandb.config_keys.clone().unwrap_or_default(),
        summary_keys: Vec::new(),
        cache_root: flags
            .cache_dir
            .clone()
            .or_else(|| wandb.cache_dir.clone())
            .unwrap_or_else(|| root.join("cache")),
        incremental: flags.incremental,
        window_runs: flags.window_runs,
    })
}
