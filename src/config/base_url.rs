//! The W&B base URL and web address as settings: parsed with the `url` crate, refused when
//! they hold a user name or password, and shown only with that part redacted.

use url::Url;

use crate::error::{fail, Kind};

/// `text` made safe to print or write: a URL's user name and password are shown as `***`.
///
/// What counts as userinfo is what the `url` crate parses as such (`http:/u:p@h`,
/// `https:u:p@h`, `http:\\u:p@h` and `http:///u:p@h` are all `u:p` at host `h`, as a
/// browser reads them). Text that does not parse as a URL but holds an `@` has everything
/// before its last `@` hidden, but for a leading `http:` or `https:`.
pub fn redact(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) if has_userinfo(&url) => {
            let hidden = url.set_username("***").is_ok() && url.set_password(None).is_ok();
            match hidden {
                true => url.to_string(),
                false => hide_before_last_at(text),
            }
        }
        Ok(url) if url.cannot_be_a_base() || url.host_str().is_none() => hide_before_last_at(text),
        Ok(_) => text.to_string(),
        Err(_) => hide_before_last_at(text),
    }
}

fn has_userinfo(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// Everything before the last `@` as `***`, keeping a leading `http(s):` and the slashes
/// after it; text without an `@` as it is.
fn hide_before_last_at(text: &str) -> String {
    let Some(at) = text.rfind('@') else {
        return text.to_string();
    };
    let scheme_end = scheme_length(text).map_or(0, |length| {
        let after = &text[length..];
        length + after.len() - after.trim_start_matches(['/', '\\']).len()
    });
    let kept = &text[..scheme_end.min(at)];
    format!("{kept}***{}", &text[at..])
}

/// The length of a leading `http:` or `https:`, in any case.
fn scheme_length(text: &str) -> Option<usize> {
    let colon = text.find(':')?;
    let scheme = text[..colon].to_ascii_lowercase();
    matches!(scheme.as_str(), "http" | "https").then_some(colon + 1)
}

/// An address a setting gives (`WANDB_BASE_URL`, `MDL_FETCH_WEB_URL`, the profile's
/// `wandb.base_url` or `wandb.web_url`): an http(s) URL with a host and no user name or
/// password, whether or not the run asks the server anything (run links are built from
/// it). `what` names the setting in the error.
pub fn check_address(text: &str, what: &str) -> anyhow::Result<Url> {
    let url = match Url::parse(text.trim()) {
        Ok(url) if url.host_str().is_some_and(|host| !host.is_empty()) => url,
        Ok(url) if has_userinfo(&url) => return userinfo_error(text, what),
        _ if text.contains('@') => return userinfo_error(text, what),
        _ => {
            return fail(
                Kind::Usage,
                format!(
                    "{what} {:?} is not a URL; give one like https://api.wandb.ai",
                    redact(text)
                ),
            )
        }
    };
    if has_userinfo(&url) {
        return userinfo_error(text, what);
    }
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => fail(
            Kind::Usage,
            format!("{what} {}: scheme {other:?} is not http(s)", redact(text)),
        ),
    }
}

fn userinfo_error<T>(text: &str, what: &str) -> anyhow::Result<T> {
    fail(
        Kind::Usage,
        format!(
            "{what} {} holds a user name or password; give the server's address alone, and the key in WANDB_API_KEY or netrc",
            redact(text)
        ),
    )
}

#[cfg(test)]
mod tests;
