//! The inspection and control API under `/__mock/` (mock-only; nothing like it exists upstream).

use std::borrow::Borrow;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::{Fault, RandomFaults, StoredEvent, StrictMode};
use crate::query::{self, EventParams, EventQuery, Since};
use crate::state::MockState;

pub(crate) fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "message": message.into(), "error": "" })),
    )
        .into_response()
}

pub(crate) async fn health(State(state): State<MockState>) -> Json<Value> {
    let inner = state.lock();
    Json(json!({
        "status": "ok",
        "events": inner.events.len(),
        "requests": inner.requests.len(),
    }))
}

/// `GET /__mock/events`: the filters of [`EventParams`]; `format=ndjson` streams the retained
/// events one per line; `wait_for=N` (with `timeout_ms`, default 10 s) first waits until at least
/// N events match, answering 408 with the count so far when the time is up.
pub(crate) async fn list_events(
    State(state): State<MockState>,
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
        if let Err(t) = query::wait_for(&state, &q, n, timeout).await {
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
    let events = query::select(&state, &q);
    Json(events.iter().map(|e| e.as_ref()).collect::<Vec<_>>()).into_response()
}

/// The matching events as NDJSON, read from the store a page at a time (the store is not
/// copied whole, and ingestion is not held up while a large answer is written).
fn ndjson_response(state: MockState, q: EventQuery) -> Response {
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
            let (events, next) = {
                let m = q.compile();
                query::page(&state, &m, from, PAGE.min(left))
            };
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

fn not_found(message: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "message": message, "error": "" })),
    )
        .into_response()
}

fn parse_id(what: &str, id: &str) -> Result<u64, Box<Response>> {
    id.parse::<u64>().map_err(|_| {
        Box::new(bad_request(format!(
            "{what} id must be a number, got {id:?}"
        )))
    })
}

pub(crate) async fn get_event(State(state): State<MockState>, Path(id): Path<String>) -> Response {
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
pub(crate) async fn event_detail(
    State(state): State<MockState>,
    Path(id): Path<String>,
) -> Response {
    let id = match parse_id("event", &id) {
        Ok(id) => id,
        Err(res) => return *res,
    };
    let inner = state.lock();
    let Some(e) = inner.events.get(id).cloned() else {
        return not_found(format!("no event with id {id}"));
    };
    let request = inner
        .requests
        .get(e.request_id)
        .map(crate::journal_store::Entry::record);
    let same_id: Vec<u64> = match e.event_id() {
        Some(eid) => inner
            .events
            .iter()
            .filter(|o| o.event_id() == Some(eid))
            .map(|o| o.id)
            .collect(),
        None => Vec::new(),
    };
    drop(inner);
    Json(json!({
        "summary": e.summary(request.as_ref()),
        "body": query::body_text(&e),
        "event_text": e.event_text(),
        "request": request,
        "same_event_id": same_id,
    }))
    .into_response()
}

/// `GET /__mock/requests/{id}`: one journal entry.
pub(crate) async fn get_request(
    State(state): State<MockState>,
    Path(id): Path<String>,
) -> Response {
    let id = match parse_id("request", &id) {
        Ok(id) => id,
        Err(res) => return *res,
    };
    match state.request(id) {
        Some(r) => Json(r).into_response(),
        None => not_found(format!("no request with id {id}")),
    }
}

pub(crate) async fn reset(State(state): State<MockState>) -> Response {
    match state.reset() {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "message": e.to_string(), "error": "" })),
        )
            .into_response(),
    }
}

pub(crate) async fn stats(State(state): State<MockState>) -> Json<crate::Stats> {
    Json(state.stats())
}

/// Events sharing a collector event id, in order of first appearance.
pub(crate) fn duplicates_of<E: Borrow<StoredEvent>>(events: &[E]) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
    for e in events {
        let e = e.borrow();
        let Some(id) = e.event_id() else { continue };
        match groups.iter_mut().find(|(k, _)| k == id) {
            Some((_, ids)) => ids.push(e.id),
            None => groups.push((id.to_owned(), vec![e.id])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(event_id, ids)| json!({ "event_id": event_id, "count": ids.len(), "ids": ids }))
        .collect()
}

pub(crate) async fn duplicates(State(state): State<MockState>) -> Json<Vec<Value>> {
    Json(duplicates_of(&state.events()))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RequestFilter {
    outcome: Option<String>,
}

pub(crate) async fn requests(
    State(state): State<MockState>,
    Query(f): Query<RequestFilter>,
) -> Json<Value> {
    let reqs = state.requests();
    let list: Vec<_> = reqs
        .into_iter()
        .filter(|r| f.outcome.as_deref().is_none_or(|o| r.outcome == o))
        .collect();
    Json(serde_json::to_value(list).unwrap_or(Value::Null))
}

#[derive(Debug, Deserialize)]
struct ScriptedFault {
    #[serde(flatten)]
    fault: Fault,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
struct RandomSpec {
    seed: u64,
    #[serde(flatten)]
    probs: RandomFaults,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    #[serde(default)]
    faults: Vec<ScriptedFault>,
    random: Option<RandomSpec>,
}

/// Arms the faults of a fault specification: one fault object, an array of them, or
/// `{"faults":[…],"random":{…}}` (what `POST /__mock/faults`, `mock --faults` and
/// `mock --faults-file` take).
pub(crate) fn apply_faults(state: &MockState, text: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let parsed: Result<FaultsBody, serde_json::Error> = match &value {
        Value::Array(_) => serde_json::from_value(value.clone()).map(|faults| FaultsBody {
            faults,
            random: None,
        }),
        Value::Object(o) if o.contains_key("kind") => {
            serde_json::from_value(value.clone()).map(|f| FaultsBody {
                faults: vec![f],
                random: None,
            })
        }
        _ => serde_json::from_value(value.clone()),
    };
    let body = parsed.map_err(|e| format!("invalid fault specification: {e}"))?;
    for f in body.faults {
        state.inject_n(f.fault, f.times);
    }
    if let Some(r) = body.random {
        state.set_random_faults(r.seed, r.probs);
    }
    Ok(())
}

/// `POST /__mock/faults`: see [`apply_faults`].
pub(crate) async fn post_faults(State(state): State<MockState>, body: Bytes) -> Response {
    match apply_faults(&state, &body) {
        Ok(()) => faults_view(&state).into_response(),
        Err(e) => bad_request(e),
    }
}

fn faults_view(state: &MockState) -> Json<Value> {
    let inner = state.lock();
    let pending: Vec<Value> = inner
        .script
        .iter()
        .map(|(f, n)| {
            let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("times".into(), Value::from(*n));
            }
            v
        })
        .collect();
    let random = inner
        .random
        .as_ref()
        .map(|(_, p)| serde_json::to_value(p).unwrap_or(Value::Null));
    Json(
        json!({ "status": "ok", "pending": pending, "random": random, "injected": inner.faults_log }),
    )
}

pub(crate) async fn get_faults(State(state): State<MockState>) -> Json<Value> {
    faults_view(&state)
}

pub(crate) async fn delete_faults(State(state): State<MockState>) -> Json<Value> {
    state.clear_faults();
    faults_view(&state)
}

#[derive(Debug, Deserialize)]
pub(crate) struct StrictBody {
    mode: StrictMode,
}

pub(crate) async fn get_strict(State(state): State<MockState>) -> Json<Value> {
    Json(json!({ "mode": state.strict() }))
}

pub(crate) async fn put_strict(State(state): State<MockState>, body: Bytes) -> Response {
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
