//! Strict mode against Usermaven's official clients: what `@usermaven/sdk-js` 1.5.15 (browser
//! transport) and `usermaven` 0.1.2 (Python) really send by default, captured by
//! `fixtures/clients/capture/capture.sh` into `fixtures/clients/*.ndjson`, is accepted in
//! strict-reject mode with no error-severity finding.

use std::path::Path;

use axum::http::StatusCode;
use serde_json::Value;
use usermaven_mock::{MockConfig, Severity, Store, StrictMode};

use crate::post;

const KEY: &str = "capture-api-key";
const SECRET: &str = "capture-server-token";

/// The captured requests of one client (the file must exist: a missing capture fails).
fn captured(file: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/clients")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run fixtures/clients/capture/capture.sh)",
            path.display()
        )
    });
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a captured request"))
        .collect();
    assert!(!lines.is_empty(), "{} holds no request", path.display());
    lines
}

async fn ingest_all(file: &str, min_events: usize) {
    let s =
        Store::new(MockConfig::new(KEY, SECRET).with_strict(StrictMode::Reject)).expect("state");
    let mut sent = 0;
    for req in captured(file) {
        let path = req["path"].as_str().expect("path");
        let token = if path.contains("/s2s/") {
            format!("{KEY}.{SECRET}")
        } else {
            KEY.to_owned()
        };
        let body = req["body"].as_str().expect("body");
        sent += match serde_json::from_str::<Value>(body).expect("a JSON body") {
            Value::Array(items) => items.len(),
            _ => 1,
        };
        let r = post(&s, &format!("{path}?token={token}"), body.to_owned()).await;
        assert_eq!(r.status, StatusCode::OK, "{file} {path}: {}", r.body);
    }
    let events = s.events();
    assert_eq!(events.len(), sent, "every captured event is stored");
    assert!(sent >= min_events, "{file}: only {sent} events captured");
    for e in &events {
        let errors: Vec<_> = e
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{file}: {:?} got {errors:?}",
            e.event_type()
        );
    }
}

#[tokio::test]
async fn the_browser_sdk_defaults_pass_strict_mode() {
    // pageview, two tracks, identify, a track after identify.
    ingest_all("sdk-js-1.5.15.ndjson", 5).await;
}

#[tokio::test]
async fn the_python_client_defaults_pass_strict_mode() {
    // identify and two tracks.
    ingest_all("usermaven-python-0.1.2.ndjson", 3).await;
}
