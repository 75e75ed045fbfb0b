//! `manifest.json`: where every number came from: tool, settings, inputs with their BLAKE3
//! digest, outputs with their sha256, the API source, skipped runs, and the time. Never the
//! key.

use serde::Serialize;

use super::digest::sha256_hex;
use crate::model::skips::Skips;
use crate::model::table::{InputFile, MdlTable};
use crate::store::cache::{sha256_of, CacheManifest};
use crate::store::staging::Staging;

pub const FILE_NAME: &str = super::staging::SEAL;

/// How the inputs were obtained.
#[derive(Debug, Clone)]
pub enum Provenance {
    /// Files named with `--export`.
    Exports,
    /// The profile's bundled exports.
    Bundled,
    /// The caches (one per project) written by earlier fetches.
    Cache(Vec<CacheManifest>),
    /// A fetch made by this run: each project's cache.
    Fetched(Vec<CacheManifest>),
    /// Run folders (`--runs-dir`) alone.
    RunFolders,
}

#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub tool: String,
    pub generated_at: String,
    pub settings: serde_json::Value,
    /// sha256 of the settings above, so two manifests can be compared at a glance.
    pub settings_sha256: String,
    pub profile: Option<FileDigest>,
    pub source: Source,
    /// The inputs that were read, with the BLAKE3 digests taken as they were read (fast
    /// enough to cost little beside the reading; `b3sum` checks them).
    pub inputs: &'a [InputFile],
    pub outputs: Vec<FileDigest>,
    pub skipped: &'a Skips,
}

#[derive(Debug, Serialize)]
pub struct Source {
    /// `exports`, `bundled`, `cache` or `fetch`.
    pub kind: &'static str,
    /// The W&B side, for `cache` and `fetch`: the (first) project's cache.
    pub api: Option<CacheManifest>,
    /// The other projects' caches, when the table is made of several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more_projects: Vec<CacheManifest>,
}

#[derive(Debug, Serialize)]
pub struct FileDigest {
    pub file: String,
    pub sha256: String,
}

impl Source {
    pub fn of(provenance: &Provenance) -> Source {
        let (kind, caches): (_, &[CacheManifest]) = match provenance {
            Provenance::Exports => ("exports", &[]),
            Provenance::Bundled => ("bundled", &[]),
            Provenance::RunFolders => ("run-folders", &[]),
            Provenance::Cache(caches) => ("cache", caches),
            Provenance::Fetched(caches) => ("fetch", caches),
        };
        Source {
            kind,
            api: caches.first().cloned(),
            more_projects: caches.iter().skip(1).cloned().collect(),
        }
    }
}

impl Provenance {
    /// Where the inputs came from, in words, for a reader: the same for a fetch and for a
    /// replay of the cache it wrote, since they read the same files.
    pub fn in_words(&self) -> String {
        match self {
            Provenance::Exports => "exports named with --export".into(),
            Provenance::Bundled => "the profile's bundled exports".into(),
            Provenance::RunFolders => "W&B run folders named with --runs-dir".into(),
            Provenance::Cache(caches) | Provenance::Fetched(caches) => {
                let projects: Vec<String> = (caches.iter())
                    .map(|cache| format!("{}/{}", cache.entity, cache.project))
                    .collect();
                format!("the cache of W&B project {}", projects.join(", "))
            }
        }
    }
}

/// The sha256 the manifest gives its settings: of their compact JSON text.
pub fn settings_sha256(settings_json: &serde_json::Value) -> String {
    sha256_hex(settings_json.to_string().as_bytes())
}

/// Each staged artifact with its sha256: the manifest's `outputs`.
pub fn output_digests(staging: &Staging) -> anyhow::Result<Vec<FileDigest>> {
    staging
        .staged()
        .map(|(name, path, known)| {
            Ok(FileDigest {
                file: name.to_string(),
                sha256: match known {
                    Some(sha256) => sha256.to_string(),
                    None => sha256_of(path)?,
                },
            })
        })
        .collect()
}

/// The `outputs` a manifest's text lists, as (file, sha256) pairs sorted by file; `None`
/// when it is not a manifest (not JSON, or no such list).
pub fn listed_outputs(text: &[u8]) -> Option<Vec<(String, String)>> {
    let json: serde_json::Value = serde_json::from_slice(text).ok()?;
    let mut listed = (json.get("outputs")?.as_array()?.iter())
        .map(|output| {
            let field = |key: &str| output.get(key)?.as_str().map(str::to_string);
            Some((field("file")?, field("sha256")?))
        })
        .collect::<Option<Vec<_>>>()?;
    listed.sort();
    Some(listed)
}

/// The provenance record written beside the artifacts: the settings as
/// `config::record::settings_record` gives them, the profile at `profile_path` by digest,
/// the source, the inputs and outputs with theirs, and the skipped runs.
pub fn render(
    settings_json: serde_json::Value,
    profile_path: Option<&std::path::Path>,
    table: &MdlTable,
    provenance: &Provenance,
    staging: &Staging,
) -> anyhow::Result<String> {
    let profile = match profile_path {
        Some(path) => Some(FileDigest {
            file: path.display().to_string(),
            sha256: sha256_of(path)?,
        }),
        None => None,
    };
    let outputs = output_digests(staging)?;
    let document = Manifest {
        tool: crate::about::TOOL.into(),
        generated_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        settings_sha256: settings_sha256(&settings_json),
        settings: settings_json,
        profile,
        source: Source::of(provenance),
        inputs: &table.inputs,
        outputs,
        skipped: &table.skips,
    };
    Ok(serde_json::to_string_pretty(&document)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_outputs_are_read_sorted_and_anything_else_is_not_a_manifest() {
        let text = br#"{"outputs":[{"file":"b.md","sha256":"02"},{"file":"a.md","sha256":"01"}]}"#;
        assert_eq!(
            listed_outputs(text),
            Some(vec![("a.md".into(), "01".into()), ("b.md".into(), "02".into())])
        );
        for text in [&b"not json"[..], b"{}", br#"{"outputs":[{"file":"a.md"}]}"#] {
            assert_eq!(listed_outputs(text), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn inputs_and_skips_are_written_with_the_digest_in_place() {
        let inputs = [InputFile {
            layer: None,
            ..InputFile::example()
        }];
        let skips = Skips {
            count: 7,
            examples: vec!["a".into()],
        };
        assert_eq!(
            serde_json::to_string(&inputs[..]).unwrap(),
            r#"[{"file":"layer-6.csv","layer":null,"blake3":"ab12","rows":3,"runs":2,"skipped":1}]"#
        );
        assert_eq!(
            serde_json::to_string(&skips).unwrap(),
            r#"{"count":7,"examples":["a"]}"#
        );
    }
}
