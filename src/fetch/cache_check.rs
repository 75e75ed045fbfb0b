//! Whether a cache may be replayed for the table asked: `--offline` replays it only when it
//! was fetched with the filters this run would fetch with, or with every run state (the
//! states are then applied to its State column), and holds every layer asked for.

use super::graphql::query::{any_layer_filter, layer_filter};
use crate::config::settings::{FetchJob, RunFilter};
use crate::error::{fail, Kind};
use crate::store::cache::CacheManifest;

/// Fails (exit 3) when the cache cannot stand for a fetch under `settings`.
pub fn check_replayable(settings: FetchJob<'_>, cache: &CacheManifest, shown: &str) -> anyhow::Result<()> {
    let key = &settings.columns.layer;
    let runs = &settings.fetch.runs;
    let any_state = RunFilter {
        states: Vec::new(),
        ..runs.clone()
    };
    let layers: Vec<i64> = match settings.layer_set.listed() {
        Some(listed) => listed.to_vec(),
        None => cache.layers.iter().map(|cached| cached.layer).collect(),
    };
    for layer in layers {
        let Some(cached) = cache.layers.iter().find(|cached| cached.layer == layer) else {
            let held: Vec<String> = cache.layers.iter().map(|l| l.layer.to_string()).collect();
            return fail(
                Kind::Input,
                format!(
                    "{shown}: the cache holds layers [{}], not layer {layer}; fetch again without --offline",
                    held.join(", ")
                ),
            );
        };
        let wanted = layer_filter(key, &[layer], runs);
        // A layer fetched in the stream of every layer has that stream's filter.
        let stands = [
            wanted.clone(),
            layer_filter(key, &[layer], &any_state),
            any_layer_filter(runs),
            any_layer_filter(&any_state),
        ];
        if !stands.contains(&cached.filters) {
            return fail(
                Kind::Input,
                format!(
                    "{shown}: layer {layer} was fetched with the filter {} but this table asks for {wanted}; fetch again without --offline, or give the fetch's --state, --tag, --sweep, --group and --filter",
                    cached.filters
                ),
            );
        }
    }
    Ok(())
}
