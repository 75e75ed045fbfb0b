//! Which exports a run reads: the `--export` files; else a fetch into the cache; else,
//! `--offline`, each project's cache (checked to hold what a fetch would) or the profile's
//! bundled sample exports; and beside any of these (or alone), the run folders of
//! `--runs-dir`, as one more export each (see `rundirs`).

use crate::config::export_spec::ExportSpec;
use crate::config::locate;
use crate::config::projects::ProjectName;
use crate::config::settings::{Mode, Settings};
use crate::error::{fail, Kind};
use crate::read::replay::Replayer;
use crate::read::spool::Spooled;
use crate::store::cache::CacheSite;
use crate::store::manifest;
use crate::store::readers::{self, ReaderLock};
use crate::{fetch, store, test_hooks};

/// The exports to read and where they came from; replaying caches, with each one's reader
/// lock, to be held until its files are read.
pub struct Chosen {
    pub exports: Vec<ExportSpec>,
    pub provenance: manifest::Provenance,
    pub reading: Vec<ReaderLock>,
    /// Temp files exports point at (the run folders' exports, and copies of exports
    /// without the runs a folder has newer), removed when this is dropped.
    pub spooled: Spooled,
}

impl From<(Vec<ExportSpec>, manifest::Provenance)> for Chosen {
    fn from((exports, provenance): (Vec<ExportSpec>, manifest::Provenance)) -> Chosen {
        Chosen {
            exports,
            provenance,
            reading: Vec::new(),
            spooled: Spooled::default(),
        }
    }
}

/// `--export` files; else offline the project's cache, or its bundled exports; else a fetch
/// (whose layers `replayer` reads as soon as each is staged); and the run folders after
/// them.
pub fn choose_exports(
    settings: &Settings,
    site: &CacheSite,
    replayer: &Replayer<'_>,
) -> anyhow::Result<Chosen> {
    let mut chosen = choose_sources(settings, site, replayer)?;
    if !settings.inputs.runs_dirs.is_empty() {
        chosen.spooled = crate::rundirs::add_run_folders(settings, &mut chosen.exports)?;
    }
    Ok(chosen)
}

/// The inputs but the run folders.
fn choose_sources(settings: &Settings, site: &CacheSite, replayer: &Replayer<'_>) -> anyhow::Result<Chosen> {
    use manifest::Provenance;
    let inputs = &settings.inputs;
    if !inputs.exports.is_empty() {
        return Ok((inputs.exports.clone(), Provenance::Exports).into());
    }
    if inputs.folders_only {
        return Ok((Vec::new(), Provenance::RunFolders).into());
    }
    if !inputs.offline {
        // Beside run folders, a layer is read only once they are matched with it.
        let eager = inputs.runs_dirs.is_empty();
        let (cache, exports) = fetch::fetch(settings.fetch_job(), site, &|index, spec| {
            if eager {
                replayer.read_now(index, spec)
            }
        })?;
        return Ok((exports, Provenance::Fetched(cache)).into());
    }
    offline_exports(settings)
}

/// `--offline` without `--export`: each project's cache; else, for one project when no
/// entity or cache folder was named, the profile's bundled sample exports, said on stderr
/// every time.
fn offline_exports(settings: &Settings) -> anyhow::Result<Chosen> {
    let root = &settings.fetch.cache_root;
    let mut dirs = Vec::new();
    for project in &settings.projects {
        let entity = project.entity_or(settings.fetch.entity.as_deref());
        match store::cache::find(root, entity, &project.name)? {
            Some(dir) => dirs.push(dir),
            // Beside run folders, a project with no cache is no error: the folders are read.
            None if !settings.inputs.runs_dirs.is_empty() => {
                if settings.verbose > 0 {
                    eprintln!(
                        "no cache of project {:?} under {}: only the run folders are read",
                        project.name,
                        root.display()
                    );
                }
            }
            None if may_replay_bundled(settings) => return bundled_exports(settings).map(Chosen::from),
            None => return no_cache(settings, project),
        }
    }
    if dirs.is_empty() {
        return Ok((Vec::new(), manifest::Provenance::RunFolders).into());
    }
    replay_caches(settings, &dirs)
}

/// Whether a missing cache may fall back to the bundled exports: one project, which has
/// them, and no entity or cache folder named (a mistyped one must not become sample runs).
fn may_replay_bundled(settings: &Settings) -> bool {
    let [project] = settings.projects.as_slice() else {
        return false;
    };
    let named = settings.fetch.named_a_cache || project.entity.is_some();
    !named && !settings.inputs.bundled_exports.is_empty()
}

/// The caches in `dirs`, when each holds what a fetch under `settings` would, each one's
/// reader lock taken before its manifest is read. `--check` writes nothing: it creates no
/// lock file (see `readers::lock_for_reading`).
fn replay_caches(settings: &Settings, dirs: &[std::path::PathBuf]) -> anyhow::Result<Chosen> {
    let (mut caches, mut exports, mut reading) = (Vec::new(), Vec::new(), Vec::new());
    let may_create = settings.output.mode != Mode::Check;
    for dir in dirs {
        reading.push(readers::lock_for_reading(dir, may_create));
        let (cache, specs) = store::cache::load(dir)?;
        if settings.verbose > 0 {
            eprintln!(
                "replaying the cache of entity {} in {}",
                cache.entity,
                dir.display()
            );
        }
        let shown = dir.join(store::cache::MANIFEST).display().to_string();
        fetch::cache_check::check_replayable(settings.fetch_job(), &cache, &shown)?;
        caches.push(cache);
        // A cache may hold more layers than the table asks for: only those asked are read.
        let asked = |spec: &ExportSpec| {
            spec.layer
                .is_none_or(|layer| settings.table.layers.contains(layer))
        };
        exports.extend(specs.into_iter().filter(asked));
    }
    test_hooks::pause("MDL_FETCH_TEST_CACHE_READ_PAUSE_MS");
    Ok(Chosen {
        exports,
        provenance: manifest::Provenance::Cache(caches),
        reading,
        spooled: Spooled::default(),
    })
}

/// The profile's bundled sample exports, when no cache exists and nothing was named.
fn bundled_exports(settings: &Settings) -> anyhow::Result<(Vec<ExportSpec>, manifest::Provenance)> {
    let root = settings.fetch.cache_root.display();
    if settings.fetch.runs.beyond_states() {
        return fail(
            Kind::Input,
            format!("no cache under {root}, and the bundled exports cannot be held to --tag, --sweep, --group or --filter; fetch once without --offline"),
        );
    }
    // Said every time, --quiet or not: these are the profile's sample runs.
    let bundled = &settings.inputs.bundled_exports;
    let names: Vec<String> = bundled.iter().map(ExportSpec::label).collect();
    eprintln!(
        "note: no cache under {root}: replaying the profile's bundled exports ({})",
        names.join(", ")
    );
    Ok((bundled.clone(), manifest::Provenance::Bundled))
}

/// `--offline` found no cache of `project`, and may not (or cannot) replay bundled
/// exports instead: missing input (exit 3), however many projects were named.
fn no_cache<T>(settings: &Settings, project: &ProjectName) -> anyhow::Result<T> {
    let root = settings.fetch.cache_root.display();
    let name = &project.name;
    let entity = project.entity_or(settings.fetch.entity.as_deref());
    if settings.fetch.named_a_cache || entity.is_some() || settings.projects.len() > 1 {
        let entity = entity.map(|e| format!(" for entity {e:?}")).unwrap_or_default();
        return fail(
            Kind::Input,
            format!("no cache of project {name:?}{entity} under {root}; check the project, --entity and --cache-dir, or fetch once without --offline"),
        );
    }
    let profile = match settings.profile_looked.is_empty() {
        true => String::new(),
        false => format!(", and {}", locate::not_found(&settings.profile_looked)),
    };
    fail(
        Kind::Input,
        format!("project {name:?} has no cache under {root} and no bundled exports{profile}; fetch once without --offline, or name exports with --export LAYER=PATH"),
    )
}
