//! Every row of the response table in `docs/usermaven-api.md` (§3), plus OPTIONS/GET routing (§1).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use usermaven_mock::StrictMode;

use crate::{call, event, post, s2s_token, s2s_uri, state, KEY};

const JSON_CT: &str = "application/json; charset=utf-8";

fn err(msg: &str) -> String {
    format!("{{\"message\":\"{msg}\",\"error\":\"\"}}")
}

#[tokio::test]
async fn accepted_event_is_200_status_ok() {
    let s = state(StrictMode::Reject);
    let r = post(&s, &s2s_uri(), event("pageview").to_string()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, r#"{"status":"ok"}"#);
    assert_eq!(r.header("content-type"), Some(JSON_CT));
    assert_eq!(s.events().len(), 1);
}

#[tokio::test]
async fn empty_array_is_accepted_and_stores_nothing() {
    let s = state(StrictMode::Reject);
    let r = post(&s, &s2s_uri(), "[]").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    assert!(s.events().is_empty());
}

#[tokio::test]
async fn cookie_policy_adds_delete_cookie() {
    let s = state(StrictMode::Off);
    // Go decodes query keys: `cookie%5Fpolicy` is `cookie_policy` too.
    for (key, policy) in [
        ("cookie_policy", "strict"),
        ("cookie_policy", "comply"),
        ("cookie%5Fpolicy", "strict"),
        ("cookie%5fpolicy", "st%72ict"),
    ] {
        let uri = format!("{}&{key}={policy}", s2s_uri());
        let r = post(&s, &uri, event("pageview").to_string()).await;
        assert_eq!(
            r.body, r#"{"status":"ok","delete_cookie":true}"#,
            "{policy}"
        );
    }
    let r = post(
        &s,
        &format!("{}&cookie_policy=keep", s2s_uri()),
        event("pageview").to_string(),
    )
    .await;
    assert_eq!(r.body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn no_token_is_401() {
    let s = state(StrictMode::Reject);
    let r = post(&s, "/api/v1/s2s/event", event("pageview").to_string()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, err("The token is not found: "));
    assert_eq!(r.header("content-type"), Some(JSON_CT));
}

#[tokio::test]
async fn unknown_token_is_401_naming_the_token() {
    let s = state(StrictMode::Reject);
    let r = post(&s, "/api/v1/s2s/event?token=nope.nope", "{}").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, err("The token is not found: nope.nope"));
}

#[tokio::test]
async fn client_key_on_s2s_path_is_401() {
    let s = state(StrictMode::Reject);
    for path in [
        "/api/v1/s2s/event",
        "/api/v1/s2s/event/",
        "/api/v1/s2s/events",
    ] {
        let r = post(&s, &format!("{path}?token={KEY}"), "{}").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            r.body,
            err("The token isn't a server secret token. Please use an s2s integration token"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn server_token_on_browser_path_is_unknown() {
    // The CORS layer only knows client keys; it answers before routing, without Content-Type
    // (Go sniffs text/plain).
    let s = state(StrictMode::Reject);
    let r = post(&s, "/api/v1/event?token=zzz.yyy", "{}").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, err("The token is not found: zzz.yyy"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("access-control-allow-origin"), Some(""));
}

#[tokio::test]
async fn authentication_precedes_parsing() {
    let s = state(StrictMode::Reject);
    let r = post(&s, "/api/v1/s2s/event?token=bad", "not json").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn empty_body_is_400() {
    let s = state(StrictMode::Reject);
    let r = post(&s, &s2s_uri(), "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body, err("Error parsing events body: empty JSON body"));
    assert_eq!(r.header("content-type"), Some(JSON_CT));
}

#[tokio::test]
async fn first_byte_must_be_brace_or_bracket() {
    let s = state(StrictMode::Reject);
    let cases = [
        (" {}", r#"\" \""#),
        ("\n[]", r#"\"\\n\""#),
        ("\"x\"", r#"\"\\\"\""#),
        ("null", r#"\"n\""#),
        // json.Marshal escapes '<' in the message.
        ("<html>", r#"\"\u003c\""#),
    ];
    for (body, quoted) in cases {
        let r = post(&s, &s2s_uri(), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(
            r.body,
            err(&format!(
                "Error parsing events body: malformed JSON body begins with: {quoted}"
            )),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn bad_json_is_400_with_go_error() {
    let s = state(StrictMode::Reject);
    let r = post(&s, &s2s_uri(), "{\n  a: 1\n}").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        err("Error parsing events body: error parsing HTTP body: invalid character 'a' looking for beginning of object key string")
    );
    let r = post(&s, &s2s_uri(), r#"{"event_type":"x""#).await;
    assert_eq!(
        r.body,
        err("Error parsing events body: error parsing HTTP body: unexpected EOF")
    );
}

#[tokio::test]
async fn non_object_array_element_is_400() {
    let s = state(StrictMode::Reject);
    let body = format!("[{}, 7]", event("pageview"));
    let r = post(&s, &s2s_uri(), body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        err("Error parsing events body: error parsing HTTP body: json: cannot unmarshal number into Go value of type events.Event")
    );
    assert!(
        s.events().is_empty(),
        "one bad element rejects the whole batch"
    );
}

fn padded_event(total_len: usize) -> String {
    let base = event("pageview").to_string();
    // {"pad":"…", + rest of the object
    let prefix = "{\"pad\":\"";
    let suffix = format!("\",{}", &base[1..]);
    let pad = total_len - prefix.len() - suffix.len();
    let s = format!("{prefix}{}{suffix}", "x".repeat(pad));
    assert_eq!(s.len(), total_len);
    s
}

#[tokio::test]
async fn object_over_max_event_size_is_400() {
    let s = state(StrictMode::Reject);
    let r = post(&s, &s2s_uri(), padded_event(51_200)).await;
    assert_eq!(r.status, StatusCode::OK, "exactly the limit is fine");
    let r = post(&s, &s2s_uri(), padded_event(51_201)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        err("Error parsing events body: Event size 51201 exceeds limit: 51200")
    );
    // The size check comes before decoding: invalid JSON over the limit reports the size.
    let r = post(&s, &s2s_uri(), format!("{{{}", "x".repeat(51_200))).await;
    assert_eq!(
        r.body,
        err("Error parsing events body: Event size 51201 exceeds limit: 51200")
    );
}

#[tokio::test]
async fn array_over_limit_times_elements_is_400() {
    let s = state(StrictMode::Reject);
    // Two elements: the limit is 2 × 51200 for the whole body, whatever each element's size.
    let big = padded_event(60_000);
    let small = event("pageview").to_string();
    let ok = format!("[{big},{small}]");
    assert!(ok.len() <= 102_400);
    assert_eq!(post(&s, &s2s_uri(), ok).await.status, StatusCode::OK);
    let too_big = format!("[{big},{}]", padded_event(42_401));
    assert!(too_big.len() > 102_400);
    let r = post(&s, &s2s_uri(), too_big).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        err("Error parsing events body: Size of one of events exceeds limit: 51200")
    );
}

#[tokio::test]
async fn max_event_size_is_configurable() {
    let s = usermaven_mock::Store::new(
        usermaven_mock::MockConfig::new(KEY, crate::SECRET)
            .with_strict(StrictMode::Off)
            .with_max_event_size(10),
    )
    .unwrap();
    let r = post(&s, &s2s_uri(), r#"{"event_type":"x"}"#).await;
    assert_eq!(
        r.body,
        err("Error parsing events body: Event size 18 exceeds limit: 10")
    );
}

#[tokio::test]
async fn null_batch_element_is_500_empty() {
    // Go decodes null into a nil map and the enrichment step panics on it; gin recovers with 500.
    let s = state(StrictMode::Off);
    let r = post(&s, &s2s_uri(), "[null]").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.body, "");
}

#[tokio::test]
async fn options_is_200_empty_everywhere() {
    let s = state(StrictMode::Reject);
    for path in [
        "/api/v1/s2s/event",
        "/api/v1/event",
        "/anything/else",
        "/api/v1/event?token=unknown",
    ] {
        let req = Request::options(path)
            .header("origin", "https://site.example")
            .body(Body::empty())
            .unwrap();
        let r = call(&s, req).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.body, "", "{path}");
    }
    // Browser paths carry CORS headers echoing the origin.
    let req = Request::options(format!("/api/v1/event?token={KEY}"))
        .header("origin", "https://site.example")
        .body(Body::empty())
        .unwrap();
    let r = call(&s, req).await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://site.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.header("access-control-max-age"), Some("86400"));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("POST, GET, OPTIONS, PUT, DELETE, UPDATE, PATCH")
    );
}

#[tokio::test]
async fn get_on_event_paths_is_404() {
    let s = state(StrictMode::Reject);
    for path in [
        "/api/v1/s2s/event".to_owned(),
        "/api/v1/s2s/events".to_owned(),
        format!("/api/v1/event?token={KEY}"),
        format!("/api/v1/events?token={KEY}"),
        "/nope".to_owned(),
    ] {
        let r = call(&s, Request::get(&path).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body, "404 page not found", "{path}");
        assert_eq!(r.header("content-type"), Some("text/plain"), "{path}");
    }
    // Without a valid client key the CORS layer answers first.
    let r = call(
        &s,
        Request::get("/api/v1/event").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn trailing_slash_twins_redirect() {
    let s = state(StrictMode::Reject);
    let r = post(
        &s,
        &format!("/api/v1/s2s/events/?token={}", s2s_token()),
        "{}",
    )
    .await;
    assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("/api/v1/s2s/events?"));
}

#[tokio::test]
async fn all_ingestion_paths_accept() {
    let s = state(StrictMode::Off);
    let tok = s2s_token();
    for uri in [
        format!("/api/v1/s2s/event?token={tok}"),
        format!("/api/v1/s2s/event/?token={tok}"),
        format!("/api/v1/s2s/events?token={tok}"),
        format!("/api/v1/event?token={KEY}"),
        format!("/api/v1/events?token={KEY}"),
        format!("/api.d2d3ba?p_neoq231={KEY}"),
    ] {
        let r = post(&s, &uri, event("pageview").to_string()).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (StatusCode::OK, r#"{"status":"ok"}"#),
            "{uri}"
        );
    }
    assert_eq!(s.events().len(), 6);
}

#[tokio::test]
async fn unrouted_requests_are_logged() {
    let s = state(StrictMode::Reject);
    call(
        &s,
        Request::get("/api/v1/s2s/event")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    post(&s, &format!("/api/v1/event/?token={KEY}"), "{}").await;
    let log = s.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].status, log[0].reason.as_deref()),
        (Some(404), Some("no such route (404)"))
    );
    assert_eq!(log[1].status, Some(307));
    assert_eq!(log[1].query, "token=REDACTED");
}

#[tokio::test]
async fn browser_401_has_cors_headers_once() {
    let s = state(StrictMode::Reject);
    let req = Request::post("/api/v1/event?token=x")
        .header("origin", "https://o.example")
        .body(Body::from("{}"))
        .unwrap();
    let r = call(&s, req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers
            .get_all("access-control-allow-origin")
            .iter()
            .count(),
        1
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://o.example")
    );
}
