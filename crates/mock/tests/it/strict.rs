//! Strict mode (mock-only): every problem is reported, as a 400 or as warnings.

use axum::http::StatusCode;
use serde_json::{json, Value};
use usermaven_mock::{Severity, StrictMode};

use crate::{event, post, s2s_uri, state, KEY};

fn bad_events() -> String {
    json!([
        {"api_key": KEY, "event_type": "pageview", "source_ip": "1", "user": {"id": 5}},
        {"api_key": KEY, "source_ip": "1", "user": {}, "company": {"id": "c1"}},
    ])
    .to_string()
}

#[tokio::test]
async fn reject_lists_every_problem_of_every_event() {
    let s = state(StrictMode::Reject);
    let r = post(&s, &s2s_uri(), bad_events()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body["message"],
        "Event validation failed (mock strict mode): 6 problem(s): \
         event[0]/user/id: must be a string, got number; \
         event[0]/user: needs user.id or user.anonymous_id; \
         event[1]/event_type: missing event_type (required); \
         event[1]/user: needs user.id or user.anonymous_id; \
         event[1]/company/name: missing company.name (required); \
         event[1]/company/created_at: missing company.created_at (required)"
    );
    assert_eq!(body["error"], "");
    let problems = body["payload"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 6);
    assert_eq!(
        problems[0],
        json!({"index": 0, "path": "/user/id", "message": "must be a string, got number", "severity": "error"})
    );
    assert!(s.events().is_empty(), "nothing stored");
    let req = &s.requests()[0];
    assert_eq!(req.outcome, usermaven_mock::Outcome::Rejected);
    assert!(req.reason.as_deref().unwrap().contains("6 problem(s)"));
}

#[tokio::test]
async fn warn_stores_with_warnings() {
    let s = state(StrictMode::Warn);
    let r = post(&s, &s2s_uri(), bad_events()).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    let events = s.events();
    assert_eq!(events[0].warnings.len(), 2);
    assert_eq!(events[1].warnings.len(), 4);
    assert!(events[1].warnings.iter().all(|w| w.index == 1));
}

#[tokio::test]
async fn off_checks_nothing() {
    let s = state(StrictMode::Off);
    assert_eq!(
        post(&s, &s2s_uri(), bad_events()).await.status,
        StatusCode::OK
    );
    assert!(s.events().iter().all(|e| e.warnings.is_empty()));
}

#[tokio::test]
async fn advice_never_rejects() {
    let s = state(StrictMode::Reject);
    let mut e = event("user_identify");
    e["user"] = json!({"anonymous_id": "a1"});
    let r = post(&s, &s2s_uri(), e.to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let w = &s.events()[0].warnings;
    assert_eq!(w.len(), 2);
    assert!(w.iter().all(|p| p.severity == Severity::Advice));
}

#[tokio::test]
async fn segment_shaped_events_pass() {
    let s = state(StrictMode::Reject);
    let mut group = event("group");
    group["company"] = json!({"id": "c1", "name": "Acme", "created_at": "2021-01-01T00:00:00.000Z", "custom": {"plan": "pro"}});
    let mut page = event("pageview");
    page["url"] = "https://example.com/a?b=1".into();
    page["doc_host"] = "example.com".into();
    page["screen_resolution"] = "1920x1080".into();
    page["vp_size"] = "1920x1080".into();
    page["local_tz_offset"] = (-60).into();
    page["utc_time"] = "2021-01-01T00:00:00.000Z".into();
    page["utm"] = json!({"source": "g", "medium": "cpc", "name": "spring"});
    page["event_attributes"] = json!({"k": 1});
    for e in [group, page, event("signed_up")] {
        let r = post(&s, &s2s_uri(), e.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert!(
        s.events().iter().all(|e| e.warnings.is_empty()),
        "{:?}",
        s.events()[0].warnings
    );
}

#[tokio::test]
async fn strict_mode_can_change_at_runtime() {
    let s = state(StrictMode::Reject);
    s.set_strict(StrictMode::Off);
    assert_eq!(
        post(&s, &s2s_uri(), bad_events()).await.status,
        StatusCode::OK
    );
}
