//! The one HTTP client: auth, user agent, timeouts, and retries per the policy in `retry.rs`.

use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;
use serde_json::{json, Value};

use super::retry::{backoff, base_wait, server_wait, status_is_transient};
use super::secret::ApiKey;
use crate::error::{fail, Error, Kind};
use crate::settings::FetchSettings;

/// Posts GraphQL requests to `{base}/graphql`, retrying what is worth retrying.
pub struct GraphQlClient {
    http: reqwest::Client,
    url: Url,
    auth: HeaderValue,
    max_attempts: u32,
    base_wait: Duration,
    deadline: Instant,
    verbose: u8,
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
pub fn parse_base_url(base: &str) -> anyhow::Result<Url> {
    let url = match Url::parse(base) {
        Ok(url) if url.host_str().is_some() => url,
        _ => {
            return fail(
                Kind::Usage,
                format!("base URL {base:?} is not a URL; set WANDB_BASE_URL like https://api.wandb.ai"),
            )
        }
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) || std::env::var("MDL_FETCH_ALLOW_HTTP").as_deref() == Ok("1") => Ok(url),
        "http" => fail(
            Kind::Usage,
            format!(
                "refusing to send the API key over plain http to {}; use https, or set MDL_FETCH_ALLOW_HTTP=1 if you trust the network",
                machine_of(&url)
            ),
        ),
        other => fail(Kind::Usage, format!("base URL scheme {other:?} is not http(s)")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl GraphQlClient {
    pub fn new(settings: &FetchSettings, base: &Url, key: &ApiKey, verbose: u8) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("mdl-fetch/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::limited(5))
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
            deadline: Instant::now() + settings.deadline,
            verbose,
        })
    }

    pub fn host(&self) -> String {
        machine_of(&self.url)
    }

    /// Sends one query and returns the body of a 2xx answer; `what` names it in messages.
    pub async fn post(&self, query: &str, variables: Value, what: &str) -> anyhow::Result<bytes::Bytes> {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let (reason, server_says) = match self.send(&body).await {
                Ok(Reply::Body(bytes)) => {
                    if self.verbose >= 2 {
                        eprintln!("{what}: {} bytes in {:.0?}", bytes.len(), started.elapsed());
                    }
                    return Ok(bytes);
                }
                Ok(Reply::Transient(reason, wait)) => (reason, wait),
                Ok(Reply::Permanent(error)) => return Err(error.into()),
                Err(reason) => (reason, None),
            };
            let wait = backoff(attempt, self.base_wait, server_says);
            if attempt >= self.max_attempts {
                return fail(
                    Kind::Network,
                    format!(
                        "{what}: gave up after {attempt} attempts, last: {reason}; W&B may be down or rate-limiting: try later, or raise --max-attempts"
                    ),
                );
            }
            if Instant::now() + wait > self.deadline {
                return fail(
                    Kind::Network,
                    format!("{what}: the --deadline ran out after {attempt} attempts, last: {reason}; try later, or raise --deadline"),
                );
            }
            if self.verbose >= 1 {
                eprintln!(
                    "retry {}/{} of {what} in {:.1}s: {reason}",
                    attempt + 1,
                    self.max_attempts,
                    wait.as_secs_f64()
                );
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn send(&self, body: &str) -> Result<Reply, String> {
        let response = self
            .http
            .post(self.url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| describe_reqwest(&e))?;
        let status = response.status().as_u16();
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
        let bytes = response.bytes().await.map_err(|e| describe_reqwest(&e))?;
        if (200..300).contains(&status) {
            return Ok(Reply::Body(bytes));
        }
        if status_is_transient(status) {
            return Ok(Reply::Transient(format!("HTTP {status}"), wait));
        }
        Ok(Reply::Permanent(self.permanent(status, &bytes, is_html)))
    }

    fn permanent(&self, status: u16, body: &[u8], is_html: bool) -> Error {
        let host = self.host();
        match status {
            401 => Error::new(
                Kind::Auth,
                format!("{host} rejected the API key (HTTP 401); check WANDB_API_KEY or the netrc entry for {host}"),
            ),
            403 => Error::new(
                Kind::Auth,
                format!(
                    "{host} refused access (HTTP 403{}); check that this key's user can see the entity and project",
                    if is_html { ", an HTML page, perhaps from a proxy" } else { "" }
                ),
            ),
            404 => Error::new(
                Kind::Protocol,
                format!("{} answered HTTP 404; check WANDB_BASE_URL: it should be the server's root, like https://api.wandb.ai", self.url),
            ),
            _ => {
                let start = String::from_utf8_lossy(&body[..body.len().min(80)]).replace(['\n', '\r'], " ");
                Error::new(Kind::Protocol, format!("{} answered HTTP {status}: {start}", self.url))
            }
        }
    }
}

enum Reply {
    Body(bytes::Bytes),
    Transient(String, Option<Duration>),
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
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({detail})")
    }
}
