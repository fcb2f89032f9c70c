//! Status handling against wiremock: which statuses are retried, how often, Retry-After.

use std::time::{Duration, Instant, SystemTime};

use usermaven_sender::{Delivery, SendError, Sender};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{assert_no_token, config, request_at, KEY, TOKEN};

const RETRYABLE: [u16; 9] = [408, 423, 429, 500, 502, 503, 504, 507, 599];
const FINAL: [u16; 10] = [400, 401, 403, 404, 405, 409, 413, 422, 501, 302];

#[tokio::test]
async fn retryable_statuses_are_retried_until_success() {
    for status in RETRYABLE {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string("busy"))
            .up_to_n_times(2)
            .expect(2)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"status":"ok"}"#))
            .expect(1)
            .mount(&server)
            .await;
        let sender = Sender::new(config()).expect("sender");
        let d = sender.send(&request_at(&server.uri(), 1)).await;
        assert!(
            matches!(
                d,
                Delivery::Delivered {
                    status: 200,
                    attempts: 3
                }
            ),
            "{status}: {d:?}"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn retryable_statuses_give_up_after_max_attempts() {
    for status in RETRYABLE {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string("nope"))
            .expect(4)
            .mount(&server)
            .await;
        let sender = Sender::new(config()).expect("sender");
        let d = sender.send(&request_at(&server.uri(), 1)).await;
        match &d {
            Delivery::GaveUp {
                attempts: 4,
                last_error: SendError::Status { status: s, body },
            } => {
                assert_eq!((*s, body.as_str()), (status, "nope"));
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_no_token(&d);
        server.verify().await;
    }
}

#[tokio::test]
async fn final_statuses_are_never_retried() {
    for status in FINAL {
        let server = MockServer::start().await;
        let body = format!(r#"{{"message":"bad {status}","error":""}}"#);
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body.clone()))
            .expect(1)
            .mount(&server)
            .await;
        let sender = Sender::new(config()).expect("sender");
        let d = sender.send(&request_at(&server.uri(), 1)).await;
        match &d {
            Delivery::Rejected {
                status: s,
                message,
                attempts: 1,
            } => assert_eq!((*s, message), (status, &body)),
            other => panic!("{status}: {other:?}"),
        }
        server.verify().await;
    }
}

#[tokio::test]
async fn other_success_statuses_are_delivered() {
    for status in [201, 202, 204] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let sender = Sender::new(config()).expect("sender");
        let d = sender.send(&request_at(&server.uri(), 1)).await;
        assert!(
            matches!(d, Delivery::Delivered { status: s, attempts: 1 } if s == status),
            "{d:?}"
        );
    }
}

#[tokio::test]
async fn request_keeps_path_query_headers_and_body() {
    let server = MockServer::start().await;
    let req = request_at(&server.uri(), 7);
    Mock::given(method("POST"))
        .and(path("/api/v1/s2s/event"))
        .and(query_param("token", format!("{KEY}.{TOKEN}")))
        .and(header("content-type", "application/json"))
        .and(header("user-agent", "Segment (Actions)"))
        .and(body_string(req.body.clone()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&req).await;
    assert!(d.is_delivered(), "{d:?}");
    server.verify().await;
}

#[tokio::test]
async fn connection_headers_are_derived_from_the_real_target_and_body() {
    // The destination records the headers Segment's client sends, host and content-length
    // included; those must describe the request actually made.
    let server = MockServer::start().await;
    let mut req = request_at(&server.uri(), 3);
    req.headers.extend([
        ("accept".into(), "*/*".into()),
        ("content-length".into(), "3".into()),
        ("accept-encoding".into(), "gzip,deflate".into()),
        ("host".into(), "events.usermaven.com".into()),
        ("connection".into(), "keep-alive".into()),
    ]);
    let addr = server.address().to_string();
    Mock::given(method("POST"))
        .and(header("host", addr.as_str()))
        .and(header(
            "content-length",
            req.body.len().to_string().as_str(),
        ))
        .and(header("accept", "*/*"))
        .and(body_string(req.body.clone()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&req).await;
    assert!(d.is_delivered(), "{d:?}");
    let got = server.received_requests().await.unwrap_or_default();
    assert!(got
        .iter()
        .all(|r| !r.headers.contains_key("accept-encoding")));
    server.verify().await;
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    once_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
    )
    .await;
    let sender = Sender::new(config()).expect("sender");
    let t = Instant::now();
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    let elapsed = t.elapsed();
    assert!(
        matches!(d, Delivery::Delivered { attempts: 2, .. }),
        "{d:?}"
    );
    // Backoff alone would wait at most 10 ms.
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    server.verify().await;
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    let at = httpdate(SystemTime::now() + Duration::from_secs(2));
    once_then_ok(
        &server,
        ResponseTemplate::new(503).insert_header("retry-after", at.as_str()),
    )
    .await;
    let sender = Sender::new(config()).expect("sender");
    let t = Instant::now();
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    let elapsed = t.elapsed();
    assert!(
        matches!(d, Delivery::Delivered { attempts: 2, .. }),
        "{d:?}"
    );
    // The date has one-second resolution: between 1 and 2 seconds from now.
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

#[tokio::test]
async fn retry_after_is_capped() {
    let server = MockServer::start().await;
    once_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "3600"),
    )
    .await;
    let mut cfg = config();
    cfg.retry_after_cap = Duration::from_millis(200);
    let sender = Sender::new(cfg).expect("sender");
    let t = Instant::now();
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    let elapsed = t.elapsed();
    assert!(
        matches!(d, Delivery::Delivered { attempts: 2, .. }),
        "{d:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(190) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn retry_after_on_a_final_status_does_not_cause_a_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).insert_header("retry-after", "1"))
        .expect(1)
        .mount(&server)
        .await;
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    assert!(
        matches!(
            d,
            Delivery::Rejected {
                status: 400,
                attempts: 1,
                ..
            }
        ),
        "{d:?}"
    );
}

#[tokio::test]
async fn server_messages_echoing_the_token_are_scrubbed() {
    // Usermaven's 401 body repeats the token it did not recognise.
    let server = MockServer::start().await;
    let body = format!(r#"{{"message":"The token is not found: {KEY}.{TOKEN}","error":""}}"#);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string(body))
        .mount(&server)
        .await;
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    match &d {
        Delivery::Rejected {
            status: 401,
            message,
            ..
        } => {
            assert_eq!(
                message,
                r#"{"message":"The token is not found: REDACTED","error":""}"#
            );
        }
        other => panic!("{other:?}"),
    }
    assert_no_token(&d);
    // Same for a retryable status that ends in GaveUp.
    let server = MockServer::start().await;
    let body = format!("upstream said {TOKEN}");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string(body))
        .mount(&server)
        .await;
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    assert!(matches!(d, Delivery::GaveUp { .. }), "{d:?}");
    assert_no_token(&d);
}

#[tokio::test]
async fn long_response_bodies_are_truncated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("x".repeat(100_000)))
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.max_response_bytes = 100;
    let sender = Sender::new(cfg).expect("sender");
    match sender.send(&request_at(&server.uri(), 1)).await {
        Delivery::Rejected { message, .. } => assert_eq!(message.len(), 100),
        other => panic!("{other:?}"),
    }
}

/// Answers the first request with `first` and the next with 200; exactly one each.
async fn once_then_ok(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("POST"))
        .respond_with(first)
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(server)
        .await;
}

fn httpdate(t: SystemTime) -> String {
    // RFC 7231 IMF-fixdate, formatted by hand so the test does not reuse the parser's crate.
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil-from-days (Howard Hinnant).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(mo - 1) as usize];
    format!("{weekday}, {d:02} {month} {y} {h:02}:{m:02}:{s:02} GMT")
}
