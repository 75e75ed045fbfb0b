//! The runs one filter matches, page by page: each page read on a blocking thread while
//! the next is on its way, its runs de-duplicated by id, checked for loss against the
//! server's count; `SeekWalk` decides what to ask next (by creation time, never by
//! cursor) and when paging loops.

use super::context::{describe_decode, not_found, FetchContext, Fetched};
use super::page_walk::{walk, Asker, Shown, Walked};
use super::seek::SeekPage;
use super::{window_fetch, windows};
use crate::error::{fail, Kind};
use crate::fetch::graphql::decode::{decode_data, CountData};
use crate::fetch::graphql::query::COUNT_QUERY;
use crate::fetch::progress::stream_name;

/// How many runs match `filters` right now.
pub async fn count_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<u64> {
    let what = format!("{} count", stream_name(layer));
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

/// Pages through every run matching `filters`. Each page is read on a blocking thread; as
/// soon as its head is decoded the next page is asked for, and its rows are made during
/// that round trip. A large layer is fetched after its first page in creation-time
/// windows side by side.
pub async fn fetch_runs(ctx: &FetchContext<'_>, layer: i64, filters: &str) -> anyhow::Result<Fetched> {
    let bar = ctx.progress.layer(layer);
    let asker = Asker::new(ctx, stream_name(layer), filters, &bar);
    let split = |fetched: &Fetched, seek: &SeekPage, keep: &[bool]| split_of(ctx, fetched, seek, keep);
    let fetched = match walk(ctx, &asker, &bar, Shown::Layer, split).await? {
        Walked::Whole(fetched) => fetched,
        Walked::Split(fetched, first, seek, split) => {
            let first = window_fetch::FirstPage { rows: first, seek };
            window_fetch::fetch_rest(ctx, layer, filters, fetched, first, split, &bar).await?
        }
    };
    bar.finish();
    check_complete(layer, fetched)
}

/// How to split the layer after its first page (`seek`, of which `keep` are new), or
/// `None` for the plain walk (see `windows::split`).
fn split_of(
    ctx: &FetchContext<'_>,
    fetched: &Fetched,
    seek: &SeekPage,
    keep: &[bool],
) -> Option<windows::Split> {
    let fetch = &ctx.job.fetch;
    windows::split(
        fetch.window_runs,
        fetch.concurrency,
        fetched.run_count,
        keep.len() as u64,
        seek.has_next_page,
    )
}

/// Fails when fewer runs arrived than the server counted.
fn check_complete(layer: i64, fetched: Fetched) -> anyhow::Result<Fetched> {
    let received = fetched.ids.len() as u64;
    if received < fetched.run_count {
        return fail(
            Kind::Incomplete,
            format!(
                "{}: received {received} runs but the server counted {}; runs were lost in paging: fetch again",
                stream_name(layer),
                fetched.run_count
            ),
        );
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::Cli;
    use crate::config::settings::Settings;
    use crate::fetch::graphql::columns::CacheLayout;
    use crate::fetch::graphql::query::{layer_filter, runs_query};
    use crate::fetch::progress::Progress;
    use crate::fetch::transport::client::GraphQlClient;
    use crate::fetch::transport::secret::ApiKey;
    use clap::Parser;
    use fake_wandb::{Dataset, FakeConfig, FakeWandb, Fault, FaultRule, SweepOptions, Trigger};
    use std::path::Path;

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
        let layout = CacheLayout::new(&settings.rules.columns, &settings.fetch.config_keys);
        let query = runs_query(&layout.projection());
        let progress = Progress::new(true);
        let ctx = FetchContext {
            client: &client,
            job: settings.fetch_job(),
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
