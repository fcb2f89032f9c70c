//! `usermaven-actions mock` flags end to end over loopback: `--faults`, `--faults-file`,
//! `--max-events`; a bad fault specification is an error before anything binds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use crate::{mock_command, Killed};

const KEY: &str = "pk_mock_cli";
const TOKEN: &str = "sk_mock_cli_secret";

struct Mock {
    _child: Killed,
    addr: String,
}

fn start(extra: &[&str]) -> Mock {
    let mut child = mock_command(KEY, TOKEN)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a first line").expect("read");
    let addr = first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .expect("an address")
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    Mock {
        _child: Killed(child),
        addr,
    }
}

/// One request on its own connection; the status, or `None` if the connection ended first.
fn request(mock: &Mock, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut conn = TcpStream::connect(&mock.addr).expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).ok()?;
    conn.write_all(body.as_bytes()).ok()?;
    let mut text = String::new();
    conn.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

fn ingest(mock: &Mock) -> Option<u16> {
    let event = format!(
        r#"{{"api_key":"{KEY}","event_type":"t","event_id":"e","user":{{"anonymous_id":"a"}}}}"#
    );
    request(
        mock,
        "POST",
        &format!("/api/v1/s2s/event?token={KEY}.{TOKEN}"),
        &event,
    )
    .map(|(s, _)| s)
}

fn stats(mock: &Mock) -> serde_json::Value {
    let (status, body) = request(mock, "GET", "/__mock/stats", "").expect("stats");
    assert_eq!(status, 200);
    serde_json::from_str(&body).expect("json")
}

#[test]
fn faults_from_the_command_line_are_armed_at_start() {
    let mock = start(&[
        "--faults",
        r#"[{"kind":"status","status":503,"times":2},{"kind":"reset"}]"#,
    ]);
    assert_eq!(ingest(&mock), Some(503));
    assert_eq!(ingest(&mock), Some(503));
    assert_eq!(ingest(&mock), None, "reset: no response");
    assert_eq!(ingest(&mock), Some(200));
    assert_eq!(stats(&mock)["faults_injected"], 3);
}

#[test]
fn faults_file_and_seeded_random_faults() {
    let dir = std::env::temp_dir().join(format!("um-mock-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("faults.json");
    std::fs::write(
        &file,
        r#"{"random":{"seed":5,"status":0.5,"statuses":[500]}}"#,
    )
    .expect("write");
    let run = || {
        let mock = start(&["--faults-file", file.to_str().expect("utf-8 path")]);
        (0..16).map(|_| ingest(&mock)).collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a, run(), "the same seed gives the same faults");
    assert!(a.contains(&Some(500)) && a.contains(&Some(200)), "{a:?}");
}

#[test]
fn a_bad_fault_specification_is_an_error() {
    let out = mock_command(KEY, TOKEN)
        .args(["--faults", r#"{"kind":"sometimes"}"#])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--faults") && err.contains("invalid fault"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
}

#[test]
fn max_events_bounds_retention_while_counters_count_all() {
    let mock = start(&["--max-events", "2"]);
    for _ in 0..5 {
        assert_eq!(ingest(&mock), Some(200));
    }
    let s = stats(&mock);
    assert_eq!(s["events"], 5);
    assert_eq!(s["retained_events"], 2);
    assert_eq!(s["evicted_events"], 3);
}
