//! The live stream behind the page: `GET /__mock/stream` (Server-Sent Events).
//!
//! Each message (`event: tick`) carries what changed since the previous one: new event rows
//! (those matching the stream's filters, the same parameters as `GET /__mock/events`), new
//! request-journal rows, and the current counters, strict mode and armed faults. The stream
//! wakes on the store's change notifications (no polling) and sends at most one message per
//! [`MIN_INTERVAL`], so a burst of thousands of events costs the page a few messages, each
//! holding at most [`MAX_ROWS`] of the newest rows and the number skipped.
//!
//! Message ids are `EVENT_ID.REQUEST_ID` (the last ones sent), so a browser that reconnects
//! (sending `Last-Event-ID`) resumes where it left off.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::answer::bad_request;
use super::params::EventParams;
use crate::model::{EventQuery, Outcome, Severity, Since, StoredEvent, Verdict};
use crate::store::journal::Entry;
use crate::store::Store;

/// At most one message per this interval (bursts are coalesced).
const MIN_INTERVAL: Duration = Duration::from_millis(150);
/// Rows of each kind per message, and on the first screen.
const MAX_ROWS: usize = 500;

/// One line of the page's event list: borrowed from the stored event, without the findings and
/// the request that [`crate::EventSummary`] (the detail view's form) copies, since a message can
/// carry hundreds of rows.
#[derive(Serialize)]
pub(super) struct EventRow<'a> {
    id: u64,
    request_id: u64,
    received_at: &'a str,
    path: &'a str,
    event_type: Option<&'a str>,
    user_id: Option<&'a str>,
    anonymous_id: Option<&'a str>,
    event_id: Option<&'a str>,
    verdict: Verdict,
    /// Findings of any severity.
    warnings: usize,
    errors: usize,
}

impl<'a> EventRow<'a> {
    pub(crate) fn of(e: &'a StoredEvent) -> Self {
        EventRow {
            id: e.id,
            request_id: e.request_id,
            received_at: &e.received_at,
            path: &e.path,
            event_type: e.event_type(),
            user_id: e.user_id(),
            anonymous_id: e.anonymous_id(),
            event_id: e.event_id(),
            verdict: e.verdict(),
            warnings: e.warnings.len(),
            errors: e
                .warnings
                .iter()
                .filter(|w| w.severity == Severity::Error)
                .count(),
        }
    }
}

/// One line of the page's request journal.
#[derive(Serialize)]
pub(super) struct RequestRow<'a> {
    id: u64,
    received_at: &'a str,
    method: &'a str,
    path: &'a str,
    /// Already redacted by the journal.
    query: &'a str,
    status: Option<u16>,
    outcome: Outcome,
    reason: Option<&'a str>,
    fault: Option<String>,
    events: usize,
    body_len: usize,
}

impl<'a> RequestRow<'a> {
    pub(crate) fn of(e: &'a Entry) -> Self {
        let r = &e.meta;
        RequestRow {
            id: r.id,
            received_at: &r.received_at,
            method: r.method.as_str(),
            path: e.path(),
            query: e.query(),
            status: r.status,
            outcome: r.outcome,
            reason: r.reason.as_deref(),
            fault: r.fault.as_ref().map(|f| f.label()),
            events: r.event_ids.clone().count(),
            body_len: r.body_len,
        }
    }
}

/// Counters, strict mode and faults: the page's status bar and controls.
pub(crate) fn status(state: &Store) -> Value {
    let stats = state.stats();
    let plan = state.fault_plan();
    json!({
        "events": stats.events,
        "retained_events": stats.retained_events,
        "requests": stats.requests,
        "faults_injected": stats.faults_injected,
        "strict": state.strict(),
        "pending_faults": plan.pending.iter().map(|p| json!({"fault": p.fault.label(), "times": p.times})).collect::<Vec<_>>(),
        "random_faults": plan.random.map(|p| serde_json::to_value(p).unwrap_or(Value::Null)),
        "loopback": state.config().bind.ip().is_loopback(),
    })
}

/// The newest rows for a first screen: events matching `q` and journal entries, oldest first.
pub(super) fn first_screen(state: &Store, q: &EventQuery) -> Value {
    let events = state.newest(q, MAX_ROWS);
    let requests = state.newest_requests(MAX_ROWS, |r| {
        serde_json::to_value(RequestRow::of(r)).unwrap_or(Value::Null)
    });
    json!({
        "events": events.iter().map(|e| EventRow::of(e)).collect::<Vec<_>>(),
        "requests": requests,
        "status": status(state),
    })
}

/// Where a stream is.
struct Cursor {
    state: Store,
    query: EventQuery,
    changes: watch::Receiver<u64>,
    /// Last event id and request id sent; `None` before the first message.
    sent: Option<(u64, u64)>,
    /// The run's request counter when last looked at: it only goes down when the store is
    /// cleared.
    requests_seen: u64,
    first: bool,
}

impl Cursor {
    /// The next message: waits for a change (except the first time), then collects.
    async fn next(&mut self) -> Option<Event> {
        if !self.first {
            self.changes.changed().await.ok()?;
            tokio::time::sleep(MIN_INTERVAL).await;
        }
        self.changes.borrow_and_update();
        let msg = match (self.sent, self.query.since) {
            (Some((ev, rq)), _) => self.delta(ev, rq),
            (None, Some(Since::Id(ev))) => self.delta(ev, 0),
            (None, _) => {
                // Ids first: anything stored while the screen is collected comes again in the
                // next message, and the page keys rows by id.
                let (requests_seen, ev, rq) = self.state.heads();
                self.requests_seen = requests_seen;
                self.sent = Some((ev, rq));
                let mut v = first_screen(&self.state, &self.query);
                v["reset"] = Value::Bool(true);
                v
            }
        };
        self.first = false;
        let (ev, rq) = self.sent.unwrap_or((0, 0));
        Some(
            Event::default()
                .event("tick")
                .id(format!("{ev}.{rq}"))
                .data(msg.to_string()),
        )
    }

    fn delta(&mut self, ev: u64, rq: u64) -> Value {
        let mut q = self.query.clone();
        q.since = Some(Since::Id(ev));
        q.limit = None;
        let (events, _) = self.state.page(&q, ev.saturating_add(1), usize::MAX);
        let journal = self.state.requests_since(rq, MAX_ROWS, |r| {
            serde_json::to_value(RequestRow::of(r)).unwrap_or(Value::Null)
        });
        let reset = journal.requests_counted < self.requests_seen;
        self.requests_seen = journal.requests_counted;
        let last_rq = journal.last_id.unwrap_or(rq);
        let last_ev = journal.last_event_id.map_or(ev, |id| id.max(ev));
        let skipped_events = events.len().saturating_sub(MAX_ROWS);
        let rows: Vec<EventRow<'_>> = events[skipped_events..]
            .iter()
            .map(|e| EventRow::of(e))
            .collect();
        let msg = json!({
            "events": rows,
            "requests": journal.rows,
            "skipped_events": skipped_events,
            "skipped_requests": journal.skipped,
            "status": status(&self.state),
            "reset": reset,
        });
        self.sent = Some((last_ev, last_rq));
        msg
    }
}

/// `GET /__mock/stream`: the filters of `GET /__mock/events`, plus `Last-Event-ID` to resume.
pub(crate) async fn stream(
    State(state): State<Store>,
    headers: HeaderMap,
    Query(params): Query<EventParams>,
) -> Response {
    let mut q = match params.query() {
        Ok(q) => q,
        Err(e) => return bad_request(e),
    };
    // Resuming: a reconnecting EventSource names the last message it got.
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once('.'))
        .and_then(|(e, r)| Some((e.parse::<u64>().ok()?, r.parse::<u64>().ok()?)));
    q.limit = None;
    let (requests_seen, _, _) = state.heads();
    let cursor = Cursor {
        changes: state.watch_changes(),
        query: q,
        sent: resume,
        requests_seen,
        first: true,
        state,
    };
    let stream = futures_util::stream::unfold(cursor, |mut c| async move {
        let ev = c.next().await?;
        Some((Ok::<Event, Infallible>(ev), c))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
