//! The tool's name and version, as the manifests record it and the user agent sends it.

/// `mdl-fetch 0.1.0`: the `tool` field of both manifests.
pub const TOOL: &str = concat!("mdl-fetch ", env!("CARGO_PKG_VERSION"));

/// `mdl-fetch/0.1.0`: the HTTP user agent.
pub const USER_AGENT: &str = concat!("mdl-fetch/", env!("CARGO_PKG_VERSION"));

/// `0.1.0 (c92aae2 2025-03-27)`: the version `--version` prints, with the commit it was
/// built from (short hash and date) when the build could tell; else the bare version.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("MDL_FETCH_COMMIT_SUFFIX"));
