//! Bodies nested up to Go's decoder limit (10,000 levels, `maxNestingDepth` in
//! `encoding/json/scanner.go`) are ingested like any other and can be read back; one level more
//! is Go's syntax error. Run over loopback on the default runtime, whose workers have tokio's
//! 2 MiB stacks: a recursive clone, drop, walk or serialization of such an event overflows them.

use usermaven_mock::{MockConfig, MockUsermaven, StrictMode};

use crate::{s2s_token, KEY, SECRET};

/// A one-event body whose nesting is `depth` levels in all (the event itself is level 1), the
/// levels below it built from `open`/`close`.
fn deep_event(depth: usize, open: &str, close: &str) -> String {
    format!(
        r#"{{"event_type":"deep","user":{{"id":"u1"}},"a":{}1{}}}"#,
        open.repeat(depth - 1),
        close.repeat(depth - 1)
    )
}

fn object(depth: usize) -> String {
    deep_event(depth, r#"{"a":"#, "}")
}

fn array(depth: usize) -> String {
    deep_event(depth, "[", "]")
}

/// Deepest `{`/`[` nesting of JSON text outside strings (so the test needs no deep parse).
fn depth_of(text: &str) -> usize {
    let (mut d, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for c in text.bytes() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => {
                d += 1;
                max = max.max(d);
            }
            b'}' | b']' => d -= 1,
            _ => {}
        }
    }
    max
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nesting_up_to_go_limit_is_ingested_and_served_back() {
    // The collector's max_event_size is configurable; these bodies are up to 60 KB.
    let config = MockConfig::new(KEY, SECRET)
        .with_strict(StrictMode::Warn)
        .with_max_event_size(1 << 20);
    let mock = MockUsermaven::start(config).await.unwrap();
    let client = reqwest::Client::new();
    let ingest = format!("{}/api/v1/s2s/event?token={}", mock.uri(), s2s_token());
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{}{path}", mock.uri());
        async move {
            let res = client.get(&url).send().await.unwrap();
            let status = res.status();
            (status, res.text().await.unwrap())
        }
    };
    let mut id = 0;
    for depth in [2, 100, 101, 128, 129, 1_000, 6_389, 9_999, 10_000] {
        for (shape, body) in [("object", object(depth)), ("array", array(depth))] {
            for batch in [false, true] {
                let body = if batch {
                    format!("[{body}]")
                } else {
                    body.clone()
                };
                let want_depth = depth + usize::from(batch);
                let res = client.post(&ingest).body(body.clone()).send().await;
                let res = res.unwrap_or_else(|e| panic!("{shape} {depth} batch={batch}: {e}"));
                if want_depth > 10_000 {
                    // Go's scanner: one level past maxNestingDepth.
                    assert_eq!(res.status(), 400, "{shape} {depth} batch");
                    let open = if shape == "object" { "'{'" } else { "'['" };
                    let text = res.text().await.unwrap();
                    assert!(
                        text.contains(&format!("invalid character {open} exceeded max depth")),
                        "{shape} {depth}: {text}"
                    );
                    continue;
                }
                assert_eq!(res.status(), 200, "{shape} {depth} batch={batch}");
                assert_eq!(res.text().await.unwrap(), r#"{"status":"ok"}"#);
                id += 1;
                let (status, one) = get(format!("/__mock/events/{id}")).await;
                assert_eq!(status, 200, "{shape} {depth}");
                // The answer wraps the event in one object.
                assert_eq!(depth_of(&one), depth + 1, "{shape} {depth}: stored copy");
                assert!(one.contains(r#""source_ip":"127.0.0.1""#), "enriched");
                let (status, detail) = get(format!("/__mock/events/{id}/detail")).await;
                assert_eq!(status, 200, "{shape} {depth} detail");
                assert!(detail.contains(r#""event_type":"deep""#), "{shape} {depth}");
            }
        }
    }
    let stored = mock.events();
    assert_eq!(stored.len(), id as usize);
    assert!(stored.iter().all(|e| e.event_type() == Some("deep")));
    for path in [
        "/__mock/events",
        "/__mock/",
        "/__mock/requests",
        "/__mock/stats",
    ] {
        let (status, text) = get(path.to_owned()).await;
        assert_eq!(status, 200, "{path}");
        assert!(!text.is_empty(), "{path}");
    }
    let (_, list) = get("/__mock/events".to_owned()).await;
    assert!(depth_of(&list) > 10_000, "the deepest event in the list");

    // One level past Go's limit: its syntax error, and the server is still up.
    for (shape, body, open) in [
        ("object", object(10_001), "'{'"),
        ("array", array(10_001), "'['"),
    ] {
        let res = client.post(&ingest).body(body).send().await.unwrap();
        assert_eq!(res.status(), 400, "{shape}");
        let text = res.text().await.unwrap();
        assert!(
            text.contains(&format!("invalid character {open} exceeded max depth")),
            "{shape}: {text}"
        );
    }
    assert_eq!(get("/ping".to_owned()).await.0, 200);
    assert_eq!(mock.events().len(), id as usize);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_event_is_persisted_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let config = || {
        MockConfig::new(KEY, SECRET)
            .with_strict(StrictMode::Off)
            .with_max_event_size(1 << 20)
            .with_store(&path)
    };
    let body = array(10_000);
    let mock = MockUsermaven::start(config()).await.unwrap();
    let url = format!("{}/api/v1/s2s/event?token={}", mock.uri(), s2s_token());
    let res = reqwest::Client::new()
        .post(&url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    mock.shutdown().await;

    // A fresh server reads the store file back (on this test thread, 2 MiB of stack).
    let mock = MockUsermaven::start(config()).await.unwrap();
    let events = mock.events();
    assert_eq!(events.len(), 1, "the deep event survives a restart");
    assert_eq!(events[0].body, body);
    assert_eq!(events[0].event_type(), Some("deep"));
    let one = reqwest::get(format!("{}/__mock/events/1", mock.uri()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(depth_of(&one), 10_000 + 1);
    mock.shutdown().await;
}
