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
            crate::style::warn(&format!(
                "{} can be read by other users; run `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// The `password` of the first `machine` entry for `machine`, else of the `default` entry,
/// in netrc's grammar: whitespace-separated tokens, `"quoted tokens"` with backslash
/// escapes, `#` comments to the end of the line, `macdef` bodies up to a blank line, and
/// the token after `login`, `password` or `account` always a value, never a keyword.
pub fn netrc_password(text: &str, machine: &str) -> Option<String> {
    #[derive(PartialEq)]
    enum Entry {
        Other,
        Wanted,
        Default,
    }
    let mut lexer = NetrcLexer {
        text,
        at: 0,
        quoted: false,
    };
    let mut entry = Entry::Other;
    let mut fallback = None;
    while let Some(token) = lexer.token() {
        match token.as_str() {
            "machine" => {
                entry = match lexer.token() {
                    Some(name) if name == machine => Entry::Wanted,
                    _ => Entry::Other,
                }
            }
            "default" => entry = Entry::Default,
            "login" | "account" => {
                lexer.token();
            }
            "password" => match (lexer.token(), &entry) {
                (Some(password), Entry::Wanted) => return Some(password),
                (Some(password), Entry::Default) if fallback.is_none() => fallback = Some(password),
                _ => {}
            },
            "macdef" => {
                lexer.token();
                lexer.skip_macro_body();
                entry = Entry::Other;
            }
            _ if token.starts_with('#') && !lexer.quoted => lexer.skip_line(),
            _ => {}
        }
    }
    fallback
}

/// netrc's tokens, one at a time.
struct NetrcLexer<'a> {
    text: &'a str,
    at: usize,
    /// Whether the last token was quoted (a quoted `"#x"` starts no comment).
    quoted: bool,
}

impl NetrcLexer<'_> {
    /// The next token: a run of non-whitespace, or a `"..."` string whose backslashes
    /// escape the next character.
    fn token(&mut self) -> Option<String> {
        let rest = &self.text[self.at..];
        let start = rest.find(|c: char| !c.is_whitespace())?;
        self.at += start;
        let mut chars = self.text[self.at..].char_indices();
        let mut token = String::new();
        self.quoted = self.text[self.at..].starts_with('"');
        if self.quoted {
            chars.next();
            let mut escaped = false;
            for (offset, c) in chars.by_ref() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        self.at += offset + 1;
                        return Some(token);
                    }
                    _ => {
                        token.push(c);
                        escaped = false;
                    }
                }
            }
            self.at = self.text.len();
            return Some(token);
        }
        let end = self.text[self.at..]
            .find(char::is_whitespace)
            .map_or(self.text.len(), |end| self.at + end);
        token.push_str(&self.text[self.at..end]);
        self.at = end;
        Some(token)
    }

    /// Skips the rest of the current line (a comment).
    fn skip_line(&mut self) {
        self.at = self.text[self.at..]
            .find('\n')
            .map_or(self.text.len(), |end| self.at + end + 1);
    }

    /// Skips a macro's body: the lines after `macdef NAME` up to the first empty one.
    fn skip_macro_body(&mut self) {
        self.skip_line();
        while self.at < self.text.len() {
            let line_end = self.text[self.at..]
                .find('\n')
                .map_or(self.text.len(), |end| self.at + end);
            let line = &self.text[self.at..line_end];
            self.at = (line_end + 1).min(self.text.len());
            if line.trim_end_matches('\r').is_empty() {
                return;
            }
        }
    }
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

    fn password_of(text: &str) -> Option<String> {
        netrc_password(text, "h")
    }

    #[test]
    fn netrc_values_named_like_keywords_are_values() {
        assert_eq!(
            password_of("machine h login password password KEY").as_deref(),
            Some("KEY")
        );
        assert_eq!(
            password_of("machine h login machine password KEY").as_deref(),
            Some("KEY")
        );
        assert_eq!(
            password_of("machine h account default password KEY").as_deref(),
            Some("KEY")
        );
        assert_eq!(
            password_of("machine h password machine").as_deref(),
            Some("machine")
        );
        assert_eq!(password_of("machine x login h password NO"), None);
        assert_eq!(password_of("machine x password h").as_deref(), None);
    }

    #[test]
    fn netrc_quoted_tokens_take_spaces_and_escapes() {
        let text = "machine h login \"a user\" password \"k e\\\"y\\\\\"";
        assert_eq!(password_of(text).as_deref(), Some("k e\"y\\"));
        assert_eq!(
            password_of("machine \"h\" password \"#not-a-comment\"").as_deref(),
            Some("#not-a-comment")
        );
        assert_eq!(
            password_of("machine h password \"unterminated").as_deref(),
            Some("unterminated")
        );
    }

    #[test]
    fn netrc_comments_and_macros_are_skipped() {
        let text = "# machine h password COMMENTED\nmachine h # login x password NO\n password KEY\n";
        assert_eq!(password_of(text).as_deref(), Some("KEY"));
        let text = "macdef init\nmachine h password MACRO\ncd /\n\nmachine h password KEY\n";
        assert_eq!(password_of(text).as_deref(), Some("KEY"));
        let text = "macdef init\r\nmachine h password MACRO\r\n\r\nmachine h password KEY";
        assert_eq!(password_of(text).as_deref(), Some("KEY"));
        assert_eq!(password_of("macdef m\nmachine h password MACRO"), None);
    }

    #[test]
    fn netrc_first_machine_wins_then_default() {
        let text = "default login d password DEFAULT\nmachine h password FIRST\nmachine h password SECOND";
        assert_eq!(password_of(text).as_deref(), Some("FIRST"));
        assert_eq!(netrc_password(text, "other").as_deref(), Some("DEFAULT"));
        assert_eq!(password_of("machine h login only"), None);
        assert_eq!(password_of(""), None);
        assert_eq!(
            password_of("\t \n machine\th\tpassword\tTABS").as_deref(),
            Some("TABS")
        );
    }
}
