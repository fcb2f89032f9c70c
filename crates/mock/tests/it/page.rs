//! The page, its live stream and the admin-token rules, over real loopback HTTP (the browser
//! itself is in `browser`).

use std::time::Duration;

use serde_json::{json, Value};
use usermaven_mock::{MockConfig, MockUsermaven, StrictMode, ADMIN_TOKEN_HEADER};

use crate::{event, s2s_token, KEY, SECRET};

async fn start(config: MockConfig) -> MockUsermaven {
    MockUsermaven::start(config.with_strict(StrictMode::Warn))
        .await
        .expect("mock")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn send(base: &str, body: &Value) {
    let r = client()
        .post(format!("{base}/api/v1/s2s/event?token={}", s2s_token()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// The first `n` `tick` messages of `GET {base}/__mock/stream{query}`, parsed.
async fn ticks(res: reqwest::Response, n: usize) -> Vec<Value> {
    let mut res = res;
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .expect("a message within 5 s")
            .unwrap()
            .expect("stream open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let msg: String = buf.drain(..end + 2).collect();
            assert!(!msg.contains(SECRET), "token in the stream: {msg}");
            if let Some(data) = msg.lines().find_map(|l| l.strip_prefix("data: ")) {
                out.push(serde_json::from_str(data).expect("tick data is JSON"));
            }
        }
    }
    out
}

#[tokio::test]
async fn stream_sends_the_first_screen_then_new_rows() {
    let mock = start(MockConfig::new(KEY, SECRET)).await;
    send(&mock.uri(), &event("pageview")).await;
    let res = client()
        .get(format!("{}/__mock/stream", mock.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let base = mock.uri();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut e = event("signed_up");
        e["event_id"] = "second".into();
        send(&base, &e).await;
    });
    let got = ticks(res, 2).await;
    sender.await.unwrap();
    assert_eq!(got[0]["reset"], true);
    assert_eq!(got[0]["events"][0]["event_type"], "pageview");
    assert_eq!(got[0]["requests"][0]["query"], "token=REDACTED");
    // The next message carries what arrived since, nothing twice.
    let rows = got[1]["events"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", got[1]);
    assert_eq!(rows[0]["event_type"], "signed_up");
    assert_eq!(rows[0]["event_id"], "second");
    assert_eq!(rows[0]["verdict"], "ok");
    assert_eq!(got[1]["requests"].as_array().unwrap().len(), 1);
    assert_eq!(got[1]["status"]["events"], 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn filtered_stream_and_resume_after_reconnect() {
    let mock = start(MockConfig::new(KEY, SECRET)).await;
    for t in ["pageview", "identify", "pageview"] {
        send(&mock.uri(), &event(t)).await;
    }
    let res = client()
        .get(format!("{}/__mock/stream?event_type=identify", mock.uri()))
        .send()
        .await
        .unwrap();
    let first = ticks(res, 1).await.remove(0);
    let types: Vec<_> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].clone())
        .collect();
    assert_eq!(types, [json!("identify")]);
    // A browser reconnecting with Last-Event-ID gets only what it missed.
    send(&mock.uri(), &event("group")).await;
    let res = client()
        .get(format!("{}/__mock/stream", mock.uri()))
        .header("last-event-id", "3.3")
        .send()
        .await
        .unwrap();
    let resumed = ticks(res, 1).await.remove(0);
    assert_eq!(resumed["reset"], false);
    assert_eq!(resumed["events"].as_array().unwrap().len(), 1);
    assert_eq!(resumed["events"][0]["event_type"], "group");
    mock.shutdown().await;
}

#[tokio::test]
async fn page_is_self_contained_and_never_holds_the_token() {
    let mock = start(MockConfig::new(KEY, SECRET)).await;
    // A client that puts the token into the event body itself.
    let mut e = event("pageview");
    e["leak"] = format!("token={}", s2s_token()).into();
    e["event_attributes"] = json!({"name": "</script><img src=x onerror=alert(1)>"});
    send(&mock.uri(), &e).await;
    let res = client()
        .get(format!("{}/__mock/", mock.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(!html.contains(SECRET), "token in the page");
    assert!(
        html.contains(mock.admin_token()),
        "the page gets the admin token"
    );
    // Nothing loaded from elsewhere: every src/href is local or a data: URL.
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let url = &part[..part.find('"').unwrap()];
            assert!(
                url.starts_with("/__mock/") || url.starts_with("data:"),
                "{url}"
            );
        }
    }
    // Event text inside the page's data block cannot end it.
    let block = html
        .split("id=\"first-screen\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let data: Value = serde_json::from_str(block).expect("the first screen is JSON");
    assert_eq!(data["events"][0]["event_type"], "pageview");
    for path in ["/__mock/assets/app.js", "/__mock/assets/app.css"] {
        let r = client()
            .get(format!("{}{path}", mock.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    // No /__mock/ answer holds the token, though the stored body did.
    for path in [
        "/__mock/events",
        "/__mock/events?format=ndjson",
        "/__mock/events/1",
        "/__mock/events/1/detail",
        "/__mock/requests",
        "/__mock/requests/1",
    ] {
        let text = client()
            .get(format!("{}{path}", mock.uri()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains(SECRET), "{path}: {text}");
        assert!(!text.contains(mock.admin_token()), "{path}");
    }
    assert!(mock.events()[0].body.contains(SECRET), "stored as received");
    // Scrubbed answers keep an exact Content-Length (raw HTTP/1.1 clients read them as before).
    let r = client()
        .get(format!("{}/__mock/events/1", mock.uri()))
        .send()
        .await
        .unwrap();
    let len: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(len, r.text().await.unwrap().len());
    let r = client()
        .get(format!("{}/__mock", mock.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/__mock/");
    mock.shutdown().await;
}

#[tokio::test]
async fn loopback_controls_refuse_browsers_without_the_token() {
    let mock = start(MockConfig::new(KEY, SECRET)).await;
    send(&mock.uri(), &event("pageview")).await;
    let url = format!("{}/__mock/events", mock.uri());
    // What a form or fetch on another site sends: an Origin, no token.
    let r = client()
        .delete(&url)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .post(format!("{}/__mock/faults", mock.uri()))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "text/plain")
        .body(r#"{"kind":"status","status":503}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(mock.state().pending_faults().is_empty());
    assert_eq!(mock.events().len(), 1);
    // The page's own request: same origin, with the token.
    let r = client()
        .delete(&url)
        .header("origin", mock.uri())
        .header(ADMIN_TOKEN_HEADER, mock.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(mock.events().is_empty());
    // A program on this machine (no Origin, no Sec-Fetch-Site) needs no token on loopback.
    let r = client().delete(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // DNS rebinding: a foreign name for 127.0.0.1 cannot read the page (and its token).
    let r = client()
        .get(format!("{}/__mock/", mock.uri()))
        .header("host", "rebound.evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The collector paths are not affected.
    let r = client()
        .post(format!(
            "{}/api/v1/s2s/event?token={}",
            mock.uri(),
            s2s_token()
        ))
        .header("host", "rebound.evil.example")
        .body(event("pageview").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    mock.shutdown().await;
}

#[tokio::test]
async fn non_loopback_bind_needs_the_token_everywhere_under_mock() {
    let config = MockConfig {
        bind: "0.0.0.0:0".parse().unwrap(),
        ..MockConfig::new(KEY, SECRET)
    }
    .with_admin_token("team-demo-admin-token");
    let mock = start(config).await;
    assert_eq!(mock.admin_token(), "team-demo-admin-token");
    let base = format!("http://127.0.0.1:{}", mock.addr().port());
    // The collector stays open, as the real one is.
    send(&base, &event("pageview")).await;
    for path in [
        "/__mock/",
        "/__mock/stream",
        "/__mock/events",
        "/__mock/stats",
        "/__mock/requests",
    ] {
        let r = client().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("team-demo-admin-token"), "{body}");
    }
    let r = client()
        .delete(format!("{base}/__mock/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "not even from a program");
    // With the header.
    let r = client()
        .get(format!("{base}/__mock/events"))
        .header(ADMIN_TOKEN_HEADER, "team-demo-admin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The printed link sets an HttpOnly, SameSite=Strict cookie and drops the token from the URL.
    let r = client()
        .get(format!("{base}/__mock/?admin_token=team-demo-admin-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/__mock/");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let r = client()
        .get(format!("{base}/__mock/stats"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The cookie alone does not change state (a cross-site form would carry it if it could).
    let r = client()
        .delete(format!("{base}/__mock/events"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(mock.events().len(), 1);
    mock.shutdown().await;
}
