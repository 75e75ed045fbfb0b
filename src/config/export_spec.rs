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
    /// The name messages and artifacts use, when it is not the path: a `--check` fetch
    /// reads a throwaway copy of the cache but names the cache's files, and an export that
    /// can be read only once (stdin, a pipe) is read from a copy but named as given.
    pub label: Option<String>,
    /// The W&B project its runs are in, when known (a fetch's cache, or `--entity` given).
    pub project: Option<Arc<ProjectRef>>,
}

/// The `--export` path that means stdin.
pub const STDIN_PATH: &str = "-";

/// How messages and artifacts name stdin given as `-`.
pub const STDIN_LABEL: &str = "stdin";

impl ExportSpec {
    /// Whether this export is stdin, given as `-`.
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == STDIN_PATH
    }

    /// Fails (a usage error) when more than one export is stdin: it can be read only once.
    pub fn check_one_stdin(exports: &[ExportSpec]) -> anyhow::Result<()> {
        match exports.iter().filter(|spec| spec.is_stdin()).count() {
            0 | 1 => Ok(()),
            _ => fail(
                Kind::Usage,
                "--export -: stdin can be read only once; give - to at most one --export",
            ),
        }
    }

    /// How messages and artifacts name this export.
    pub fn label(&self) -> String {
        match (&self.label, self.is_stdin()) {
            (Some(label), _) => label.clone(),
            (None, true) => STDIN_LABEL.to_string(),
            (None, false) => self.path.display().to_string(),
        }
    }

    /// Parses `--export [LAYER=]PATH`, where a PATH the shell left as a pattern (quoted, or
    /// from a profile) names every file it matches, in name order.
    pub fn parse_all(text: &str) -> anyhow::Result<Vec<ExportSpec>> {
        let spec = ExportSpec::parse(text)?;
        let pattern = spec.path.to_string_lossy().into_owned();
        // `exists` only looks at the path (it opens nothing): a pipe given here is unread.
        if spec.is_stdin() || spec.path.exists() || !pattern.contains(['*', '?', '[']) {
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
