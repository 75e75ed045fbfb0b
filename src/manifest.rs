//! `manifest.json`: where every number came from: tool, settings, inputs and outputs with
//! their sha256, the API source, skipped runs, and the time. Never the key.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::skips::Skips;
use crate::source::cache::{hex, sha256_of, CacheManifest};
use crate::table::InputFile;

pub const FILE_NAME: &str = "manifest.json";

/// How the inputs were obtained.
#[derive(Debug, Clone)]
pub enum Provenance {
    /// Files named with `--export`.
    Exports,
    /// The profile's bundled exports.
    Bundled,
    /// A cache written by an earlier fetch.
    Cache(CacheManifest),
    /// A fetch made by this run.
    Fetched(CacheManifest),
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: String,
    pub generated_at: String,
    pub settings: serde_json::Value,
    /// sha256 of the settings above, so two manifests can be compared at a glance.
    pub settings_sha256: String,
    pub profile: Option<FileDigest>,
    pub source: Source,
    pub inputs: Vec<Input>,
    pub outputs: Vec<FileDigest>,
    pub skipped: SkippedRuns,
}

#[derive(Debug, Serialize)]
pub struct Source {
    /// `exports`, `bundled`, `cache` or `fetch`.
    pub kind: &'static str,
    /// The W&B side, for `cache` and `fetch`.
    pub api: Option<CacheManifest>,
}

#[derive(Debug, Serialize)]
pub struct FileDigest {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct Input {
    pub file: String,
    pub layer: Option<i64>,
    pub sha256: String,
    pub rows: u64,
    pub runs: u64,
    pub skipped: u64,
}

#[derive(Debug, Serialize)]
pub struct SkippedRuns {
    pub count: u64,
    pub examples: Vec<String>,
}

impl Source {
    pub fn of(provenance: &Provenance) -> Source {
        match provenance {
            Provenance::Exports => Source {
                kind: "exports",
                api: None,
            },
            Provenance::Bundled => Source {
                kind: "bundled",
                api: None,
            },
            Provenance::Cache(manifest) => Source {
                kind: "cache",
                api: Some(manifest.clone()),
            },
            Provenance::Fetched(manifest) => Source {
                kind: "fetch",
                api: Some(manifest.clone()),
            },
        }
    }
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Digests of the inputs that were read.
pub fn inputs(files: &[InputFile]) -> anyhow::Result<Vec<Input>> {
    files
        .iter()
        .map(|input| {
            Ok(Input {
                file: input.file.clone(),
                layer: input.layer,
                sha256: sha256_of(std::path::Path::new(&input.file))?,
                rows: input.rows,
                runs: input.runs,
                skipped: input.skipped,
            })
        })
        .collect()
}

pub fn skipped(skips: &Skips) -> SkippedRuns {
    SkippedRuns {
        count: skips.count,
        examples: skips.examples.clone(),
    }
}
