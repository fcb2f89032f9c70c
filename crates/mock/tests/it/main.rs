//! Integration tests of `usermaven-mock`: one binary, one module per concern.
//!
//! Expected status codes and bodies come from the collector's behaviour as written down in
//! `docs/usermaven-api.md` (Jitsu `server/` sources and its integration tests), not from the mock.

mod admin;
mod auth;
mod browser;
mod clients;
mod deep;
mod faults;
mod fuzz_regressions;
mod ingest;
mod layers;
mod page;
mod persistence;
mod query;
mod responses;
mod retention;
mod strict;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use usermaven_mock::{app, MockConfig, Store, StrictMode};

pub(crate) const KEY: &str = "ws-api-key-1";
pub(crate) const SECRET: &str = "ws-server-secret-1";

pub(crate) fn s2s_token() -> String {
    format!("{KEY}.{SECRET}")
}

/// A state with one workspace and the given strict mode.
pub(crate) fn state(strict: StrictMode) -> Store {
    Store::new(MockConfig::new(KEY, SECRET).with_strict(strict)).expect("state")
}

/// A valid Usermaven event as Segment's destination sends it.
pub(crate) fn event(event_type: &str) -> serde_json::Value {
    serde_json::json!({
        "api_key": KEY,
        "ids": {},
        "doc_encoding": "utf-8",
        "src": "usermaven-segment",
        "screen_resolution": "0",
        "event_type": event_type,
        "event_id": "msg-1",
        "source_ip": "8.8.8.8",
        "user": {"id": "u1", "anonymous_id": "a1", "email": "u1@example.com"},
    })
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request through `app(state)` without a socket.
pub(crate) async fn call(state: &Store, req: Request<Body>) -> Resp {
    let res = app(state.clone()).oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(crate) async fn post(state: &Store, uri: &str, body: impl Into<Body>) -> Resp {
    call(state, Request::post(uri).body(body.into()).unwrap()).await
}

pub(crate) fn s2s_uri() -> String {
    format!("/api/v1/s2s/event?token={}", s2s_token())
}

pub(crate) async fn get_json(state: &Store, uri: &str) -> serde_json::Value {
    let r = call(state, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    serde_json::from_str(&r.body).expect("json")
}
