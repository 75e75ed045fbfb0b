//! The runs one filter matches, page by page: each page read on a blocking thread while
//! the next is on its way, its runs de-duplicated by id, checked for loss against the
//! server's count; `SeekWalk` decides what to ask next (by creation time, never by
//! cursor) and when paging loops.

use std::collections::HashSet;
use std::path::Path;
use std::time::SystemTime;

use super::seek::{Seek, SeekPage, SeekWalk};
use super::{window_fetch, windows};
use crate::config::export_spec::ExportSpec;
use crate::config::settings::Settings;
use crate::error::{fail, Error, Kind};
use crate::fetch::graphql::columns::CacheLayout;
use crate::fetch::graphql::decode::{decode_data, CountData, DecodeError};
use crate::fetch::graphql::page;
use crate::fetch::graphql::query::{PageRequest, COUNT_QUERY};
use crate::fetch::progress::{LayerBar, Progress};
use crate::fetch::transport::client::GraphQlClient;

/// Everything the layer streams share.
#[derive(Clone, Copy)]
pub struct FetchContext<'a> {
    pub client: &'a GraphQlClient,
    pub settings: &'a Settings,
    pub layout: &'a CacheLayout,
    pub query: &'a str,
    pub entity: &'a str,
    pub cache_dir: &'a Path,
    /// How the cache's files are named.
    pub site: &'a crate::store::cache::CacheSite,
    pub progress: &'a Progress,
    /// Called with each layer's export (its position, and its file to sync once it has
    /// been read) as soon as it is staged.
    pub staged: &'a (dyn Fn(usize, ExportSpec, std::fs::File) + Sync),
    /// The project the runs are in, which every staged export names.
    pub project: &'a std::sync::Arc<crate::model::project::ProjectRef>,
}

/// The runs one filter matched, as cache rows, with the server's count of them.
pub struct Fetched {
    pub rows: Vec<Vec<String>>,
    pub ids: HashSet<String>,
    pub run_count: u64,
    /// The newest `updatedAt` among them.
    pub newest_update: Option<SystemTime>,
}

/// How many runs match `filters` right now.
pub async fn count_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<u64> {
    let what = format!("layer {layer} count");
    let variables = serde_json::json!({
        "entity": ctx.entity,
        "project": ctx.project.project,
        "filters": filters,
    });
    let body = ctx.client.post(COUNT_QUERY, variables, &what).await?;
    let data: CountData = decode_data(&body).map_err(|e| describe_decode(e, &what, &ctx.client.host()))?;
    match data.project {
        Some(project) => Ok(project.run_count),
        None => not_found(ctx),
    }
}

pub(super) fn not_found<T>(ctx: &FetchContext<'_>) -> anyhow::Result<T> {
    fail(
        Kind::NotFound,
        format!(
            "project {}/{} not found or not visible to this key; check the spelling, --entity, and WANDB_BASE_URL",
            ctx.entity, ctx.project.project
        ),
    )
}

/// Pages through every run matching `filters`. Each page is read on a blocking thread; as
/// soon as its head is decoded the next page is asked for, and its rows are made during
/// that round trip.
pub async fn fetch_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<Fetched> {
    let bar = ctx.progress.layer(layer);
    let mut fetched = Fetched {
        rows: Vec::new(),
        ids: HashSet::new(),
        run_count: 0,
        newest_update: None,
    };
    let asker = Asker {
        ctx,
        layer,
        filters,
        bar: bar.clone(),
    };
    let mut walk = SeekWalk::default();
    let mut in_flight = Some(asker.send(1, &walk, true)?);
    // The previous page's rows, made while this page was on its way, and which to keep.
    let mut making: Option<PendingRows> = None;
    for page in 1.. {
        let Some(answer) = in_flight.take() else {
            break;
        };
        let what = format!("layer {layer} page {page}");
        let (head, rows) = page::read(answer.wait().await?, ctx.layout.clone());
        if let Some(pending) = making.take() {
            fetched.rows.extend(pending.rows(ctx).await?);
        }
        let head = head
            .await
            .map_err(|_| anyhow::anyhow!("{what}: reading the page failed"))?
            .map_err(|e| describe_decode(e, &what, &ctx.client.host()))?;
        let Some(head) = head else {
            return not_found(ctx);
        };
        if page == 1 {
            fetched.run_count = head.run_count.unwrap_or(0);
            bar.counting(fetched.run_count);
        }
        fetched.newest_update = fetched.newest_update.max(head.newest_update);
        let before = fetched.ids.len();
        let seek = SeekPage {
            has_next_page: head.page_info.has_next_page,
            runs: head.created.into_iter().zip(head.names).collect(),
            new_runs: false,
        };
        let keep: Vec<bool> = (seek.runs.iter())
            .map(|(_, name)| fetched.ids.insert(name.clone()))
            .collect();
        bar.received(fetched.ids.len() as u64);
        // A large layer: the rest in creation-time windows side by side.
        let fetch = &ctx.settings.fetch;
        let split = (page == 1)
            .then(|| {
                windows::split(
                    fetch.window_runs,
                    fetch.concurrency,
                    fetched.run_count,
                    keep.len() as u64,
                    head.page_info.has_next_page,
                )
            })
            .flatten();
        if let Some(split) = split {
            let first = PendingRows { what, rows, keep };
            let fetched = window_fetch::fetch_rest(ctx, layer, filters, fetched, first, split, &bar).await?;
            bar.finish();
            return check_complete(layer, fetched);
        }
        let seek = SeekPage {
            new_runs: fetched.ids.len() > before,
            ..seek
        };
        match walk.after_page(&seek) {
            Ok(Seek::Done) => {}
            Ok(Seek::Ask) => in_flight = Some(asker.send(page + 1, &walk, false)?),
            Err(error) => return fail(Kind::Protocol, format!("{what}: {}", error.message())),
        }
        making = Some(PendingRows { what, rows, keep });
    }
    if let Some(pending) = making.take() {
        fetched.rows.extend(pending.rows(ctx).await?);
    }
    bar.finish();
    check_complete(layer, fetched)
}

/// Sends one layer's page requests; their retries show on the layer's line.
struct Asker<'a> {
    ctx: &'a FetchContext<'a>,
    layer: i64,
    filters: &'a str,
    bar: LayerBar,
}

impl Asker<'_> {
    /// Asks for page `page`, the one `walk` names, with the run count on the first.
    fn send(&self, page: u32, walk: &SeekWalk, with_count: bool) -> anyhow::Result<InFlight> {
        let settings = self.ctx.settings;
        let filters = walk.filter(self.filters)?;
        let variables = PageRequest {
            entity: self.ctx.entity,
            project: &self.ctx.project.project,
            filters: &filters,
            per_page: settings.fetch.page_size,
            with_count,
        }
        .variables();
        let what = format!("layer {} page {page}", self.layer);
        Ok(InFlight::send(
            self.ctx.client,
            self.ctx.query,
            variables,
            what,
            self.bar.clone(),
        ))
    }
}

/// A page's rows being made, and which of them to keep.
pub(super) struct PendingRows {
    what: String,
    rows: page::RowsTask,
    keep: Vec<bool>,
}

impl PendingRows {
    pub(super) fn new(what: String, rows: page::RowsTask, keep: Vec<bool>) -> PendingRows {
        PendingRows { what, rows, keep }
    }

    pub(super) async fn rows(self, ctx: &FetchContext<'_>) -> anyhow::Result<Vec<Vec<String>>> {
        let host = ctx.client.host();
        Ok(kept_rows(self.rows, self.keep)
            .await
            .map_err(|e| describe_decode(e, &self.what, &host))?)
    }
}

/// Fails when fewer runs arrived than the server counted.
fn check_complete(layer: i64, fetched: Fetched) -> anyhow::Result<Fetched> {
    let received = fetched.ids.len() as u64;
    if received < fetched.run_count {
        return fail(
            Kind::Incomplete,
            format!(
                "layer {layer}: received {received} runs but the server counted {}; runs were lost in paging: fetch again",
                fetched.run_count
            ),
        );
    }
    Ok(fetched)
}

/// A page's rows, less those of runs an earlier page already brought.
async fn kept_rows(rows: page::RowsTask, keep: Vec<bool>) -> Result<Vec<Vec<String>>, DecodeError> {
    let rows = rows.await.map_err(|e| DecodeError::Shape {
        path: "data.project.runs.edges".into(),
        reason: format!("making the rows failed: {e}"),
    })??;
    Ok(rows
        .into_iter()
        .zip(keep)
        .filter_map(|(row, keep)| keep.then_some(row))
        .collect())
}

/// A request sent on its own task, so it goes out while this one works; dropped unanswered
/// (when the fetch fails), it is cancelled.
pub(super) struct InFlight(tokio::task::JoinHandle<anyhow::Result<bytes::Bytes>>);

impl InFlight {
    pub(super) fn send(
        client: &GraphQlClient,
        query: &str,
        variables: serde_json::Value,
        what: String,
        bar: LayerBar,
    ) -> InFlight {
        let (client, query) = (client.clone(), query.to_string());
        InFlight(tokio::spawn(async move {
            client.post_watched(&query, variables, &what, &bar).await
        }))
    }

    pub(super) async fn wait(mut self) -> anyhow::Result<bytes::Bytes> {
        (&mut self.0)
            .await
            .map_err(|e| anyhow::anyhow!("a page request failed: {e}"))?
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(super) fn describe_decode(error: DecodeError, what: &str, host: &str) -> Error {
    let message = match error {
        DecodeError::NotJson(detail) => {
            format!("{what}: {host} answered with something that is not JSON: {detail}; check WANDB_BASE_URL")
        }
        DecodeError::Shape { path, reason } => {
            format!(
                "{what}: unexpected answer from {host} at {path}: {reason}; is WANDB_BASE_URL a W&B server?"
            )
        }
        DecodeError::GraphQl(message) => {
            format!("{what}: W&B reported an error: {message}; check the entity, project and profile keys")
        }
    };
    Error::new(Kind::Protocol, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::Cli;
    use crate::fetch::graphql::query::{layer_filter, runs_query};
    use crate::fetch::transport::secret::ApiKey;
    use clap::Parser;
    use fake_wandb::{Dataset, FakeConfig, FakeWandb, Fault, FaultRule, SweepOptions, Trigger};

    /// Pages through layer 6 of a 3-layer sweep (20 runs each) at 7 runs a page, with
    /// `faults` armed; returns what came and each page request's variables.
    fn fetch_layer_6(faults: Vec<FaultRule>) -> (anyhow::Result<Fetched>, Vec<serde_json::Value>) {
        let server = FakeWandb::start(FakeConfig {
            page_cap: 7,
            faults,
            ..FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
                runs: 60,
                ..SweepOptions::default()
            }))
        });
        let cli = Cli::try_parse_from([
            "mdl-fetch",
            "--project",
            "fake-project",
            "--entity",
            "fake-entity",
            "-q",
        ])
        .unwrap();
        let settings = Settings::load(&cli.table, &crate::config::resolve::Env::process()).unwrap();
        let base = reqwest::Url::parse(&server.base_url()).unwrap();
        let client = GraphQlClient::new(&settings.fetch, &base, &ApiKey::new(server.api_key()), 0).unwrap();
        let layout = CacheLayout::new(&settings);
        let query = runs_query(&layout.projection());
        let progress = Progress::new(true);
        let ctx = FetchContext {
            client: &client,
            settings: &settings,
            layout: &layout,
            query: &query,
            entity: "fake-entity",
            cache_dir: Path::new("unused"),
            site: &crate::store::cache::CacheSite::real(Path::new("unused")),
            progress: &progress,
            staged: &|_, _, _| {},
            project: &std::sync::Arc::new(crate::model::project::ProjectRef {
                project: "fake-project".into(),
                ..Default::default()
            }),
        };
        let filters = layer_filter("layer", &[6], &Default::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let fetched = runtime.block_on(fetch_runs(&ctx, 6, &filters));
        let asked = server
            .runs_requests()
            .iter()
            .map(|r| r.variables.clone())
            .collect();
        (fetched, asked)
    }

    #[test]
    fn pages_are_asked_by_creation_time_and_never_by_cursor() {
        let (fetched, asked) = fetch_layer_6(Vec::new());
        let fetched = fetched.unwrap();
        assert_eq!((fetched.rows.len(), fetched.run_count), (20, 20));
        assert!(asked.len() >= 3, "{asked:?}");
        assert!(
            asked.iter().all(|variables| variables["cursor"].is_null()),
            "{asked:?}"
        );
        for variables in &asked[1..] {
            let filters = variables["filters"].as_str().unwrap();
            assert!(filters.contains(r#"{"createdAt":{"$gte":"#), "{filters}");
        }

        // A server that never says where a page ends changes nothing.
        let always = FaultRule::new(Fault::NoEndCursor, Trigger::Always, usize::MAX);
        let (fetched, _) = fetch_layer_6(vec![always]);
        assert_eq!(fetched.unwrap().rows.len(), 20);
    }
}
