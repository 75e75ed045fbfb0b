//! The project profile (`config/<project>.toml`): every key is optional and documented here.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::error::{fail, Kind};

/// A profile file as written; `None` means "not set here, use the next layer down".
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// W&B project name (defaults to the profile's file stem).
    pub project: Option<String>,
    /// W&B entity (user or team) that owns the project.
    pub entity: Option<String>,
    /// The layers that reach the table.
    pub layers: Option<crate::model::layers::LayerSet>,
    /// B: bits per non-zero activation value.
    pub bits: Option<f64>,
    /// D: dictionary size used when a run does not say its own.
    pub dict_size: Option<u64>,
    /// Width of the model's residual stream (768 for GPT-2 small).
    pub d_model: Option<u64>,
    /// Where artifacts go (default `out/<project>` in the project root); relative to the
    /// profile's folder.
    pub out_dir: Option<PathBuf>,
    #[serde(default)]
    pub columns: Columns,
    #[serde(default)]
    pub name: NameRule,
    #[serde(default)]
    pub wandb: WandbProfile,
    /// Bundled exports replayed by `--offline` when the project has no cache yet.
    #[serde(default)]
    pub exports: Vec<ExportEntry>,
    #[serde(default)]
    pub latex: LatexProfile,
    /// Folders of W&B run folders read beside the other inputs (`--runs-dir` replaces them).
    #[serde(default)]
    pub runs_dirs: Vec<RunsDirEntry>,
}

/// How `mdl-table.tex` looks (the flags of the same names override each key).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatexProfile {
    /// Column headers, LaTeX as written (`--latex-header`).
    #[serde(default)]
    pub headers: LatexHeaders,
    /// Significant digits of the numbers (`--digits`, default 6).
    pub digits: Option<u32>,
    /// `plain` or `siunitx` (`--latex-align`, default `plain`).
    pub align: Option<crate::emit::latex_style::Align>,
    /// The table's caption: with it, a `table` environment (`--caption`).
    pub caption: Option<String>,
    /// The table's `\label`, with a caption (`--label`).
    pub label: Option<String>,
}

/// The headers of `mdl-table.tex`'s columns; `tolerance`'s `{eps}` stands for each ε.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatexHeaders {
    pub layer: Option<String>,
    pub activation: Option<String>,
    pub error: Option<String>,
    pub dl: Option<String>,
    pub tolerance: Option<String>,
}

/// Which export columns (or W&B keys) hold what.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Run display name (default `Name`).
    pub name: Option<String>,
    /// L0 summary key (default `l0_norm`).
    pub l0: Option<String>,
    /// Reconstruction-error summary key (default `l2_loss`).
    pub error: Option<String>,
    /// Config key holding the layer (default `layer`).
    pub layer: Option<String>,
    /// Config key holding the dictionary size (default `dict_size`).
    pub dict_size: Option<String>,
    /// Config key holding the activation type (e.g. `sae_type`, `architecture`); default:
    /// read from the run's name.
    pub activation: Option<String>,
    /// Config key holding k (e.g. `k`, `top_k`); default: read from the run's name.
    pub k: Option<String>,
}

/// How a run's display name encodes activation, k, dictionary size and layer.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRule {
    /// Split the name on this string (default `_`).
    pub separator: Option<String>,
    /// Index of the activation part; negative counts from the end (default -3).
    pub activation: Option<isize>,
    /// Index of the k part (default -2).
    pub k: Option<isize>,
    /// Index of the dictionary-size part, if the name has one.
    pub dict_size: Option<isize>,
    /// Instead of splitting: a regex with named groups `activation`, `k`, and
    /// optionally `dict_size` and `layer`.
    pub regex: Option<String>,
    /// A regex whose first group (or group `layer`) is the layer, e.g. `^blocks\.(\d+)\.`.
    pub layer_regex: Option<String>,
}

/// Settings of the online fetch.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WandbProfile {
    /// API base URL (default `https://api.wandb.ai`; `WANDB_BASE_URL` wins).
    pub base_url: Option<String>,
    /// The web app's address for links to run pages (default: from `base_url`, with
    /// `api.wandb.ai` becoming `wandb.ai`; `MDL_FETCH_WEB_URL` wins).
    pub web_url: Option<String>,
    /// Run states to fetch, e.g. `["finished"]`; empty or unset takes every state.
    pub states: Option<Vec<String>>,
    /// Only runs with any of these tags.
    pub tags: Option<Vec<String>>,
    /// Only the runs of this sweep (its id).
    pub sweep: Option<String>,
    /// Only the runs of this group.
    pub group: Option<String>,
    /// An extra W&B filter (MongoDB-style JSON text), ANDed with the rest.
    pub filter: Option<String>,
    /// Runs asked for per page.
    pub page_size: Option<u32>,
    /// How many layers are fetched at once.
    pub concurrency: Option<usize>,
    /// Per-request timeout in seconds.
    pub timeout_secs: Option<f64>,
    /// Attempts per request before giving up.
    pub max_attempts: Option<u32>,
    /// Overall deadline for the whole fetch, in seconds.
    pub deadline_secs: Option<f64>,
    /// Extra config keys to fetch and keep as cache columns.
    pub config_keys: Option<Vec<String>>,
    /// Where fetched runs are cached (default `cache` in the project root); relative to the
    /// profile's folder.
    pub cache_dir: Option<PathBuf>,
}

/// One bundled export: which layer it holds (optional) and where it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportEntry {
    pub layer: Option<i64>,
    pub path: PathBuf,
}

/// One folder of run folders (`wandb/`), as `[[runs_dirs]]` with its `path`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunsDirEntry {
    pub path: PathBuf,
}

impl Profile {
    /// Reads and validates a profile; its relative paths become relative to its folder.
    pub fn load(path: &Path) -> anyhow::Result<Profile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read profile {}", path.display()))
            .map_err(|e| crate::error::Error::new(Kind::Input, format!("{e:#}")))?;
        Profile::parse(&text, path)
    }

    /// Parses and validates profile text as if read from `path` (which names it in errors
    /// and anchors its relative paths); `load` without the file system, for fuzzing.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Profile> {
        let mut profile: Profile = match toml::from_str(text) {
            Ok(profile) => profile,
            Err(e) => return fail(Kind::Input, describe_toml_error(path, text, &e)),
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let paths = (profile.exports.iter_mut().map(|entry| &mut entry.path))
            .chain(profile.runs_dirs.iter_mut().map(|entry| &mut entry.path))
            .chain(profile.out_dir.as_mut())
            .chain(profile.wandb.cache_dir.as_mut());
        for path in paths {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        Ok(profile)
    }
}

/// One line: file, line, what is wrong, and where the keys are documented.
fn describe_toml_error(path: &Path, text: &str, error: &toml::de::Error) -> String {
    let line = error
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
        .unwrap_or(1);
    let what = error.message().replace('\n', " ");
    format!(
        "{}:{line}: bad profile: {what}; see the README's profile keys",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relative_path_is_anchored_at_the_profiles_folder() {
        let text = "out_dir = \"../tables\"\n[wandb]\ncache_dir = \"runs-cache\"\n\
                    [[exports]]\npath = \"data/a.csv\"\n[[exports]]\npath = \"/abs/b.csv\"\n\
                    [[runs_dirs]]\npath = \"wandb\"\n";
        let profile = Profile::parse(text, Path::new("lab/config/p.toml")).unwrap();
        assert_eq!(profile.out_dir.unwrap(), Path::new("lab/config/../tables"));
        assert_eq!(
            profile.wandb.cache_dir.unwrap(),
            Path::new("lab/config/runs-cache")
        );
        let exports: Vec<_> = profile.exports.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            exports,
            [
                PathBuf::from("lab/config/data/a.csv"),
                PathBuf::from("/abs/b.csv")
            ]
        );
        assert_eq!(profile.runs_dirs[0].path, Path::new("lab/config/wandb"));
        // A profile named without a folder anchors at the working directory, as before.
        let here = Profile::parse("out_dir = \"t\"", Path::new("p.toml")).unwrap();
        assert_eq!(here.out_dir.unwrap(), Path::new("t"));
    }
}
