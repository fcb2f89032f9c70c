//! The `/__mock/` inspection and control API.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use usermaven_mock::StrictMode;

use crate::{call, event, get_json, post, s2s_token, s2s_uri, state, KEY, SECRET};

async fn seed(s: &usermaven_mock::Store) {
    let mut a = event("pageview");
    a["user"] = json!({"id": "u1", "anonymous_id": "a1"});
    let mut b = event("signed_up");
    b["user"] = json!({"id": "u2", "anonymous_id": "a2"});
    b["event_id"] = "m2".into();
    let mut c = event("group");
    c["user"] = json!({"id": "u1", "anonymous_id": "a1"});
    c["company"] = json!({"id": "c9", "name": "Acme", "created_at": "2020-01-01"});
    c["event_id"] = "m3".into();
    for e in [a, b, c] {
        let r = post(s, &s2s_uri(), e.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}

#[tokio::test]
async fn health() {
    let s = state(StrictMode::Reject);
    assert_eq!(
        get_json(&s, "/__mock/health").await,
        json!({"status": "ok", "events": 0, "requests": 0})
    );
}

#[tokio::test]
async fn events_list_has_body_and_event() {
    let s = state(StrictMode::Reject);
    seed(&s).await;
    let list = get_json(&s, "/__mock/events").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let first = &list[0];
    for key in [
        "id",
        "request_id",
        "index",
        "received_at",
        "path",
        "body",
        "event",
        "warnings",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }
    let body: Value = serde_json::from_str(first["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["event_id"], "msg-1", "as received");
    assert_eq!(first["event"]["eventn_ctx_event_id"], "msg-1", "enriched");
}

#[tokio::test]
async fn filters() {
    let s = state(StrictMode::Reject);
    seed(&s).await;
    let ids = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(get_json(&s, "/__mock/events?event_type=group").await),
        [3]
    );
    assert_eq!(ids(get_json(&s, "/__mock/events?user_id=u1").await), [1, 3]);
    assert_eq!(
        ids(get_json(&s, "/__mock/events?anonymous_id=a2").await),
        [2]
    );
    assert_eq!(ids(get_json(&s, "/__mock/events?company_id=c9").await), [3]);
    assert_eq!(ids(get_json(&s, "/__mock/events?since=1").await), [2, 3]);
    assert_eq!(ids(get_json(&s, "/__mock/events?limit=2").await), [1, 2]);
    assert_eq!(
        ids(get_json(&s, "/__mock/events?user_id=u1&since=1&limit=5").await),
        [3]
    );
    assert_eq!(
        ids(get_json(&s, "/__mock/events?since=2000-01-01T00:00:00Z").await),
        [1, 2, 3]
    );
    assert!(ids(get_json(&s, "/__mock/events?since=2999-01-01T00:00:00Z").await).is_empty());
    let r = call(
        &s,
        Request::get("/__mock/events?since=yesterday")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn event_by_id() {
    let s = state(StrictMode::Reject);
    seed(&s).await;
    assert_eq!(
        get_json(&s, "/__mock/events/2").await["event"]["event_type"],
        "signed_up"
    );
    let r = call(
        &s,
        Request::get("/__mock/events/99")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_resets() {
    let s = state(StrictMode::Reject);
    seed(&s).await;
    let r = call(
        &s,
        Request::delete("/__mock/events")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(get_json(&s, "/__mock/events").await, json!([]));
    assert_eq!(get_json(&s, "/__mock/requests").await, json!([]));
    // The counters go with the events.
    let stats = get_json(&s, "/__mock/stats").await;
    assert_eq!(stats["events"], 0, "{stats}");
    assert_eq!(stats["requests"], 0, "{stats}");
    // Ids keep growing after a reset.
    seed(&s).await;
    assert_eq!(s.events()[0].id, 4);
}

#[tokio::test]
async fn stats_and_duplicates() {
    let s = state(StrictMode::Reject);
    seed(&s).await;
    // A retry of the same message: same event_id.
    post(&s, &s2s_uri(), event("pageview").to_string()).await;
    post(&s, "/api/v1/s2s/event?token=bad", "{}").await;
    let stats = get_json(&s, "/__mock/stats").await;
    assert_eq!(stats["events"], 4);
    assert_eq!(
        stats["by_type"],
        json!({"pageview": 2, "signed_up": 1, "group": 1})
    );
    assert_eq!(stats["requests"], 5);
    assert_eq!(stats["by_outcome"], json!({"accepted": 4, "rejected": 1}));
    assert_eq!(stats["by_status"], json!({"200": 4, "401": 1}));
    let dups = get_json(&s, "/__mock/duplicates").await;
    assert_eq!(
        dups,
        json!([{"event_id": "msg-1", "count": 2, "ids": [1, 4]}])
    );
}

#[tokio::test]
async fn request_log_has_rejections_and_never_the_token() {
    let s = state(StrictMode::Reject);
    let tok = s2s_token();
    post(&s, &s2s_uri(), event("pageview").to_string()).await;
    // Unknown token echoed by the collector in its 401 body.
    post(&s, &format!("/api/v1/s2s/event?token={SECRET}"), "{}").await;
    post(&s, &format!("/api/v1/event?token={tok}"), "{}").await;
    post(&s, &format!("/api/v1/s2s/event?token={tok}"), "{oops").await;
    let mut b = Request::post("/api/v1/s2s/event").header("x-auth-token", tok.clone());
    b = b.header("authorization", format!("Bearer {tok}"));
    call(
        &s,
        b.body(Body::from(event("pageview").to_string())).unwrap(),
    )
    .await;
    let log = get_json(&s, "/__mock/requests").await;
    let text = log.to_string();
    assert!(!text.contains(SECRET), "server token leaked: {text}");
    assert!(!text.contains(KEY), "api key leaked: {text}");
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0]["outcome"], "accepted");
    assert_eq!(log[0]["query"], "token=REDACTED");
    assert_eq!(log[1]["status"], 401);
    assert_eq!(log[1]["reason"], "unknown token");
    assert_eq!(
        log[1]["response_body"],
        r#"{"message":"The token is not found: REDACTED","error":""}"#
    );
    assert_eq!(log[2]["status"], 401);
    assert_eq!(log[3]["status"], 400);
    assert_eq!(
        log[3]["reason"],
        "Error parsing events body: error parsing HTTP body: invalid character 'o' looking for beginning of object key string"
    );
    assert_eq!(log[3]["body"], "{oops");
    let headers = log[4]["headers"].as_array().unwrap();
    assert!(headers.contains(&json!(["x-auth-token", "REDACTED"])));
    assert!(headers.contains(&json!(["authorization", "REDACTED"])));
    let rejected = get_json(&s, "/__mock/requests?outcome=rejected").await;
    assert_eq!(rejected.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn fault_admin_endpoints() {
    let s = state(StrictMode::Reject);
    let r = call(
        &s,
        Request::post("/__mock/faults")
            .body(Body::from(
                r#"{"kind":"status","status":503,"retry_after":"7","times":2}"#,
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        view["pending"],
        json!([{"kind": "status", "status": 503, "retry_after": "7", "times": 2}])
    );
    let r = post(&s, &s2s_uri(), event("pageview").to_string()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header("retry-after"), Some("7"));
    let r = call(
        &s,
        Request::delete("/__mock/faults")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap()["pending"],
        json!([])
    );
    assert_eq!(
        post(&s, &s2s_uri(), event("pageview").to_string())
            .await
            .status,
        StatusCode::OK
    );
    let bad = call(
        &s,
        Request::post("/__mock/faults")
            .body(Body::from(r#"{"kind":"nope"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let combined = json!({"faults": [{"kind": "delay", "ms": 1}, {"kind": "drop"}], "random": {"seed": 3, "status": 0.5}});
    let r = call(
        &s,
        Request::post("/__mock/faults")
            .body(Body::from(combined.to_string()))
            .unwrap(),
    )
    .await;
    let view: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(view["pending"].as_array().unwrap().len(), 2);
    assert_eq!(view["random"]["status"], 0.5);
    let log = get_json(&s, "/__mock/faults").await;
    assert_eq!(log["injected"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn strict_endpoint() {
    let s = state(StrictMode::Reject);
    assert_eq!(
        get_json(&s, "/__mock/strict").await,
        json!({"mode": "reject"})
    );
    let r = call(
        &s,
        Request::put("/__mock/strict")
            .body(Body::from(r#"{"mode":"warn"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.strict(), StrictMode::Warn);
}
