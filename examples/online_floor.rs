//! The round-trip floor of the online benchmark (`scripts/bench_online.sh`): the least a
//! client can do to get the table's fields of some layers from a W&B server. One paged
//! stream per layer, all layers at once; each page asks the most runs the server grants
//! and only the display name, the dictionary size and the two summary keys the table
//! needs; gzip accepted. No count query, no viewer query, no retries, no files written.
//!
//! `WANDB_API_KEY=KEY cargo run --release --example online_floor -- --base-url URL
//!  --entity ENT --project PROJ [--layers 6,7,8] [--page-size 1000]`
//!
//! Prints one line: runs received per layer, pages, and body bytes received.
//!
//! `--query mdl-fetch` sends mdl-fetch's own runs query (its fields, its `runCount` on the
//! first page) instead of the minimal one, with the same paging: the difference between
//! the two floors is what mdl-fetch's extra fields cost the server and the wire; the
//! difference between that floor and mdl-fetch is mdl-fetch's own work.

use std::time::Duration;

use mdl_fetch::fetch::graphql::query::{runs_query, Projection};
use serde::Deserialize;

const QUERY: &str = r#"query Floor($project: String!, $entity: String!, $cursor: String, $perPage: Int!, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runs(filters: $filters, after: $cursor, first: $perPage, order: "+created_at") {
      edges { node { displayName config(keys: ["dict_size"]) summaryMetrics(keys: ["l0_norm", "l2_loss"]) } }
      pageInfo { endCursor hasNextPage }
    }
  }
}"#;

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    data: Option<Data<'a>>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    project: Option<Project<'a>>,
}

#[derive(Deserialize)]
struct Project<'a> {
    #[serde(borrow)]
    runs: Runs<'a>,
}

#[derive(Deserialize)]
struct Runs<'a> {
    #[serde(borrow)]
    edges: Vec<Edge<'a>>,
    #[serde(rename = "pageInfo")]
    page_info: PageInfo,
}

#[derive(Deserialize)]
#[allow(dead_code)] // decoded and dropped, as the node's fields
struct Edge<'a> {
    // Borrowed where the text has no escapes; the summary's JSON text always has some.
    #[serde(borrow)]
    node: Node<'a>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // read from the wire and dropped: the floor only receives
struct Node<'a> {
    #[serde(rename = "displayName", borrow)]
    display_name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    config: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "summaryMetrics", borrow)]
    summary: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct PageInfo {
    #[serde(rename = "endCursor")]
    end_cursor: Option<String>,
    #[serde(rename = "hasNextPage")]
    has_next_page: bool,
}

struct Args {
    base_url: String,
    entity: String,
    project: String,
    layers: Vec<i64>,
    page_size: u32,
    /// mdl-fetch's runs query instead of the minimal one.
    mdl_query: bool,
}

fn args() -> Args {
    let usage = |msg: &str| -> ! {
        eprintln!("online_floor: {msg}");
        eprintln!(
            "usage: online_floor --base-url URL --entity E --project P [--layers 6,7,8] [--page-size N] \
             [--query minimal|mdl-fetch]"
        );
        std::process::exit(2)
    };
    let mut a = Args {
        base_url: std::env::var("WANDB_BASE_URL").unwrap_or_default(),
        entity: String::new(),
        project: String::new(),
        layers: vec![6, 7, 8],
        page_size: 1000,
        mdl_query: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--base-url" => a.base_url = value,
            "--entity" => a.entity = value,
            "--project" => a.project = value,
            "--layers" => {
                a.layers = value
                    .split(',')
                    .map(|l| l.trim().parse().unwrap_or_else(|_| usage("bad --layers")))
                    .collect()
            }
            "--page-size" => a.page_size = value.parse().unwrap_or_else(|_| usage("bad --page-size")),
            "--query" => match value.as_str() {
                "minimal" => a.mdl_query = false,
                "mdl-fetch" => a.mdl_query = true,
                _ => usage("--query is minimal or mdl-fetch"),
            },
            _ => usage(&format!("unknown flag {flag:?}")),
        }
    }
    if a.base_url.is_empty() || a.entity.is_empty() || a.project.is_empty() {
        usage("--base-url (or WANDB_BASE_URL), --entity and --project are required");
    }
    a
}

/// Pages through one layer; returns (runs, pages, body bytes).
async fn layer(
    http: &reqwest::Client,
    url: &str,
    args: &Args,
    query: &str,
    layer: i64,
) -> Result<(usize, usize, usize), String> {
    let filters = format!(r#"{{"config.layer":{{"$in":[{layer}]}}}}"#);
    let (mut runs, mut pages, mut bytes) = (0, 0, 0);
    let mut cursor: Option<String> = None;
    loop {
        let mut variables = serde_json::json!({
            "project": args.project, "entity": args.entity, "cursor": cursor,
            "perPage": args.page_size, "filters": filters,
        });
        if args.mdl_query {
            variables["order"] = "+created_at".into();
            variables["withCount"] = (pages == 0).into();
            variables["countFilters"] = filters.clone().into();
            variables["edgeCursors"] = false.into();
        }
        let body = serde_json::json!({ "query": query, "variables": variables });
        let answer = http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("layer {layer}: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!("layer {layer}: HTTP {}", answer.status()));
        }
        let text = answer.bytes().await.map_err(|e| format!("layer {layer}: {e}"))?;
        pages += 1;
        bytes += text.len();
        let answer: Answer = serde_json::from_slice(&text).map_err(|e| format!("layer {layer}: {e}"))?;
        let runs_page = answer
            .data
            .and_then(|d| d.project)
            .ok_or_else(|| format!("layer {layer}: no such project"))?
            .runs;
        runs += runs_page.edges.len();
        match (runs_page.page_info.has_next_page, runs_page.page_info.end_cursor) {
            (true, Some(next)) => cursor = Some(next),
            _ => return Ok((runs, pages, bytes)),
        }
    }
}

fn main() {
    let args = args();
    let key = std::env::var("WANDB_API_KEY").unwrap_or_else(|_| {
        eprintln!("online_floor: set WANDB_API_KEY");
        std::process::exit(2)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        let mut headers = reqwest::header::HeaderMap::new();
        let auth = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("api:{key}"));
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Basic {auth}").parse().expect("header value"),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let url = format!("{}/graphql", args.base_url.trim_end_matches('/'));
        let query = match args.mdl_query {
            false => QUERY.to_string(),
            true => runs_query(&Projection {
                summary_keys: vec!["l0_norm".into(), "l2_loss".into()],
                config_keys: vec!["layer".into(), "dict_size".into()],
            }),
        };
        let streams = args.layers.iter().map(|&l| layer(&http, &url, &args, &query, l));
        futures::future::try_join_all(streams).await
    });
    match result {
        Ok(per_layer) => {
            let runs: Vec<String> = per_layer.iter().map(|r| r.0.to_string()).collect();
            let pages: usize = per_layer.iter().map(|r| r.1).sum();
            let bytes: usize = per_layer.iter().map(|r| r.2).sum();
            println!("runs {} pages {pages} body_bytes {bytes}", runs.join(","));
        }
        Err(e) => {
            eprintln!("online_floor: {e}");
            std::process::exit(1)
        }
    }
}
