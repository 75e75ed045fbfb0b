//! The subset of W&B's GraphQL schema the fetcher (and the official client) use, with W&B's
//! names, executed by async-graphql so any query parses and validates as on the real server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, InputValueError, InputValueResult, Object, Result, Scalar,
    ScalarType, Schema, SimpleObject, Value, ID,
};
use base64::Engine;

use super::dataset::FakeRun;
use super::faults::Fault;
use super::filters::parse_filters_as;
use super::offset_paging;
use super::paging::{self, encode_cursor, Cursor, Order};
use super::state::{PageCtx, Shared};
use super::values::{write_json_str, write_object, SummaryValue};

pub type FakeSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn build(shared: Arc<Shared>) -> FakeSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(shared)
        .finish()
}

/// W&B's `JSONString`: JSON text carried as a GraphQL string (objects accepted on input).
#[derive(Clone, Debug)]
pub struct JsonString(pub String);

#[Scalar(name = "JSONString")]
impl ScalarType for JsonString {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(JsonString(s)),
            Value::Null => Err(InputValueError::expected_type(Value::Null)),
            other => other
                .into_json()
                .map(|j| JsonString(j.to_string()))
                .map_err(|e| InputValueError::custom(e.to_string())),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

pub struct Query;

#[Object]
impl Query {
    /// `null` unless `entityName` (default: the viewer's entity) owns project `name`.
    async fn project(
        &self,
        ctx: &Context<'_>,
        name: String,
        entity_name: Option<String>,
    ) -> Result<Option<Project>> {
        let shared = ctx.data::<Arc<Shared>>()?;
        let entity = entity_name.unwrap_or_else(|| shared.entity.clone());
        if entity != shared.entity || !shared.projects.contains(&name) {
            return Ok(None);
        }
        Ok(Some(Project { name, entity }))
    }

    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let shared = ctx.data::<Arc<Shared>>()?;
        Ok(Some(User::named(&shared.entity)))
    }
}

#[derive(Clone, Debug, SimpleObject)]
pub struct User {
    pub id: Option<ID>,
    pub entity: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    // Asked for by the official Python client's login check.
    pub email: Option<String>,
    pub flags: Option<JsonString>,
    pub teams: Option<EntityConnection>,
}

impl User {
    fn named(who: &str) -> User {
        User {
            id: Some(ID(b64(&format!("User:v1:{who}")))),
            entity: Some(who.into()),
            username: Some(who.into()),
            name: Some(who.into()),
            email: None,
            flags: Some(JsonString("{}".into())),
            teams: Some(EntityConnection {
                edges: vec![EntityEdge {
                    node: Some(Entity { name: who.into() }),
                }],
            }),
        }
    }
}

#[derive(Clone, Debug, SimpleObject)]
pub struct EntityConnection {
    pub edges: Vec<EntityEdge>,
}

#[derive(Clone, Debug, SimpleObject)]
pub struct EntityEdge {
    pub node: Option<Entity>,
}

#[derive(Clone, Debug, SimpleObject)]
pub struct Entity {
    pub name: String,
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[derive(Clone, Debug)]
pub struct Project {
    name: String,
    entity: String,
}

#[Object]
impl Project {
    async fn id(&self) -> ID {
        ID(b64(&format!("Project:v1:{}:{}", self.name, self.entity)))
    }

    async fn internal_id(&self) -> ID {
        ID(b64(&format!("Project:v1:{}:{}", self.name, self.entity)))
    }

    async fn name(&self) -> &str {
        &self.name
    }

    async fn entity_name(&self) -> &str {
        &self.entity
    }

    async fn read_only(&self) -> Option<bool> {
        Some(false)
    }

    async fn run_count(&self, ctx: &Context<'_>, filters: Option<JsonString>) -> Result<i32> {
        let shared = ctx.data::<Arc<Shared>>()?;
        let filter = parse_filters_as(filters.as_ref().map(|f| f.0.as_str()), &shared.real)?;
        let count = {
            let ds = shared.dataset.read();
            shared.dataset.count(&ds, &filter)
        };
        // A server that counts by scanning takes time for every run it counts.
        let scan = shared.serial.scan_time(count);
        if !scan.is_zero() {
            shared.stats.scanned(count, scan);
            tokio::time::sleep(scan).await;
        }
        Ok(count as i32)
    }

    /// One run by its 8-character id.
    async fn run(&self, ctx: &Context<'_>, name: String) -> Result<Option<Run>> {
        let shared = ctx.data::<Arc<Shared>>()?;
        let run = shared.dataset.read().get(&name).cloned();
        Ok(run.map(|run| Run {
            run: Arc::new(run),
            project: Arc::new(self.clone()),
        }))
    }

    async fn runs(
        &self,
        ctx: &Context<'_>,
        filters: Option<JsonString>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
    ) -> Result<RunConnection> {
        let shared = ctx.data::<Arc<Shared>>()?;
        let filter = parse_filters_as(filters.as_ref().map(|f| f.0.as_str()), &shared.real)?;
        let order = Order::parse(order.as_deref())?;
        let first = match first {
            None => 50,
            Some(n) if n < 0 => return Err("first must not be negative".into()),
            Some(n) => n as usize,
        };
        let first = first.min(shared.page_cap.load(Ordering::Relaxed));
        let (page, total) = {
            let ds = shared.dataset.read();
            let want_total = ctx.look_ahead().field("totalCount").exists();
            let total = want_total.then(|| shared.dataset.count(&ds, &filter));
            let page = match shared.real.offset_cursors {
                true => {
                    let seen = shared.requests_seen.fetch_add(1, Ordering::Relaxed);
                    let tie_seed = shared.real.unstable_ties.then_some(seen);
                    offset_paging::select(&ds, &filter, &order, after.as_deref(), first, tie_seed)?
                }
                false => paging::select(&ds, &filter, &order, after.as_deref(), first)?,
            };
            (page, total)
        };
        let project = Arc::new(self.clone());
        let mut edges: Vec<RunEdge> = page
            .runs
            .into_iter()
            .zip(page.cursors)
            .map(|(run, cursor)| RunEdge {
                node: Run {
                    run,
                    project: Arc::clone(&project),
                },
                cursor,
            })
            .collect();
        let mut end_cursor = edges.last().map(|e| e.cursor.clone());
        let mut has_next = page.has_next;
        let page_ctx = ctx.data_opt::<Arc<PageCtx>>();
        match page_ctx.and_then(|p| p.fault.as_ref()) {
            Some(Fault::RepeatCursor) => {
                let c = after
                    .clone()
                    .unwrap_or_else(|| encode_cursor(&order, &Cursor::Start, 0));
                edges.iter_mut().for_each(|e| e.cursor = c.clone());
                end_cursor = Some(c);
                has_next = true;
            }
            Some(Fault::EndlessCursor) => {
                static NONCE: AtomicU64 = AtomicU64::new(1);
                edges.clear();
                let nonce = NONCE.fetch_add(1, Ordering::Relaxed);
                end_cursor = Some(encode_cursor(&order, &page.from, nonce));
                has_next = true;
            }
            Some(Fault::ShuffleEdges) => edges.reverse(),
            Some(Fault::NoEndCursor) => end_cursor = None,
            Some(Fault::LoseRuns(n)) => {
                let n = (*n).min(edges.len());
                edges.drain(..n);
            }
            _ => {}
        }
        if let Some(p) = page_ctx {
            p.edges.fetch_add(edges.len(), Ordering::Relaxed);
        }
        Ok(RunConnection {
            page_info: PageInfo {
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor,
                has_next_page: has_next,
                has_previous_page: after.is_some(),
            },
            edges,
            total_count: total.map(|total| total as i32),
        })
    }
}

#[derive(SimpleObject)]
pub struct RunConnection {
    pub edges: Vec<RunEdge>,
    pub page_info: PageInfo,
    pub total_count: Option<i32>,
}

#[derive(SimpleObject)]
pub struct RunEdge {
    pub node: Run,
    pub cursor: String,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    pub start_cursor: Option<String>,
    pub has_previous_page: bool,
}

pub struct Run {
    run: Arc<FakeRun>,
    project: Arc<Project>,
}

/// The entries of `map` that `keys` names (all of them without `keys`), in the map's order.
fn selected<'a, T>(map: &'a BTreeMap<String, T>, keys: &Option<Vec<String>>) -> Vec<(&'a String, &'a T)> {
    let Some(keys) = keys else {
        return map.iter().collect();
    };
    let mut entries: Vec<_> = keys
        .iter()
        .filter_map(|k| map.get_key_value(k.as_str()))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    entries
}

#[Object]
impl Run {
    async fn id(&self) -> ID {
        ID(self.run.node_id(&self.project.name))
    }

    async fn name(&self) -> &str {
        &self.run.name
    }

    async fn display_name(&self) -> Option<&str> {
        Some(&self.run.display_name)
    }

    async fn state(&self) -> Option<&str> {
        Some(&self.run.state)
    }

    async fn created_at(&self) -> &str {
        &self.run.created_at
    }

    async fn heartbeat_at(&self) -> Option<&str> {
        self.run.heartbeat_at.as_deref()
    }

    /// When the run's record last changed (`2025-03-27T13:59:12`, UTC, no zone).
    async fn updated_at(&self) -> Option<&str> {
        self.run.updated_at.as_deref()
    }

    /// `{"key": {"value": v, "desc": null}, ...}`, only `keys` when given.
    async fn config(&self, keys: Option<Vec<String>>) -> Option<JsonString> {
        let mut out = String::from("{");
        for (i, (k, v)) in selected(&self.run.config, &keys).into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_json_str(&mut out, k);
            out.push_str(": {\"value\": ");
            SummaryValue::from_json(v).write_json(&mut out);
            out.push_str(", \"desc\": null}");
        }
        out.push('}');
        Some(JsonString(out))
    }

    /// The summary as JSON text with bare `NaN`/`Infinity`; only `keys` when given.
    async fn summary_metrics(&self, keys: Option<Vec<String>>) -> Option<JsonString> {
        let mut out = String::new();
        write_object(&mut out, selected(&self.run.summary, &keys).into_iter());
        Some(JsonString(out))
    }

    async fn system_metrics(&self) -> Option<JsonString> {
        Some(JsonString("{}".into()))
    }

    async fn tags(&self) -> &[String] {
        &self.run.tags
    }

    async fn group(&self) -> Option<&str> {
        self.run.group.as_deref()
    }

    async fn job_type(&self) -> Option<&str> {
        self.run.job_type.as_deref()
    }

    async fn sweep_name(&self) -> Option<&str> {
        self.run.sweep_name.as_deref()
    }

    async fn notes(&self) -> Option<&str> {
        self.run.notes.as_deref()
    }

    async fn description(&self) -> Option<&str> {
        self.run.notes.as_deref()
    }

    async fn user(&self) -> Option<User> {
        self.run.user.as_deref().map(User::named)
    }

    async fn project(&self) -> Option<Project> {
        Some((*self.project).clone())
    }

    // Asked for by the official Python client's RunFragment; harmless values.
    async fn project_id(&self) -> Option<i32> {
        Some(1)
    }

    async fn commit(&self) -> Option<&str> {
        None
    }

    async fn read_only(&self) -> Option<bool> {
        Some(false)
    }

    async fn history_line_count(&self) -> Option<i32> {
        match self.run.summary.get("_step") {
            Some(SummaryValue::Int(i)) => Some(*i as i32 + 1),
            _ => Some(0),
        }
    }

    async fn history_keys(&self) -> Option<JsonString> {
        None
    }
}
