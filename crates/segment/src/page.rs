//! The live page at `/`: HTML, script and style compiled in (`src/assets/`, no build step,
//! nothing fetched from elsewhere), its Server-Sent Events stream (`/__segment/stream`) and the
//! detail of one message (`/__segment/messages/{id}`, with the destination's explanation of
//! each subscription, computed only when asked for: see `explain.rs`).
//!
//! Message data only ever reaches the DOM as text (the script sets `textContent`, never
//! `innerHTML`), and the Content-Security-Policy allows no inline script. The admin token (for
//! the page's own control requests, see `guard.rs`) is in a `<meta>` of the HTML.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use crate::explain;
use crate::model::{Message, Outcome};
use crate::query::{MessageQuery, Params};
use crate::state::Segment;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Only the page's own script, style and API (and the mock's, on the same origin); no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// At most one stream message per this interval (bursts are coalesced).
const MIN_INTERVAL: Duration = Duration::from_millis(150);
/// Rows per stream message.
const MAX_ROWS: usize = 500;

fn with_page_headers(mut res: Response, content_type: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    res
}

/// Text safe inside a double-quoted HTML attribute.
fn attr_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `GET /`. Opened with the right `?admin_token=`, it sets the cookie and redirects to `/`.
pub(crate) async fn page(State(segment): State<Segment>, uri: Uri) -> Response {
    if crate::guard::query_token(uri.query().unwrap_or(""), segment.admin_token()) {
        let mut res = Redirect::to("/").into_response();
        if let Some(cookie) = crate::guard::cookie(&segment) {
            res.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return res;
    }
    let html = INDEX_HTML.replace("__ADMIN_TOKEN__", &attr_escape(segment.admin_token()));
    with_page_headers(html.into_response(), "text/html; charset=utf-8")
}

pub(crate) async fn app_js() -> Response {
    with_page_headers(APP_JS.into_response(), "text/javascript; charset=utf-8")
}

pub(crate) async fn app_css() -> Response {
    with_page_headers(APP_CSS.into_response(), "text/css; charset=utf-8")
}

/// `GET /__segment/messages/{id}`: the message, and every subscription checked against it.
pub(crate) async fn detail(State(segment): State<Segment>, Path(id): Path<u64>) -> Response {
    let Some(message) = segment.message(id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": format!("no message {id} (never stored, or evicted)")})),
        )
            .into_response();
    };
    // Before the destination has routed it (queued), there is nothing to explain yet.
    let subscriptions = match (&message.seen, &message.run_env, message.outcome) {
        (Some(seen), Some(env), o) if o != Outcome::Dropped => {
            explain::check_all(segment.destination(), seen, env)
        }
        _ => Vec::new(),
    };
    Json(json!({"message": message, "subscriptions": subscriptions})).into_response()
}

/// One line of the page's list.
#[derive(Serialize)]
struct Row<'a> {
    id: u64,
    received_at: &'a str,
    path: &'a str,
    r#type: Option<&'a str>,
    event: Option<&'a str>,
    user: Option<&'a str>,
    outcome: &'static str,
    reason: Option<&'a str>,
    /// Subscriptions that ran, with the delivery of each (`queued` until known).
    routes: Vec<(&'a str, &'a str)>,
}

fn row(m: &Message) -> Row<'_> {
    Row {
        id: m.id,
        received_at: &m.received_at,
        path: &m.path,
        r#type: m.r#type.as_deref(),
        event: m.event.as_deref(),
        user: m.user_id.as_deref().or(m.anonymous_id.as_deref()),
        outcome: m.outcome.as_str(),
        reason: m.reason.as_deref(),
        routes: m
            .routes
            .iter()
            .map(|r| {
                let state = match (&r.error, &r.delivery) {
                    (Some(_), _) => "error",
                    (None, Some(d)) => d.kind.as_str(),
                    (None, None) => "queued",
                };
                (r.subscription.as_str(), state)
            })
            .collect(),
    }
}

struct Watch {
    segment: Segment,
    query: MessageQuery,
    changes: tokio::sync::watch::Receiver<u64>,
    version: u64,
    generation: u64,
    first: bool,
}

impl Watch {
    /// What changed since the last message (everything, the first time or after a clear).
    fn tick(&mut self) -> serde_json::Value {
        let store = self.segment.store();
        let reset = self.first || store.generation != self.generation;
        let since = if reset { 0 } else { self.version };
        let mut rows: Vec<Row<'_>> = store
            .iter()
            .rev()
            .filter(|m| m.version > since && self.query.matches(m))
            .take(MAX_ROWS)
            .map(row)
            .collect();
        rows.reverse();
        let value = json!({
            "reset": reset,
            "rows": rows,
            "counts": {"retained": store.len(), "total": store.total, "evicted": store.evicted},
        });
        self.version = store.version;
        self.generation = store.generation;
        self.first = false;
        value
    }
}

/// `GET /__segment/stream`: a `tick` per change (at most one per [`MIN_INTERVAL`]), with the
/// changed rows that match the page's filters (the parameters of `/__segment/messages`).
pub(crate) async fn stream(
    State(segment): State<Segment>,
    Query(params): Query<Params>,
) -> Response {
    let query = match params.query() {
        Ok(q) => q,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"message": e}))).into_response(),
    };
    let watch = Watch {
        changes: segment.subscribe(),
        segment,
        query,
        version: 0,
        generation: 0,
        first: true,
    };
    let events = futures_util::stream::unfold(watch, |mut w| async move {
        if !w.first {
            w.changes.changed().await.ok()?;
            tokio::time::sleep(MIN_INTERVAL).await;
            w.changes.borrow_and_update();
        }
        let data = w.tick();
        let event = Event::default().event("tick").data(data.to_string());
        Some((Ok::<_, Infallible>(event), w))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
