//! The ingestion side: everything that is not `/__mock/`, modelled on the Jitsu "classic" server
//! that Usermaven's collector derives from (`server/middleware/cors.go`, `token_auth.go`,
//! `server/routers/router.go`, `server/handlers/event.go`, `server/events/parser.go`,
//! `server/enrichment/context_enrichment_step.go`, `server/events/{api,js}_processor.go`).
//!
//! Order of work for a request, as in the collector: CORS layer (browser paths only; it rejects
//! unknown tokens itself) → OPTIONS answered → routing (404 / trailing-slash redirect) → token
//! check → body parsing → enrichment → 200. The mock adds: faults (before everything), strict
//! mode (after parsing) and recording.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use crate::gojson::{self, go_json_string, GoJsonError, Target};
use crate::model::{
    Fault, FaultRecord, Notice, Problem, RequestRecord, Severity, StoredEvent, StrictMode,
};
use crate::state::MockState;
use crate::strict::{self, Channel};

/// Inserted into request extensions by the socket server: notifying it closes the connection.
#[derive(Clone)]
pub(crate) struct ConnAbort(pub(crate) Arc<Notify>);

const S2S_PATHS: &[&str] = &[
    "/api/v1/s2s/event",
    "/api/v1/s2s/event/",
    "/api/v1/s2s/events",
];
const BROWSER_PATHS: &[&str] = &["/api/v1/event", "/api/v1/events"];
const NOT_SERVER_TOKEN: &str =
    "The token isn't a server secret token. Please use an s2s integration token";
const JSON_CT: &str = "application/json; charset=utf-8";
/// Jitsu keeps at most this much of a malformed body (`max_malformed_event_size_bytes`).
const LOGGED_BODY_MAX: usize = 10_000;

/// Where the token was found (the collector's lookup order, then Usermaven's Bearer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSource {
    QueryToken,
    XAuthToken,
    ApiKeyHeader,
    PQuery,
    BasicUser,
    Bearer,
}

impl TokenSource {
    fn label(self) -> &'static str {
        match self {
            TokenSource::QueryToken => "query token",
            TokenSource::XAuthToken => "X-Auth-Token header",
            TokenSource::ApiKeyHeader => "api_key header",
            TokenSource::PQuery => "p_* query parameter",
            TokenSource::BasicUser => "Basic auth username",
            TokenSource::Bearer => "Bearer token",
        }
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The collector's `extractToken`: query `token`, `X-Auth-Token`, `api_key` header, first `p_*`
/// query parameter, Basic username; then (Usermaven) `Authorization: Bearer`.
pub(crate) fn extract_token(query: &str, headers: &HeaderMap) -> (String, Option<TokenSource>) {
    let pairs = query_pairs(query);
    let q = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let candidates: [(TokenSource, String); 6] = [
        (TokenSource::QueryToken, q("token")),
        (
            TokenSource::XAuthToken,
            header_str(headers, "x-auth-token").to_owned(),
        ),
        (
            TokenSource::ApiKeyHeader,
            header_str(headers, "api_key").to_owned(),
        ),
        (
            TokenSource::PQuery,
            pairs
                .iter()
                .find(|(k, v)| k.starts_with("p_") && !v.is_empty())
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        ),
        (
            TokenSource::BasicUser,
            basic_username(header_str(headers, "authorization")),
        ),
        (
            TokenSource::Bearer,
            bearer_token(header_str(headers, "authorization")),
        ),
    ];
    for (source, token) in candidates {
        if !token.is_empty() {
            return (token, Some(source));
        }
    }
    (String::new(), None)
}

/// Go's `Request.BasicAuth` username (empty unless the header is valid).
fn basic_username(auth: &str) -> String {
    const PREFIX: &str = "Basic ";
    if auth.len() < PREFIX.len() || !auth[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
        return String::new();
    }
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(&auth[PREFIX.len()..]) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&raw);
    match text.split_once(':') {
        Some((user, _)) => user.to_owned(),
        None => String::new(),
    }
}

fn bearer_token(auth: &str) -> String {
    const PREFIX: &str = "Bearer ";
    if auth.len() > PREFIX.len() && auth[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
        auth[PREFIX.len()..].trim().to_owned()
    } else {
        String::new()
    }
}

/// `{"message":…,"error":""}` exactly as gin's `c.JSON(ErrResponse(msg, nil))` writes it.
pub(crate) fn error_body(message: &str) -> String {
    format!("{{\"message\":{},\"error\":\"\"}}", go_json_string(message))
}

fn response(status: StatusCode, content_type: Option<&str>, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    if let Some(ct) = content_type {
        if let Ok(v) = HeaderValue::from_str(ct) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
    }
    res
}

fn is_browser_cors_path(path: &str) -> bool {
    BROWSER_PATHS.contains(&path) || path.contains("/api.")
}

/// `/api.:ignored`: one path segment starting with `/api.`.
fn is_random_browser_path(path: &str) -> bool {
    path.strip_prefix("/api.")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

fn default_cors_headers(h: &mut HeaderMap) {
    let pairs = [
        ("access-control-max-age", "86400"),
        ("access-control-allow-methods", "POST, GET, OPTIONS, PUT, DELETE, UPDATE, PATCH"),
        (
            "access-control-allow-headers",
            "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, Host, X-Auth-Token",
        ),
        ("access-control-allow-credentials", "true"),
    ];
    for (k, v) in pairs {
        h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
    }
}

/// Everything recorded about one request, filled in as it is handled.
struct Ctx {
    state: MockState,
    request_id: u64,
    received_at: String,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    remote: Option<SocketAddr>,
    abort: Option<ConnAbort>,
    body: Bytes,
    token: String,
    token_source: Option<TokenSource>,
    workspace: Option<usize>,
    fault: Option<Fault>,
}

/// Outcome of the pipeline before post-processing faults.
struct Outcome {
    response: Response,
    status: StatusCode,
    response_body: String,
    outcome: &'static str,
    reason: Option<String>,
    event_ids: Vec<u64>,
}

impl Outcome {
    fn new(
        status: StatusCode,
        ct: Option<&str>,
        body: String,
        outcome: &'static str,
        reason: Option<String>,
    ) -> Self {
        Outcome {
            response: response(status, ct, body.clone()),
            status,
            response_body: body,
            outcome,
            reason,
            event_ids: Vec::new(),
        }
    }
}

pub(crate) fn now_rfc3339() -> String {
    go_timestamp(jiff::Timestamp::now())
}

/// `2006-01-02T15:04:05.000000Z` (the collector's `_timestamp` layout).
pub(crate) fn go_timestamp(ts: jiff::Timestamp) -> String {
    let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1000
    )
}

/// Entry point for every non-admin request.
pub(crate) async fn entry(State(state): State<MockState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let remote = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let abort = parts.extensions.get::<ConnAbort>().cloned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let method = parts.method.clone();
    let headers = parts.headers;

    let mut extra = HeaderMap::new();
    // CORS layer (cors.go): browser paths check the token before anything else.
    if is_browser_cors_path(&path) {
        default_cors_headers(&mut extra);
        let (token, _) = extract_token(&query, &headers);
        let origin = headers
            .get(header::ORIGIN)
            .cloned()
            .unwrap_or(HeaderValue::from_static(""));
        extra.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        let known = state
            .workspaces()
            .iter()
            .any(|w| !token.is_empty() && w.api_key == token);
        if !known {
            if method == Method::OPTIONS {
                return with_headers(response(StatusCode::OK, None, String::new()), &extra);
            }
            // Written with w.Write (no Content-Type), so Go sniffs text/plain.
            let body = error_body(&format!("The token is not found: {token}"));
            if method == Method::POST {
                let res = response(
                    StatusCode::UNAUTHORIZED,
                    Some("text/plain; charset=utf-8"),
                    body,
                );
                return record_simple(
                    &state,
                    &method,
                    &path,
                    &query,
                    &headers,
                    res,
                    "rejected",
                    if token.is_empty() {
                        "no token"
                    } else {
                        "unknown token"
                    },
                    &token,
                    &extra,
                )
                .await;
            }
            return with_headers(
                response(
                    StatusCode::UNAUTHORIZED,
                    Some("text/plain; charset=utf-8"),
                    body,
                ),
                &extra,
            );
        }
    }
    if method == Method::OPTIONS {
        return with_headers(response(StatusCode::OK, None, String::new()), &extra);
    }

    let is_s2s = S2S_PATHS.contains(&path.as_str());
    let is_browser = BROWSER_PATHS.contains(&path.as_str()) || is_random_browser_path(&path);
    if method == Method::GET && path == "/ping" {
        return response(
            StatusCode::OK,
            Some("text/plain; charset=utf-8"),
            "pong".into(),
        );
    }
    if method != Method::POST || !(is_s2s || is_browser) {
        // gin: a registered path with a trailing-slash twin redirects (307 for non-GET).
        if method == Method::POST {
            if let Some(target) = trailing_slash_twin(&path) {
                let mut res = response(StatusCode::TEMPORARY_REDIRECT, None, String::new());
                let loc = if query.is_empty() {
                    target
                } else {
                    format!("{target}?{query}")
                };
                if let Ok(v) = HeaderValue::from_str(&loc) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                let (tok, _) = extract_token(&query, &headers);
                let reason = "trailing-slash redirect (307)";
                return record_simple(
                    &state, &method, &path, &query, &headers, res, "rejected", reason, &tok, &extra,
                )
                .await;
            }
        }
        let res = response(
            StatusCode::NOT_FOUND,
            Some("text/plain"),
            "404 page not found".into(),
        );
        let (tok, _) = extract_token(&query, &headers);
        let reason = "no such route (404)";
        return record_simple(
            &state, &method, &path, &query, &headers, res, "rejected", reason, &tok, &extra,
        )
        .await;
    }

    let channel = if is_s2s {
        Channel::S2s
    } else {
        Channel::Browser
    };
    let limit = state.config().max_body_bytes;
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let res = response(
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(JSON_CT),
                error_body(&format!("mock: request body exceeds {limit} bytes")),
            );
            return record_simple(
                &state,
                &method,
                &path,
                &query,
                &headers,
                res,
                "rejected",
                "body over the mock's max_body_bytes",
                "",
                &extra,
            )
            .await;
        }
    };
    let (token, token_source) = extract_token(&query, &headers);
    let (request_id, chosen) = {
        let mut inner = state.lock();
        let id = inner.next_request_id;
        inner.next_request_id += 1;
        (id, inner.choose_fault())
    };
    let mut ctx = Ctx {
        state: state.clone(),
        request_id,
        received_at: now_rfc3339(),
        method,
        path,
        query,
        headers,
        remote,
        abort,
        body,
        token,
        token_source,
        workspace: None,
        fault: None,
    };
    if let Some(chosen) = chosen {
        let record = FaultRecord {
            request_id,
            path: ctx.path.clone(),
            fault: chosen.fault.clone(),
            origin: chosen.origin.to_owned(),
        };
        state.lock().faults_log.push(record.clone());
        state.notify(Notice::Fault(record));
        ctx.fault = Some(chosen.fault);
    }

    // Faults that act before processing.
    match ctx.fault.clone() {
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let text = body.unwrap_or_default();
            let mut out = Outcome::new(
                code,
                None,
                text,
                "fault",
                Some(format!(
                    "injected {}",
                    ctx.fault.as_ref().map(Fault::label).unwrap_or_default()
                )),
            );
            if let Some(ra) = retry_after.and_then(|ra| HeaderValue::from_str(&ra).ok()) {
                out.response.headers_mut().insert(header::RETRY_AFTER, ra);
            }
            return finish(ctx, out, &extra).await;
        }
        Some(Fault::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::Drop {
            after_processing: false,
        }) => {
            let out = Outcome::new(
                StatusCode::BAD_GATEWAY,
                None,
                String::new(),
                "fault",
                Some("injected drop connection".into()),
            );
            return finish(ctx, out, &extra).await;
        }
        _ => {}
    }

    let out = process(&mut ctx, channel);
    finish(ctx, out, &extra).await
}

fn trailing_slash_twin(path: &str) -> Option<String> {
    let all = S2S_PATHS.iter().chain(BROWSER_PATHS);
    let twin = match path.strip_suffix('/') {
        Some(p) => p.to_owned(),
        None => format!("{path}/"),
    };
    all.into_iter().any(|p| *p == twin).then_some(twin)
}

fn with_headers(mut res: Response, extra: &HeaderMap) -> Response {
    for (k, v) in extra {
        res.headers_mut().append(k.clone(), v.clone());
    }
    res
}

/// Records a request that was answered before the full pipeline ran.
#[allow(clippy::too_many_arguments)]
async fn record_simple(
    state: &MockState,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    res: Response,
    outcome: &str,
    reason: &str,
    token: &str,
    extra: &HeaderMap,
) -> Response {
    let status = res.status();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let response_body = String::from_utf8_lossy(&bytes).into_owned();
    let secrets = secrets(state, token);
    let (token_source, request_id) = {
        let (_, src) = extract_token(query, headers);
        let mut inner = state.lock();
        let id = inner.next_request_id;
        inner.next_request_id += 1;
        (src, id)
    };
    let record = RequestRecord {
        id: request_id,
        received_at: now_rfc3339(),
        method: method.to_string(),
        path: path.to_owned(),
        query: redact_query(query, &secrets),
        headers: redact_headers(headers, &secrets),
        body_len: 0,
        body: None,
        token_source: token_source.map(|s| s.label().to_owned()),
        workspace: None,
        status: Some(status.as_u16()),
        response_body: redact(&response_body, &secrets),
        outcome: outcome.to_owned(),
        reason: Some(reason.to_owned()),
        event_ids: Vec::new(),
        fault: None,
    };
    state.lock().requests.push(record);
    state.notify(Notice::Rejected {
        request_id,
        path: path.to_owned(),
        status: status.as_u16(),
        reason: reason.to_owned(),
    });
    with_headers(Response::from_parts(parts, Body::from(bytes)), extra)
}

/// Authentication, parsing, strict mode, enrichment and storing.
fn process(ctx: &mut Ctx, channel: Channel) -> Outcome {
    let state = ctx.state.clone();
    let workspaces = state.workspaces();
    // Token check (TokenTwoFuncAuth for s2s; browser tokens were checked by the CORS layer).
    let ws = match channel {
        Channel::S2s => workspaces.iter().position(|w| w.s2s_token() == ctx.token),
        Channel::Browser => workspaces.iter().position(|w| w.api_key == ctx.token),
    };
    let Some(ws) = ws else {
        let is_client_key = workspaces.iter().any(|w| w.api_key == ctx.token);
        let (msg, reason) = if is_client_key {
            (NOT_SERVER_TOKEN.to_owned(), "client key on an s2s path")
        } else if ctx.token.is_empty() {
            ("The token is not found: ".to_owned(), "no token")
        } else {
            (
                format!("The token is not found: {}", ctx.token),
                "unknown token",
            )
        };
        return Outcome::new(
            StatusCode::UNAUTHORIZED,
            Some(JSON_CT),
            error_body(&msg),
            "rejected",
            Some(reason.into()),
        );
    };
    ctx.workspace = Some(ws);
    let api_key = workspaces[ws].api_key.clone();

    let max = state.config().max_event_size;
    let events = match parse_body(&ctx.body, max) {
        Ok(events) => events,
        Err(ParseError::Go(e)) => {
            let msg = format!("Error parsing events body: {e}");
            return Outcome::new(
                StatusCode::BAD_REQUEST,
                Some(JSON_CT),
                error_body(&msg),
                "rejected",
                Some(msg),
            );
        }
        Err(ParseError::NullEvent) => {
            // A nil map reaches the enrichment step, which panics; gin.Recovery answers 500.
            return Outcome::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                String::new(),
                "rejected",
                Some("null event in batch (the collector panics)".into()),
            );
        }
    };

    let mode = state.strict();
    let mut problems: Vec<Problem> = Vec::new();
    if mode != StrictMode::Off {
        for (i, e) in events.iter().enumerate() {
            strict::check_event(
                &Value::Object(e.clone()),
                i,
                &api_key,
                channel,
                &mut problems,
            );
        }
    }
    let errors: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if mode == StrictMode::Reject && !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(|p| p.to_string()).collect();
        let msg = format!(
            "Event validation failed (mock strict mode): {} problem(s): {}",
            errors.len(),
            list.join("; ")
        );
        let payload = json!({ "problems": problems });
        let body = format!(
            "{{\"message\":{},\"payload\":{},\"error\":\"\"}}",
            go_json_string(&msg),
            payload
        );
        return Outcome::new(
            StatusCode::BAD_REQUEST,
            Some(JSON_CT),
            body,
            "rejected",
            Some(msg),
        );
    }

    let rc = request_context(ctx, &events);
    let mut stored = Vec::with_capacity(events.len());
    let body_text = String::from_utf8_lossy(&ctx.body).into_owned();
    let mut inner = state.lock();
    for (i, mut e) in events.into_iter().enumerate() {
        enrich(&mut e, channel, &rc, &api_key);
        let warnings: Vec<Problem> = problems.iter().filter(|p| p.index == i).cloned().collect();
        let id = inner.next_event_id;
        inner.next_event_id += 1;
        stored.push(StoredEvent {
            id,
            request_id: ctx.request_id,
            index: i,
            received_at: ctx.received_at.clone(),
            path: ctx.path.clone(),
            body: body_text.clone(),
            event: Value::Object(e),
            warnings,
        });
    }
    if let Err(e) = inner.persist(&stored) {
        inner.next_event_id -= stored.len() as u64;
        return Outcome::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(JSON_CT),
            error_body(&format!("mock: {e}")),
            "rejected",
            Some(e.to_string()),
        );
    }
    let ids: Vec<u64> = stored.iter().map(|e| e.id).collect();
    inner.events.extend(stored.iter().cloned());
    drop(inner);
    for e in stored {
        state.notify(Notice::Accepted(Box::new(e)));
    }
    let body = if rc.compliant {
        "{\"status\":\"ok\"}".to_owned()
    } else {
        "{\"status\":\"ok\",\"delete_cookie\":true}".to_owned()
    };
    let mut out = Outcome::new(StatusCode::OK, Some(JSON_CT), body, "accepted", None);
    out.event_ids = ids;
    out
}

enum ParseError {
    Go(String),
    NullEvent,
}

/// `jitsuParser.ParseEventsBody`: first-byte dispatch, size limits, Go decoding, templates.
fn parse_body(body: &[u8], max_event_size: usize) -> Result<Vec<Map<String, Value>>, ParseError> {
    let go = |e: GoJsonError| ParseError::Go(format!("error parsing HTTP body: {e}"));
    let Some(&first) = body.first() else {
        return Err(ParseError::Go("empty JSON body".into()));
    };
    match first {
        b'{' => {
            if body.len() > max_event_size {
                return Err(ParseError::Go(format!(
                    "Event size {} exceeds limit: {max_event_size}",
                    body.len()
                )));
            }
            let Value::Object(obj) = gojson::decode(body, Target::Event).map_err(go)? else {
                return Err(ParseError::Go(
                    "error parsing HTTP body: unexpected value".into(),
                ));
            };
            Ok(expand_template(&obj).unwrap_or_else(|| vec![obj]))
        }
        b'[' => {
            let Value::Array(items) = gojson::decode(body, Target::EventSlice).map_err(go)? else {
                return Err(ParseError::Go(
                    "error parsing HTTP body: unexpected value".into(),
                ));
            };
            if !items.is_empty() && body.len() > max_event_size.saturating_mul(items.len()) {
                return Err(ParseError::Go(format!(
                    "Size of one of events exceeds limit: {max_event_size}"
                )));
            }
            items
                .into_iter()
                .map(|v| match v {
                    Value::Object(o) => Ok(o),
                    _ => Err(ParseError::NullEvent),
                })
                .collect()
        }
        c => Err(ParseError::Go(format!(
            "malformed JSON body begins with: {}",
            gojson::go_quote_rune(c)
        ))),
    }
}

/// `{"template":{…},"events":[{…},…]}`: each partial event gets the template's keys (template
/// wins). Anything else in that shape is one ordinary event.
fn expand_template(obj: &Map<String, Value>) -> Option<Vec<Map<String, Value>>> {
    let template = obj.get("template")?.as_object()?;
    let partials = obj.get("events")?.as_array()?;
    let mut out = Vec::with_capacity(partials.len());
    for p in partials {
        let mut event = p.as_object()?.clone();
        for (k, v) in template {
            event.insert(k.clone(), v.clone());
        }
        out.push(event);
    }
    Some(out)
}

/// `getRequestContext` in handlers/event.go.
struct ReqContext {
    client_ip: String,
    user_agent: String,
    hashed_anonymous_id: String,
    jitsu_anonymous_id: String,
    compliant: bool,
}

fn request_context(ctx: &Ctx, events: &[Map<String, Value>]) -> ReqContext {
    let mut client_ip = events
        .iter()
        .find_map(|e| {
            e.get("source_ip")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| {
            let mut ip = header_str(&ctx.headers, "x-forwarded-for").to_owned();
            if ip.is_empty() {
                if let Some(addr) = ctx.remote {
                    // Go splits RemoteAddr on ':' and keeps the first part.
                    let s = addr.to_string();
                    ip = s.split(':').next().unwrap_or("").to_owned();
                }
            }
            match ip.split_once(',') {
                Some((first, _)) => first.trim().to_owned(),
                None => ip,
            }
        });
    let user_agent = header_str(&ctx.headers, "user-agent").to_owned();
    let pairs = query_pairs(&ctx.query);
    let q = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    // No MaxMind resolver here, so "comply" never finds the visitor compliant.
    let compliant = !matches!(q("cookie_policy"), "comply" | "strict");
    let hashed = format!("{:x}", md5::compute(format!("{client_ip}{user_agent}")));
    let jitsu_anonymous_id = if compliant {
        String::new()
    } else {
        hashed.clone()
    };
    if matches!(q("ip_policy"), "comply" | "strict") {
        let mut parts: Vec<&str> = client_ip.split('.').collect();
        if let Some(last) = parts.last_mut() {
            *last = "1";
        }
        client_ip = parts.join(".");
    }
    ReqContext {
        client_ip,
        user_agent,
        hashed_anonymous_id: hashed,
        jitsu_anonymous_id,
        compliant,
    }
}

/// Jitsu's multi-path `Set` without creating intermediate objects: the first path whose parent
/// objects exist gets the value; a parent that exists but is not an object stops the search.
fn set_first_existing(event: &mut Map<String, Value>, paths: &[&[&str]], value: Value) {
    'paths: for path in paths {
        let (last, parents) = match path.split_last() {
            Some(x) => x,
            None => continue,
        };
        let mut node = &mut *event;
        for p in parents {
            match node.get_mut(*p) {
                Some(Value::Object(m)) => node = m,
                Some(_) => return,
                None => continue 'paths,
            }
        }
        node.insert((*last).to_owned(), value);
        return;
    }
}

/// `fmt.Sprint` of a decoded JSON value (strings bare, numbers as written).
fn go_sprint(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// Removes and returns the unique id: `/eventn_ctx/event_id`, `/eventn_ctx_event_id`, `/event_id`.
fn extract_event_id(event: &mut Map<String, Value>) -> String {
    if let Some(Value::Object(ctx)) = event.get_mut("eventn_ctx") {
        if let Some(v) = ctx.shift_remove("event_id") {
            return go_sprint(&v);
        }
    }
    for key in ["eventn_ctx_event_id", "event_id"] {
        if let Some(v) = event.shift_remove(key) {
            return go_sprint(&v);
        }
    }
    String::new()
}

/// `ContextEnrichmentStep` plus the api/js preprocessors.
fn enrich(e: &mut Map<String, Value>, channel: Channel, rc: &ReqContext, api_key: &str) {
    if !e.contains_key("source_ip") && !rc.client_ip.is_empty() {
        e.insert("source_ip".into(), Value::String(rc.client_ip.clone()));
    }
    match channel {
        Channel::S2s => {
            if !e.contains_key("src") {
                e.insert("src".into(), Value::String("api".into()));
            }
        }
        Channel::Browser => {
            if !rc.user_agent.is_empty() {
                set_first_existing(
                    e,
                    &[&["eventn_ctx", "user_agent"], &["user_agent"]],
                    Value::String(rc.user_agent.clone()),
                );
            }
        }
    }
    if !rc.compliant {
        set_first_existing(
            e,
            &[
                &["eventn_ctx", "user", "anonymous_id"],
                &["user", "anonymous_id"],
            ],
            Value::String(rc.jitsu_anonymous_id.clone()),
        );
    }
    set_first_existing(
        e,
        &[
            &["eventn_ctx", "user", "hashed_anonymous_id"],
            &["user", "hashed_anonymous_id"],
        ],
        Value::String(rc.hashed_anonymous_id.clone()),
    );
    let mut id = extract_event_id(e);
    if id.is_empty() {
        id = uuid::Uuid::new_v4().to_string();
    }
    set_first_existing(
        e,
        &[&["eventn_ctx", "event_id"], &["eventn_ctx_event_id"]],
        Value::String(id),
    );
    // The collector overwrites api_key with the request's token; the mock stores the token's
    // public part (the api key) so that no server token is ever stored.
    e.insert("api_key".into(), Value::String(api_key.to_owned()));
    if !e.contains_key("_timestamp") {
        e.insert("_timestamp".into(), Value::String(now_rfc3339()));
    }
}

/// Values that must never appear in the request log.
fn secrets(state: &MockState, token: &str) -> Vec<String> {
    let mut s: Vec<String> = state
        .workspaces()
        .iter()
        .flat_map(|w| [w.s2s_token(), w.server_token.clone(), w.api_key.clone()])
        .chain(std::iter::once(token.to_owned()))
        // Shorter strings are not secrets and redacting them would garble the log.
        .filter(|s| s.len() >= 4)
        .collect();
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    s.dedup();
    s
}

fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "REDACTED");
        }
    }
    out
}

fn redact_query(query: &str, secrets: &[String]) -> String {
    let pairs = query_pairs(query);
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        let v = if k == "token" || k.starts_with("p_") {
            "REDACTED".to_owned()
        } else {
            redact(&v, secrets)
        };
        ser.append_pair(&k, &v);
    }
    ser.finish()
}

fn redact_headers(headers: &HeaderMap, secrets: &[String]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_owned();
            let value = if matches!(
                name.as_str(),
                "x-auth-token" | "api_key" | "authorization" | "cookie"
            ) {
                "REDACTED".to_owned()
            } else {
                redact(&String::from_utf8_lossy(v.as_bytes()), secrets)
            };
            (name, value)
        })
        .collect()
}

/// Applies post-processing faults, records the request and returns the response.
async fn finish(ctx: Ctx, mut out: Outcome, extra: &HeaderMap) -> Response {
    let secrets = secrets(&ctx.state, &ctx.token);
    let mut status = Some(out.status.as_u16());
    let mut res = std::mem::replace(&mut out.response, Response::new(Body::empty()));
    res = with_headers(res, extra);
    let mut abort_now = false;
    match &ctx.fault {
        Some(Fault::Drop { .. }) => {
            status = None;
            abort_now = true;
            out.outcome = "fault";
            let what = if out.event_ids.is_empty() {
                ""
            } else {
                " after storing the events"
            };
            out.reason = Some(format!("injected drop connection{what}"));
        }
        Some(Fault::Partial) => {
            out.reason = Some("injected partial response".into());
            out.outcome = "fault";
            res = partial(res, &out.response_body);
        }
        Some(Fault::Slow { byte_delay_ms }) => {
            out.reason = Some(format!("injected slow response ({byte_delay_ms} ms/byte)"));
            out.outcome = "fault";
            res = slow(res, &out.response_body, *byte_delay_ms);
        }
        Some(Fault::Delay { ms }) => {
            let note = format!("injected delay {ms} ms");
            out.reason = Some(match out.reason.take() {
                Some(r) => format!("{note}; {r}"),
                None => note,
            });
        }
        _ => {}
    }
    let rejected = out.outcome == "rejected";
    let logged_body = rejected.then(|| {
        let end = ctx.body.len().min(LOGGED_BODY_MAX);
        redact(&String::from_utf8_lossy(&ctx.body[..end]), &secrets)
    });
    let record = RequestRecord {
        id: ctx.request_id,
        received_at: ctx.received_at.clone(),
        method: ctx.method.to_string(),
        path: ctx.path.clone(),
        query: redact_query(&ctx.query, &secrets),
        headers: redact_headers(&ctx.headers, &secrets),
        body_len: ctx.body.len(),
        body: logged_body,
        token_source: ctx.token_source.map(|s| s.label().to_owned()),
        workspace: ctx.workspace,
        status,
        response_body: if status.is_some() {
            redact(&out.response_body, &secrets)
        } else {
            String::new()
        },
        outcome: out.outcome.to_owned(),
        reason: out.reason.as_ref().map(|r| redact(r, &secrets)),
        event_ids: out.event_ids.clone(),
        fault: ctx.fault.clone(),
    };
    ctx.state.lock().requests.push(record);
    if rejected {
        ctx.state.notify(Notice::Rejected {
            request_id: ctx.request_id,
            path: ctx.path.clone(),
            status: out.status.as_u16(),
            reason: redact(out.reason.as_deref().unwrap_or(""), &secrets),
        });
    }
    if abort_now {
        match &ctx.abort {
            Some(ConnAbort(notify)) => {
                notify.notify_one();
                // The connection task drops the connection; never answer.
                std::future::pending::<()>().await;
            }
            None => {
                // No socket (`app().oneshot`): the closest thing is an empty 502 marked as a fault.
                let mut res = response(StatusCode::BAD_GATEWAY, None, String::new());
                res.headers_mut()
                    .insert("x-mock-fault", HeaderValue::from_static("drop"));
                return res;
            }
        }
    }
    res
}

fn partial(res: Response, body: &str) -> Response {
    let bytes = Bytes::from(body.to_owned());
    let half = bytes.slice(..bytes.len() / 2);
    let total = bytes.len();
    // Send the first half, give hyper time to flush it with the headers, then fail the body so
    // the connection is closed short of Content-Length.
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::other("mock: partial response fault")),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let (mut parts, _) = res.into_parts();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    Response::from_parts(parts, Body::from_stream(stream))
}

fn slow(res: Response, body: &str, byte_delay_ms: u64) -> Response {
    let bytes: Vec<u8> = body.as_bytes().to_vec();
    let total = bytes.len();
    let stream = futures_util::stream::unfold(0usize, move |i| {
        let bytes = bytes.clone();
        async move {
            if i >= bytes.len() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(byte_delay_ms)).await;
            Some((
                Ok::<Bytes, std::io::Error>(Bytes::copy_from_slice(&bytes[i..=i])),
                i + 1,
            ))
        }
    });
    let (mut parts, _) = res.into_parts();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    Response::from_parts(parts, Body::from_stream(stream))
}
