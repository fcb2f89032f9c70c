//! Segment's rules between the API and the destination, end to end: integrations, clock-skew
//! correction, limits, auth and CORS (docs/local-segment.md lists each with its source).

use usermaven_json::Value;
use usermaven_segment::{Outcome, SegmentConfig};

use crate::common::{fixed, start, start_with, KEY, TOKEN, WRITE_KEY};

fn seen(m: &usermaven_segment::Message) -> Value {
    Value::parse(m.seen.as_deref().expect("seen")).unwrap()
}

#[tokio::test]
async fn a_sent_at_one_hour_ahead_moves_the_timestamp_back_one_hour() {
    let s = start(fixed()).await;
    let (status, body) = s
        .post(
            "/v1/track",
            r#"{"userId":"u1","event":"Clock Test","timestamp":"2026-03-04T06:06:00.000Z","sentAt":"2026-03-04T06:06:07.089Z"}"#,
        )
        .await;
    assert_eq!((status, body.as_str()), (200, r#"{"success":true}"#));
    let m = &s.settled(1).await[0];
    let v = seen(m);
    // receivedAt is the fixed clock; the client is one hour ahead.
    assert_eq!(
        v.get("receivedAt").unwrap().as_str(),
        Some("2026-03-04T05:06:07.089Z")
    );
    assert_eq!(
        v.get("originalTimestamp").unwrap().as_str(),
        Some("2026-03-04T06:06:00.000Z")
    );
    assert_eq!(
        v.get("timestamp").unwrap().as_str(),
        Some("2026-03-04T05:06:00.000Z")
    );
    assert_eq!(v.get("type").unwrap().as_str(), Some("track"));
    assert_eq!(m.outcome, Outcome::Mapped);
    // The destination's request carries the corrected time, and the mock stored it.
    let request = m.routes[0].request.as_ref().unwrap();
    assert!(
        request.body.contains("2026-03-04T05:06:00.000Z"),
        "{}",
        request.body
    );
    let events = s.mock.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].body, request.body);
}

#[tokio::test]
async fn integrations_select_the_destination() {
    let s = start(fixed()).await;
    let cases = [
        (r#"{"All":false}"#, false),
        (r#"{"All":false,"Usermaven (Actions)":true}"#, true),
        (r#"{"Usermaven (Actions)":false}"#, false),
        (r#"{"All":true,"Mixpanel":false}"#, true),
    ];
    for (i, (integrations, _)) in cases.iter().enumerate() {
        let body = format!(
            r#"{{"batch":[{{"type":"track","userId":"u{i}","event":"E{i}","integrations":{integrations}}}]}}"#
        );
        assert_eq!(s.post("/v1/batch", &body).await.0, 200);
    }
    let messages = s.settled(cases.len()).await;
    for (m, (integrations, sent)) in messages.iter().zip(cases) {
        let expected = if sent {
            Outcome::Mapped
        } else {
            Outcome::Skipped
        };
        assert_eq!(m.outcome, expected, "{integrations}: {:?}", m.reason);
    }
    // Only the two sent ones reached the mock; batch-level integrations apply too.
    assert_eq!(s.mock.events().len(), 2);
    let (status, _) = s
        .post(
            "/v1/batch",
            r#"{"integrations":{"All":false},"batch":[{"type":"identify","userId":"x"}]}"#,
        )
        .await;
    assert_eq!(status, 200);
    let all = s.settled(cases.len() + 1).await;
    assert_eq!(all.last().unwrap().outcome, Outcome::Skipped);
}

#[tokio::test]
async fn limits_answer_400_for_the_request_and_drop_an_oversize_batch_message() {
    let s = start(fixed()).await;
    let big = "x".repeat(33 * 1024);
    let (status, body) = s
        .post(
            "/v1/track",
            &format!(r#"{{"userId":"u","event":"E","properties":{{"p":"{big}"}}}}"#),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("32 KB"), "{body}");
    // A batch over 500 KB is refused whole.
    let item = format!(
        r#"{{"type":"track","userId":"u","event":"E","properties":{{"p":"{}"}}}}"#,
        "y".repeat(20 * 1024)
    );
    let items = vec![item.as_str(); 26].join(",");
    let (status, _) = s
        .post("/v1/batch", &format!(r#"{{"batch":[{items}]}}"#))
        .await;
    assert_eq!(status, 400);
    // Within 500 KB, one oversize message is dropped and the others go on.
    let body = format!(
        r#"{{"batch":[{{"type":"track","userId":"u","event":"Big","properties":{{"p":"{big}"}}}},{{"type":"track","userId":"u","event":"Small"}}]}}"#
    );
    assert_eq!(s.post("/v1/batch", &body).await.0, 200);
    let messages = s.settled(4).await;
    let outcomes: Vec<Outcome> = messages.iter().map(|m| m.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Dropped,
            Outcome::Dropped,
            Outcome::Dropped,
            Outcome::Mapped
        ]
    );
    assert!(messages[2].reason.as_deref().unwrap().contains("32 KB"));
    assert_eq!(messages[3].event.as_deref(), Some("Small"));
    assert_eq!(s.mock.events().len(), 1);
}

#[tokio::test]
async fn bad_json_and_missing_users_get_segments_answers_and_the_server_goes_on() {
    let s = start(fixed()).await;
    let (status, body) = s.post("/v1/batch", "{not json").await;
    assert_eq!(status, 400);
    assert!(body.contains("Invalid JSON"), "{body}");
    let (status, body) = s.post("/v1/identify", r#"{"traits":{"a":1}}"#).await;
    assert_eq!(status, 400);
    assert!(body.contains("no_user_anon_id"), "{body}");
    // In a batch the message is dropped and the batch accepted.
    let (status, _) = s
        .post(
            "/v1/batch",
            r#"{"batch":[{"type":"track","event":"E"},{"type":"track","userId":"u","event":"E"}]}"#,
        )
        .await;
    assert_eq!(status, 200);
    let messages = s.settled(4).await;
    assert_eq!(messages[0].outcome, Outcome::Dropped);
    assert_eq!(messages[0].received, "{not json");
    assert_eq!(messages[3].outcome, Outcome::Mapped);
}

#[tokio::test]
async fn write_keys_come_from_basic_auth_or_the_body_and_unknown_ones_are_dropped() {
    let s = start(SegmentConfig {
        write_keys: vec![WRITE_KEY.into()],
        ..fixed()
    })
    .await;
    let url = format!("{}/v1/track", s.segment.uri());
    let send = |auth: Option<&'static str>, body: &'static str| {
        let mut r = s.http.post(&url).body(body);
        if let Some(k) = auth {
            r = r.basic_auth(k, Some(""));
        }
        r.send()
    };
    // No key at all: 400.
    let r = send(None, r#"{"userId":"u","event":"E"}"#).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // Key in the body: accepted.
    let r = send(
        None,
        r#"{"userId":"u","event":"Body","writeKey":"wk-test"}"#,
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // An unknown key: 200 as Segment answers, and the message is dropped.
    let r = send(Some("other"), r#"{"userId":"u","event":"Other"}"#)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().await.unwrap(), r#"{"success":true}"#);
    let messages = s.settled(3).await;
    assert_eq!(messages[1].outcome, Outcome::Mapped);
    assert!(!messages[1].seen.as_ref().unwrap().contains("writeKey"));
    assert_eq!(messages[2].outcome, Outcome::Dropped);
    assert!(messages[2]
        .reason
        .as_deref()
        .unwrap()
        .contains("unknown write key"));
    assert_eq!(s.mock.events().len(), 1);
}

#[tokio::test]
async fn cors_preflight_and_answers_allow_any_origin() {
    let s = start(fixed()).await;
    let r = s
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/t", s.segment.uri()),
        )
        .header("origin", "http://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "http://app.example");
    assert_eq!(
        h["access-control-allow-headers"],
        "authorization,content-type"
    );
    assert!(h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    let r = s
        .http
        .post(format!("{}/v1/t", s.segment.uri()))
        .header("origin", "http://app.example")
        .header("content-type", "text/plain")
        .basic_auth(WRITE_KEY, Some(""))
        .body(r#"{"userId":"u","event":"E"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://app.example"
    );
    assert_eq!(s.settled(1).await[0].r#type.as_deref(), Some("track"));
}

#[tokio::test]
async fn gzip_bodies_and_the_settings_for_analytics_js() {
    use std::io::Write;
    let s = start(fixed()).await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"batch":[{"type":"page","anonymousId":"a","name":"Home"}]}"#)
        .unwrap();
    let r = s
        .http
        .post(format!("{}/v1/batch", s.segment.uri()))
        .basic_auth(WRITE_KEY, Some(""))
        .header("content-encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        s.settled(1).await[0].outcome,
        usermaven_segment::Outcome::Mapped
    );
    let settings: serde_json::Value = s
        .http
        .get(format!(
            "{}/v1/projects/{WRITE_KEY}/settings",
            s.segment.uri()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let io = &settings["integrations"]["Segment.io"];
    assert_eq!(io["apiHost"], format!("{}/v1", s.segment.addr()));
    assert_eq!(io["protocol"], "http");
    assert_eq!(io["apiKey"], WRITE_KEY);
}

#[tokio::test]
async fn an_event_the_destination_rejects_is_a_row_with_the_error_and_the_next_one_goes_on() {
    use usermaven_destination::{ActionKind, Destination, Options, Settings, Subscription};
    let broken = Subscription::new(
        "Broken",
        ActionKind::Track,
        r#"event = "Bad""#,
        &Value::parse(r#"{"user_id":{"@bogus":1}}"#).unwrap(),
    );
    let mut subscriptions = vec![broken];
    subscriptions.push(Subscription::preset(ActionKind::Track));
    let destination = Destination::with_subscriptions(
        Settings::new(KEY, TOKEN),
        Options::default(),
        subscriptions,
    );
    let s = start_with(fixed(), destination).await;
    let (status, _) = s
        .post(
            "/v1/batch",
            r#"{"batch":[{"type":"track","userId":"u","event":"Bad"},{"type":"track","userId":"u","event":"Good"}]}"#,
        )
        .await;
    assert_eq!(status, 200, "Segment answers before the destination runs");
    let messages = s.settled(2).await;
    assert_eq!(messages[0].outcome, Outcome::Error);
    let error = messages[0].routes[0]
        .error
        .as_ref()
        .expect("the action error");
    assert_eq!(messages[0].routes[0].subscription, "Broken");
    assert!(!error.message.is_empty(), "{error:?}");
    // The same message's other subscription still sent, and the next message is untouched.
    assert!(messages[0].routes[1].request.is_some());
    assert_eq!(messages[1].outcome, Outcome::Mapped);
    assert_eq!(s.mock.events().len(), 2);
}

#[tokio::test]
async fn the_answer_never_waits_for_delivery() {
    use usermaven_destination::{Destination, Options, Settings};
    use usermaven_segment::LocalSegment;
    // An endpoint that accepts connections and never answers.
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole_addr = hole.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = hole.accept().await {
            open.push(conn);
        }
    });
    let destination = Destination::new(
        Settings::new(KEY, TOKEN),
        Options {
            base_url: format!("http://{hole_addr}"),
            ..Options::default()
        },
    );
    let segment = LocalSegment::start(fixed(), destination, None)
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/v1/track", segment.uri()))
        .basic_auth(WRITE_KEY, Some(""))
        .body(r#"{"userId":"u","event":"E"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Answered while the request to Usermaven is still in flight.
    let m = segment
        .wait_for(
            &usermaven_segment::MessageQuery::new().outcome(Outcome::Mapped),
            1,
            std::time::Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert!(m[0].routes[0].request.is_some());
    assert!(
        m[0].routes[0].delivery.is_none(),
        "{:?}",
        m[0].routes[0].delivery
    );
    assert!(!usermaven_segment::settled(&m[0]));
    held.abort();
}
