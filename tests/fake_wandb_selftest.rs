//! Self-tests of the fake W&B server that the fetcher's integration tests run against:
//! if the fake drifts from W&B's behaviour, the fetcher's tests prove nothing.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::time::Duration;

use fake_wandb::*;
use serde_json::{json, Value};

const RUNS_QUERY: &str = r#"
query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50,
           $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { id name displayName state createdAt
                     config(keys: ["layer", "dict_size"])
                     summaryMetrics(keys: ["l0_norm", "l2_loss", "no_such_key"]) } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}"#;

fn sweep(runs: usize) -> Dataset {
    Dataset::sweep(SweepOptions {
        runs,
        ..SweepOptions::default()
    })
}

/// reqwest here has no `json` feature.
trait JsonBody {
    fn json_body(self, v: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, v: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(v.to_string())
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// POSTs a GraphQL request with the server's key; returns the status and the body text.
async fn post(server: &FakeWandb, body: &Value) -> (u16, String) {
    let resp = client()
        .post(format!("{}/graphql", server.base_url()))
        .basic_auth("api", Some(server.api_key()))
        .json_body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

async fn gql(server: &FakeWandb, query: &str, variables: Value) -> Value {
    let (status, text) = post(server, &json!({"query": query, "variables": variables})).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn runs_vars(server: &FakeWandb, filters: Value, cursor: Option<&str>, per_page: i64) -> Value {
    json!({
        "project": "fake-project", "entity": server.entity(), "cursor": cursor,
        "perPage": per_page, "order": "+created_at", "filters": filters.to_string(),
    })
}

/// Pages through the runs query, returning every node and the number of pages.
async fn fetch_all(server: &FakeWandb, filters: Value, per_page: i64) -> (Vec<Value>, usize) {
    let mut cursor: Option<String> = None;
    let mut nodes = Vec::new();
    let mut pages = 0;
    loop {
        let v = gql(
            server,
            RUNS_QUERY,
            runs_vars(server, filters.clone(), cursor.as_deref(), per_page),
        )
        .await;
        assert!(v.get("errors").is_none(), "{v}");
        let runs = &v["data"]["project"]["runs"];
        let edges = runs["edges"].as_array().unwrap();
        nodes.extend(edges.iter().map(|e| e["node"].clone()));
        pages += 1;
        assert!(pages < 1000, "paging does not end");
        if !runs["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return (nodes, pages);
        }
        cursor = Some(edges.last().unwrap()["cursor"].as_str().unwrap().to_string());
    }
}

fn names(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn pages_are_capped_and_complete() {
    let server = FakeWandb::start(FakeConfig {
        page_cap: 30,
        ..FakeConfig::with_dataset(sweep(100))
    });
    let (nodes, pages) = fetch_all(&server, json!({}), 50).await;
    assert_eq!(pages, 4);
    assert_eq!(nodes.len(), 100);
    let unique: HashSet<_> = names(&nodes).into_iter().collect();
    assert_eq!(unique.len(), 100);
    let created: Vec<_> = nodes.iter().map(|n| n["createdAt"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] < w[1]), "ascending createdAt");
    let edges: Vec<usize> = server.runs_requests().iter().map(|r| r.edges).collect();
    assert_eq!(edges, [30, 30, 30, 10]);

    // endCursor is the last edge's cursor; `first` null grants 50 under a large cap.
    server.set_page_cap(1000);
    let q = r#"{ project(name: "fake-project") { runs { edges { cursor } pageInfo { endCursor hasNextPage startCursor hasPreviousPage } totalCount } } }"#;
    let v = gql(&server, q, json!({})).await;
    let runs = &v["data"]["project"]["runs"];
    let edges = runs["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50);
    assert_eq!(runs["pageInfo"]["endCursor"], edges[49]["cursor"]);
    assert_eq!(runs["pageInfo"]["startCursor"], edges[0]["cursor"]);
    assert_eq!(runs["pageInfo"]["hasNextPage"], true);
    assert_eq!(runs["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(runs["totalCount"], 100);
}

#[tokio::test]
async fn descending_order_and_bad_cursor() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(20)));
    let q = r#"query($c: String) { project(name: "fake-project") { runs(first: 5, order: "-created_at", after: $c) { edges { node { createdAt } cursor } pageInfo { hasNextPage } } } }"#;
    let v = gql(&server, q, json!({"c": null})).await;
    let edges = v["data"]["project"]["runs"]["edges"].as_array().unwrap().clone();
    let created: Vec<_> = edges
        .iter()
        .map(|e| e["node"]["createdAt"].as_str().unwrap().to_string())
        .collect();
    assert!(created.windows(2).all(|w| w[0] > w[1]), "descending: {created:?}");
    let last = server.dataset().read().runs.last().unwrap().created_at.clone();
    assert_eq!(created[0], last);
    let v2 = gql(&server, q, json!({"c": edges[4]["cursor"]})).await;
    let next = v2["data"]["project"]["runs"]["edges"][0]["node"]["createdAt"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(next < created[4]);

    let v = gql(&server, q, json!({"c": "garbage!!"})).await;
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("cursor"),
        "{v}"
    );
    assert_eq!(v["data"]["project"], Value::Null);
}

#[tokio::test]
async fn cursors_survive_runs_added_mid_fetch() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(40)));
    let original: Vec<String> = server
        .dataset()
        .read()
        .runs
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    for page in 0.. {
        if page == 1 {
            // New runs (later createdAt) and one back-dated run that sorts before the cursor.
            let added = server.dataset().with_mut(|ds| {
                ds.add_sweep_runs(&SweepOptions {
                    runs: 5,
                    seed: 7,
                    ..SweepOptions::default()
                })
            });
            assert_eq!(added.len(), 5);
            server
                .dataset()
                .add_run(FakeRun::new("early001", "back-dated", "2020-01-01T00:00:00"));
        }
        let v = gql(
            &server,
            RUNS_QUERY,
            runs_vars(&server, json!({}), cursor.as_deref(), 15),
        )
        .await;
        let runs = &v["data"]["project"]["runs"];
        let edges = runs["edges"].as_array().unwrap();
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_string()),
        );
        if !runs["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        cursor = Some(runs["pageInfo"]["endCursor"].as_str().unwrap().to_string());
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert!(original.iter().all(|n| unique.contains(n)), "no gaps");
    assert_eq!(
        seen.len(),
        45,
        "the 5 later runs are fetched, the back-dated one is not"
    );
    assert!(!unique.contains("early001"));
}

#[tokio::test]
async fn projections_and_json_strings() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    let v = gql(&server, RUNS_QUERY, runs_vars(&server, json!({}), None, 10)).await;
    let node = &v["data"]["project"]["runs"]["edges"][0]["node"];
    let config: Value = serde_json::from_str(node["config"].as_str().unwrap()).unwrap();
    assert_eq!(config.as_object().unwrap().len(), 2);
    assert_eq!(config["layer"], json!({"value": 6, "desc": null}));
    assert_eq!(config["dict_size"]["value"], 12288);
    let summary: Value = serde_json::from_str(node["summaryMetrics"].as_str().unwrap()).unwrap();
    let keys: HashSet<_> = summary.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        HashSet::from(["l0_norm".to_string(), "l2_loss".to_string()])
    );

    // Without keys: everything, `_wandb` included.
    let q = r#"{ project(name: "fake-project") { runs(first: 1) { edges { node { config summaryMetrics } } } } }"#;
    let v = gql(&server, q, json!({})).await;
    let node = &v["data"]["project"]["runs"]["edges"][0]["node"];
    let config: Value = serde_json::from_str(node["config"].as_str().unwrap()).unwrap();
    for k in [
        "layer",
        "dict_size",
        "sae_type",
        "top_k",
        "afa_coeff",
        "hook_point",
        "seed",
        "lr",
        "_wandb",
    ] {
        assert!(config.get(k).is_some(), "config has {k}: {config}");
    }
    let summary: Value = serde_json::from_str(node["summaryMetrics"].as_str().unwrap()).unwrap();
    assert_eq!(summary["_step"], 20000);
}

#[tokio::test]
async fn summaries_write_bare_non_finite_tokens() {
    let ds = Dataset::sweep(SweepOptions {
        runs: 30,
        nan_rate: 1.0,
        extra_summary_keys: 45,
        ..SweepOptions::default()
    });
    let server = FakeWandb::start(FakeConfig::with_dataset(ds));
    let q = r#"{ project(name: "fake-project") { runs(first: 30) { edges { node { summaryMetrics } } } } }"#;
    let v = gql(&server, q, json!({})).await;
    let s = v["data"]["project"]["runs"]["edges"][0]["node"]["summaryMetrics"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(s.contains("\"l2_loss\": NaN"), "{s}");
    assert!(s.contains("Infinity"), "{s}");
    assert!(s.contains("\"val_loss\": {\"max\": "), "{s}");
    assert!(serde_json::from_str::<Value>(&s).is_err(), "not strict JSON");
    let width = s.matches("\": ").count();
    assert!(width >= 50, "{width} keys");
}

#[tokio::test]
async fn filters_and_run_count() {
    let ds = Dataset::sweep(SweepOptions {
        runs: 120,
        layers: (0..12).collect(),
        states: vec!["finished".into(), "finished".into(), "crashed".into()],
        ..SweepOptions::default()
    });
    let all = ds.clone();
    let server = FakeWandb::start(FakeConfig::with_dataset(ds));
    let count = |pred: &dyn Fn(&FakeRun) -> bool| all.runs.iter().filter(|r| pred(r)).count();
    let run_count = |filters: Value| {
        let server = &server;
        async move {
            let q = r#"query($f: JSONString) { project(name: "fake-project", entityName: "fake-entity") { runCount(filters: $f) } }"#;
            let v = gql(server, q, json!({"f": filters.to_string()})).await;
            assert!(v.get("errors").is_none(), "{v}");
            v["data"]["project"]["runCount"].as_i64().unwrap() as usize
        }
    };
    let in_678 = |r: &FakeRun| [6, 7, 8].contains(&r.layer().unwrap());
    assert_eq!(run_count(json!({"config.layer": {"$in": [6, 7, 8]}})).await, 30);
    assert_eq!(
        run_count(json!({"config.layer.value": {"$in": [6.0, 7, 8]}})).await,
        30
    );
    assert_eq!(run_count(json!({"config.layer": 6})).await, 10);
    let f = json!({"$and": [{"config.layer": {"$in": [6, 7, 8]}}, {"state": "finished"}]});
    let expected = count(&|r| in_678(r) && r.state == "finished");
    assert!(expected > 0 && expected < 30);
    assert_eq!(run_count(f.clone()).await, expected);
    let (nodes, _) = fetch_all(&server, f, 7).await;
    assert_eq!(nodes.len(), expected);
    assert!(nodes.iter().all(|n| n["state"] == "finished"));

    let mid = all.runs[60].created_at.clone();
    assert_eq!(run_count(json!({"createdAt": {"$gte": mid}})).await, 60);
    assert_eq!(run_count(json!({"created_at": {"$lt": mid}})).await, 60);
    assert_eq!(
        run_count(json!({"$or": [{"state": "crashed"}, {"config.layer": 0}]})).await,
        count(&|r| r.state == "crashed" || r.layer() == Some(0))
    );
    assert_eq!(
        run_count(json!({"$nor": [{"state": "crashed"}]})).await,
        count(&|r| r.state != "crashed")
    );
    assert_eq!(
        run_count(json!({"state": {"$ne": "crashed"}})).await,
        count(&|r| r.state != "crashed")
    );
    assert_eq!(
        run_count(json!({"config.layer": {"$nin": [0, 1]}, "state": {"$in": ["crashed"]}})).await,
        count(&|r| r.layer().unwrap() > 1 && r.state == "crashed")
    );
    assert_eq!(
        run_count(json!({"display_name": {"$regex": "topk_64_"}})).await,
        count(&|r| r.display_name.contains("topk_64_"))
    );
    assert_eq!(
        run_count(json!({"summary_metrics.l0_norm": {"$gt": 1000}})).await,
        count(&|r| r.summary["l0_norm"].as_f64().unwrap() > 1000.0)
    );
    assert_eq!(
        run_count(json!({"config.sae_type": "topafa", "config.afa_coeff": {"$lte": 0.03125}})).await,
        count(&|r| r.config["sae_type"] == "topafa" && r.config["afa_coeff"].as_f64().unwrap() <= 0.03125)
    );
    assert_eq!(
        run_count(json!({"config.no_such": {"$exists": false}})).await,
        120
    );
    assert_eq!(
        run_count(json!({"summary_metrics.l0_norm": {"$exists": true}})).await,
        120
    );
    assert_eq!(run_count(json!({})).await, 120);

    let q = r#"query($f: JSONString) { project(name: "fake-project") { runCount(filters: $f) } }"#;
    let v = gql(&server, q, json!({"f": r#"{"config.layer": {"$near": 6}}"#})).await;
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("$near"),
        "{v}"
    );
}

#[tokio::test]
async fn auth_and_unknown_projects() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    let url = format!("{}/graphql", server.base_url());
    let body = json!({"query": "{ viewer { entity username } }"});
    let want = r#"{"errors":[{"message":"user is not logged in","extensions":{"code":"PERMISSION_ERROR"}}]}"#;
    for auth in [None, Some("wrong-key")] {
        let mut req = client().post(&url).json_body(&body);
        if let Some(key) = auth {
            req = req.basic_auth("api", Some(key));
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        assert_eq!(resp.text().await.unwrap(), want);
    }
    let v = gql(&server, "{ viewer { entity username } }", json!({})).await;
    assert_eq!(
        v,
        json!({"data": {"viewer": {"entity": "fake-entity", "username": "fake-entity"}}})
    );

    for (project, entity) in [("nope", "fake-entity"), ("fake-project", "someone-else")] {
        let q = r#"query($p: String!, $e: String) { project(name: $p, entityName: $e) { runCount } }"#;
        let v = gql(&server, q, json!({"p": project, "e": entity})).await;
        assert_eq!(v, json!({"data": {"project": null}}));
    }

    let v = gql(
        &server,
        "{ project(name: \"fake-project\") { noSuchField } }",
        json!({}),
    )
    .await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("noSuchField"),
        "{v}"
    );

    let resp = client()
        .get(format!("{}/other", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn request_log_records_queries_and_variables() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(30)));
    let filters = json!({"config.layer": {"$in": [7]}});
    fetch_all(&server, filters.clone(), 4).await;
    let log = server.requests();
    assert_eq!(log.len(), 3);
    let first = &log[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/graphql");
    assert_eq!(first.graphql_index, Some(1));
    assert!(first.authorized);
    assert!(first.header("Authorization").unwrap().starts_with("Basic "));
    assert!(first.query.as_deref().unwrap().contains("runCount"));
    assert_eq!(first.variables["filters"], filters.to_string());
    assert_eq!(first.variables["cursor"], Value::Null);
    assert_eq!(first.info.filters.as_deref(), Some(filters.to_string().as_str()));
    assert_eq!(first.info.layers, [7]);
    assert_eq!(first.info.first, Some(4));
    assert_eq!(first.info.order.as_deref(), Some("+created_at"));
    assert_eq!(first.status, 200);
    assert_eq!(first.edges, 4);
    assert!(first.bytes_sent > 0);
    assert!(log[1].variables["cursor"].is_string());
    assert_eq!(
        log[1].info.after.as_ref(),
        log[1].variables["cursor"].as_str().map(String::from).as_ref()
    );
    assert_eq!(log.iter().map(|r| r.edges).sum::<usize>(), 10);
    let body: Value = serde_json::from_str(&log[2].response_text().unwrap()).unwrap();
    assert_eq!(body["data"]["project"]["runs"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn gzip_when_asked() {
    let ds = Dataset::sweep(SweepOptions {
        runs: 50,
        extra_summary_keys: 40,
        ..SweepOptions::default()
    });
    let server = FakeWandb::start(FakeConfig::with_dataset(ds));
    fetch_all(&server, json!({}), 50).await; // reqwest (gzip feature) sends Accept-Encoding: gzip
    let r = &server.requests()[0];
    assert!(r.header("accept-encoding").unwrap().contains("gzip"));
    assert!(r.gzipped);
    assert!(
        r.bytes_sent < r.response_body.as_ref().unwrap().len() / 2,
        "compressed on the wire"
    );
}

/// Sends raw HTTP/1.1 requests on one connection; returns each raw answer.
fn raw_exchange(server: &FakeWandb, bodies: &[String]) -> Vec<String> {
    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let auth = base64_basic(server.api_key());
    let mut out = Vec::new();
    for body in bodies {
        write!(
            s,
            "POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        out.push(read_one_response(&mut s));
    }
    out
}

fn base64_basic(key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("api:{key}"))
    )
}

fn read_one_response(s: &mut std::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("always a Content-Length");
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head + &String::from_utf8(body).unwrap()
}

#[test]
fn keep_alive_serves_many_requests_per_connection() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    // An empty operationName means none (the official client sends it so).
    let body = json!({"query": "{ viewer { entity } }", "operationName": ""}).to_string();
    let answers = raw_exchange(&server, &[body.clone(), body.clone(), body]);
    for a in &answers {
        assert!(a.starts_with("HTTP/1.1 200 OK\r\n"), "{a}");
        assert!(
            a.ends_with(r#"{"data":{"viewer":{"entity":"fake-entity"}}}"#),
            "{a}"
        );
    }
    assert_eq!(server.requests().len(), 3);
}

const PAGE_QUERY: &str = r#"query($c: String, $f: JSONString) { project(name: "fake-project") { runs(first: 5, after: $c, filters: $f) { edges { node { name } cursor } pageInfo { endCursor hasNextPage } } } }"#;

fn page_body(cursor: Option<&str>, layer: i64) -> Value {
    json!({"query": PAGE_QUERY, "variables": {"c": cursor, "f": json!({"config.layer": layer}).to_string()}})
}

#[tokio::test]
async fn status_faults_fire_exactly_times() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(30)));
    let cases: Vec<(Fault, u16, &str)> = vec![
        (
            Fault::Status429 {
                retry_after: Some("7".into()),
            },
            429,
            "rate limit",
        ),
        (Fault::Status(500), 500, "errors"),
        (Fault::Status(502), 502, "errors"),
        (Fault::Status(503), 503, "errors"),
        (Fault::Status(504), 504, "errors"),
        (Fault::Status(400), 400, "errors"),
        (Fault::Status(404), 404, "errors"),
        (Fault::MalformedJson, 200, "<html>"),
        (Fault::ErrorsArray, 200, r#""path":["project","runs"]"#),
        (Fault::Html403, 403, "Forbidden"),
        (Fault::ProjectNull, 200, r#"{"data":{"project":null}}"#),
    ];
    for (fault, status, needle) in cases {
        server.inject(FaultRule::new(fault.clone(), Trigger::Always, 2));
        for i in 0..4 {
            let (got, text) = post(&server, &page_body(None, 6)).await;
            if i < 2 {
                assert_eq!(got, status, "{fault:?}");
                assert!(text.contains(needle), "{fault:?}: {text}");
            } else {
                assert_eq!(got, 200, "{fault:?} disarmed");
                assert!(serde_json::from_str::<Value>(&text).unwrap()["data"]["project"]["runs"].is_object());
            }
        }
        assert_eq!(server.fault_count(&fault), 2, "{fault:?}");
        assert!(server.armed_faults().is_empty());
    }
    let r = server.requests().into_iter().find(|r| r.status == 429).unwrap();
    let text = r.response_text().unwrap();
    assert!(text.contains("rate limit"));
    let html = server.requests().into_iter().find(|r| r.status == 403).unwrap();
    assert!(html.response_text().unwrap().starts_with("<html>"));
}

#[tokio::test]
async fn retry_after_header_and_html_content_type() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    server.inject(FaultRule::once(
        Fault::Status429 {
            retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
        },
        Trigger::Nth(1),
    ));
    server.inject(FaultRule::once(Fault::Html403, Trigger::Nth(2)));
    let url = format!("{}/graphql", server.base_url());
    let body = json!({"query": "{ viewer { entity } }"});
    let send = || {
        client()
            .post(&url)
            .basic_auth("api", Some(server.api_key()))
            .json_body(&body)
            .send()
    };
    let r1 = send().await.unwrap();
    assert_eq!(r1.status().as_u16(), 429);
    assert_eq!(r1.headers()["retry-after"], "Wed, 21 Oct 2015 07:28:00 GMT");
    let r2 = send().await.unwrap();
    assert_eq!(r2.status().as_u16(), 403);
    assert!(r2.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn socket_faults_fire_exactly_times() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(30)));
    let url = format!("{}/graphql", server.base_url());
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    for fault in [
        Fault::Reset,
        Fault::TruncatedBody,
        Fault::Slow(Duration::from_secs(2)),
    ] {
        server.inject(FaultRule::new(fault.clone(), Trigger::Always, 2));
        for i in 0..4 {
            let res = quick
                .post(&url)
                .basic_auth("api", Some(server.api_key()))
                .json_body(&page_body(None, 6))
                .send()
                .await;
            let body = match res {
                Ok(resp) => resp.text().await,
                Err(e) => Err(e),
            };
            if i < 2 {
                let err = body.expect_err("the fault breaks the answer");
                if matches!(fault, Fault::Slow(_)) {
                    assert!(err.is_timeout(), "{err:?}");
                }
            } else {
                let text = body.unwrap_or_else(|e| panic!("{fault:?} disarmed: {e:?}"));
                assert!(text.contains("edges"));
            }
        }
        assert_eq!(server.fault_count(&fault), 2, "{fault:?}");
    }
}

#[test]
fn reset_is_a_connection_reset() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    server.inject(FaultRule::once(Fault::Reset, Trigger::Nth(1)));
    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let body = json!({"query": "{ viewer { entity } }"}).to_string();
    let auth = base64_basic(server.api_key());
    write!(
        s,
        "POST /graphql HTTP/1.1\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).expect_err("reset");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
}

#[test]
fn truncated_body_is_short_of_its_content_length() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    server.inject(FaultRule::once(Fault::TruncatedBody, Trigger::Nth(1)));
    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let body = json!({"query": "{ project(name: \"fake-project\") { runs { edges { node { name summaryMetrics } } } } }"}).to_string();
    let auth = base64_basic(server.api_key());
    write!(
        s,
        "POST /graphql HTTP/1.1\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let text = String::from_utf8_lossy(&all);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(rest.len(), len / 2);
    assert_eq!(server.requests()[0].fault, Some(Fault::TruncatedBody));
}

#[tokio::test]
async fn page_faults_misbehave_as_documented() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(30)));
    let page = |v: &Value| v["data"]["project"]["runs"].clone();
    let run = |cursor: Option<String>| {
        let server = &server;
        async move {
            let (_, text) = post(server, &page_body(cursor.as_deref(), 6)).await;
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };

    // RepeatCursor: page 1 again and again, its cursors all the one sent.
    server.inject(FaultRule::new(
        Fault::RepeatCursor,
        Trigger::RunsPage {
            page: 1,
            layer: Some(6),
        },
        2,
    ));
    let p1 = page(&run(None).await);
    assert_eq!(p1["edges"].as_array().unwrap().len(), 5);
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    let c = p1["pageInfo"]["endCursor"].as_str().unwrap().to_string();
    assert!(p1["edges"].as_array().unwrap().iter().all(|e| e["cursor"] == c));
    let p2 = page(&run(Some(c.clone())).await);
    assert_eq!(p2["edges"], p1["edges"], "the same page again");
    assert_eq!(p2["pageInfo"]["endCursor"], c);
    // Disarmed, the page-1 cursor still means page 1; then page 2 ends layer 6's 10 runs.
    let p3 = page(&run(Some(c)).await);
    let nodes = |p: &Value| {
        p["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(nodes(&p3), nodes(&p1));
    assert_eq!(p3["pageInfo"]["hasNextPage"], true);
    let p4 = page(&run(p3["pageInfo"]["endCursor"].as_str().map(String::from)).await);
    assert_eq!(p4["edges"].as_array().unwrap().len(), 5);
    assert_eq!(p4["pageInfo"]["hasNextPage"], false, "layer 6 has 10 runs: 5 + 5");
    assert_eq!(server.fault_count(&Fault::RepeatCursor), 2);

    // EndlessCursor: no edges, always more, always a new cursor.
    server.inject(FaultRule::new(Fault::EndlessCursor, Trigger::Always, 3));
    let mut cursors = HashSet::new();
    let mut cursor = None;
    for _ in 0..3 {
        let p = page(&run(cursor.clone()).await);
        assert_eq!(p["edges"].as_array().unwrap().len(), 0);
        assert_eq!(p["pageInfo"]["hasNextPage"], true);
        cursor = Some(p["pageInfo"]["endCursor"].as_str().unwrap().to_string());
        assert!(cursors.insert(cursor.clone()));
    }
    // Its cursors stay valid once it disarms.
    let p = page(&run(cursor).await);
    assert_eq!(p["edges"].as_array().unwrap().len(), 5);

    // LoseRuns: fewer edges, same endCursor, the lost runs never come back.
    let normal = page(&run(None).await);
    server.inject(FaultRule::once(
        Fault::LoseRuns(2),
        Trigger::RunsPage { page: 1, layer: None },
    ));
    let lossy = page(&run(None).await);
    assert_eq!(lossy["edges"].as_array().unwrap().len(), 3);
    assert_eq!(lossy["pageInfo"]["endCursor"], normal["pageInfo"]["endCursor"]);
    assert_eq!(lossy["edges"][0], normal["edges"][2]);
    let last = server.requests().last().unwrap().clone();
    assert_eq!((last.edges, last.fault), (3, Some(Fault::LoseRuns(2))));
}

#[tokio::test]
async fn runs_page_trigger_counts_per_layer() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(30)));
    server.inject(FaultRule::once(
        Fault::Status(503),
        Trigger::RunsPage {
            page: 2,
            layer: Some(7),
        },
    ));
    // Non-runs requests and other layers do not count.
    gql(&server, "{ viewer { entity } }", json!({})).await;
    let (s, _) = post(&server, &page_body(None, 6)).await;
    assert_eq!(s, 200);
    let (s, _) = post(&server, &page_body(None, 6)).await;
    assert_eq!(s, 200);
    let (s, _) = post(&server, &page_body(None, 7)).await;
    assert_eq!(s, 200);
    let (s, _) = post(&server, &page_body(None, 7)).await;
    assert_eq!(s, 503);
    let (s, _) = post(&server, &page_body(None, 7)).await;
    assert_eq!(s, 200);
    assert_eq!(server.fault_count(&Fault::Status(503)), 1);
    assert_eq!(server.requests()[4].info.layers, [7]);
}

#[tokio::test]
async fn nth_trigger_fires_on_that_request() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(3)));
    server.inject(FaultRule::new(Fault::Status(502), Trigger::Nth(3), 2));
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(post(&server, &json!({"query": "{ viewer { entity } }"})).await.0);
    }
    assert_eq!(statuses, [200, 200, 502, 502, 200, 200]);
}

#[test]
fn sweep_is_deterministic_and_follows_the_grammar() {
    let a = Dataset::sweep(SweepOptions {
        runs: 300,
        layers: (0..12).collect(),
        extra_summary_keys: 40,
        ..SweepOptions::default()
    });
    let b = Dataset::sweep(SweepOptions {
        runs: 300,
        layers: (0..12).collect(),
        extra_summary_keys: 40,
        ..SweepOptions::default()
    });
    assert_eq!(a, b);
    let re = regex::Regex::new(
        r"^blocks\.(\d+)\.hook_resid_pre_12288_(topk|batchtopk|topafa)_(\d+)_(0\.0|0\.0078125|0\.015625|0\.03125|0\.041666666666666664|0\.0625)$",
    )
    .unwrap();
    let mut ids = HashSet::new();
    for w in a.runs.windows(2) {
        assert!(w[0].created_at < w[1].created_at);
    }
    for r in &a.runs {
        assert_eq!(r.name.len(), 8);
        assert!(r
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(ids.insert(r.name.clone()));
        let caps = re
            .captures(&r.display_name)
            .unwrap_or_else(|| panic!("{}", r.display_name));
        assert_eq!(caps[1].parse::<i64>().unwrap(), r.layer().unwrap());
        assert_eq!(&caps[2], r.config["sae_type"].as_str().unwrap());
        assert_eq!(
            caps[3].parse::<i64>().unwrap(),
            r.config["top_k"].as_i64().unwrap()
        );
        if &caps[2] == "topafa" {
            assert_eq!(&caps[3], "0");
        } else {
            assert_eq!(&caps[4], "0.0");
        }
        assert!(r.summary.len() >= 45, "{}", r.summary.len());
        assert_eq!(
            parse_timestamp(&format_timestamp(parse_timestamp(&r.created_at).unwrap())),
            parse_timestamp(&r.created_at)
        );
    }
    assert_eq!(a.runs[0].created_at, "2025-03-27T13:59:12");
}

#[test]
fn export_matches_the_web_ui_format() {
    let mut ds = Dataset::sweep(SweepOptions {
        runs: 9,
        nan_rate: 0.0,
        ..SweepOptions::default()
    });
    let name = ds.runs_of_layers(&[7]).next().unwrap().name.clone();
    ds.set_summary(&name, "l2_loss", f64::NAN.into());
    let text = ds.export_text(&[7, 8]);
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(
        lines[0],
        r#""Name","ID","State","Created","layer","dict_size","l0_norm","l2_loss""#
    );
    assert_eq!(lines.len(), 7);
    assert!(!text.ends_with('\n'));
    let row7: Vec<&FakeRun> = ds.runs_of_layers(&[7, 8]).collect();
    let r = row7[0];
    let l0 = r.summary["l0_norm"].as_f64().unwrap();
    assert_eq!(
        lines[1],
        format!(
            r#""{}","{}","finished","{}","7","12288","{l0}","NaN""#,
            r.display_name, r.name, r.created_at
        )
    );
    assert!(lines[2].starts_with("\"blocks.8."));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    ds.write_export(&path, &[7, 8]).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test]
async fn dataset_changes_show_up_live() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(6)));
    let name = server.dataset().read().runs[0].name.clone();
    let before = server.dataset().with(|ds| {
        ds.runs
            .iter()
            .filter_map(|r| r.heartbeat_at.clone())
            .max()
            .unwrap()
    });
    assert!(server.dataset().set_state(&name, "crashed"));
    assert!(server
        .dataset()
        .set_summary(&name, "l2_loss", SummaryValue::Float(f64::INFINITY)));
    let after = server
        .dataset()
        .read()
        .get(&name)
        .unwrap()
        .heartbeat_at
        .clone()
        .unwrap();
    assert!(after > before);
    let q = r#"query($f: JSONString) { project(name: "fake-project") { runs(filters: $f) { edges { node { name state heartbeatAt summaryMetrics(keys: ["l2_loss"]) } } } } }"#;
    let v = gql(
        &server,
        q,
        json!({"f": json!({"heartbeatAt": {"$gt": before}}).to_string()}),
    )
    .await;
    let edges = v["data"]["project"]["runs"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{v}");
    assert_eq!(edges[0]["node"]["state"], "crashed");
    assert_eq!(edges[0]["node"]["summaryMetrics"], r#"{"l2_loss": Infinity}"#);
}

#[tokio::test]
async fn updated_at_moves_with_every_change_and_filters_as_a_time() {
    let server = FakeWandb::start(FakeConfig::with_dataset(sweep(6)));
    let ds = server.dataset();
    let ids: Vec<String> = ds.with(|ds| ds.runs.iter().map(|r| r.name.clone()).collect());
    let stamp = |name: &str| ds.read().get(name).unwrap().updated_at.clone().unwrap();
    let newest = ids.iter().map(|n| stamp(n)).max().unwrap();
    // An eval script rewrites a finished run's summary: updatedAt moves, heartbeatAt not.
    let heartbeat = ds.read().get(&ids[0]).unwrap().heartbeat_at.clone();
    assert!(ds.update_run(&ids[0], |run| {
        run.summary.insert("l2_loss".into(), SummaryValue::Float(0.5));
    }));
    assert_eq!(ds.read().get(&ids[0]).unwrap().heartbeat_at, heartbeat);
    assert!(ds.set_state(&ids[1], "crashed"));
    assert!(ds.update_run(&ids[2], |run| {
        run.config.insert("note".into(), json!("x"));
    }));
    let changed: Vec<String> = ids[..3].iter().map(|n| stamp(n)).collect();
    assert!(newest < changed[0] && changed[0] < changed[1] && changed[1] < changed[2]);
    // A test may set the stamp itself (an old record, a lagging replica).
    assert!(ds.update_run(&ids[3], |run| run.updated_at = Some("2025-01-01T00:00:01".into())));
    assert!(!ds.update_run("nosuchrun", |_| {}));

    let q = r#"query($f: JSONString) { project(name: "fake-project") { runs(filters: $f) { edges { node { name updatedAt } } } } }"#;
    let cases = [
        (json!({"updatedAt": {"$gt": newest}}), &ids[..3]),
        (
            json!({"updatedAt": {"$gte": format!("{}Z", changed[1])}}),
            &ids[1..3],
        ),
        (
            json!({"updated_at": {"$gt": format!("{}.5", changed[1])}}),
            &ids[2..3],
        ),
        (
            json!({"updatedAt": {"$lt": "2025-01-01T00:00:01.5Z"}}),
            &ids[3..4],
        ),
    ];
    for (filter, want) in cases {
        let v = gql(&server, q, json!({"f": filter.to_string()})).await;
        let nodes: Vec<Value> = v["data"]["project"]["runs"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{filter}: {v}"))
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        assert_eq!(names(&nodes), want, "{filter}");
        for node in &nodes {
            assert_eq!(node["updatedAt"], stamp(node["name"].as_str().unwrap()));
        }
    }
}

#[test]
fn works_from_sync_code_and_stops_on_drop() {
    let server = FakeWandb::start(FakeConfig::default());
    let addr = server.addr();
    let answers = raw_exchange(&server, &[json!({"query": "{ viewer { entity } }"}).to_string()]);
    assert!(answers[0].contains("fake-entity"));
    drop(server);
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
}
