//! `GET /__segment/messages` (filters, `wait_for`, `format=ndjson`) and
//! `DELETE /__segment/messages`, in the manner of the mock's `GET /__mock/events`.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::model::{Message, Outcome};
use crate::state::Segment;

/// Which messages: every set field must hold.
#[derive(Clone, Debug, Default)]
pub struct MessageQuery {
    pub r#type: Option<String>,
    pub event: Option<String>,
    /// Matches `userId` or `anonymousId`.
    pub user: Option<String>,
    /// A subscription that produced a request or an error for the message.
    pub subscription: Option<String>,
    pub outcome: Option<Outcome>,
    /// Text anywhere in the message as received or as seen, or in the reason.
    pub text: Option<String>,
    /// Only messages whose destination run and deliveries are all known.
    pub settled: bool,
    pub since_id: Option<u64>,
    pub limit: Option<usize>,
}

impl MessageQuery {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn r#type(mut self, v: impl Into<String>) -> Self {
        self.r#type = Some(v.into());
        self
    }
    pub fn event(mut self, v: impl Into<String>) -> Self {
        self.event = Some(v.into());
        self
    }
    pub fn user(mut self, v: impl Into<String>) -> Self {
        self.user = Some(v.into());
        self
    }
    pub fn outcome(mut self, v: Outcome) -> Self {
        self.outcome = Some(v);
        self
    }
    pub fn settled(mut self) -> Self {
        self.settled = true;
        self
    }

    pub fn matches(&self, m: &Message) -> bool {
        let eq = |want: &Option<String>, have: &Option<String>| {
            want.as_ref()
                .is_none_or(|w| have.as_deref() == Some(w.as_str()))
        };
        eq(&self.r#type, &m.r#type)
            && eq(&self.event, &m.event)
            && self.user.as_ref().is_none_or(|u| {
                m.user_id.as_deref() == Some(u.as_str())
                    || m.anonymous_id.as_deref() == Some(u.as_str())
            })
            && self
                .subscription
                .as_ref()
                .is_none_or(|s| m.routes.iter().any(|r| &r.subscription == s))
            && self.outcome.is_none_or(|o| m.outcome == o)
            && self.text.as_ref().is_none_or(|t| {
                m.received.contains(t.as_str())
                    || m.seen.as_ref().is_some_and(|s| s.contains(t.as_str()))
                    || m.reason.as_ref().is_some_and(|s| s.contains(t.as_str()))
            })
            && (!self.settled || settled(m))
            && self.since_id.is_none_or(|id| m.id > id)
    }
}

/// Whether nothing more will happen to `m`.
pub fn settled(m: &Message) -> bool {
    m.outcome != Outcome::Queued
        && m.routes
            .iter()
            .all(|r| r.request.is_none() || r.delivery.is_some())
}

/// The matching retained messages, oldest first.
pub fn select(segment: &Segment, q: &MessageQuery) -> Vec<Message> {
    let store = segment.store();
    store
        .iter()
        .filter(|m| q.matches(m))
        .take(q.limit.unwrap_or(usize::MAX))
        .cloned()
        .collect()
}

/// Waiting for `n` matching messages timed out; `messages` are those that matched.
#[derive(Debug)]
pub struct WaitTimeout {
    pub wanted: usize,
    pub messages: Vec<Message>,
}

impl std::fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "timed out waiting for {} matching message(s): {} so far",
            self.wanted,
            self.messages.len()
        )
    }
}

impl std::error::Error for WaitTimeout {}

/// Waits (woken by every change, no polling) until `n` messages match `q`.
pub async fn wait_for(
    segment: &Segment,
    q: &MessageQuery,
    n: usize,
    timeout: Duration,
) -> Result<Vec<Message>, WaitTimeout> {
    let mut changes = segment.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let found = select(segment, q);
        if found.len() >= n {
            return Ok(found);
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => {}
            _ => {
                return Err(WaitTimeout {
                    wanted: n,
                    messages: select(segment, q),
                })
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct Params {
    r#type: Option<String>,
    event: Option<String>,
    user: Option<String>,
    subscription: Option<String>,
    outcome: Option<String>,
    q: Option<String>,
    settled: Option<String>,
    since_id: Option<u64>,
    limit: Option<usize>,
    wait_for: Option<usize>,
    timeout_ms: Option<u64>,
    format: Option<String>,
}

impl Params {
    pub(crate) fn query(&self) -> Result<MessageQuery, String> {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let outcome = match nonempty(&self.outcome) {
            None => None,
            Some(o) => Some(Outcome::parse(&o).ok_or_else(|| {
                format!("outcome must be queued, dropped, skipped, unmatched, mapped or error, got {o:?}")
            })?),
        };
        Ok(MessageQuery {
            r#type: nonempty(&self.r#type),
            event: nonempty(&self.event),
            user: nonempty(&self.user),
            subscription: nonempty(&self.subscription),
            outcome,
            text: nonempty(&self.q),
            settled: matches!(self.settled.as_deref(), Some("true" | "1")),
            since_id: self.since_id,
            limit: self.limit,
        })
    }
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"message": message}))).into_response()
}

/// `GET /__segment/messages`.
pub(crate) async fn list(State(segment): State<Segment>, Query(params): Query<Params>) -> Response {
    let q = match params.query() {
        Ok(q) => q,
        Err(e) => return bad_request(e),
    };
    let ndjson = match params.format.as_deref() {
        None | Some("") | Some("json") => false,
        Some("ndjson") => true,
        Some(other) => return bad_request(format!("format must be json or ndjson, got {other:?}")),
    };
    let messages = match params.wait_for {
        None => select(&segment, &q),
        Some(n) => {
            let timeout = Duration::from_millis(params.timeout_ms.unwrap_or(10_000));
            match wait_for(&segment, &q, n, timeout).await {
                Ok(m) => m,
                Err(t) => {
                    return (
                        StatusCode::REQUEST_TIMEOUT,
                        Json(json!({
                            "message": t.to_string(),
                            "wanted": t.wanted,
                            "count": t.messages.len(),
                            "messages": t.messages,
                        })),
                    )
                        .into_response()
                }
            }
        }
    };
    if ndjson {
        return (
            [(header::CONTENT_TYPE, "application/x-ndjson")],
            ndjson_of(&messages),
        )
            .into_response();
    }
    Json(messages).into_response()
}

/// The messages the destination saw, one line each, as `map`, `diff` and `test` read events:
/// those Segment dropped or `integrations` kept away are left out.
pub fn ndjson_of(messages: &[Message]) -> String {
    let mut out = String::new();
    for m in messages {
        if matches!(m.outcome, Outcome::Dropped | Outcome::Skipped) {
            continue;
        }
        if let Some(seen) = &m.seen {
            out.push_str(seen);
            out.push('\n');
        }
    }
    out
}

/// `DELETE /__segment/messages`.
pub(crate) async fn clear(State(segment): State<Segment>) -> Response {
    segment.clear();
    Json(json!({"cleared": true})).into_response()
}
