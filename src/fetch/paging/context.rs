//! What every request of a layer's fetch shares (the client, the fetch's settings, the project,
//! where the cache is), what a fetch of one filter brings back, and the messages for a
//! project the server does not show and an answer that cannot be read.

use std::collections::HashSet;
use std::path::Path;
use std::time::SystemTime;

use crate::config::export_spec::ExportSpec;
use crate::config::settings::FetchJob;
use crate::error::{fail, Error, Kind};
use crate::fetch::graphql::columns::CacheLayout;
use crate::fetch::graphql::decode::DecodeError;
use crate::fetch::progress::Progress;
use crate::fetch::transport::client::GraphQlClient;

/// Everything the layer streams share.
#[derive(Clone, Copy)]
pub struct FetchContext<'a> {
    pub client: &'a GraphQlClient,
    /// What the fetch reads of the settings.
    pub job: FetchJob<'a>,
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
#[derive(Default)]
pub struct Fetched {
    pub rows: Vec<Vec<String>>,
    pub ids: HashSet<String>,
    pub run_count: u64,
    /// The newest `updatedAt` among them.
    pub newest_update: Option<SystemTime>,
}

pub fn not_found<T>(ctx: &FetchContext<'_>) -> anyhow::Result<T> {
    fail(
        Kind::NotFound,
        format!(
            "project {}/{} not found or not visible to this key; check the spelling, --entity, and WANDB_BASE_URL",
            ctx.entity, ctx.project.project
        ),
    )
}

pub fn describe_decode(error: DecodeError, what: &str, host: &str) -> Error {
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
