//! The one HTTP client: auth, user agent, timeouts, and retries per the policy in `retry.rs`.

use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;
use serde_json::{json, Value};

use super::gate::Gate;
use super::retry::{
    base_wait, decide, server_wait, status_is_transient, Failure, RetryWait, RetryWatch, Unwatched,
};
use super::secret::ApiKey;
use crate::config::base_url::check_address;
use crate::config::filter_check;
use crate::config::settings::FetchSettings;
use crate::error::{fail, Error, Kind};

/// Posts GraphQL requests to `{base}/graphql`, retrying what is worth retrying. Clones
/// share the connection pool and the gate: `--concurrency` requests in flight in all, and
/// a rate limit holds them all back.
#[derive(Clone)]
pub struct GraphQlClient {
    http: reqwest::Client,
    url: Url,
    auth: HeaderValue,
    max_attempts: u32,
    base_wait: Duration,
    deadline: Instant,
    verbose: u8,
    gate: std::sync::Arc<Gate>,
    /// The user's `--filter` (or the profile's) as the run filters carry it.
    user_filter: Option<String>,
}

/// The `host[:port]` netrc and messages use for a base URL.
pub fn machine_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Parses the base URL; plain `http://` only for loopback or with `MDL_FETCH_ALLOW_HTTP=1`.
/// A user name or password in it is refused (the key goes in `WANDB_API_KEY` or netrc),
/// and never printed.
pub fn parse_base_url(base: &str) -> anyhow::Result<Url> {
    let url = check_address(base, "base URL")?;
    match url.scheme() {
        "http" if !is_loopback(&url) && std::env::var("MDL_FETCH_ALLOW_HTTP").as_deref() != Ok("1") => fail(
            Kind::Usage,
            format!(
                "refusing to send the API key over plain http to {}; use https, or set MDL_FETCH_ALLOW_HTTP=1 if you trust the network",
                machine_of(&url)
            ),
        ),
        _ => Ok(url),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

impl GraphQlClient {
    /// The client for `base`; says first what of the user's filter W&B does not document.
    pub fn new(settings: &FetchSettings, base: &Url, key: &ApiKey, verbose: u8) -> anyhow::Result<Self> {
        if let Some(line) = settings.runs.extra.as_ref().and_then(filter_check::warning) {
            crate::style::warn(&line);
        }
        let http = reqwest::Client::builder()
            .user_agent(crate::about::USER_AGENT)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .redirect(redirect_policy())
            .build()
            .map_err(|e| Error::new(Kind::Network, format!("cannot set up HTTPS: {e}")))?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("api:{}", key.expose()));
        let mut auth = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| Error::new(Kind::Auth, "the API key holds characters a header cannot carry"))?;
        auth.set_sensitive(true);
        let url = base
            .join(&format!("{}/graphql", base.path().trim_end_matches('/')))
            .map_err(|e| Error::new(Kind::Usage, format!("bad base URL: {e}")))?;
        Ok(GraphQlClient {
            http,
            url,
            auth,
            max_attempts: settings.max_attempts,
            base_wait: base_wait(),
            // Past a century is no deadline at all; capping it keeps the sum in range.
            deadline: Instant::now() + settings.deadline.min(Duration::from_secs(100 * 365 * 86_400)),
            verbose,
            gate: std::sync::Arc::new(Gate::new(settings.concurrency)),
            user_filter: settings.runs.extra.as_ref().map(Value::to_string),
        })
    }

    pub fn host(&self) -> String {
        machine_of(&self.url)
    }

    /// Sends one query and returns the body of a 2xx answer; `what` names it in messages.
    pub async fn post(&self, query: &str, variables: Value, what: &str) -> anyhow::Result<bytes::Bytes> {
        self.post_watched(query, variables, what, &Unwatched).await
    }

    /// `post`, telling `watch` of each wait before a retry and of the retry.
    pub async fn post_watched(
        &self,
        query: &str,
        variables: Value,
        what: &str,
        watch: &dyn RetryWatch,
    ) -> anyhow::Result<bytes::Bytes> {
        let filtered_first_page = self.filtered_first_page(&variables);
        let mut every_500 = true;
        let body = json!({ "query": query, "variables": variables }).to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            // The deadline bounds the request in flight too, not only the waits between, and
            // the wait for a slot at the gate.
            let gated = async {
                let _slot = self.gate.enter().await;
                self.send(&body, what).await
            };
            let sent = tokio::time::timeout_at(self.deadline.into(), gated).await;
            let Ok(sent) = sent else {
                return fail(
                    Kind::Network,
                    format!("{what}: the --deadline ran out with a request in flight (attempt {attempt}); try later, or raise --deadline"),
                );
            };
            let (reason, server_says, slow_down, status) = match sent {
                Ok(Reply::Body(bytes)) => {
                    if self.verbose >= 2 {
                        crate::terminal_lines::say(&format!(
                            "{what}: {} bytes in {:.0?}",
                            bytes.len(),
                            started.elapsed()
                        ));
                    }
                    return Ok(bytes);
                }
                Ok(Reply::Transient {
                    reason,
                    wait,
                    slow_down,
                    status,
                }) => (reason, wait, slow_down, Some(status)),
                Ok(Reply::Permanent(error)) => return Err(error.into()),
                Err(reason) => (reason, None, false, None),
            };
            every_500 &= status == Some(500);
            let failure = Failure {
                attempt,
                max_attempts: self.max_attempts,
                reason: &reason,
                server_says,
                refused_filter: filtered_first_page.filter(|_| every_500),
            };
            let left = self.deadline.saturating_duration_since(Instant::now());
            let wait = decide(&failure, self.base_wait, left)
                .map_err(|why| Error::new(Kind::Network, format!("{what}: {why}")))?;
            if slow_down {
                // Every request of the fetch waits, not only this one.
                self.gate.pause_for(wait);
            }
            if self.verbose >= 1 {
                crate::terminal_lines::say(&format!(
                    "retry {}/{} of {what} in {:.1}s: {reason}",
                    attempt + 1,
                    self.max_attempts,
                    wait.as_secs_f64()
                ));
            }
            watch.waiting(&RetryWait {
                wait,
                reason,
                next_attempt: attempt + 1,
                max_attempts: self.max_attempts,
            });
            tokio::time::sleep(wait).await;
            watch.retrying();
        }
    }

    /// The user's filter, when `variables` ask for the first page (or the count) of runs
    /// under a filter that carries it: where a backend that cannot run it answers HTTP 500.
    fn filtered_first_page(&self, variables: &Value) -> Option<&str> {
        let filter = self.user_filter.as_deref()?;
        let filters = variables.get("filters")?.as_str()?;
        let first = variables.get("cursor").is_none_or(Value::is_null);
        (first && filters.contains(filter)).then_some(filter)
    }

    async fn send(&self, body: &str, what: &str) -> Result<Reply, String> {
        let sent = self
            .http
            .post(self.url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) if e.is_redirect() => {
                return Ok(Reply::Permanent(Error::new(
                    Kind::Protocol,
                    format!(
                        "{what}: {} redirected {}; set WANDB_BASE_URL to the server's real address",
                        self.host(),
                        describe_reqwest(&e)
                    ),
                )))
            }
            Err(e) => return Err(describe_reqwest(&e)),
        };
        let status = response.status().as_u16();
        // Where the answer came from: another origin than the configured one means a
        // redirect was followed, without the key (reqwest drops it on a change of origin).
        let elsewhere = (response.url().origin() != self.url.origin()).then(|| machine_of(response.url()));
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
            return Ok(Reply::Permanent(Error::new(
                if matches!(status, 401 | 403) { Kind::Auth } else { Kind::Protocol },
                format!(
                    "{what}: {} redirected to {other}, which answered HTTP {status}; the API key is sent only to {}: if {other} is your W&B server, set WANDB_BASE_URL to it",
                    self.host(),
                    self.host()
                ),
            )));
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
        Ok(Reply::Permanent(self.permanent(status, &bytes, is_html, what)))
    }

    fn permanent(&self, status: u16, body: &[u8], is_html: bool, what: &str) -> Error {
        let host = self.host();
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
                format!("{what}: {} answered HTTP 404; check WANDB_BASE_URL: it should be the server's root, like https://api.wandb.ai", self.url),
            ),
            _ => {
                let start = String::from_utf8_lossy(&body[..body.len().min(80)]).replace(['\n', '\r'], " ");
                Error::new(Kind::Protocol, format!("{what}: {} answered HTTP {status}: {start}", self.url))
            }
        }
    }
}

/// Follows up to 5 redirects, never from https to plain http. reqwest itself drops the
/// Authorization header when a redirect changes the host, port or scheme, so the key
/// reaches only the configured origin.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let downgrade = attempt
            .previous()
            .last()
            .is_some_and(|from| from.scheme() == "https" && attempt.url().scheme() != "https");
        if downgrade {
            attempt.error("from https to plain http")
        } else if attempt.previous().len() > 5 {
            attempt.error("more than 5 times")
        } else {
            attempt.follow()
        }
    })
}

enum Reply {
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

/// One line about a transport failure, without the URL's query or any header.
fn describe_reqwest(error: &reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_refused_and_never_shown() {
        for base in [
            "http://alice:pw-SECRET@127.0.0.1:8080/",
            "https://alice:pw-SECRET@api.wandb.ai",
            "https://pw-SECRET@api.wandb.ai/x",
            "https://:pw-SECRET@api.wandb.ai",
            "http://alice:pw-SECRET@",
            "https://a@b:pw-SECRET@host/path@x",
        ] {
            let error = parse_base_url(base).unwrap_err();
            assert_eq!(crate::error::exit_code_of(&error), 2, "{base}");
            let line = format!("{error:#}");
            assert!(
                !line.contains("SECRET") && !line.contains("alice"),
                "{base}: {line}"
            );
            assert!(line.contains("***@"), "{base}: {line}");
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        if std::env::var_os("MDL_FETCH_ALLOW_HTTP").is_some() {
            return;
        }
        for base in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:1234/",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]:8080",
            "https://api.wandb.ai",
            "https://10.0.0.1",
        ] {
            assert!(parse_base_url(base).is_ok(), "{base}");
        }
        for base in [
            "http://api.wandb.ai",
            "http://0.0.0.0:80",
            "http://[::]:80",
            "http://[::ffff:10.0.0.1]",
            "http://localhost.evil.example",
            "ftp://localhost",
            "not a url",
        ] {
            let error = parse_base_url(base).unwrap_err();
            assert_eq!(crate::error::exit_code_of(&error), 2, "{base}");
        }
    }
}
