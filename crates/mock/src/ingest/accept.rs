//! Storing accepted events: enrichment, the store file, the in-memory store, notices, and the
//! collector's 200.

use axum::http::StatusCode;

use std::sync::Arc;

use super::enrich::{enrich, request_context, EnrichInputs};
use super::parse::ParsedEvent;
use super::respond::{error_body, Outcome, JSON_CT};
use super::Ctx;
use crate::lite::{self, Lite};
use crate::model::{Notice, Problem, StoredEvent};
use crate::strict::Channel;

pub(crate) fn store(
    ctx: &Ctx,
    events: Vec<ParsedEvent>,
    problems: Vec<Problem>,
    channel: Channel,
    api_key: &str,
) -> Outcome {
    let state = &ctx.state;
    let rc = request_context(
        &ctx.head,
        events.iter().map(|e| {
            e.with_object(|m| {
                lite::get(m, "source_ip")
                    .and_then(Lite::as_str)
                    .map(str::to_owned)
            })
            .ok()
            .flatten()
        }),
    );
    let inputs = Arc::new(EnrichInputs::new(channel, rc, api_key, &ctx.received_at));
    let mut problems = problems.into_iter().peekable();
    // Built outside the lock; ids are given under it, in arrival order.
    let mut stored: Vec<StoredEvent> = Vec::with_capacity(events.len());
    for (i, parsed) in events.into_iter().enumerate() {
        let (mut event, text, whole) = match parsed.into_parts() {
            Ok(x) => x,
            Err(msg) => {
                let msg = format!("Error parsing events body: {msg}");
                return Outcome::reject(StatusCode::BAD_REQUEST, &msg, msg.clone());
            }
        };
        stored.push({
            let generated = enrich(&mut event, &inputs, None);
            // Findings come in event order.
            let mut warnings = Vec::new();
            while let Some(p) = problems.next_if(|p| p.index == i) {
                warnings.push(p);
            }
            #[cfg(debug_assertions)]
            let enriched = serde_json::Value::Object(lite::into_map(event.clone()));
            let e = StoredEvent::new(
                0,
                ctx.request_id,
                i,
                ctx.received_at.clone(),
                ctx.head.path.clone(),
                text.into_owned(),
                event,
                warnings,
                whole.then(|| (inputs.clone(), generated)),
            );
            #[cfg(debug_assertions)]
            assert_eq!(
                e.event(),
                enriched,
                "the stored copy derives to what was enriched"
            );
            e
        });
    }
    let mut inner = state.lock();
    for (i, e) in stored.iter_mut().enumerate() {
        e.id = inner.next_event_id + i as u64;
    }
    if let Err(e) = inner.persist(&stored) {
        return Outcome::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(JSON_CT),
            error_body(&format!("mock: {e}")),
            "rejected",
            Some(e.to_string()),
        );
    }
    inner.next_event_id += stored.len() as u64;
    let (kept, evicted) = inner.keep(stored);
    drop(inner);
    drop(evicted);
    // Given under one lock, one after another.
    let ids = match (kept.first(), kept.last()) {
        (Some(first), Some(last)) => first.id..last.id + 1,
        _ => 0..0,
    };
    for e in kept {
        state.notify(Notice::Accepted(e));
    }
    let body = if inputs.compliant {
        "{\"status\":\"ok\"}".to_owned()
    } else {
        "{\"status\":\"ok\",\"delete_cookie\":true}".to_owned()
    };
    let mut out = Outcome::new(StatusCode::OK, Some(JSON_CT), body, "accepted", None);
    out.event_ids = ids;
    out
}
