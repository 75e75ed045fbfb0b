//! One answer sorted for the retry loop: a body to return, a transient failure to wait out
//! (with the wait the server asked for), or a permanent failure with the message that says
//! what to check; and transport failures in one line without the URL's query or a header.

use std::time::Duration;

use reqwest::Url;

use super::address::machine_of;
use super::retry::{server_wait, status_is_transient};
use crate::error::{Error, Kind};

pub enum Reply {
    Body(bytes::Bytes),
    /// Why, the wait the server asked for, whether the server asked to slow down (a 429,
    /// or any `Retry-After`: then the whole fetch pauses), and the HTTP status.
    Transient {
        reason: String,
        wait: Option<Duration>,
        slow_down: bool,
        status: u16,
    },
    Permanent(Error),
}

/// Sorts the answer to a request sent to `url` (the configured `{base}/graphql`);
/// `Err` with a line about it when its body was cut off.
pub async fn read_reply(response: reqwest::Response, url: &Url, what: &str) -> Result<Reply, String> {
    let status = response.status().as_u16();
    // Where the answer came from: another origin than the configured one means a
    // redirect was followed, without the key (reqwest drops it on a change of origin).
    let elsewhere = (response.url().origin() != url.origin()).then(|| machine_of(response.url()));
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let wait = server_wait(
        header("retry-after").as_deref(),
        header("ratelimit-reset").as_deref(),
    );
    let is_html = header("content-type").is_some_and(|t| t.contains("html"));
    // An answer from another origin is never data, whatever its status: the key was
    // withheld there, and what it sent is not the configured server's.
    if let Some(other) = elsewhere {
        return Ok(Reply::Permanent(answered_elsewhere(url, &other, status, what)));
    }
    let bytes = response.bytes().await.map_err(|e| describe_reqwest(&e))?;
    if (200..300).contains(&status) {
        return Ok(Reply::Body(bytes));
    }
    if status_is_transient(status) {
        return Ok(Reply::Transient {
            reason: format!("HTTP {status}"),
            wait,
            slow_down: status == 429 || wait.is_some(),
            status,
        });
    }
    Ok(Reply::Permanent(permanent(url, status, &bytes, is_html, what)))
}

/// A request to `url` that `other` answered after a redirect.
fn answered_elsewhere(url: &Url, other: &str, status: u16, what: &str) -> Error {
    let host = machine_of(url);
    Error::new(
        if matches!(status, 401 | 403) { Kind::Auth } else { Kind::Protocol },
        format!(
            "{what}: {host} redirected to {other}, which answered HTTP {status}; the API key is sent only to {host}: if {other} is your W&B server, set WANDB_BASE_URL to it"
        ),
    )
}

/// A request to `url` that a redirect was refused for.
pub fn refused_redirect(url: &Url, error: &reqwest::Error, what: &str) -> Error {
    Error::new(
        Kind::Protocol,
        format!(
            "{what}: {} redirected {}; set WANDB_BASE_URL to the server's real address",
            machine_of(url),
            describe_reqwest(error)
        ),
    )
}

fn permanent(url: &Url, status: u16, body: &[u8], is_html: bool, what: &str) -> Error {
    let host = machine_of(url);
    match status {
        401 => Error::new(
            Kind::Auth,
            format!("{what}: {host} rejected the API key (HTTP 401); check WANDB_API_KEY or the netrc entry for {host}"),
        ),
        403 => Error::new(
            Kind::Auth,
            format!(
                "{what}: {host} refused access (HTTP 403{}); check that this key's user can see the entity and project",
                if is_html { ", an HTML page, perhaps from a proxy" } else { "" }
            ),
        ),
        404 => Error::new(
            Kind::Protocol,
            format!("{what}: {url} answered HTTP 404; check WANDB_BASE_URL: it should be the server's root, like https://api.wandb.ai"),
        ),
        _ => {
            let start = String::from_utf8_lossy(&body[..body.len().min(80)]).replace(['\n', '\r'], " ");
            Error::new(Kind::Protocol, format!("{what}: {url} answered HTTP {status}: {start}"))
        }
    }
}

/// One line about a transport failure, without the URL's query or any header.
pub fn describe_reqwest(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "no answer within --timeout"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut off"
    } else {
        "the connection failed"
    };
    let detail = innermost_cause(error);
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({detail})")
    }
}

/// The text of the deepest cause under a reqwest error (empty when it has none).
fn innermost_cause(error: &reqwest::Error) -> String {
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    detail
}
