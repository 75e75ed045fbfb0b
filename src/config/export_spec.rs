//! `--export [LAYER=]PATH`: an export to replay, and how messages and artifacts name it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{fail, Kind};
use crate::model::project::ProjectRef;

/// An export to replay, and the layer it holds when the user said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpec {
    pub layer: Option<i64>,
    pub path: PathBuf,
    /// The name messages and artifacts use, when it is not the path (a `--check` fetch
    /// reads a throwaway copy of the cache but names the cache's files).
    pub label: Option<String>,
    /// The W&B project its runs are in, when known (a fetch's cache, or `--entity` given).
    pub project: Option<Arc<ProjectRef>>,
}

impl ExportSpec {
    /// How messages and artifacts name this export.
    pub fn label(&self) -> String {
        self.label
            .clone()
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// Parses `--export [LAYER=]PATH`, where a PATH the shell left as a pattern (quoted, or
    /// from a profile) names every file it matches, in name order.
    pub fn parse_all(text: &str) -> anyhow::Result<Vec<ExportSpec>> {
        let spec = ExportSpec::parse(text)?;
        let pattern = spec.path.to_string_lossy().into_owned();
        if spec.path.exists() || !pattern.contains(['*', '?', '[']) {
            return Ok(vec![spec]);
        }
        let matches = glob::glob(&pattern)
            .or_else(|e| fail(Kind::Usage, format!("--export {text}: not a valid pattern: {e}")))?;
        let paths: Vec<PathBuf> = matches
            .filter_map(Result::ok)
            .filter(|path| path.is_file())
            .collect();
        if paths.is_empty() {
            return fail(
                Kind::Usage,
                format!("--export {text}: no file matches the pattern"),
            );
        }
        let each = |path| ExportSpec { path, ..spec.clone() };
        Ok(paths.into_iter().map(each).collect())
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
                    project: None,
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
            project: None,
        })
    }
}
