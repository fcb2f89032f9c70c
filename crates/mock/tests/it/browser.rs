//! The live page in a real headless Chromium (Debian's `chromium`, driven over CDP by
//! `playwright-core` from `tests/browser/`): events sent through the sender appear without a
//! reload, filters and search work, a detail shows the body as received, a fault injected from
//! the page fails the next request, hostile event text stays text, another site cannot use the
//! controls, and Usermaven's own browser SDK is accepted in strict-reject mode.
//!
//! One browser launch for everything. Without chromium, node or npm the test fails (it never
//! skips): `.ci/run` installs chromium; the npm packages are installed here on first use.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use usermaven_mock::{EventQuery, MockConfig, MockUsermaven, Severity, StrictMode};
use usermaven_request::{Request, Secret};
use usermaven_sender::{Backoff, Delivery, Sender, SenderConfig};

use crate::{event, KEY, SECRET};

/// The browser-side SDK's workspace (a second mock, in strict-reject mode).
const SDK_KEY: &str = "sdk-browser-key";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} not found: the page test needs Debian's chromium (apt-get install chromium; .ci/run installs it) or CHROMIUM=/path",
        path.display()
    );
    path
}

/// `npm ci` from the committed lock file, once (node_modules is not committed).
async fn npm_packages() {
    let dir = browser_dir();
    let installed = ["playwright-core", "@usermaven/sdk-js"].iter().all(|p| {
        dir.join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    });
    if installed {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .output()
        .await
        .expect("npm must be installed for the page test");
    assert!(
        out.status.success(),
        "npm ci in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The driver process (`tests/browser/driver.mjs`).
struct Browser {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Browser {
    async fn launch() -> Browser {
        let exe = chromium();
        npm_packages().await;
        let mut child = Command::new("node")
            .arg(browser_dir().join("driver.mjs"))
            .env("CHROMIUM", exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node must be installed for the page test");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Browser {
            child,
            stdin,
            stdout,
        }
    }

    /// Runs one command in tab `page`; panics with the driver's error.
    async fn on(&mut self, page: &str, mut cmd: Value) -> Value {
        cmd["page"] = page.into();
        let line = format!("{cmd}\n");
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("driver stdin");
        let answer = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .unwrap_or_else(|_| panic!("driver timed out on {cmd}"))
            .expect("driver stdout")
            .unwrap_or_else(|| panic!("driver exited during {cmd}"));
        let v: Value = serde_json::from_str(&answer).expect("driver answers JSON");
        assert_eq!(v["ok"], true, "{cmd} failed: {}", v["error"]);
        v["value"].clone()
    }

    async fn cmd(&mut self, cmd: Value) -> Value {
        self.on("main", cmd).await
    }

    async fn until(&mut self, expr: &str) {
        self.cmd(json!({"op": "until", "expr": expr})).await;
    }

    async fn eval(&mut self, expr: &str) -> Value {
        self.cmd(json!({"op": "eval", "expr": expr})).await
    }

    async fn rows(&mut self) -> usize {
        self.eval("document.querySelectorAll('#event-rows tr').length")
            .await
            .as_u64()
            .expect("count") as usize
    }

    async fn quit(mut self) {
        self.cmd(json!({"op": "quit"})).await;
        drop(self.stdin);
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("driver exits after quit")
            .expect("driver status");
        assert!(status.success(), "driver: {status}");
    }
}

/// Sends `body` to the mock's s2s endpoint through the real sender, one attempt only.
async fn send(mock: &MockUsermaven, body: &Value) -> Delivery {
    send_text(mock, body.to_string()).await
}

/// Sends `body` as written (key order and number spelling exactly as in the text).
async fn send_text(mock: &MockUsermaven, body: String) -> Delivery {
    let sender = Sender::new(SenderConfig {
        concurrency: 1,
        backoff: Backoff {
            max_attempts: 1,
            ..Backoff::default()
        },
        ..SenderConfig::default()
    })
    .expect("sender");
    let request = Request {
        // The request's own URL says where it goes (the destination's base URL builds it).
        url: Secret::new(format!(
            "{}/api/v1/s2s/event?token={KEY}.{SECRET}",
            mock.uri()
        )),
        method: "POST",
        headers: vec![("content-type".into(), "application/json".into())],
        body,
    };
    sender.send(&request).await
}

fn segment_event(event_type: &str, user: &str, message_id: &str) -> Value {
    let mut e = event(event_type);
    e["user"] = json!({"id": user, "anonymous_id": format!("anon-{user}"), "email": format!("{user}@example.com")});
    e["event_id"] = message_id.into();
    e
}

/// A page on another origin that loads the SDK from node_modules, pointed at `tracking_host`.
async fn sdk_site(tracking_host: String) -> (String, tokio::task::JoinHandle<()>) {
    let lib =
        std::fs::read_to_string(browser_dir().join("node_modules/@usermaven/sdk-js/dist/lib.js"))
            .expect("the SDK's UMD build");
    let html = format!(
        r#"<!doctype html><html><head><title>SDK test site</title></head><body>
<h1>A site using @usermaven/sdk-js</h1>
<script src="/lib.js" data-key="{SDK_KEY}" data-tracking-host="{tracking_host}" data-auto-pageview="true" data-log-level="debug"></script>
</body></html>"#
    );
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || {
                let html = html.clone();
                async move { axum::response::Html(html) }
            }),
        )
        .route(
            "/lib.js",
            axum::routing::get(move || {
                let lib = lib.clone();
                async move { ([("content-type", "text/javascript")], lib) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_page_in_headless_chromium() {
    let mock = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_strict(StrictMode::Warn))
        .await
        .expect("mock");
    let mut b = Browser::launch().await;

    // Two events stored before the page opens: they come inside the page.
    for (i, t) in ["pageview", "signed_up"].iter().enumerate() {
        let d = send(&mock, &segment_event(t, "u1", &format!("m{i}"))).await;
        assert!(d.is_delivered(), "{}", d.reason());
    }
    b.cmd(json!({"op": "goto", "url": mock.page_url()})).await;
    assert_eq!(b.rows().await, 2);
    b.until("document.getElementById('conn').dataset.state === 'live'")
        .await;
    // A marker that a reload would wipe.
    b.eval("window.__noReload = 42").await;

    // Events sent now appear without a reload, newest first.
    let mut later = segment_event("track", "u2", "m2");
    later["event_attributes"] = json!({"plan": "needle-4711"});
    // A number spelled 1.50 and an integer-like key after "plan": JSON.parse would change both.
    let later = later.to_string().replace(
        r#""needle-4711"}"#,
        r#""needle-4711","amount":1.50,"10":"ten"}"#,
    );
    assert!(send_text(&mock, later).await.is_delivered());
    assert!(send(&mock, &segment_event("identify", "u3", "m3"))
        .await
        .is_delivered());
    b.until("document.querySelectorAll('#event-rows tr').length === 4")
        .await;
    let types = b
        .cmd(json!({"op": "texts", "selector": "#event-rows td.type"}))
        .await;
    assert_eq!(
        types,
        json!(["identify", "track", "signed_up", "pageview"]),
        "newest first"
    );
    assert_eq!(b.eval("window.__noReload").await, 42, "no reload happened");

    // Pause holds new rows until resumed.
    b.cmd(json!({"op": "click", "selector": "#pause"})).await;
    assert!(send(&mock, &segment_event("pageview", "u9", "m9"))
        .await
        .is_delivered());
    b.cmd(json!({"op": "wait", "selector": "#pause-state", "text": "1 new"}))
        .await;
    assert_eq!(b.rows().await, 4, "held while paused");
    b.cmd(json!({"op": "click", "selector": "#pause"})).await;
    b.until("document.querySelectorAll('#event-rows tr').length === 5")
        .await;

    // Filters: by type, by user id, and a search over the body text.
    b.cmd(json!({"op": "fill", "selector": "#filters [name=event_type]", "value": "signed_up"}))
        .await;
    b.until("document.querySelectorAll('#event-rows tr').length === 1")
        .await;
    assert_eq!(
        b.cmd(json!({"op": "text", "selector": "#event-rows td.type"}))
            .await,
        "signed_up"
    );
    assert_eq!(
        b.eval("location.search").await,
        "?event_type=signed_up",
        "filters kept in the address"
    );
    b.cmd(json!({"op": "fill", "selector": "#filters [name=event_type]", "value": ""}))
        .await;
    b.cmd(json!({"op": "fill", "selector": "#filters [name=q]", "value": "NEEDLE-4711"}))
        .await;
    b.until("document.querySelectorAll('#event-rows tr').length === 1 && document.querySelector('#event-rows td.type').textContent === 'track'")
        .await;
    // A filtered page keeps receiving matching events only.
    assert!(send(&mock, &segment_event("group", "u4", "m4"))
        .await
        .is_delivered());
    let mut second = segment_event("track", "u5", "m5");
    second["event_attributes"] = json!({"plan": "needle-4711 again"});
    assert!(send(&mock, &second).await.is_delivered());
    b.until("document.querySelectorAll('#event-rows tr').length === 2")
        .await;
    b.cmd(json!({"op": "fill", "selector": "#filters [name=q]", "value": ""}))
        .await;
    b.until("document.querySelectorAll('#event-rows tr').length === 7")
        .await;

    // The detail view: the body as received, pretty-printed in its own key order.
    let track_id = mock
        .events_matching(&EventQuery::new().event_id("m2"))
        .first()
        .expect("stored")
        .id;
    b.cmd(json!({"op": "click", "selector": format!("#event-rows tr[data-id='{track_id}']")}))
        .await;
    b.cmd(json!({"op": "wait", "selector": "#detail pre.body", "text": "needle-4711"}))
        .await;
    let body = b
        .cmd(json!({"op": "text", "selector": "#detail pre.body"}))
        .await;
    let body = body.as_str().unwrap();
    assert!(body.contains("\"plan\": \"needle-4711\""), "{body}");
    assert!(body.contains("\"amount\": 1.50,"), "number as sent: {body}");
    assert!(
        body.find("\"plan\"").unwrap() < body.find("\"10\"").unwrap(),
        "key order as sent: {body}"
    );
    let keys: Vec<usize> = ["\"api_key\"", "\"ids\"", "\"event_type\"", "\"user\""]
        .iter()
        .map(|k| body.find(k).unwrap_or_else(|| panic!("{k} in {body}")))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "order as sent: {body}"
    );
    let stored = b
        .cmd(json!({"op": "text", "selector": "#detail pre.stored"}))
        .await;
    assert!(stored
        .as_str()
        .unwrap()
        .contains("\"eventn_ctx_event_id\": \"m2\""));
    let detail = b.cmd(json!({"op": "text", "selector": "#detail"})).await;
    assert!(
        detail.as_str().unwrap().contains("token=REDACTED"),
        "{detail}"
    );

    // A fault injected from the page fails the next request.
    b.cmd(json!({"op": "select", "selector": "#fault-kind", "value": "status"}))
        .await;
    b.cmd(json!({"op": "fill", "selector": "#fault-value", "value": "503"}))
        .await;
    b.cmd(json!({"op": "click", "selector": "#fault-inject"}))
        .await;
    b.cmd(json!({"op": "wait", "selector": "#faults-state", "text": "next 1× status 503"}))
        .await;
    let failed = send(&mock, &segment_event("track", "u6", "m6")).await;
    assert!(!failed.is_delivered(), "the injected 503 fails it");
    assert!(failed.reason().contains("503"), "{}", failed.reason());
    assert!(send(&mock, &segment_event("track", "u6", "m6"))
        .await
        .is_delivered());
    b.cmd(json!({"op": "click", "selector": ".tabs [data-tab=requests]"}))
        .await;
    b.cmd(json!({"op": "wait", "selector": "#request-rows td.outcome-fault", "text": "fault"}))
        .await;

    // Hostile text in event fields shows as text and runs nothing.
    let mut hostile = segment_event(
        "<img src=x onerror=\"window.__xss=1;alert(1)\">",
        "</script><script>window.__xss=2</script>",
        "<b>m7</b>",
    );
    hostile["user"]["anonymous_id"] = "javascript:window.__xss=3".into();
    hostile["doc_path"] = "javascript:alert(document.domain)".into();
    assert!(send(&mock, &hostile).await.is_delivered());
    b.cmd(json!({"op": "click", "selector": ".tabs [data-tab=events]"}))
        .await;
    b.cmd(json!({"op": "wait", "selector": "#event-rows td.type", "text": "<img src=x onerror="}))
        .await;
    let hostile_id = mock.events().last().unwrap().id;
    b.cmd(json!({"op": "click", "selector": format!("#event-rows tr[data-id='{hostile_id}']")}))
        .await;
    b.cmd(json!({"op": "wait", "selector": "#detail pre.body", "text": "javascript:alert(document.domain)"}))
        .await;
    let row = b
        .cmd(json!({"op": "text", "selector": format!("#event-rows tr[data-id='{hostile_id}']")}))
        .await;
    let row = row.as_str().unwrap();
    assert!(
        row.contains("</script><script>window.__xss=2</script>"),
        "{row}"
    );
    assert!(row.contains("javascript:window.__xss=3"), "{row}");
    assert!(row.contains("<b>m7</b>"), "{row}");
    assert_eq!(
        b.eval("document.querySelectorAll('main img, main script, main b, main a[href]').length")
            .await,
        0,
        "no markup from event data"
    );
    assert_eq!(b.eval("typeof window.__xss").await, "undefined");

    // Strict mode and clear, from the page.
    b.cmd(json!({"op": "select", "selector": "#strict", "value": "reject"}))
        .await;
    b.until("document.getElementById('error').textContent === ''")
        .await;
    wait_until(|| mock.state().strict() == StrictMode::Reject).await;
    // A rejected request is in the journal with its findings and their JSON pointers.
    let mut bad = segment_event("track", "u8", "m8");
    bad["screen_resolution"] = "wide".into();
    let rejected = send(&mock, &bad).await;
    assert!(rejected.reason().contains("400"), "{}", rejected.reason());
    b.cmd(json!({"op": "click", "selector": ".tabs [data-tab=requests]"}))
        .await;
    b.cmd(json!({"op": "click", "selector": "#request-rows tr:has(td.outcome-rejected)"}))
        .await;
    b.cmd(json!({"op": "wait", "selector": "#detail table.findings td", "text": "event[0]/screen_resolution"}))
        .await;
    b.cmd(json!({"op": "click", "selector": ".tabs [data-tab=events]"}))
        .await;

    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mock-page.png");
    b.cmd(json!({"op": "screenshot", "path": shot})).await;
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    eprintln!("screenshot: {}", shot.display());

    // Another site cannot use the controls: a cross-origin DELETE without the token is refused.
    let (site, server) = sdk_site(mock.uri()).await;
    b.on("other", json!({"op": "goto", "url": site})).await;
    let before = mock.events().len();
    b.on(
        "other",
        json!({"op": "eval", "expr": format!("fetch('{}/__mock/events', {{method: 'DELETE', mode: 'no-cors'}}).then(() => 'sent', e => String(e))", mock.uri())}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(mock.events().len(), before, "not cleared by another site");

    b.cmd(json!({"op": "click", "selector": "#clear"})).await;
    b.until("document.querySelectorAll('#event-rows tr').length === 0")
        .await;
    assert!(mock.events().is_empty());
    server.abort();

    // Usermaven's own browser SDK against a strict-reject mock: accepted, no error finding.
    let strict = MockUsermaven::start(
        MockConfig::new(SDK_KEY, "sdk-server-token").with_strict(StrictMode::Reject),
    )
    .await
    .expect("strict mock");
    let (site, server) = sdk_site(strict.uri()).await;
    b.on("sdk", json!({"op": "goto", "url": site})).await;
    b.on(
        "sdk",
        json!({"op": "until", "expr": "typeof window.usermaven === 'function'"}),
    )
    .await;
    b.on(
        "sdk",
        json!({"op": "eval", "expr": "usermaven('track', 'signup_clicked', {plan: 'pro'})"}),
    )
    .await;
    let got = strict
        .wait_for(&EventQuery::new(), 2, Duration::from_secs(20))
        .await
        .unwrap_or_else(|t| panic!("{t}; journal: {:#?}", strict.requests()));
    let types: Vec<_> = got.iter().map(|e| e.event_type().unwrap_or("")).collect();
    assert!(types.contains(&"pageview"), "{types:?}");
    assert!(types.contains(&"signup_clicked"), "{types:?}");
    for e in &got {
        let errors: Vec<_> = e
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?} in {}", e.body);
    }
    let rejected: Vec<_> = strict
        .requests()
        .into_iter()
        .filter(|r| r.outcome != usermaven_mock::Outcome::Accepted)
        .collect();
    assert!(rejected.is_empty(), "{rejected:#?}");
    server.abort();

    let log = b.cmd(json!({"op": "log"})).await;
    assert_eq!(log["dialogs"], json!([]), "no alert ever ran");
    assert_eq!(log["pageErrors"], json!([]), "{log}");
    // Nothing left loopback.
    for r in log["requests"].as_array().unwrap() {
        let url = r["url"].as_str().unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("data:"),
            "{url}"
        );
    }
    b.quit().await;
    strict.shutdown().await;
    mock.shutdown().await;
}

async fn wait_until(cond: impl Fn() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not reached in 5 s");
}
