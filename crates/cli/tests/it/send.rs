//! `usermaven-actions send` end to end: failing configurations must never print or store the
//! token; the embedded mock path and replay deliver; usage errors exit 2.

use std::path::{Path, PathBuf};

use crate::{bin, root, run, scratch};

const KEY: &str = "pk_cli_4e1d9a";
const TOKEN: &str = "sk_CLI_SECRET_77c2f0";

/// The committed sample events (`fixtures/events/*.json`, key `event`) as NDJSON.
fn events_file(dir: &Path) -> PathBuf {
    let mut files: Vec<_> = std::fs::read_dir(root().join("fixtures/events"))
        .expect("fixtures/events")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = String::new();
    for f in files {
        // usermaven_json reads every fixture, lone surrogates included (serde_json rejects them).
        let v = usermaven_json::Value::parse(&std::fs::read_to_string(&f).expect("read"))
            .expect("json");
        out.push_str(&v.get("event").expect("event").to_json());
        out.push('\n');
    }
    let path = dir.join("events.ndjson");
    std::fs::write(&path, out).expect("write events");
    path
}

/// Zero hits of the server token (alone, or as `key.token`, raw or percent-encoded).
fn assert_no_token(what: &str, text: &str) {
    for needle in [
        TOKEN.to_string(),
        format!("{KEY}.{TOKEN}"),
        format!("{KEY}%2E{TOKEN}"),
    ] {
        assert_eq!(
            text.matches(&needle).count(),
            0,
            "{what} contains the token:\n{text}"
        );
    }
}

/// Dead-letter lines, read with usermaven_json (events may hold lone surrogates, which
/// serde_json rejects) and handed to the assertions as serde_json values.
fn dead_letter_lines(path: &Path) -> Vec<serde_json::Value> {
    fn conv(v: &usermaven_json::Value) -> serde_json::Value {
        use usermaven_json::Value as V;
        match v {
            V::Null | V::Builtin(_) => serde_json::Value::Null,
            V::Bool(b) => serde_json::Value::Bool(*b),
            V::Number(n) => serde_json::Number::from_f64(*n)
                .map(|n| match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => serde_json::json!(f as i64),
                    _ => serde_json::Value::Number(n),
                })
                .unwrap_or(serde_json::Value::Null),
            V::String(s) => serde_json::Value::String(s.to_string()),
            V::Array(a) => serde_json::Value::Array(a.iter().map(conv).collect()),
            V::Object(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (k.to_string(), conv(v))).collect())
            }
        }
    }
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| conv(&usermaven_json::Value::parse(l).expect("dead-letter line is JSON")))
        .collect()
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

#[test]
fn closed_port_leaks_no_token_and_dead_letters_everything() {
    let scratch = scratch();
    let dir = scratch.path();
    let events = events_file(dir);
    let dl = dir.join("dl.ndjson");
    let endpoint = closed_port();
    let (out, text) = run(bin()
        .args([
            "send",
            "--endpoint",
            &endpoint,
            "--api-key",
            KEY,
            "--server-token",
            TOKEN,
        ])
        .args([
            "--max-attempts",
            "2",
            "--down-timeout",
            "1s",
            "--now",
            "2025-01-01T00:00:00Z",
            "--seed",
            "3",
            "--dead-letter",
        ])
        .arg(&dl)
        .arg(&events));
    // Nothing ever connects: the endpoint is declared unreachable after the down-timeout.
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("is unreachable"), "{text}");
    assert_no_token("stdout+stderr", &text);
    let raw = std::fs::read_to_string(&dl).expect("dead-letter file written");
    assert_no_token("dead-letter file", &raw);
    let lines = dead_letter_lines(&dl);
    assert!(!lines.is_empty(), "{text}");
    for l in &lines {
        // The first requests use their attempts before the breaker opens; the rest wait and
        // end with the endpoint.
        let reason = l["reason"].as_str().unwrap_or("");
        assert!(
            (l["outcome"] == "gave_up"
                && (reason.contains("gave up after 2 attempt(s)")
                    || reason.contains("unreachable")))
                || (l["outcome"] == "not_sent" && reason.contains("unreachable")),
            "{l}"
        );
        // The URL the destination built for the endpoint, redacted.
        assert_eq!(
            l["url"],
            format!("{endpoint}/api/v1/s2s/event?token=REDACTED")
        );
        assert!(
            l["line"].as_u64().unwrap_or(0) > 0 && l["body"].is_string() && l["event"].is_object(),
            "{l}"
        );
    }
    assert!(
        text.contains(&format!("{} undelivered request(s) appended", lines.len())),
        "{text}"
    );

    // Replay into the embedded mock: everything arrives, nothing is dead-lettered again.
    let dl2 = dir.join("dl2.ndjson");
    let (out, text) = run(bin()
        .args([
            "send",
            "--api-key",
            KEY,
            "--server-token",
            TOKEN,
            "--replay",
        ])
        .arg(&dl)
        .arg("--dead-letter")
        .arg(&dl2));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "Usermaven (embedded mock) received {} event(s)",
            lines.len()
        )),
        "{text}"
    );
    assert!(!dl2.exists());
    assert_no_token("replay output", &text);
}

#[test]
fn a_mock_answering_500_and_401_leaks_no_token() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // The mock knows other credentials: our token gets 401 "The token is not found: <token>".
    let mock = rt
        .block_on(usermaven_mock::MockUsermaven::start(
            usermaven_mock::MockConfig::new("other", "other-token"),
        ))
        .expect("mock");
    let scratch = scratch();
    let dir = scratch.path();
    let events = events_file(dir);
    // Answering nothing but 500 is an endpoint down (see the sender's breaker): after the
    // down-timeout the run ends with exit 3, every event given up on or not sent.
    for (name, want_outcomes, want_code) in [
        ("401", &["rejected"][..], 1),
        ("500", &["gave_up", "not_sent"][..], 3),
    ] {
        if name == "500" {
            mock.fail_next(10_000, 500);
        }
        let dl = dir.join(format!("dl-{name}.ndjson"));
        let (out, text) = run(bin()
            .args([
                "send",
                "--endpoint",
                &mock.uri(),
                "--api-key",
                KEY,
                "--server-token",
                TOKEN,
            ])
            .args(["--max-attempts", "2", "--concurrency", "4", "--dead-letter"])
            .arg(&dl)
            .args(["--down-timeout", "2s"])
            .arg(&events));
        assert_eq!(out.status.code(), Some(want_code), "{text}");
        assert_no_token("stdout+stderr", &text);
        let raw = std::fs::read_to_string(&dl).expect("dead-letter");
        assert_no_token("dead-letter", &raw);
        let lines = dead_letter_lines(&dl);
        assert!(!lines.is_empty());
        assert!(
            lines
                .iter()
                .all(|l| want_outcomes.iter().any(|w| l["outcome"] == *w)),
            "{raw}"
        );
        if name == "401" {
            // The server's message is kept, with the token scrubbed out.
            assert!(raw.contains("The token is not found: REDACTED"), "{raw}");
        }
    }
    rt.block_on(mock.shutdown());
}

#[test]
fn embedded_mock_reports_what_usermaven_received() {
    let scratch = scratch();
    let dir = scratch.path();
    let events = dir.join("ok.ndjson");
    std::fs::write(
        &events,
        concat!(
            r#"{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1","timestamp":"2025-01-01T00:00:00Z","properties":{"plan":"pro"}}"#,
            "\n",
            r#"{"type":"identify","userId":"u1","messageId":"m2","timestamp":"2025-01-01T00:00:00Z","traits":{"email":"a@b.co","name":"A B"}}"#,
            "\n",
            r#"{"type":"track","event":"Signed Up","userId":"u2","messageId":"m3","timestamp":"2025-01-01T00:00:00Z"}"#,
            "\n"
        ),
    )
    .expect("write");
    let dl = dir.join("dl.ndjson");
    let results = dir.join("results.ndjson");
    let (out, text) = run(bin()
        .args([
            "send",
            "--now",
            "2025-01-01T00:00:00Z",
            "--seed",
            "1",
            "--batch-size",
            "2",
            "--output",
        ])
        .arg(&results)
        .arg("--dead-letter")
        .arg(&dl)
        .arg(&events));
    assert_eq!(out.status.code(), Some(0), "{text}");
    // --output: one line per request with its outcome.
    let mut lines: Vec<(u64, String, f64)> = std::fs::read_to_string(&results)
        .expect("results")
        .lines()
        .map(|l| {
            let v = usermaven_json::Value::parse(l).expect("JSON");
            let get = |k: &str| v.get(k).expect(k).clone();
            (
                get("line").as_f64().expect("line") as u64,
                get("outcome").as_str().expect("outcome").to_string(),
                get("status").as_f64().expect("status"),
            )
        })
        .collect();
    lines.sort_by_key(|l| l.0);
    let delivered = |n| (n, "delivered".to_string(), 200.0);
    assert_eq!(lines, vec![delivered(1), delivered(2), delivered(3)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("received 3 event(s)"), "{stdout}");
    assert!(
        stdout.contains("      2  Signed Up") && stdout.contains("      1  user_identify"),
        "{stdout}"
    );
    assert!(stdout.contains("strict-mode validation"), "{stdout}");
    assert!(
        !dl.exists(),
        "no dead-letter file when everything was delivered"
    );
}

#[test]
fn bad_lines_are_named_and_the_rest_still_flows() {
    let scratch = scratch();
    let dir = scratch.path();
    let events = dir.join("mixed.ndjson");
    std::fs::write(
        &events,
        "{oops\n[1,2]\n{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\",\"messageId\":\"m\",\"timestamp\":\"2025-01-01T00:00:00Z\"}\n",
    )
    .expect("write");
    let (out, text) = run(bin()
        .current_dir(dir)
        .args(["send", "--seed", "1"])
        .arg(&events));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("line 1: invalid JSON"), "{text}");
    assert!(text.contains("line 2: not a JSON object"), "{text}");
    assert!(text.contains("received 1 event(s)"), "{text}");
    assert!(!dir.join("dead-letter.ndjson").exists());
}

#[test]
fn usage_errors_exit_2() {
    let scratch = scratch();
    let dir = scratch.path();
    let cases: &[&[&str]] = &[
        &["send", "--concurrency", "0"],
        &["send", "--timeout", "soon"],
        &["send", "--replay", "a.ndjson", "b.ndjson"],
        &[
            "send",
            "--endpoint",
            "ftp://x",
            "--api-key",
            "k",
            "--server-token",
            "t",
            "/dev/null",
        ],
        &["send", "--endpoint", "http://127.0.0.1:9", "/dev/null"],
        &[
            "send",
            "--dead-letter",
            "same.ndjson",
            "--replay",
            "same.ndjson",
        ],
    ];
    std::fs::write(dir.join("same.ndjson"), "").expect("write");
    for args in cases {
        let (out, text) = run(bin().current_dir(dir).args(*args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
    }
}

/// A plain HTTP/1.1 GET over loopback: the status line and the body.
fn http_get(url: &str) -> (String, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let status = text.lines().next().unwrap_or("").to_string();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn keep_open_leaves_the_embedded_mock_serving_until_ctrl_c() {
    use std::io::BufRead;
    let scratch = scratch();
    let events = events_file(scratch.path());
    let mut child = bin()
        .args(["send", "--keep-open", "--seed", "1", "--dead-letter"])
        .arg(scratch.path().join("dl.ndjson"))
        .arg(&events)
        .env_remove("USERMAVEN_API_KEY")
        .env_remove("USERMAVEN_SERVER_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut page = None;
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).expect("read") > 0 {
        seen.push_str(&line);
        if let Some(at) = line.find("(see what it receives: ") {
            let url = &line[at + "(see what it receives: ".len()..];
            page = Some(url.trim_end().trim_end_matches(')').to_string());
        }
        if line.contains("keeps serving at") {
            break;
        }
        line.clear();
    }
    let page = page.unwrap_or_else(|| panic!("no page URL printed:\n{seen}"));
    assert!(
        page.starts_with("http://127.0.0.1:") && page.ends_with("/__mock/"),
        "{page}"
    );
    assert!(seen.contains(&format!("keeps serving at {page}")), "{seen}");
    // The run is over and the mock still answers.
    let (status, body) = http_get(&format!("{page}stats"));
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("events"), "{body}");
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = child.wait().expect("wait");
    // Some sample events are action errors: exit 1, decided before the wait.
    assert_eq!(status.code(), Some(1));
}
