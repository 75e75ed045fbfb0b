//! The tool's name and version, as the manifests record it and the user agent sends it.

/// `mdl-fetch 0.1.0`: the `tool` field of both manifests.
pub const TOOL: &str = concat!("mdl-fetch ", env!("CARGO_PKG_VERSION"));

/// `mdl-fetch/0.1.0`: the HTTP user agent.
pub const USER_AGENT: &str = concat!("mdl-fetch/", env!("CARGO_PKG_VERSION"));
