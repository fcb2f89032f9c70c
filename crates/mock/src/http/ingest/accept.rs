//! Accepting events: each is enriched and made a stored event, the store keeps them (ids, store
//! file, notices), and the collector's 200 is written.

use axum::http::StatusCode;

use std::sync::Arc;

use super::context::request_context;
use super::parse::ParsedEvent;
use super::respond::{error_body, Reply, JSON_CT};
use super::Ctx;
use crate::json::lite::{self, Lite};
use crate::model::enrich::{enrich, EnrichInputs};
use crate::model::strict::Channel;
use crate::model::{Outcome, Problem, StoredEvent};

pub(crate) fn store(
    ctx: &Ctx,
    events: Vec<ParsedEvent>,
    problems: Vec<Problem>,
    channel: Channel,
    api_key: &str,
) -> Reply {
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
    // Built outside the lock; the store gives the ids, in arrival order.
    let mut stored: Vec<StoredEvent> = Vec::with_capacity(events.len());
    for (i, parsed) in events.into_iter().enumerate() {
        let (mut event, text, whole) = match parsed.into_parts() {
            Ok(x) => x,
            Err(msg) => {
                let msg = format!("Error parsing events body: {msg}");
                return Reply::reject(StatusCode::BAD_REQUEST, &msg, msg.clone());
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
    let ids = match state.accept(stored) {
        Ok(ids) => ids,
        Err(e) => {
            return Reply::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(JSON_CT),
                error_body(&format!("mock: {e}")),
                Outcome::Rejected,
                Some(e.to_string()),
            )
        }
    };
    let body = if inputs.compliant {
        "{\"status\":\"ok\"}".to_owned()
    } else {
        "{\"status\":\"ok\",\"delete_cookie\":true}".to_owned()
    };
    let mut out = Reply::new(StatusCode::OK, Some(JSON_CT), body, Outcome::Accepted, None);
    out.event_ids = ids;
    out
}
