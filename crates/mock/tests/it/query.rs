//! The query API for tests: `GET /__mock/events` filters, NDJSON, `wait_for` long-polls, and
//! the same through the Rust handle.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use usermaven_mock::{EventQuery, MockConfig, MockUsermaven, StrictMode};

use crate::{call, event, get_json, post, s2s_token, s2s_uri, state, KEY, SECRET};

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|e| e["id"].as_u64().expect("id"))
        .collect()
}

/// Three events: pageview u1/a1 id m1, signed_up u2/a2 id m2, pageview u1/a1 id m3 whose
/// body holds "needle".
async fn seed(s: &usermaven_mock::Store) {
    let mut a = event("pageview");
    a["event_id"] = "m1".into();
    let mut b = event("signed_up");
    b["user"] = json!({"id": "u2", "anonymous_id": "a2", "email": "u2@example.com"});
    b["event_id"] = "m2".into();
    let mut c = event("pageview");
    c["event_id"] = "m3".into();
    c["event_attributes"] = json!({"note": "a NeEdLe in the body"});
    for e in [a, b, c] {
        let r = post(s, &s2s_uri(), e.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}

#[tokio::test]
async fn filters_by_event_id_text_and_verdict() {
    let s = state(StrictMode::Warn);
    seed(&s).await;
    assert_eq!(ids(&get_json(&s, "/__mock/events?event_id=m2").await), [2]);
    assert_eq!(ids(&get_json(&s, "/__mock/events?q=needle").await), [3]);
    assert_eq!(
        ids(&get_json(&s, "/__mock/events?event_type=pageview&user_id=u1").await),
        [1, 3]
    );
    assert_eq!(
        ids(&get_json(&s, "/__mock/events?since=1&limit=1").await),
        [2]
    );
    // Empty parameters, as an HTML form sends them, filter nothing.
    assert_eq!(
        ids(&get_json(&s, "/__mock/events?event_type=&user_id=&q=").await),
        [1, 2, 3]
    );
    // A malformed screen resolution breaks a strict rule: accepted under warn, verdict "error".
    let mut bad = event("track");
    bad["screen_resolution"] = "wide".into();
    bad["event_id"] = "m4".into();
    post(&s, &s2s_uri(), bad.to_string()).await;
    let errors = get_json(&s, "/__mock/events?verdict=error").await;
    assert_eq!(ids(&errors), [4], "{errors}");
    assert_eq!(
        ids(&get_json(&s, "/__mock/events?verdict=ok").await),
        [1, 2, 3]
    );
    for bad in [
        "/__mock/events?limit=-1",
        "/__mock/events?verdict=maybe",
        "/__mock/events?wait_for=x",
        "/__mock/events?format=xml",
        "/__mock/events?since=yesterday",
    ] {
        let r = call(&s, Request::get(bad).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
}

#[tokio::test]
async fn ndjson_streams_one_event_per_line() {
    let s = state(StrictMode::Reject);
    // More than one page of the streaming writer (512 events).
    let batch: Vec<Value> = (0..600)
        .map(|i| {
            let mut e = event("pageview");
            e["event_id"] = format!("n{i}").into();
            e
        })
        .collect();
    let r = post(&s, &s2s_uri(), Value::Array(batch).to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = call(
        &s,
        Request::get("/__mock/events?format=ndjson")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    assert_eq!(lines.len(), 600);
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[599]["id"], 600);
    assert_eq!(lines[550]["event"]["eventn_ctx_event_id"], "n550");
    let r = call(
        &s,
        Request::get("/__mock/events?format=ndjson&since=500&limit=3")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let got: Vec<u64> = r
        .body
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(got, [501, 502, 503]);
}

async fn mock() -> MockUsermaven {
    MockUsermaven::start(MockConfig::new(KEY, SECRET).with_strict(StrictMode::Warn))
        .await
        .expect("mock")
}

async fn send(mock: &MockUsermaven, body: Value) {
    let url = format!("{}/api/v1/s2s/event?token={}", mock.uri(), s2s_token());
    let r = reqwest::Client::new()
        .post(url)
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn wait_for_started_before_the_events_returns_them() {
    let mock = mock().await;
    let url = format!(
        "{}/__mock/events?event_type=signed_up&wait_for=2&timeout_ms=10000",
        mock.uri()
    );
    let waiter = tokio::spawn(async move { reqwest::get(url).await.unwrap() });
    // The long-poll is open before anything is stored.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished());
    send(&mock, event("pageview")).await;
    send(&mock, event("signed_up")).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiter.is_finished(), "one sign-up is not two");
    send(&mock, event("signed_up")).await;
    let res = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("answered as soon as the second one is stored")
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(ids(&body), [2, 3]);
    mock.shutdown().await;
}

#[tokio::test]
async fn wait_for_times_out_with_the_count_so_far() {
    let mock = mock().await;
    send(&mock, event("signed_up")).await;
    let url = format!(
        "{}/__mock/events?event_type=signed_up&wait_for=3&timeout_ms=200",
        mock.uri()
    );
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 408);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["count"], 1);
    assert_eq!(body["wanted"], 3);
    assert_eq!(ids(&body["events"]), [1]);
    assert!(body["message"].as_str().unwrap().contains("1 so far"));
    mock.shutdown().await;
}

#[tokio::test]
async fn rust_handle_filters_and_waits() {
    let mock = mock().await;
    let q = EventQuery::new().event_type("identify").user_id("u1");
    let waiting = mock.wait_for(&q, 1, Duration::from_secs(10));
    let sending = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        send(&mock, event("pageview")).await;
        send(&mock, event("identify")).await;
    };
    let (got, ()) = tokio::join!(waiting, sending);
    let got = got.expect("the identify arrives");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_type(), Some("identify"));
    assert_eq!(mock.events_matching(&EventQuery::new()).len(), 2);
    assert_eq!(
        mock.events_matching(&EventQuery::new().since_id(1))[0].id,
        2
    );
    let err = mock
        .wait_for(&q, 2, Duration::from_millis(50))
        .await
        .expect_err("only one identify");
    assert_eq!((err.wanted, err.events.len()), (2, 1));
    mock.shutdown().await;
}

#[tokio::test]
async fn event_detail_and_request_by_id() {
    let s = state(StrictMode::Warn);
    // Key order as sent, with an integer-like key that JSON.parse would move first.
    let body = format!(
        r#"{{"zeta":1,"10":"ten","api_key":"{KEY}","event_type":"pageview","event_id":"d1","user":{{"id":"u1","anonymous_id":"a1"}},"src":"usermaven-segment"}}"#
    );
    let r = post(&s, &s2s_uri(), body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    post(&s, &s2s_uri(), body.clone()).await; // a retry: same event id
    let d = get_json(&s, "/__mock/events/1/detail").await;
    assert_eq!(d["body"], body.as_str(), "the body exactly as received");
    let text = d["event_text"].as_str().unwrap();
    assert!(
        text.find("\"zeta\"").unwrap() < text.find("\"10\"").unwrap(),
        "stored order kept: {text}"
    );
    assert_eq!(d["same_event_id"], json!([1, 2]));
    assert_eq!(d["summary"]["event_id"], "d1");
    assert_eq!(
        d["summary"]["request"]["target"],
        "/api/v1/s2s/event?token=REDACTED"
    );
    assert_eq!(d["request"]["id"], 1);
    assert_eq!(d["request"]["query"], "token=REDACTED");
    let req = get_json(&s, "/__mock/requests/2").await;
    assert_eq!(req["event_ids"], json!([2]));
    let r = call(
        &s,
        Request::get("/__mock/requests/99")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
