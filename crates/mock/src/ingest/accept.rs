//! Storing accepted events: enrichment, the store file, the in-memory store, notices, and the
//! collector's 200.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::enrich::{enrich, request_context};
use super::respond::{error_body, Outcome, JSON_CT};
use super::Ctx;
use crate::model::{Notice, Problem, StoredEvent};
use crate::strict::Channel;

pub(crate) fn store(
    ctx: &Ctx,
    events: Vec<Map<String, Value>>,
    problems: &[Problem],
    channel: Channel,
    api_key: &str,
) -> Outcome {
    let state = &ctx.state;
    let rc = request_context(&ctx.head, &events);
    let mut stored = Vec::with_capacity(events.len());
    let body_text = String::from_utf8_lossy(&ctx.body).into_owned();
    let mut inner = state.lock();
    for (i, mut e) in events.into_iter().enumerate() {
        enrich(&mut e, channel, &rc, api_key);
        let warnings: Vec<Problem> = problems.iter().filter(|p| p.index == i).cloned().collect();
        let id = inner.next_event_id;
        inner.next_event_id += 1;
        stored.push(StoredEvent {
            id,
            request_id: ctx.request_id,
            index: i,
            received_at: ctx.received_at.clone(),
            path: ctx.head.path.clone(),
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
