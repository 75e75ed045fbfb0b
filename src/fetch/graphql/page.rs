//! One runs page, read on a blocking thread: first what the pager needs to ask for the next
//! page (the count, the run ids, their creation times), then, while the next page is on its way, the
//! cache rows made from the nodes' config and summary texts.

use std::borrow::Cow;
use std::time::SystemTime;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Map;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::columns::{CacheLayout, NodeFields};
use super::decode::{
    decode_borrowed, decode_data, json_object_text, DecodeError, PageInfo, RunNode, RunsData,
};
use super::timestamps::{self, parse_second, Second};

/// A runs page; `project` is `None` when the server says there is no such project.
pub struct Page<'a> {
    pub project: Option<PageProject<'a>>,
}

pub struct PageProject<'a> {
    pub run_count: Option<u64>,
    pub page_info: PageInfo,
    nodes: Nodes<'a>,
    body: &'a [u8],
}

enum Nodes<'a> {
    /// The common case: config and summary still JSON text, strings borrowed from the body.
    Text(Vec<NodeText<'a>>),
    /// Decoded in full: config or summary arrived as objects, or something was unusual.
    Decoded(Vec<RunNode>),
}

#[derive(Deserialize)]
struct DataText<'a> {
    #[serde(borrow)]
    project: Option<ProjectText<'a>>,
}

#[derive(Deserialize)]
struct ProjectText<'a> {
    #[serde(rename = "runCount")]
    run_count: Option<u64>,
    #[serde(borrow)]
    runs: ConnectionText<'a>,
}

#[derive(Deserialize)]
struct ConnectionText<'a> {
    #[serde(borrow)]
    edges: Vec<EdgeText<'a>>,
    #[serde(rename = "pageInfo")]
    page_info: PageInfo,
}

#[derive(Deserialize)]
struct EdgeText<'a> {
    #[serde(borrow)]
    node: NodeText<'a>,
}

/// `RunNode` with `config` and `summaryMetrics` as the JSON strings they arrive as.
#[derive(Deserialize)]
struct NodeText<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(rename = "displayName", default, borrow)]
    display_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(rename = "createdAt", borrow)]
    created_at: Cow<'a, str>,
    #[serde(rename = "updatedAt", default, borrow)]
    updated_at: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    config: Option<Cow<'a, str>>,
    #[serde(rename = "summaryMetrics", default, borrow)]
    summary_metrics: Option<Cow<'a, str>>,
}

/// What the pager needs of a page before it asks for the next.
pub struct Head {
    pub run_count: Option<u64>,
    pub page_info: PageInfo,
    /// The run ids of the page's edges, in order.
    pub names: Vec<String>,
    /// The creation second of each edge's run, in order (`None`: unreadable).
    pub created: Vec<Option<Second>>,
    /// The newest `updatedAt` of the page's runs.
    pub newest_update: Option<SystemTime>,
}

/// The cache rows of every edge of a page, in order, being made.
pub type RowsTask = JoinHandle<Result<Vec<Vec<String>>, DecodeError>>;

/// Reads a page on a blocking thread: its head (`None`: no such project) as soon as it is
/// decoded, then the rows of all its nodes.
pub fn read(
    body: Bytes,
    layout: CacheLayout,
) -> (oneshot::Receiver<Result<Option<Head>, DecodeError>>, RowsTask) {
    let (head, receiver) = oneshot::channel();
    let rows = tokio::task::spawn_blocking(move || {
        let project = match decode(&body) {
            Ok(Page {
                project: Some(project),
            }) => project,
            Ok(Page { project: None }) => {
                let _ = head.send(Ok(None));
                return Ok(Vec::new());
            }
            Err(error) => {
                let _ = head.send(Err(error));
                return Ok(Vec::new());
            }
        };
        let names: Vec<String> = project.names().into_iter().map(str::to_string).collect();
        let created = project.created().into_iter().map(parse_second).collect();
        let _ = head.send(Ok(Some(Head {
            run_count: project.run_count,
            page_info: project.page_info.clone(),
            names,
            created,
            newest_update: project.newest_update(),
        })));
        project.rows(&layout)
    });
    (receiver, rows)
}

/// Decodes a runs page: the quick way when it has the usual shape, else in full (which
/// also explains what is wrong with a bad answer).
pub fn decode(body: &[u8]) -> Result<Page<'_>, DecodeError> {
    if let Some(data) = decode_borrowed::<DataText>(body) {
        let project = data.project.map(|project| {
            let runs = project.runs;
            PageProject {
                run_count: project.run_count,
                page_info: runs.page_info,
                nodes: Nodes::Text(runs.edges.into_iter().map(|edge| edge.node).collect()),
                body,
            }
        });
        return Ok(Page { project });
    }
    let data: RunsData = decode_data(body)?;
    let project = data.project.map(|project| {
        let runs = project.runs;
        PageProject {
            run_count: project.run_count,
            page_info: runs.page_info,
            nodes: Nodes::Decoded(runs.edges.into_iter().map(|edge| edge.node).collect()),
            body,
        }
    });
    Ok(Page { project })
}

impl PageProject<'_> {
    /// The run ids of the page's edges, in order.
    pub fn names(&self) -> Vec<&str> {
        match &self.nodes {
            Nodes::Text(nodes) => nodes.iter().map(|node| node.name.as_ref()).collect(),
            Nodes::Decoded(nodes) => nodes.iter().map(|node| node.name.as_str()).collect(),
        }
    }

    /// The `createdAt` of the page's edges' runs, in order.
    pub fn created(&self) -> Vec<&str> {
        match &self.nodes {
            Nodes::Text(nodes) => nodes.iter().map(|node| node.created_at.as_ref()).collect(),
            Nodes::Decoded(nodes) => nodes.iter().map(|node| node.created_at.as_str()).collect(),
        }
    }

    /// The newest readable `updatedAt` of the page's runs.
    pub fn newest_update(&self) -> Option<SystemTime> {
        match &self.nodes {
            Nodes::Text(nodes) => timestamps::newest(nodes.iter().map(|node| node.updated_at.as_deref())),
            Nodes::Decoded(nodes) => timestamps::newest(nodes.iter().map(|node| node.updated_at.as_deref())),
        }
    }

    /// The cache rows of every node, in order. Every node's config and summary is parsed,
    /// so a bad one fails the page as a full decode would, with the same message.
    pub fn rows(self, layout: &CacheLayout) -> Result<Vec<Vec<String>>, DecodeError> {
        let nodes = match self.nodes {
            Nodes::Decoded(nodes) => nodes,
            Nodes::Text(nodes) => {
                // The common case: every node plain, its cells read straight from the text.
                let quick: Option<Vec<Vec<String>>> =
                    nodes.iter().map(|node| node.quick_row(layout)).collect();
                if let Some(rows) = quick {
                    return Ok(rows);
                }
                match nodes.into_iter().map(parse).collect() {
                    Ok(nodes) => nodes,
                    Err(reason) => {
                        return Err(match decode_data::<RunsData>(self.body) {
                            Err(error) => error,
                            Ok(_) => DecodeError::Shape {
                                path: "data.project.runs.edges".into(),
                                reason,
                            },
                        })
                    }
                }
            }
        };
        Ok(nodes.iter().map(|node| layout.row(node)).collect())
    }
}

impl NodeText<'_> {
    fn quick_row(&self, layout: &CacheLayout) -> Option<Vec<String>> {
        layout.row_of_text(&NodeFields {
            name: &self.name,
            display_name: self.display_name.as_deref(),
            state: self.state.as_deref(),
            created_at: &self.created_at,
            config: self.config.as_deref(),
            summary_metrics: self.summary_metrics.as_deref(),
        })
    }
}

/// A node whose config and summary are parsed from their JSON text.
fn parse(node: NodeText<'_>) -> Result<RunNode, String> {
    let object =
        |text: Option<Cow<'_, str>>| text.map_or_else(|| Ok(Map::new()), |text| json_object_text(&text));
    Ok(RunNode {
        config: object(node.config)?,
        summary_metrics: object(node.summary_metrics)?,
        name: node.name.into_owned(),
        display_name: node.display_name.map(Cow::into_owned),
        state: node.state.map(Cow::into_owned),
        created_at: node.created_at.into_owned(),
        updated_at: node.updated_at.map(Cow::into_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_rows(body: &[u8], summary: &str) -> Result<Vec<Vec<String>>, DecodeError> {
        let layout = CacheLayout {
            name_column: "Name".into(),
            config_keys: vec!["layer".into(), "dict_size".into()],
            summary_keys: vec!["l0_norm".into(), summary.into()],
        };
        decode(body)?.project.expect("a project").rows(&layout)
    }

    #[test]
    fn the_quick_decode_gives_the_rows_of_the_full_one() {
        let text = br#"{"data": {"project": {"runCount": 2, "runs": {"pageInfo": {"hasNextPage": false, "endCursor": "e"},
            "edges": [{"node": {"name": "a1", "displayName": "blocks.6_topk_8", "state": "finished",
            "createdAt": "2023-11-05T17:46:35", "updatedAt": "2023-11-06T08:00:00.5Z", "config": "{\"layer\": {\"value\": 6}, \"dict_size\": {\"value\": 12288, \"desc\": null}}",
            "summaryMetrics": "{\"l0_norm\": NaN, \"val\": {\"min\": 0.25}, \"loss\": 1e-7}"}},
            {"node": {"name": "b2", "createdAt": "2023-11-05T17:46:36", "config": null}}]}}}}"#;
        let objects = br#"{"data": {"project": {"runCount": 2, "runs": {"pageInfo": {"hasNextPage": false, "endCursor": "e"},
            "edges": [{"node": {"name": "a1", "displayName": "blocks.6_topk_8", "state": "finished",
            "createdAt": "2023-11-05T17:46:35", "updatedAt": "2023-11-06T08:00:00.5Z", "config": {"layer": {"value": 6}, "dict_size": {"value": 12288, "desc": null}},
            "summaryMetrics": {"l0_norm": "NaN", "val": {"min": 0.25}, "loss": 1e-7}}},
            {"node": {"name": "b2", "createdAt": "2023-11-05T17:46:36", "config": null}}]}}}}"#;
        let newest = |body| decode(body).unwrap().project.unwrap().newest_update();
        let updated = timestamps::parse("2023-11-06T08:00:00.5");
        assert!(updated.is_some());
        assert_eq!((newest(text), newest(objects)), (updated, updated));
        // "val.min" takes the general path, "loss" the quick one for the JSON texts.
        for (summary, cell) in [("val.min", "0.25"), ("loss", "0.0000001")] {
            let quick = page_rows(text, summary).unwrap();
            assert_eq!(quick, page_rows(objects, summary).unwrap());
            assert_eq!(
                quick[0],
                [
                    "blocks.6_topk_8",
                    "a1",
                    "finished",
                    "2023-11-05T17:46:35",
                    "6",
                    "12288",
                    "NaN",
                    cell
                ]
            );
            assert_eq!(quick[1], ["b2", "b2", "", "2023-11-05T17:46:36", "", "", "", ""]);
        }
    }

    #[test]
    fn a_bad_json_string_fails_with_the_full_decodes_message() {
        let body = br#"{"data": {"project": {"runs": {"pageInfo": {"hasNextPage": false},
            "edges": [{"node": {"name": "n", "createdAt": "t", "summaryMetrics": "{\"a\": 1"}}]}}}}"#;
        let quick = page_rows(body, "a").unwrap_err();
        assert_eq!(quick, decode_data::<RunsData>(body).unwrap_err());
        assert!(
            matches!(&quick, DecodeError::Shape { path, .. } if path == "data.project.runs.edges[0].node.summaryMetrics"),
            "{quick:?}"
        );
    }
}
