//! A page request on its way, sent on its own task, and a page's rows being made on a
//! blocking thread while the next page is asked for.

use super::context::{describe_decode, FetchContext};
use crate::fetch::graphql::decode::DecodeError;
use crate::fetch::graphql::page;
use crate::fetch::progress::LayerBar;
use crate::fetch::transport::client::GraphQlClient;

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
