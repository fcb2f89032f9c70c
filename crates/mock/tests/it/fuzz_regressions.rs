//! The mock's fuzz findings (`fixtures/fuzz/mock/`, found by `cargo xtask fuzz --target mock`)
//! replayed through [`usermaven_mock::app`] by the mock's own tests.
//!
//! Each input is the fuzz target's envelope: `{"method","path","auth","query","headers":[[name,
//! value],…],"body"|"body_hex"}`. It runs on a thread with a tokio worker's 2 MiB stack. The
//! mock must answer without panicking, with a status the collector can send; where the rules are
//! plain (an s2s POST carrying the workspace's token, whose body is one JSON object within the
//! size limit and not a template) it must answer 200 `{"status":"ok"…}` and store one event.
//! A `.txt` or `.md` file beside an input describes it and is not replayed.

use std::path::Path;

use axum::body::Body;
use axum::http::Request;
use serde::de::IgnoredAny;
use serde_json::Value;
use tower::ServiceExt;
use usermaven_mock::{app, MockConfig, Store, StrictMode};

/// The workspace of the fuzz target (`xtask/src/fuzz/mock.rs`).
const KEY: &str = "fuzzkey";
const SECRET: &str = "fuzzsecret";
/// The collector's default `max_event_size`.
const MAX_EVENT: usize = 51_200;
/// The statuses the collector (and the mock's own guards) answer with.
const STATUSES: &[u16] = &[200, 204, 307, 400, 401, 404, 405, 413, 500];
/// A tokio worker thread's stack.
const WORKER_STACK: usize = 2 << 20;

/// Whether `body` is one JSON object, at any nesting depth (checked on a stack that allows it:
/// this is the oracle's parse, not the mock's).
fn is_one_object(body: &[u8]) -> bool {
    let body = body.to_vec();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut de = serde_json::Deserializer::from_slice(&body);
            de.disable_recursion_limit();
            body.first() == Some(&b'{')
                && serde::Deserialize::deserialize(&mut de)
                    .map(|_: IgnoredAny| ())
                    .and_then(|()| de.end())
                    .is_ok()
        })
        .expect("thread")
        .join()
        .expect("the oracle's parse")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// What a mock in strict mode `strict` answered: status, body, events stored.
fn replay(envelope: &Value, strict: StrictMode) -> Result<(u16, String, usize), String> {
    let text = |k: &str| envelope[k].as_str().unwrap_or("").to_owned();
    let body = match envelope["body_hex"].as_str() {
        Some(h) => unhex(h),
        None => text("body").into_bytes(),
    };
    let (path, query) = (text("path"), text("query"));
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut req = Request::builder().method(text("method").as_str()).uri(uri);
    for h in envelope["headers"].as_array().into_iter().flatten() {
        if let (Some(k), Some(v)) = (h[0].as_str(), h[1].as_str()) {
            req = req.header(k, v);
        }
    }
    let req = req
        .body(Body::from(body))
        .map_err(|e| format!("request: {e}"))?;
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let store = Store::new(MockConfig::new(KEY, SECRET).with_strict(strict))
                .map_err(|e| e.to_string())?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let (status, body) = rt.block_on(async {
                let res = app(store.clone()).oneshot(req).await.expect("infallible");
                let status = res.status().as_u16();
                let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((status, String::from_utf8_lossy(&bytes).into_owned()))
            })?;
            Ok((status, body, store.events().len()))
        })
        .map_err(|e| e.to_string())?
        .join()
        .map_err(|_| "the mock panicked".to_owned())?
}

/// Checks one committed input against the rules in this module's doc (on a mock in strict mode
/// `off`, the collector's behaviour, as the fuzz target runs it).
fn check(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let envelope: Value = serde_json::from_str(&text).map_err(|e| format!("envelope: {e}"))?;
    check_envelope(&envelope, StrictMode::Off)
}

fn check_envelope(envelope: &Value, strict: StrictMode) -> Result<(), String> {
    let (status, body, stored) = replay(envelope, strict)?;
    if !STATUSES.contains(&status) {
        return Err(format!("status {status}: {body}"));
    }
    let s2s = envelope["method"] == "POST" && envelope["path"] == "/api/v1/s2s/event";
    let token = format!("{KEY}.{SECRET}");
    let carries_token = matches!(
        envelope["auth"].as_str(),
        Some("query" | "header" | "bearer" | "p-query")
    ) && (envelope["query"]
        .as_str()
        .is_some_and(|q| q.contains(&token))
        || envelope["headers"].to_string().contains(&token));
    let raw = match envelope["body_hex"].as_str() {
        Some(h) => unhex(h),
        None => envelope["body"].as_str().unwrap_or("").as_bytes().to_vec(),
    };
    let plain = raw.len() <= MAX_EVENT
        && !raw.windows(10).any(|w| w == b"\"template\"")
        && is_one_object(&raw);
    if s2s && carries_token && plain {
        if status != 200 || !body.starts_with("{\"status\":\"ok\"") {
            return Err(format!(
                "the collector answers 200, the mock {status}: {body}"
            ));
        }
        if stored != 1 {
            return Err(format!("the collector stores one event, the mock {stored}"));
        }
    }
    Ok(())
}

#[test]
fn committed_mock_fuzz_findings_are_answered_by_the_rules() {
    let files: Vec<_> = usermaven_test_support::files("fixtures/fuzz/mock", ".json");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| check(f).err().map(|e| format!("{}: {e}", f.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} committed finding(s) fail again:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn the_oracle_can_fail() {
    let plain = serde_json::json!({
        "method": "POST", "path": "/api/v1/s2s/event", "auth": "query",
        "query": format!("token={KEY}.{SECRET}"), "headers": [], "body": "{\"a\":1}"
    });
    assert_eq!(check_envelope(&plain, StrictMode::Off), Ok(()));
    // A mock that breaks the collector's rule (strict mode rejects this event) fails the check.
    let err = check_envelope(&plain, StrictMode::Reject).unwrap_err();
    assert!(
        err.starts_with("the collector answers 200, the mock 400"),
        "{err}"
    );
    // The plain rule applies only with the workspace's token and one object within the limit.
    let wrong = serde_json::json!({
        "method": "POST", "path": "/api/v1/s2s/event", "auth": "wrong",
        "query": format!("token={KEY}.nope"), "headers": [], "body": "{\"a\":1}"
    });
    assert_eq!(replay(&wrong, StrictMode::Reject).unwrap().0, 401);
    assert_eq!(check_envelope(&wrong, StrictMode::Reject), Ok(()));
    assert!(is_one_object(b"{\"a\":{\"b\":[1]}}"));
    assert!(!is_one_object(b"{\"a\":1"));
    assert!(!is_one_object(b"[{}]"));
}
