//! The accept loop and the life of one request: log it, check the key, pick a fault, run
//! the GraphQL query, gzip, and write the answer (or misbehave) on the socket.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::faults::Fault;
use super::http::{self, HttpRequest, HttpResponse, ReadError};
use super::inspect::inspect;
use super::log::LoggedRequest;
use super::schema::FakeSchema;
use super::state::{lock, PageCtx, Shared};
use super::stats::Answer;

pub async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    schema: FakeSchema,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let accept = async {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_conn(shared.clone(), schema.clone(), stream));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    };
    tokio::select! {
        _ = accept => {}
        _ = shutdown => {}
    }
}

/// What to do on the socket.
enum Reply {
    Send(HttpResponse),
    Reset,
    Truncated(HttpResponse),
}

async fn serve_conn(shared: Arc<Shared>, schema: FakeSchema, mut stream: TcpStream) {
    let mut buf = Vec::new();
    loop {
        let req = match http::read_request(&mut stream, &mut buf).await {
            Ok(Some(req)) => req,
            Ok(None) | Err(ReadError::Io(_)) => return,
            Err(ReadError::Bad(msg)) => {
                let resp = HttpResponse::json(400, error_body(&msg));
                let mut out = http::head(&resp, resp.body.len(), false, false);
                out.extend_from_slice(&resp.body);
                let _ = stream.write_all(&out).await;
                return;
            }
        };
        if shared.stats_endpoint && req.method == "GET" && req.path.starts_with("/__stats") {
            let snapshot = shared.stats.snapshot(req.path == "/__stats/reset");
            let body = serde_json::to_vec(&snapshot).unwrap_or_default();
            let resp = HttpResponse::json(200, body);
            let mut out = http::head(&resp, resp.body.len(), false, req.keep_alive());
            out.extend_from_slice(&resp.body);
            if stream.write_all(&out).await.is_err() || !req.keep_alive() {
                let _ = stream.shutdown().await;
                return;
            }
            continue;
        }
        let arrived = Instant::now();
        let request_body = req.body.len();
        let keep_alive = req.keep_alive();
        let accepts_gzip = req
            .header("accept-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
        // One request's latency and work at a time on a serial server; its answer is
        // written to the socket after its turn.
        let service = shared.turns.begin(&shared.stats).await;
        let started = Instant::now();
        let (reply, idx, edges) = handle(&shared, &schema, req, arrived).await;
        match reply {
            Reply::Reset => {
                drop(service);
                #[allow(deprecated)] // SO_LINGER 0 on purpose: the close sends a RST.
                let _ = stream.set_linger(Some(Duration::ZERO));
                finish_log(&shared, idx, 0, 0, false, edges, None);
                record(&shared, idx, started, request_body, (0, 0, 0), false, edges);
                return;
            }
            Reply::Truncated(resp) => {
                drop(service);
                let mut out = http::head(&resp, resp.body.len(), false, false);
                let head_len = out.len();
                out.extend_from_slice(&resp.body[..resp.body.len() / 2]);
                let sent = head_len + resp.body.len() / 2;
                let sizes = (resp.body.len(), resp.body.len() / 2, sent);
                record(&shared, idx, started, request_body, sizes, false, edges);
                finish_log(&shared, idx, resp.status, sent, false, edges, Some(resp.body));
                let _ = stream.write_all(&out).await;
                let _ = stream.flush().await;
                let _ = stream.shutdown().await;
                return;
            }
            Reply::Send(resp) => {
                let gzip = accepts_gzip && shared.gzip.load(Ordering::Relaxed) && resp.body.len() >= 256;
                let wire = if gzip {
                    gzip_bytes(&resp.body)
                } else {
                    resp.body.clone()
                };
                let mut out = http::head(&resp, wire.len(), gzip, keep_alive);
                out.extend_from_slice(&wire);
                drop(service);
                // Logged before writing, so a client that has its answer sees it logged.
                let sizes = (resp.body.len(), wire.len(), out.len());
                record(&shared, idx, started, request_body, sizes, gzip, edges);
                finish_log(&shared, idx, resp.status, out.len(), gzip, edges, Some(resp.body));
                let ok = stream.write_all(&out).await.is_ok();
                if !ok || !keep_alive {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
        }
    }
}

/// Adds one answer to the stats: `sizes` = (body, body on the wire, all bytes written).
fn record(
    shared: &Shared,
    idx: usize,
    started: Instant,
    request_body: usize,
    sizes: (usize, usize, usize),
    gzipped: bool,
    edges: usize,
) {
    let runs_page = lock(&shared.log).get(idx).is_some_and(|r| r.info.runs_page);
    let latency = *lock(&shared.latency);
    shared.stats.record(&Answer {
        runs_page,
        edges,
        request_body,
        response_body: sizes.0,
        wire_body: sizes.1,
        wire: sizes.2,
        gzipped,
        busy: started.elapsed().saturating_sub(latency),
    });
}

fn gzip_bytes(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

fn finish_log(
    shared: &Shared,
    idx: usize,
    status: u16,
    bytes_sent: usize,
    gzipped: bool,
    edges: usize,
    body: Option<Vec<u8>>,
) {
    let mut log = lock(&shared.log);
    let entry = &mut log[idx];
    entry.status = status;
    entry.bytes_sent = bytes_sent;
    entry.gzipped = gzipped;
    entry.edges = edges;
    if shared.log_bodies {
        entry.response_body = body.map(Arc::new);
    }
}

fn error_body(msg: &str) -> Vec<u8> {
    serde_json::json!({ "errors": [{ "message": msg }] })
        .to_string()
        .into_bytes()
}

const UNAUTHORIZED: &str =
    r#"{"errors":[{"message":"user is not logged in","extensions":{"code":"PERMISSION_ERROR"}}]}"#;

fn authorized(shared: &Shared, req: &HttpRequest) -> bool {
    let Some(value) = req.header("authorization") else {
        return false;
    };
    let Some((scheme, creds)) = value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(creds.trim()) else {
        return false;
    };
    String::from_utf8_lossy(&decoded) == format!("api:{}", shared.api_key)
}

/// Answers one request; returns the reply, its log index, and the run edges it carries.
/// `arrived`: when the request was read, before any wait for its turn.
async fn handle(
    shared: &Shared,
    schema: &FakeSchema,
    req: HttpRequest,
    arrived: Instant,
) -> (Reply, usize, usize) {
    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let is_graphql = req.method == "POST" && req.path == "/graphql";
    let graphql_index = is_graphql.then(|| lock(&shared.faults).count_graphql());
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&req.body).ok();
    let query = parsed
        .as_ref()
        .and_then(|v| v.get("query"))
        .and_then(|q| q.as_str())
        .map(String::from);
    let variables = parsed
        .as_ref()
        .and_then(|v| v.get("variables"))
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let operation_name = parsed
        .as_ref()
        .and_then(|v| v.get("operationName"))
        .and_then(|q| q.as_str())
        .filter(|q| !q.is_empty()) // clients send "" for "none"
        .map(String::from);
    let authorized = authorized(shared, &req);
    let idx = {
        let mut log = lock(&shared.log);
        let idx = log.len();
        log.push(LoggedRequest {
            seq: idx,
            method: req.method.clone(),
            path: req.path.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            graphql_index,
            query: query.clone(),
            variables: variables.clone(),
            operation_name: operation_name.clone(),
            authorized,
            received_at: Some(arrived),
            ..LoggedRequest::default()
        });
        idx
    };
    let send = |r: HttpResponse| (Reply::Send(r), idx, 0);
    let Some(graphql_index) = graphql_index else {
        let resp = HttpResponse::json(404, error_body("404 page not found"));
        return send(resp);
    };
    if !authorized {
        return send(HttpResponse::json(401, UNAUTHORIZED));
    }
    let Some(query) = query else {
        return send(HttpResponse::json(400, error_body("must provide query string")));
    };
    let info = inspect(&query, &variables);
    let fault = lock(&shared.faults).pick(graphql_index, &info);
    {
        let mut log = lock(&shared.log);
        log[idx].info = info;
        log[idx].fault = fault.clone();
    }
    let page_fault = fault.clone().filter(Fault::is_page_fault);
    let filters = variables.get("filters").and_then(|f| f.as_str()).unwrap_or("");
    if let Some(why) = shared.real.refuses(filters) {
        return send(HttpResponse::json(
            500,
            error_body(&format!("500 Internal Server Error: {why}")),
        ));
    }
    match fault {
        Some(Fault::Status429 { retry_after }) => {
            let mut resp = HttpResponse::json(429, error_body("rate limit exceeded"));
            if let Some(ra) = retry_after {
                resp = resp.with_header("Retry-After", &ra);
            }
            return send(resp);
        }
        Some(Fault::Status(code)) => {
            let msg = format!("{code} {}", http::reason(code));
            return send(HttpResponse::json(code, error_body(&msg)));
        }
        Some(Fault::Reset) => return (Reply::Reset, idx, 0),
        Some(Fault::MalformedJson) => {
            let body = r#"{"data": {"project": {"runCount": 3, "runs": {"edges": [<html>oops"#;
            return send(HttpResponse::json(200, body));
        }
        Some(Fault::ErrorsArray) => {
            let body = r#"{"errors":[{"message":"An internal error occurred. Please contact support.","path":["project","runs"]}],"data":null}"#;
            return send(HttpResponse::json(200, body));
        }
        Some(Fault::Html403) => {
            let body = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n";
            let mut resp = HttpResponse::json(403, body);
            resp.content_type = "text/html";
            return send(resp);
        }
        Some(Fault::ProjectNull) => {
            return send(HttpResponse::json(200, r#"{"data":{"project":null}}"#));
        }
        Some(Fault::Redirect { status, location }) => {
            let body = error_body(&format!("moved to {location}"));
            return send(HttpResponse::json(status, body).with_header("Location", &location));
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::AddRuns(ref runs)) => shared.dataset.add_runs(runs.clone()),
        _ => {}
    }
    let page_ctx = Arc::new(PageCtx {
        fault: page_fault,
        ..PageCtx::default()
    });
    let mut gql = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables))
        .data(page_ctx.clone());
    if let Some(op) = operation_name {
        gql = gql.operation_name(op);
    }
    let body = {
        let _worker = shared.workers.acquire().await.expect("the pool is never closed");
        let response = schema.execute(gql).await;
        serde_json::to_vec(&response).unwrap_or_else(|e| error_body(&e.to_string()))
    };
    let edges = page_ctx.edges.load(Ordering::Relaxed);
    let resp = HttpResponse::json(200, body);
    if fault == Some(Fault::TruncatedBody) {
        return (Reply::Truncated(resp), idx, edges);
    }
    (Reply::Send(resp), idx, edges)
}
