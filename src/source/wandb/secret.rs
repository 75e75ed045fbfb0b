//! The API key: found in `WANDB_API_KEY` or netrc (never a flag), and never printed.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{fail, Kind};

/// An API key. `Debug` and `Display` print a placeholder; only `expose` gives the text.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the one place that builds the auth header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where a key was found, for `-v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    Netrc(PathBuf),
}

/// `WANDB_API_KEY`, else the netrc entry for `machine` (host[:port] of the base URL).
pub fn discover_key(machine: &str) -> anyhow::Result<(ApiKey, KeySource)> {
    if let Some(key) = std::env::var("WANDB_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
    {
        return Ok((ApiKey::new(key.trim()), KeySource::Env));
    }
    let path = netrc_path();
    if let Some(path) = &path {
        if let Ok(text) = std::fs::read_to_string(path) {
            warn_if_readable_by_others(path);
            if let Some(password) = netrc_password(&text, machine) {
                return Ok((ApiKey::new(password), KeySource::Netrc(path.clone())));
            }
        }
    }
    let shown = path.map_or_else(|| "~/.netrc".into(), |p| p.display().to_string());
    fail(
        Kind::Auth,
        format!("no W&B API key: set WANDB_API_KEY, or add `machine {machine} login user password <key>` to {shown}"),
    )
}

/// `$NETRC`, else `~/.netrc`.
fn netrc_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".netrc"))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: {} can be read by other users; run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// The `password` of the `machine` entry (else of `default`), in netrc's token grammar.
pub fn netrc_password(text: &str, machine: &str) -> Option<String> {
    enum Entry {
        Other,
        Wanted,
        Default,
    }
    let mut tokens = text.split_whitespace();
    let mut entry = Entry::Other;
    let mut fallback = None;
    while let Some(token) = tokens.next() {
        match token {
            "machine" if tokens.next() == Some(machine) => entry = Entry::Wanted,
            "machine" | "macdef" => entry = Entry::Other,
            "default" => entry = Entry::Default,
            "password" => match (&entry, tokens.next()) {
                (Entry::Wanted, Some(password)) => return Some(password.to_string()),
                (Entry::Default, Some(password)) => fallback = Some(password.to_string()),
                _ => {}
            },
            _ => {}
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_never_prints() {
        let key = ApiKey::new("sekrit-0123456789");
        assert!(!format!("{key:?} {key}").contains("sekrit"));
    }

    #[test]
    fn netrc_finds_the_machine_entry() {
        let text =
            "machine other.host login a password nope\nmachine api.wandb.ai\n  login user\n  password k123\n";
        assert_eq!(netrc_password(text, "api.wandb.ai").as_deref(), Some("k123"));
        assert_eq!(netrc_password(text, "127.0.0.1:8080"), None);
        let with_port = "machine 127.0.0.1:8080 login user password local";
        assert_eq!(
            netrc_password(with_port, "127.0.0.1:8080").as_deref(),
            Some("local")
        );
    }
}
