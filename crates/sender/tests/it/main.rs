//! Integration tests: real HTTP over loopback (wiremock, small axum/TCP servers, the mock).
//!
//! - `status`: one wiremock expectation per retryable / final status, Retry-After, shape.
//! - `transport`: timeouts, connection resets, refused connections.
//! - `batching`: count and byte boundaries, oversize events.
//! - `flow`: concurrency limit, backpressure, shutdown.
//! - `soak`: many events into the mock with injected faults.

mod batching;
mod flow;
mod soak;
mod status;
mod transport;

use std::time::Duration;

use usermaven_request::{Request, Secret};
use usermaven_sender::{Backoff, Delivery, EventResult, SenderConfig};

/// Credentials that must never show up in anything the sender produces.
pub const KEY: &str = "pk_live_7f3a9c";
pub const TOKEN: &str = "sk_SECRET_b81e4d2a";

/// The request the destination would produce with its base URL set to `base` (a test
/// server's origin).
pub fn request_at(base: &str, i: u64) -> Request {
    request_with_body_at(base, body(i))
}

/// The body of event `i`.
pub fn body(i: u64) -> String {
    format!(r#"{{"api_key":"{KEY}","event_id":"ev-{i}","event_type":"test"}}"#)
}

pub fn request_with_body_at(base: &str, body: String) -> Request {
    Request {
        url: Secret::new(format!("{base}/api/v1/s2s/event?token={KEY}.{TOKEN}")),
        method: "POST",
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "Segment (Actions)".into()),
        ],
        body,
    }
}

/// A wiremock server that answers 200 to exactly `n` POSTs (checked when it is dropped).
pub async fn accepting(n: u64) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .expect(n)
        .mount(&server)
        .await;
    server
}

/// Fast retries so tests stay quick.
pub fn config() -> SenderConfig {
    SenderConfig {
        concurrency: 4,
        timeout: Duration::from_secs(5),
        backoff: Backoff {
            initial: Duration::from_millis(2),
            cap: Duration::from_millis(10),
            max_attempts: 4,
            seed: 1,
        },
        retry_after_cap: Duration::from_secs(5),
        down_timeout: Duration::from_secs(2),
        ..SenderConfig::default()
    }
}

/// Panics if the server token (or the full token) appears in any rendering of a delivery.
pub fn assert_no_token(d: &Delivery) {
    let texts = [format!("{d:?}"), d.reason(), format!("{d:#?}")];
    for t in texts {
        assert!(!t.contains(TOKEN), "token leaked: {t}");
        assert!(!t.contains(&format!("{KEY}.{TOKEN}")), "token leaked: {t}");
    }
}

pub fn assert_results_clean<M: std::fmt::Debug>(results: &[EventResult<M>]) {
    for r in results {
        assert_no_token(&r.delivery);
        let dbg = format!("{r:?}");
        assert!(
            !dbg.contains(TOKEN),
            "token leaked in EventResult Debug: {dbg}"
        );
    }
}
