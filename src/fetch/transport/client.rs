//! The one HTTP client: auth, user agent, timeouts, and retries per the policy in `retry.rs`;
//! where requests go is `address.rs`, and how an answer is sorted `reply.rs`.

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use reqwest::Url;
use serde_json::{json, Value};

use super::address::{machine_of, redirect_policy};
use super::gate::Gate;
use super::reply::{describe_reqwest, read_reply, refused_redirect, Reply};
use super::retry::{base_wait, decide, Failure, RetryWait, RetryWatch, Unwatched};
use super::secret::ApiKey;
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
    /// Sent as HTTP Basic auth (user `api`), which reqwest marks sensitive; `Debug` and
    /// `Display` of the key print a placeholder.
    key: ApiKey,
    max_attempts: u32,
    base_wait: Duration,
    deadline: Instant,
    verbose: u8,
    gate: std::sync::Arc<Gate>,
    /// The user's `--filter` (or the profile's) as the run filters carry it.
    user_filter: Option<String>,
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
        let url = base
            .join(&format!("{}/graphql", base.path().trim_end_matches('/')))
            .map_err(|e| Error::new(Kind::Usage, format!("bad base URL: {e}")))?;
        Ok(GraphQlClient {
            http,
            url,
            key: key.clone(),
            max_attempts: settings.max_attempts,
            base_wait: base_wait(),
            // Past a century is no deadline at all; capping it keeps the sum in range.
            deadline: Instant::now() + settings.deadline.min(Duration::from_secs(100 * 365 * 86_400)),
            verbose,
            gate: std::sync::Arc::new(Gate::new(settings.concurrency)),
            user_filter: settings.runs.extra.as_ref().map(Value::to_string),
        })
    }

    /// Requests in flight now, and how many are worth having (`--concurrency` at most;
    /// `None` until the first round of answers that shared the server is judged): what a
    /// large layer's windows spread to.
    pub fn in_flight(&self) -> (usize, Option<usize>) {
        (self.gate.in_flight(), self.gate.worth())
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
            let (reason, server_says, slow_down, status) = match self.attempt(&body, what, attempt).await? {
                Ok(Reply::Body(bytes)) => {
                    self.say_received(what, &bytes, started);
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
            let wait = self.wait_before_retry(&failure, slow_down, what)?;
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

    /// One attempt: a slot at the gate, then the request. The deadline bounds the request
    /// in flight too, not only the waits between, and the wait for a slot at the gate.
    async fn attempt(&self, body: &str, what: &str, attempt: u32) -> anyhow::Result<Result<Reply, String>> {
        let gated = async {
            let slot = self.gate.enter().await;
            let reply = self.send(body, what).await;
            if let Ok(Reply::Body(_)) = reply {
                slot.answered();
            }
            reply
        };
        match tokio::time::timeout_at(self.deadline.into(), gated).await {
            Ok(sent) => Ok(sent),
            Err(_) => fail(
                Kind::Network,
                format!("{what}: the --deadline ran out with a request in flight (attempt {attempt}); try later, or raise --deadline"),
            ),
        }
    }

    /// With `-vv`, the size of an answer and how long it took.
    fn say_received(&self, what: &str, bytes: &bytes::Bytes, started: Instant) {
        if self.verbose >= 2 {
            crate::terminal_lines::say(&format!(
                "{what}: {} bytes in {:.0?}",
                bytes.len(),
                started.elapsed()
            ));
        }
    }

    /// How long to wait before trying `failure`'s request again (an error when it is not
    /// worth it or the deadline leaves no time); holds every request back when the server
    /// asked to `slow_down`, and says so with `-v`.
    fn wait_before_retry(
        &self,
        failure: &Failure<'_>,
        slow_down: bool,
        what: &str,
    ) -> anyhow::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let wait = decide(failure, self.base_wait, left)
            .map_err(|why| Error::new(Kind::Network, format!("{what}: {why}")))?;
        if slow_down {
            // Every request of the fetch waits, not only this one.
            self.gate.pause_for(wait);
        }
        if self.verbose >= 1 {
            crate::terminal_lines::say(&format!(
                "retry {}/{} of {what} in {:.1}s: {}",
                failure.attempt + 1,
                self.max_attempts,
                wait.as_secs_f64(),
                failure.reason
            ));
        }
        Ok(wait)
    }

    /// The user's filter, when `variables` ask for the first page (or the count) of runs
    /// under a filter that carries it: where a backend that cannot run it answers HTTP 500.
    fn filtered_first_page(&self, variables: &Value) -> Option<&str> {
        first_page_filter(self.user_filter.as_deref(), variables)
    }

    async fn send(&self, body: &str, what: &str) -> Result<Reply, String> {
        let sent = self
            .http
            .post(self.url.clone())
            .basic_auth("api", Some(self.key.expose()))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) => read_reply(response, &self.url, what).await,
            Err(e) if e.is_redirect() => Ok(Reply::Permanent(refused_redirect(&self.url, &e, what))),
            Err(e) => Err(describe_reqwest(&e)),
        }
    }
}

/// `user_filter`, when `variables` ask for a stream's first page (the one that asks for the
/// run count) under filters that carry it; later pages are retried as any page is.
fn first_page_filter<'a>(user_filter: Option<&'a str>, variables: &Value) -> Option<&'a str> {
    let filter = user_filter?;
    let filters = variables.get("filters")?.as_str()?;
    let first = variables.get("withCount") == Some(&Value::Bool(true));
    (first && filters.contains(filter)).then_some(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_streams_first_page_under_the_users_filter_counts_as_filtered() {
        let user = r#"{"group":"g"}"#;
        let page = |with_count: bool, filters: &str| serde_json::json!({"withCount": with_count, "filters": filters});
        let narrowed = r#"{"$and":[{"group":"g"},{"createdAt":{"$gte":"x"}}]}"#;
        assert_eq!(first_page_filter(Some(user), &page(true, user)), Some(user));
        assert_eq!(first_page_filter(Some(user), &page(false, narrowed)), None);
        assert_eq!(
            first_page_filter(Some(user), &page(true, r#"{"state":"finished"}"#)),
            None
        );
        assert_eq!(first_page_filter(None, &page(true, user)), None);
    }
}
