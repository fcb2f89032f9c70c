//! The inspection and control API under `/__mock/` (mock-only; nothing like it exists upstream).

use std::borrow::Borrow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::{Fault, RandomFaults, StoredEvent, StrictMode};
use crate::state::MockState;

fn bad_request(message: impl Into<String>) -> Response {
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

/// Filters of `GET /__mock/events`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EventFilter {
    event_type: Option<String>,
    user_id: Option<String>,
    anonymous_id: Option<String>,
    company_id: Option<String>,
    /// An event id (events with a larger id) or an RFC 3339 time (received at or after it).
    since: Option<String>,
    limit: Option<usize>,
}

enum Since {
    Id(u64),
    Time(jiff::Timestamp),
}

fn parse_since(s: &str) -> Result<Since, String> {
    if let Ok(id) = s.parse::<u64>() {
        return Ok(Since::Id(id));
    }
    s.parse::<jiff::Timestamp>()
        .map(Since::Time)
        .map_err(|_| format!("since must be an event id or an RFC 3339 time, got {s:?}"))
}

fn matches(e: &StoredEvent, f: &EventFilter, since: Option<&Since>) -> bool {
    let eq =
        |want: &Option<String>, got: Option<&str>| want.as_deref().is_none_or(|w| got == Some(w));
    let since_ok = match since {
        None => true,
        Some(Since::Id(id)) => e.id > *id,
        Some(Since::Time(t)) => e
            .received_at
            .parse::<jiff::Timestamp>()
            .is_ok_and(|r| r >= *t),
    };
    eq(&f.event_type, e.event_type())
        && eq(&f.user_id, e.user_id())
        && eq(&f.anonymous_id, e.anonymous_id())
        && eq(&f.company_id, e.company_id())
        && since_ok
}

/// Applies `filter` to `events` (used by the HTTP API and the library handle).
pub(crate) fn filter_events(
    events: &[Arc<StoredEvent>],
    filter: &EventFilter,
) -> Result<Vec<Arc<StoredEvent>>, String> {
    let since = filter.since.as_deref().map(parse_since).transpose()?;
    let it = events
        .iter()
        .filter(|e| matches(e, filter, since.as_ref()))
        .cloned();
    Ok(match filter.limit {
        Some(n) => it.take(n).collect(),
        None => it.collect(),
    })
}

pub(crate) async fn list_events(
    State(state): State<MockState>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let events = state.events();
    match filter_events(&events, &filter) {
        Ok(v) => Json(v.iter().map(|e| e.as_ref()).collect::<Vec<_>>()).into_response(),
        Err(e) => bad_request(e),
    }
}

pub(crate) async fn get_event(State(state): State<MockState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return bad_request(format!("event id must be a number, got {id:?}"));
    };
    match state.event(id) {
        Some(e) => Json(e.as_ref()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": format!("no event with id {id}"), "error": "" })),
        )
            .into_response(),
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
