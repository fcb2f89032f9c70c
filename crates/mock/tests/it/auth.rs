//! Token lookup order (`docs/usermaven-api.md` §2: query `token`, `X-Auth-Token`, `api_key`
//! header, first `p_*` query parameter, Basic username; plus Usermaven's `Authorization: Bearer`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use usermaven_mock::{MockConfig, Store, StrictMode};

use crate::{call, event, s2s_token, state, KEY, SECRET};

fn basic(user: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"))
    )
}

async fn send(s: &Store, uri: &str, headers: &[(&str, String)]) -> (StatusCode, String) {
    let mut b = Request::post(uri);
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    let r = call(
        s,
        b.body(Body::from(event("pageview").to_string())).unwrap(),
    )
    .await;
    (r.status, r.body)
}

#[tokio::test]
async fn each_source_works_alone() {
    let s = state(StrictMode::Off);
    let tok = s2s_token();
    let p = "/api/v1/s2s/event";
    assert_eq!(
        send(&s, &format!("{p}?token={tok}"), &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, p, &[("x-auth-token", tok.clone())]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, p, &[("api_key", tok.clone())]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, &format!("{p}?p_abc={tok}"), &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, p, &[("authorization", basic(&tok))]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, p, &[("authorization", format!("Bearer {tok}"))])
            .await
            .0,
        StatusCode::OK
    );
    let sources: Vec<String> = s
        .requests()
        .into_iter()
        .filter_map(|r| r.token_source)
        .collect();
    assert_eq!(
        sources,
        [
            "query token",
            "X-Auth-Token header",
            "api_key header",
            "p_* query parameter",
            "Basic auth username",
            "Bearer token"
        ]
    );
}

#[tokio::test]
async fn earlier_sources_win() {
    let s = state(StrictMode::Off);
    let good = s2s_token();
    let bad = "wrong.token".to_owned();
    let p = "/api/v1/s2s/event";
    // query token beats X-Auth-Token
    assert_eq!(
        send(
            &s,
            &format!("{p}?token={good}"),
            &[("x-auth-token", bad.clone())]
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, body) = send(
        &s,
        &format!("{p}?token={bad}"),
        &[("x-auth-token", good.clone())],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("wrong.token"), "{body}");
    // X-Auth-Token beats api_key header
    assert_eq!(
        send(
            &s,
            p,
            &[("x-auth-token", bad.clone()), ("api_key", good.clone())]
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    // api_key header beats p_*
    assert_eq!(
        send(&s, &format!("{p}?p_x={good}"), &[("api_key", bad.clone())])
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // p_* beats Basic
    assert_eq!(
        send(
            &s,
            &format!("{p}?p_x={bad}"),
            &[("authorization", basic(&good))]
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(
            &s,
            &format!("{p}?p_x={good}"),
            &[("authorization", basic(&bad))]
        )
        .await
        .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn empty_values_fall_through() {
    let s = state(StrictMode::Off);
    let tok = s2s_token();
    let (status, _) = send(
        &s,
        &format!("/api/v1/s2s/event?token=&p_k={tok}"),
        &[("x-auth-token", String::new())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bare_server_token_is_not_accepted_on_s2s() {
    let s = state(StrictMode::Off);
    let (status, body) = send(&s, &format!("/api/v1/s2s/event?token={SECRET}"), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        format!("{{\"message\":\"The token is not found: {SECRET}\",\"error\":\"\"}}")
    );
}

#[tokio::test]
async fn browser_paths_take_the_bare_api_key() {
    let s = state(StrictMode::Off);
    assert_eq!(
        send(&s, &format!("/api/v1/event?token={KEY}"), &[]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, "/api/v1/event", &[("x-auth-token", KEY.to_owned())])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        send(&s, &format!("/api/v1/event?token={}", s2s_token()), &[])
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn several_workspaces() {
    let s = Store::new(
        MockConfig::new(KEY, SECRET)
            .with_workspace("second-key", "second-secret")
            .with_strict(StrictMode::Reject),
    )
    .unwrap();
    let mut e = event("pageview");
    e["api_key"] = "second-key".into();
    let r = crate::post(
        &s,
        "/api/v1/s2s/event?token=second-key.second-secret",
        e.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A mix-up of key and secret across workspaces is unknown.
    let r = crate::post(
        &s,
        &format!("/api/v1/s2s/event?token={KEY}.second-secret"),
        e.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Strict mode checks the body's api_key against the token's workspace.
    let r = crate::post(
        &s,
        &format!("/api/v1/s2s/event?token={}", s2s_token()),
        e.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("api_key does not match"), "{}", r.body);
    assert_eq!(s.events()[0].event()["api_key"], "second-key");
    assert_eq!(s.requests()[0].workspace, Some(1));
}
