//! Batch forms, templates and the enrichment of the stored copy (`docs/usermaven-api.md` §1, §3 "Enrichment").

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use usermaven_mock::{MockConfig, MockUsermaven, StrictMode};

use crate::{call, event, post, s2s_token, s2s_uri, state, KEY, SECRET};

#[tokio::test]
async fn batch_is_stored_per_event_with_its_own_raw_text() {
    let s = state(StrictMode::Reject);
    let texts = [
        event("a").to_string(),
        // Odd spacing inside an element is kept as sent.
        event("b").to_string().replacen(',', " ,\n ", 2),
        event("c").to_string(),
    ];
    let body = format!("[\n  {},\n  {} ,{}]\n", texts[0], texts[1], texts[2]);
    let r = post(&s, &s2s_uri(), body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let events = s.events();
    assert_eq!(events.len(), 3);
    let types: Vec<_> = events.iter().map(|e| e.event_type().unwrap()).collect();
    assert_eq!(types, ["a", "b", "c"]);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.body, texts[i], "its own text as received, byte for byte");
        assert_eq!(e.index, i);
        assert_eq!(e.id, i as u64 + 1);
        assert_eq!(e.path, "/api/v1/s2s/event");
    }
    assert_eq!(events[0].request_id, events[2].request_id);
}

#[tokio::test]
async fn template_form_expands_with_template_winning() {
    let s = state(StrictMode::Reject);
    let body = json!({
        "template": {"api_key": KEY, "src": "tmpl", "source_ip": "1.1.1.1", "user": {"anonymous_id": "t-anon"}},
        "events": [
            {"event_type": "first", "src": "own", "event_id": "e1"},
            {"event_type": "second"}
        ]
    });
    let r = post(&s, &s2s_uri(), body.to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let events = s.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event()["src"], "tmpl");
    assert_eq!(events[0].event()["event_type"], "first");
    assert_eq!(events[1].event()["user"]["anonymous_id"], "t-anon");
    assert_eq!(events[0].event_id(), Some("e1"));
}

#[tokio::test]
async fn template_shape_with_a_non_object_is_one_plain_event() {
    let s = state(StrictMode::Off);
    let body = json!({"template": {"a": 1}, "events": [{"event_type": "x"}, 3]});
    assert_eq!(
        post(&s, &s2s_uri(), body.to_string()).await.status,
        StatusCode::OK
    );
    let events = s.events();
    assert_eq!(events.len(), 1);
    assert!(events[0].event().get("template").is_some());
}

#[tokio::test]
async fn s2s_enrichment() {
    let s = state(StrictMode::Off);
    let mut e = json!({"api_key": "something-else", "event_type": "pageview", "user": {"id": "u"}});
    let req = Request::post(s2s_uri())
        .header("x-forwarded-for", "95.82.232.185, 10.0.0.1")
        .header("user-agent", "agent/1.0")
        .body(Body::from(e.to_string()))
        .unwrap();
    assert_eq!(call(&s, req).await.status, StatusCode::OK);
    let stored = &s.events()[0];
    let got = &stored.event();
    assert_eq!(got["source_ip"], "95.82.232.185");
    assert_eq!(got["src"], "api");
    assert_eq!(
        got["api_key"], KEY,
        "api_key overwritten from the token (its public part)"
    );
    let id = got["eventn_ctx_event_id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert!(got.get("event_id").is_none());
    let ts = got["_timestamp"].as_str().unwrap();
    assert_eq!(ts.len(), "2006-01-02T15:04:05.000000Z".len(), "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{ts}");
    let hashed = format!("{:x}", md5::compute("95.82.232.185agent/1.0"));
    assert_eq!(got["user"]["hashed_anonymous_id"], Value::String(hashed));
    // The raw body is untouched.
    e["api_key"] = "something-else".into();
    assert_eq!(stored.body, e.to_string());
}

#[tokio::test]
async fn present_values_are_kept_and_event_id_moves() {
    let s = state(StrictMode::Off);
    let e = json!({
        "api_key": KEY, "event_type": "t", "source_ip": "2.2.2.2", "src": "usermaven-segment",
        "event_id": "seg-msg-1", "_timestamp": 1700000000000u64, "user": {"id": "u"}
    });
    post(&s, &s2s_uri(), e.to_string()).await;
    let got = &s.events()[0].event();
    assert_eq!(got["source_ip"], "2.2.2.2");
    assert_eq!(got["src"], "usermaven-segment");
    assert_eq!(got["_timestamp"], 1700000000000u64);
    assert_eq!(got["eventn_ctx_event_id"], "seg-msg-1");
    assert!(got.get("event_id").is_none());
    // Key order: existing keys keep their place, new ones are appended.
    let keys: Vec<&str> = got
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "api_key",
            "event_type",
            "source_ip",
            "src",
            "_timestamp",
            "user",
            "eventn_ctx_event_id"
        ]
    );
}

#[tokio::test]
async fn empty_event_id_gets_a_uuid() {
    let s = state(StrictMode::Off);
    post(
        &s,
        &s2s_uri(),
        json!({"event_id": "", "event_type": "t"}).to_string(),
    )
    .await;
    assert_eq!(s.events()[0].event_id().unwrap().len(), 36);
}

#[tokio::test]
async fn eventn_ctx_receives_the_id_when_present() {
    let s = state(StrictMode::Off);
    post(
        &s,
        &s2s_uri(),
        json!({"eventn_ctx": {"event_id": "abc"}, "event_type": "t"}).to_string(),
    )
    .await;
    assert_eq!(
        s.events()[0].event()["eventn_ctx"],
        json!({"event_id": "abc"})
    );
}

#[tokio::test]
async fn browser_enrichment_sets_user_agent_and_no_src() {
    let s = state(StrictMode::Off);
    let req = Request::post(format!("/api/v1/event?token={KEY}"))
        .header("user-agent", "Mozilla/5.0 test")
        .body(Body::from(
            json!({"event_type": "pageview", "user_agent": "old", "user": {"anonymous_id": "a"}})
                .to_string(),
        ))
        .unwrap();
    assert_eq!(call(&s, req).await.status, StatusCode::OK);
    let got = &s.events()[0].event();
    assert_eq!(got["user_agent"], "Mozilla/5.0 test");
    assert!(got.get("src").is_none());
    assert_eq!(got["api_key"], KEY);
}

#[tokio::test]
async fn ip_policy_strict_masks_the_last_octet() {
    let s = state(StrictMode::Off);
    let req = Request::post(format!("{}&ip_policy=strict", s2s_uri()))
        .header("x-forwarded-for", "95.82.232.185")
        .body(Body::from(json!({"event_type": "t"}).to_string()))
        .unwrap();
    call(&s, req).await;
    assert_eq!(s.events()[0].event()["source_ip"], "95.82.232.1");
}

#[tokio::test]
async fn cookie_policy_strict_replaces_the_anonymous_id() {
    let s = state(StrictMode::Off);
    let req = Request::post(format!("{}&cookie_policy=strict", s2s_uri()))
        .header("x-forwarded-for", "1.2.3.4")
        .body(Body::from(
            json!({"event_type": "t", "user": {"anonymous_id": "cookie"}}).to_string(),
        ))
        .unwrap();
    call(&s, req).await;
    let hashed = format!("{:x}", md5::compute("1.2.3.4"));
    assert_eq!(
        s.events()[0].event()["user"]["anonymous_id"],
        Value::String(hashed)
    );
}

#[tokio::test]
async fn over_the_socket_source_ip_is_the_peer() {
    let mock = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_strict(StrictMode::Off))
        .await
        .unwrap();
    let url = format!("{}/api/v1/s2s/event?token={}", mock.uri(), s2s_token());
    let res = reqwest::Client::new()
        .post(&url)
        .body(r#"{"event_type":"t"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(res.text().await.unwrap(), r#"{"status":"ok"}"#);
    assert_eq!(mock.events()[0].event()["source_ip"], "127.0.0.1");
    mock.shutdown().await;
}

#[tokio::test]
async fn negative_zero_is_stored_as_go_decodes_it() {
    let s = state(StrictMode::Off);
    let body = r#"{"event_type":"t","a":-0,"b":[-0],"c":-0.5,"d":"x:-0","e":1e2}"#;
    assert_eq!(post(&s, &s2s_uri(), body).await.status, StatusCode::OK);
    let e = s.events()[0].event();
    assert_eq!(e["a"].to_string(), "0", "Go decodes -0 to 0");
    assert_eq!(e["b"][0].to_string(), "0");
    assert_eq!(e["c"].to_string(), "-0.5");
    assert_eq!(e["d"], "x:-0");
    assert_eq!(e["e"].to_string(), "100.0");
}
