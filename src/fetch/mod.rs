//! The online source: fetch the profile's layers from the W&B GraphQL API into the cache.

pub mod cache_check;
pub mod diagnose;
pub mod every_layer;
pub mod graphql;
pub mod layer;
pub mod paging;
pub mod progress;
pub mod role_check;
pub mod transport;

use futures::{StreamExt, TryStreamExt};

use crate::config::export_spec::ExportSpec;
use crate::config::projects::ProjectName;
use crate::config::settings::FetchJob;
use crate::error::{fail, Error, Kind};
use crate::fetch::progress::Progress;
use crate::model::project::ProjectRef;
use crate::store::cache::{self, CacheManifest, CacheSite};
use crate::store::lock::{lock_dir, DirLock};
use graphql::columns::CacheLayout;
use graphql::decode::{decode_data, ViewerData};
use graphql::query;
use layer::fetch_layer;
use paging::context::FetchContext;
use transport::address::{machine_of, parse_base_url};
use transport::client::GraphQlClient;
use transport::secret::{discover_key, KeySource};

/// Fetches every layer (concurrently) into the cache at `site`, commits it, and returns its
/// exports. Each layer's export goes to `read_now` (with its position among the exports,
/// on a thread of its own) as soon as it is written, before the cache is committed, under
/// the name it will have there; that thread then syncs it to disk, off the critical path
/// (syncing before the read would leave its access time for the commit's fsync to
/// journal). SIGINT or SIGTERM abandons the fetch, leaving the previous cache as it was.
pub fn fetch(
    settings: FetchJob<'_>,
    site: &CacheSite,
    read_now: &(dyn Fn(usize, &ExportSpec) + Sync),
) -> anyhow::Result<(Vec<CacheManifest>, Vec<ExportSpec>)> {
    // Declared before the runtime, so released after it: dropping the runtime waits for a
    // layer's writer still running on a blocking thread when the fetch fails, and only then
    // do the locks tidy the cache folders they made.
    let locks = std::sync::Mutex::new(Vec::new());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::channel::<(usize, ExportSpec, std::fs::File)>();
        let handler = scope.spawn(move || {
            for (index, spec, file) in receiver {
                read_now(index, &spec);
                // Best effort: a failure shows again, reported, at the commit's sync.
                let _ = file.sync_all();
            }
        });
        let handed = move || {
            handler
                .join()
                .map_err(|_| anyhow::anyhow!("reading a fetched layer failed"))
        };
        runtime.block_on(async {
            tokio::select! {
                result = fetch_all(settings, site, sender, handed, &locks) => result,
                signal = crate::interrupt::wait() => fail(Kind::Interrupted(signal), format!("interrupted by {}; the cache and artifacts are unchanged", crate::interrupt::signal_name(signal))),
            }
        })
    })
}

/// Fetches and stages every project's layers, sending each to `staged`; commits each
/// project's cache once `handed` says every staged layer was handled.
async fn fetch_all(
    settings: FetchJob<'_>,
    site: &CacheSite,
    staged: std::sync::mpsc::Sender<(usize, ExportSpec, std::fs::File)>,
    handed: impl FnOnce() -> anyhow::Result<()>,
    locks: &std::sync::Mutex<Vec<DirLock>>,
) -> anyhow::Result<(Vec<CacheManifest>, Vec<ExportSpec>)> {
    let (client, machine) = connect(settings)?;
    let layout = CacheLayout::new(settings.columns, &settings.fetch.config_keys)
        .with_summary_keys(&settings.fetch.summary_keys);
    let hand_over = |index: usize, spec: ExportSpec, file: std::fs::File| {
        // The handler only stops when this fetch is dropped.
        let _ = staged.send((index, spec, file));
    };
    let progress = Progress::new(settings.quiet);
    let each_project = settings
        .projects
        .iter()
        .flat_map(|_| settings.layers.iter().copied());
    progress.expect(each_project);
    let base = FetchContext {
        client: &client,
        job: settings,
        layout: &layout,
        query: &query::runs_query(&layout.projection()),
        entity: "",
        cache_dir: std::path::Path::new(""),
        site,
        progress: &progress,
        staged: &hand_over,
        project: &Default::default(),
    };
    let mut fetched: Vec<StagedProject> = Vec::new();
    for project in settings.projects {
        // Each layer's export is numbered in the order the exports come back in.
        let first_index = fetched.iter().map(|project| project.layers.len()).sum();
        fetched.push(fetch_project(&base, project, first_index, locks).await?);
    }
    drop(staged);
    handed()?;
    let mut manifests = Vec::new();
    let mut exports = Vec::new();
    for project in fetched {
        let (manifest, specs) = project.commit(&machine, settings)?;
        manifests.push(manifest);
        exports.extend(specs);
    }
    for spec in &mut exports {
        spec.label = Some(site.label(&spec.path));
    }
    Ok((manifests, exports))
}

/// One project's layers, staged in its locked cache folder and not yet committed.
struct StagedProject {
    entity: String,
    name: String,
    cache_dir: std::path::PathBuf,
    layers: Vec<cache::StagedLayer>,
    /// Whether this fetch stands for every layer the project has (one stream): then the
    /// cache keeps no layer it did not fetch, as those no longer have runs.
    every_layer: bool,
}

/// Fetches and stages one project's layers, numbered from `first_index` among the exports,
/// with its cache folder locked until `locks` is dropped.
async fn fetch_project(
    base: &FetchContext<'_>,
    project: &ProjectName,
    first_index: usize,
    locks: &std::sync::Mutex<Vec<DirLock>>,
) -> anyhow::Result<StagedProject> {
    let settings = base.job;
    let entity = match project.entity_or(settings.fetch.entity.as_deref()) {
        Some(entity) => entity.to_string(),
        None => viewer_entity(base.client).await?,
    };
    let cache_dir = cache::project_dir(&base.site.root, &entity, &project.name)?;
    let lock = lock_dir(&cache_dir, settings.lock_wait, settings.quiet)?;
    if settings.verbose >= 1 {
        base.progress.println(&format!(
            "fetching {entity}/{} into the cache folder {}",
            project.name,
            cache_dir.display()
        ));
    }
    locks.lock().unwrap_or_else(|e| e.into_inner()).push(lock);
    let context = FetchContext {
        entity: &entity,
        cache_dir: &cache_dir,
        project: &std::sync::Arc::new(ProjectRef {
            entity: Some(entity.clone()),
            project: project.name.clone(),
            ui: Some(settings.fetch.web_url.clone()),
        }),
        ..*base
    };
    let one_stream = match settings.layer_set.listed() {
        None => true,
        Some(_) => every_layer::layer_key_holds_text(&context).await?,
    };
    let fetched = match one_stream {
        true => every_layer::fetch_every_layer(&context, first_index).await?,
        false => {
            futures::stream::iter(settings.layers.iter().copied().enumerate())
                .map(|(index, layer)| fetch_layer(&context, first_index + index, layer))
                .buffered(settings.fetch.concurrency)
                .try_collect::<Vec<_>>()
                .await?
        }
    };
    let runs: u64 = fetched.iter().map(|(layer, _)| layer.runs).sum();
    if runs == 0 {
        return diagnose::no_runs(&context).await;
    }
    let mut carried = vec![0u64; fetched[0].1.len()];
    for (_, counts) in &fetched {
        carried
            .iter_mut()
            .zip(counts)
            .for_each(|(sum, count)| *sum += count);
    }
    role_check::check(&context, &carried, runs, one_stream).await?;
    let layers = fetched.into_iter().map(|(layer, _)| layer).collect();
    Ok(StagedProject {
        name: project.name.clone(),
        entity,
        cache_dir,
        layers,
        every_layer: settings.layer_set.listed().is_none(),
    })
}

impl StagedProject {
    /// Puts the project's layers in its cache and swaps in its manifest; returns it with
    /// the exports of the layers fetched (the others the cache keeps are not this table's).
    fn commit(
        self,
        machine: &str,
        settings: FetchJob<'_>,
    ) -> anyhow::Result<(CacheManifest, Vec<ExportSpec>)> {
        let manifest = CacheManifest {
            tool: crate::about::TOOL.into(),
            fetched_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            host: machine.to_string(),
            entity: self.entity,
            project: self.name,
            web: settings.fetch.web_url.clone(),
            layers: Vec::new(),
        };
        let fetched: Vec<i64> = self.layers.iter().map(|layer| layer.layer).collect();
        let keep_others = !self.every_layer;
        let (manifest, mut specs) = cache::commit(&self.cache_dir, manifest, self.layers, keep_others)?;
        specs.retain(|spec| spec.layer.is_some_and(|layer| fetched.contains(&layer)));
        Ok((manifest, specs))
    }
}

/// The client for the base URL with the key found for its host (which `-v` names), and
/// that host's `host[:port]`.
pub fn connect(settings: FetchJob<'_>) -> anyhow::Result<(GraphQlClient, String)> {
    let base = parse_base_url(&settings.fetch.base_url)?;
    let machine = machine_of(&base);
    let (key, source) = discover_key(&machine)?;
    if settings.verbose >= 1 {
        match source {
            KeySource::Env => eprintln!("using the API key from WANDB_API_KEY for {machine}"),
            KeySource::Netrc(path) => eprintln!("using the API key from {} for {machine}", path.display()),
        }
    }
    let client = GraphQlClient::new(settings.fetch, &base, &key, settings.verbose)?;
    Ok((client, machine))
}

/// The key's default entity (`viewer { entity }`).
pub async fn viewer_entity(client: &GraphQlClient) -> anyhow::Result<String> {
    let body = client
        .post(query::VIEWER_QUERY, serde_json::json!({}), "the viewer query")
        .await?;
    let data: ViewerData = decode_data(&body).map_err(|e| {
        Error::new(
            Kind::Protocol,
            format!("the viewer query: unexpected answer ({e:?}); name the entity with --entity"),
        )
    })?;
    match data.viewer.and_then(|viewer| viewer.entity) {
        Some(entity) if !entity.is_empty() => Ok(entity),
        _ => fail(
            Kind::Auth,
            "this key has no default entity; name one with --entity or WANDB_ENTITY",
        ),
    }
}
