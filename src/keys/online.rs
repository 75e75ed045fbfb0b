//! `keys` and `init` online: the newest runs of a project read through the fetch's client
//! (the same key, base URL, retries and limits as a fetch), and their config and summary
//! keys counted. No profile is read: the server is `WANDB_BASE_URL`'s.

use clap::Parser;
use serde_json::Value;

use super::census::{Census, Place};
use super::newest::newest_runs;

use crate::config::cli::Cli;
use crate::config::cli_keys::KeySourceArgs;
use crate::config::profile::Profile;
use crate::config::projects::ProjectName;
use crate::config::resolve::Env;
use crate::config::settings::Settings;
use crate::error::{fail, Error, Kind};
use crate::fetch::graphql::decode::{unwrap_config, RunNode};
use crate::fetch::transport::client::GraphQlClient;

/// Config keys W&B keeps for itself.
const INTERNAL_CONFIG: [&str; 2] = ["_wandb", "wandb_version"];

/// How deep nested config and summary objects are listed (`a.b.c`).
const NESTED_DEPTH: usize = 3;

/// What was read online: the census, the project as `entity/name`, and its run count.
pub struct OnlineCensus {
    pub census: Census,
    pub entity: String,
    pub project: String,
    pub run_count: u64,
}

/// The newest `source.runs` runs of `project` counted.
pub fn census_online(source: &KeySourceArgs, project: &ProjectName) -> anyhow::Result<OnlineCensus> {
    let settings = settings_for(source, project)?;
    let (client, _) = crate::fetch::connect(settings.fetch_job())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        tokio::select! {
            counted = count(&client, &settings, source.runs, project) => counted,
            signal = crate::interrupt::wait() => fail(
                Kind::Interrupted(signal),
                format!("interrupted by {}; nothing was written", crate::interrupt::signal_name(signal)),
            ),
        }
    })
}

/// The newest `runs` runs of `project` (of the settings' entity, else the key's) counted.
async fn count(
    client: &GraphQlClient,
    settings: &Settings,
    runs: usize,
    project: &ProjectName,
) -> anyhow::Result<OnlineCensus> {
    let entity = match project.entity_or(settings.fetch.entity.as_deref()) {
        Some(entity) => entity.to_string(),
        None => crate::fetch::viewer_entity(client).await?,
    };
    let newest = newest_runs(client, &entity, &project.name, runs, settings.fetch.page_size).await?;
    let mut census = Census::default();
    newest.runs.iter().for_each(|run| add_run(&mut census, run));
    Ok(OnlineCensus {
        census,
        entity,
        project: project.name.clone(),
        run_count: newest.run_count,
    })
}

/// The fetch's settings for `project` as flags and the environment give them, with no
/// profile.
fn settings_for(source: &KeySourceArgs, project: &ProjectName) -> anyhow::Result<Settings> {
    let mut argv = vec!["mdl-fetch".to_string(), "--project".into(), project.name.clone()];
    if let Some(entity) = project.entity.as_ref().or(source.entity.as_ref()) {
        argv.extend(["--entity".to_string(), entity.clone()]);
    }
    let cli = Cli::try_parse_from(argv).map_err(|e| Error::new(Kind::Usage, e.to_string()))?;
    let mut settings = Settings::resolve(&cli.table, &Profile::default(), None, &Env::process())?;
    settings.verbose = source.verbose;
    Ok(settings)
}

/// Counts one run's state, config keys (unwrapped from W&B's `{"value": ...}`) and summary
/// keys; nested objects are listed by dotted path as the web page's export names them,
/// but not W&B's media and histograms (objects with a `_type`).
pub fn add_run(census: &mut Census, run: &RunNode) {
    census.add_run(run.state.as_deref());
    for (key, value) in &run.config {
        if !INTERNAL_CONFIG.contains(&key.as_str()) {
            add_value(census, Place::Config, key, unwrap_config(value), 0);
        }
    }
    for (key, value) in &run.summary_metrics {
        if key != "_wandb" {
            add_value(census, Place::Summary, key, value, 0);
        }
    }
}

fn add_value(census: &mut Census, place: Place, key: &str, value: &Value, depth: usize) {
    census.observe(place, key, value);
    let Value::Object(inner) = value else {
        return;
    };
    if depth < NESTED_DEPTH && !inner.contains_key("_type") {
        for (name, value) in inner {
            add_value(census, place, &format!("{key}.{name}"), value, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_values_are_unwrapped_and_nested_objects_listed_by_path() {
        let config = json!({
            "hook_layer": {"value": 6, "desc": null},
            "sae": {"value": {"d_sae": 16384}},
            "_wandb": {"value": {"cli_version": "0.19"}},
        });
        let summary = json!({"l2_loss": {"min": 0.05}, "hist": {"_type": "histogram", "bins": [1]}, "_wandb": {"runtime": 3}});
        let run = RunNode {
            name: "a".into(),
            display_name: None,
            state: Some("finished".into()),
            created_at: "2025-04-01T09:00:00".into(),
            updated_at: None,
            config: config.as_object().unwrap().clone(),
            summary_metrics: summary.as_object().unwrap().clone(),
        };
        let mut census = Census::default();
        add_run(&mut census, &run);
        let keys: Vec<(Place, &str)> = census
            .keys()
            .map(|stat| (stat.place, stat.key.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                (Place::Config, "hook_layer"),
                (Place::Config, "sae"),
                (Place::Config, "sae.d_sae"),
                (Place::Summary, "hist"),
                (Place::Summary, "l2_loss"),
                (Place::Summary, "l2_loss.min"),
            ]
        );
        assert_eq!(
            census.find("hook_layer", &[Place::Config]).unwrap().kinds_text(),
            "integer"
        );
    }
}
