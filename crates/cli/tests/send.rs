//! `usermaven-actions send` end to end: failing configurations must never print or store the
//! token; the embedded mock path and replay deliver; usage errors exit 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY: &str = "pk_cli_4e1d9a";
const TOKEN: &str = "sk_CLI_SECRET_77c2f0";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_usermaven-actions"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory per test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("um-send-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

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

fn run(cmd: &mut Command) -> (Output, String) {
    let out = cmd
        .env_remove("USERMAVEN_API_KEY")
        .env_remove("USERMAVEN_SERVER_TOKEN")
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
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
    let dir = scratch("closed");
    let events = events_file(&dir);
    let dl = dir.join("dl.ndjson");
    let (out, text) = run(bin()
        .args([
            "send",
            "--endpoint",
            &closed_port(),
            "--api-key",
            KEY,
            "--server-token",
            TOKEN,
        ])
        .args([
            "--max-attempts",
            "2",
            "--now",
            "2025-01-01T00:00:00Z",
            "--seed",
            "3",
            "--dead-letter",
        ])
        .arg(&dl)
        .arg(&events));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_no_token("stdout+stderr", &text);
    let raw = std::fs::read_to_string(&dl).expect("dead-letter file written");
    assert_no_token("dead-letter file", &raw);
    let lines = dead_letter_lines(&dl);
    assert!(!lines.is_empty(), "{text}");
    for l in &lines {
        assert_eq!(l["outcome"], "gave_up");
        assert!(
            l["reason"]
                .as_str()
                .unwrap_or("")
                .contains("gave up after 2 attempt(s)"),
            "{l}"
        );
        assert_eq!(
            l["url"],
            "https://events.usermaven.com/api/v1/s2s/event?token=REDACTED"
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
    let dir = scratch("mock");
    let events = events_file(&dir);
    for (name, want_outcome) in [("401", "rejected"), ("500", "gave_up")] {
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
            .arg(&events));
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert_no_token("stdout+stderr", &text);
        let raw = std::fs::read_to_string(&dl).expect("dead-letter");
        assert_no_token("dead-letter", &raw);
        let lines = dead_letter_lines(&dl);
        assert!(!lines.is_empty());
        assert!(lines.iter().all(|l| l["outcome"] == want_outcome), "{raw}");
        if name == "401" {
            // The server's message is kept, with the token scrubbed out.
            assert!(raw.contains("The token is not found: REDACTED"), "{raw}");
        }
    }
    rt.block_on(mock.shutdown());
}

#[test]
fn embedded_mock_reports_what_usermaven_received() {
    let dir = scratch("embedded");
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
    let (out, text) = run(bin()
        .args([
            "send",
            "--now",
            "2025-01-01T00:00:00Z",
            "--seed",
            "1",
            "--batch-size",
            "2",
            "--dead-letter",
        ])
        .arg(&dl)
        .arg(&events));
    assert_eq!(out.status.code(), Some(0), "{text}");
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
    let dir = scratch("bad");
    let events = dir.join("mixed.ndjson");
    std::fs::write(
        &events,
        "{oops\n[1,2]\n{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\",\"messageId\":\"m\",\"timestamp\":\"2025-01-01T00:00:00Z\"}\n",
    )
    .expect("write");
    let (out, text) = run(bin()
        .current_dir(&dir)
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
    let dir = scratch("usage");
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
        let (out, text) = run(bin().current_dir(&dir).args(*args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
    }
}
