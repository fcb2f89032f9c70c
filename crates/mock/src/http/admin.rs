//! The inspection and control API under `/__mock/` (mock-only; nothing like it exists upstream).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::answer::{bad_request, error, not_found};
use super::params::EventParams;
use crate::model::{EventQuery, Outcome, Since, StrictMode};
use crate::store::{Stats, Store};

pub(super) async fn health(State(state): State<Store>) -> Json<Value> {
    let (events, requests) = state.retained();
    Json(json!({
        "status": "ok",
        "events": events,
        "requests": requests,
    }))
}

/// `GET /__mock/events`: the filters of [`EventParams`]; `format=ndjson` streams the retained
/// events one per line; `wait_for=N` (with `timeout_ms`, default 10 s) first waits until at least
/// N events match, answering 408 with the count so far when the time is up.
pub(super) async fn list_events(
    State(state): State<Store>,
    Query(params): Query<EventParams>,
) -> Response {
    let (q, wait, timeout) = match (params.query(), params.wait_for(), params.timeout()) {
        (Ok(q), Ok(w), Ok(t)) => (q, w, t),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return bad_request(e),
    };
    let ndjson = match params.format.as_deref() {
        None | Some("") | Some("json") => false,
        Some("ndjson") => true,
        Some(other) => return bad_request(format!("format must be json or ndjson, got {other:?}")),
    };
    if let Some(n) = wait {
        if let Err(t) = state.wait_for(&q, n, timeout).await {
            return (
                StatusCode::REQUEST_TIMEOUT,
                Json(json!({
                    "message": t.to_string(),
                    "error": "",
                    "wanted": t.wanted,
                    "count": t.events.len(),
                    "events": t.events.iter().map(|e| e.as_ref()).collect::<Vec<_>>(),
                })),
            )
                .into_response();
        }
    }
    if ndjson {
        return ndjson_response(state, q);
    }
    let events = state.events_matching(&q);
    Json(events.iter().map(|e| e.as_ref()).collect::<Vec<_>>()).into_response()
}

/// The matching events as NDJSON, read from the store a page at a time (the store is not
/// copied whole, and ingestion is not held up while a large answer is written).
fn ndjson_response(state: Store, q: EventQuery) -> Response {
    const PAGE: usize = 512;
    let left = q.limit.unwrap_or(usize::MAX);
    let from = match q.since {
        Some(Since::Id(id)) => id.saturating_add(1),
        _ => 0,
    };
    let stream = futures_util::stream::unfold(
        (state, q, Some(from), left),
        |(state, q, from, left)| async move {
            let from = from?;
            if left == 0 {
                return None;
            }
            let (events, next) = state.page(&q, from, PAGE.min(left));
            if events.is_empty() && next.is_none() {
                return None;
            }
            let mut buf = Vec::with_capacity(events.len() * 512);
            for e in &events {
                if serde_json::to_writer(&mut buf, e.as_ref()).is_ok() {
                    buf.push(b'\n');
                }
            }
            let left = left - events.len();
            Some((
                Ok::<Bytes, std::convert::Infallible>(Bytes::from(buf)),
                (state, q, next, left),
            ))
        },
    );
    let mut res = Response::new(axum::body::Body::from_stream(stream));
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/x-ndjson"),
    );
    res
}

fn parse_id(what: &str, id: &str) -> Result<u64, Box<Response>> {
    id.parse::<u64>().map_err(|_| {
        Box::new(bad_request(format!(
            "{what} id must be a number, got {id:?}"
        )))
    })
}

pub(super) async fn get_event(State(state): State<Store>, Path(id): Path<String>) -> Response {
    let id = match parse_id("event", &id) {
        Ok(id) => id,
        Err(res) => return *res,
    };
    match state.event(id) {
        Some(e) => Json(e.as_ref()).into_response(),
        None => not_found(format!("no event with id {id}")),
    }
}

/// `GET /__mock/events/{id}/detail`: what the page's detail view shows. The enriched event comes
/// as JSON text (`event_text`) so that the page can show it in stored key order (a browser's
/// `JSON.parse` moves integer-like keys first); the body is the text as received.
pub(crate) async fn event_detail(State(state): State<Store>, Path(id): Path<String>) -> Response {
    let id = match parse_id("event", &id) {
        Ok(id) => id,
        Err(res) => return *res,
    };
    let Some(d) = state.event_detail(id) else {
        return not_found(format!("no event with id {id}"));
    };
    let e = &d.event;
    Json(json!({
        "summary": e.summary(d.request.as_ref()),
        "body": &e.body,
        "event_text": e.event_text(),
        "request": d.request,
        "same_event_id": d.same_event_id,
    }))
    .into_response()
}

/// `GET /__mock/requests/{id}`: one journal entry.
pub(super) async fn get_request(State(state): State<Store>, Path(id): Path<String>) -> Response {
    let id = match parse_id("request", &id) {
        Ok(id) => id,
        Err(res) => return *res,
    };
    match state.request(id) {
        Some(r) => Json(r).into_response(),
        None => not_found(format!("no request with id {id}")),
    }
}

pub(crate) async fn reset(State(state): State<Store>) -> Response {
    match state.reset() {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

pub(crate) async fn stats(State(state): State<Store>) -> Json<Stats> {
    Json(state.stats())
}

pub(crate) async fn duplicates(State(state): State<Store>) -> Json<Vec<Value>> {
    Json(state.duplicates())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RequestFilter {
    outcome: Option<String>,
}

impl RequestFilter {
    /// Whether `outcome` passes (`?outcome=NAME`, any name; an unknown one matches nothing).
    fn passes(&self, outcome: Outcome) -> bool {
        self.outcome
            .as_deref()
            .is_none_or(|o| outcome.as_str() == o)
    }
}

pub(crate) async fn requests(
    State(state): State<Store>,
    Query(f): Query<RequestFilter>,
) -> Json<Value> {
    let reqs = state.requests();
    let list: Vec<_> = reqs.into_iter().filter(|r| f.passes(r.outcome)).collect();
    Json(serde_json::to_value(list).unwrap_or(Value::Null))
}

/// `POST /__mock/faults`: arms a fault specification (see [`Store::apply_faults_json`]).
pub(super) async fn post_faults(State(state): State<Store>, body: Bytes) -> Response {
    match state.apply_faults(&body) {
        Ok(()) => faults_view(&state).into_response(),
        Err(e) => bad_request(e),
    }
}

/// The pending script (each fault with its `times`), the random probabilities and the log.
fn faults_view(state: &Store) -> Json<Value> {
    let plan = state.fault_plan();
    Json(json!({
        "status": "ok",
        "pending": plan.pending,
        "random": plan.random,
        "injected": state.injected_faults(),
    }))
}

pub(super) async fn get_faults(State(state): State<Store>) -> Json<Value> {
    faults_view(&state)
}

pub(super) async fn delete_faults(State(state): State<Store>) -> Json<Value> {
    state.clear_faults();
    faults_view(&state)
}

#[derive(Debug, Deserialize)]
pub(super) struct StrictBody {
    mode: StrictMode,
}

pub(super) async fn get_strict(State(state): State<Store>) -> Json<Value> {
    Json(json!({ "mode": state.strict() }))
}

pub(super) async fn put_strict(State(state): State<Store>, body: Bytes) -> Response {
    match serde_json::from_slice::<StrictBody>(&body) {
        Ok(b) => {
            state.set_strict(b.mode);
            Json(json!({ "mode": b.mode })).into_response()
        }
        Err(e) => bad_request(format!(
            "expected {{\"mode\":\"off\"|\"warn\"|\"reject\"}}: {e}"
        )),
    }
}
