//! `send` when the endpoint dies mid-run — refuses connections (behind `proxy`), never
//! answers, closes without answering, or answers 503 forever (`scripted`): it ends after about
//! `--down-timeout`, names the endpoint, exits 3, and every undelivered event is in the
//! dead-letter file or after the checkpoint; an endpoint back within the down-timeout loses
//! nothing.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use usermaven_mock::{Fault, MockConfig, MockUsermaven, StrictMode};

use crate::checkpoint::{acknowledged, numbered_events, send, KEY, TOKEN};
use crate::proxy::Proxy;
use crate::scratch;
use crate::scripted::{Failure, Scripted};

const EVENTS: usize = 3000;

fn start_mock(rt: &tokio::runtime::Runtime) -> MockUsermaven {
    let m = rt
        .block_on(MockUsermaven::start(
            MockConfig::new(KEY, TOKEN).with_strict(StrictMode::Off),
        ))
        .expect("mock");
    // Slow enough that the run is still going when the endpoint dies.
    m.inject_n(Fault::delay(Duration::from_millis(3)), 1_000_000);
    m
}

fn spawn_send(endpoint: &str, dir: &Path, extra: &[&str]) -> Child {
    let stderr = std::fs::File::create(dir.join("stderr.txt")).expect("stderr file");
    send(endpoint)
        .arg("--checkpoint")
        .arg(dir.join("cp"))
        .arg("--dead-letter")
        .arg(dir.join("dl.ndjson"))
        .args(extra)
        .arg(dir.join("events.ndjson"))
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn send")
}

fn wait_for_progress(child: &mut Child, cp: &Path, lines: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged(cp) < lines {
        assert!(Instant::now() < deadline, "no progress");
        assert!(child.try_wait().expect("wait").is_none(), "ended too early");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stored_ids(m: &MockUsermaven) -> HashSet<String> {
    m.events()
        .iter()
        .filter_map(|e| e.event_id().map(str::to_string))
        .collect()
}

fn dead_lettered_ids(path: &Path) -> HashSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v = usermaven_json::Value::parse(l).expect("dead-letter line");
            let event = v.get("event").expect("event");
            event
                .get("messageId")
                .and_then(|m| m.as_str())
                .expect("id")
                .to_string()
        })
        .collect()
}

#[test]
fn a_dead_endpoint_ends_the_run_after_the_down_timeout_and_loses_nothing() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = scratch();
    numbered_events(&dir.path().join("events.ndjson"), EVENTS);
    let mock = start_mock(&rt);
    let mut proxy = Proxy::start(&rt, mock.addr());
    let mut child = spawn_send(&proxy.uri(), dir.path(), &["--down-timeout", "2s"]);
    let cp = dir.path().join("cp");
    wait_for_progress(&mut child, &cp, 300);
    proxy.kill();
    let died = Instant::now();
    let status = child.wait().expect("wait");
    let took = died.elapsed();
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).expect("stderr");
    assert_eq!(status.code(), Some(3), "{stderr}");
    // About the down-timeout (2 s), not minutes: slack for a loaded machine.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "{took:?}\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("the endpoint {} is unreachable", proxy.uri())),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");

    // Every event is stored, dead-lettered, or after the checkpoint.
    let stored = stored_ids(&mock);
    let dead = dead_lettered_ids(&dir.path().join("dl.ndjson"));
    let after = acknowledged(&cp);
    assert!(
        after < EVENTS as u64,
        "the checkpoint stops where delivery stopped"
    );
    for i in 0..EVENTS {
        let id = format!("ev-{i}");
        assert!(
            stored.contains(&id) || dead.contains(&id) || i as u64 + 1 > after,
            "{id} lost (checkpoint at line {after})"
        );
    }

    // Back up: the same command resumes after the checkpoint; with the dead letters
    // replayed everything has arrived.
    proxy.revive();
    let mut child = spawn_send(&proxy.uri(), dir.path(), &[]);
    assert_eq!(child.wait().expect("wait").code(), Some(0));
    let stored = stored_ids(&mock);
    let missing: Vec<usize> = (0..EVENTS)
        .filter(|i| {
            let id = format!("ev-{i}");
            !stored.contains(&id) && !dead.contains(&id)
        })
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
    rt.block_on(mock.shutdown());
}

#[test]
fn an_endpoint_back_within_the_down_timeout_loses_nothing() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = scratch();
    numbered_events(&dir.path().join("events.ndjson"), EVENTS);
    let mock = start_mock(&rt);
    let mut proxy = Proxy::start(&rt, mock.addr());
    let mut child = spawn_send(
        &proxy.uri(),
        dir.path(),
        &["--down-timeout", "20s", "--max-attempts", "3"],
    );
    wait_for_progress(&mut child, &dir.path().join("cp"), 300);
    proxy.kill();
    std::thread::sleep(Duration::from_millis(1500));
    proxy.revive();
    let status = child.wait().expect("wait");
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).expect("stderr");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!dir.path().join("dl.ndjson").exists(), "{stderr}");
    let stored = stored_ids(&mock);
    assert_eq!(stored.len(), EVENTS, "{stderr}");
    rt.block_on(mock.shutdown());
}

/// No run against a failing endpoint may take longer than this (from start to exit) with
/// `--timeout 1s --down-timeout 3s`: a bound on a hang, not a measure of speed (the run takes
/// about the down-timeout plus one timeout after the endpoint stops answering).
const HANG_BOUND: Duration = Duration::from_secs(20);
/// Events per run, and how many requests the scripted endpoint answers before it fails.
const SCRIPTED_EVENTS: usize = 400;
const GOOD_FOR: usize = 100;

/// Wait for `child`, killing it (and failing) if it runs past `bound`.
fn wait_within(child: &mut Child, bound: Duration, stderr: &Path) -> (Option<i32>, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status.code(), started.elapsed());
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(stderr).unwrap_or_default();
            panic!("send was still running after {bound:?} (a hang):\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// From the summary line `send: L lines, R requests; D delivered, …`.
fn summary(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("send: ") && l.contains(" lines, "))
        .unwrap_or_else(|| panic!("no summary:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse().expect("number"))
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

/// `send --timeout 1s --down-timeout 3s` into an endpoint that serves [`GOOD_FOR`] requests
/// and then fails for good: it ends within [`HANG_BOUND`], exits 3 naming the endpoint, and
/// every event read is delivered or in the dead-letter file (the rest is after the checkpoint).
fn a_failing_endpoint_ends_the_run(failure: Failure, state: &str) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = scratch();
    numbered_events(&dir.path().join("events.ndjson"), SCRIPTED_EVENTS);
    let server = Scripted::start(&rt, GOOD_FOR, failure, None);
    let mut child = spawn_send(
        &server.uri(),
        dir.path(),
        &["--timeout", "1s", "--down-timeout", "3s"],
    );
    let stderr_path = dir.path().join("stderr.txt");
    let (code, took) = wait_within(&mut child, HANG_BOUND, &stderr_path);
    let stderr = std::fs::read_to_string(&stderr_path).expect("stderr");
    assert_eq!(code, Some(3), "{failure:?} after {took:?}:\n{stderr}");
    assert!(
        stderr.contains(&format!("the endpoint {} is {state}", server.uri())),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");

    // Count: each event read was delivered (the endpoint answered it 200) or dead-lettered,
    // never both; none after the last line read was sent.
    let (lines, requests, delivered_count) = summary(&stderr);
    assert_eq!(lines, requests, "one request per event");
    assert!(lines < SCRIPTED_EVENTS, "reading stopped: {stderr}");
    let delivered = server.delivered();
    let dead_lines = std::fs::read_to_string(dir.path().join("dl.ndjson"))
        .expect("a dead-letter file")
        .lines()
        .count();
    let dead = dead_lettered_ids(&dir.path().join("dl.ndjson"));
    assert_eq!(dead_lines, dead.len(), "an event dead-lettered twice");
    assert_eq!(dead.len(), requests - delivered_count, "{stderr}");
    assert!(delivered_count > 0 && delivered.len() >= delivered_count);
    for i in 0..SCRIPTED_EVENTS {
        let id = format!("ev-{i}");
        let (d, l) = (delivered.contains(&id), dead.contains(&id));
        if i < lines {
            assert!(d ^ l, "{id}: delivered {d}, dead-lettered {l}\n{stderr}");
        } else {
            assert!(!d && !l, "{id} was never read, yet sent");
        }
    }
    assert!(acknowledged(&dir.path().join("cp")) <= lines as u64);
    eprintln!(
        "{failure:?}: exit 3 after {took:?}; {lines} of {SCRIPTED_EVENTS} events read: {} delivered, {} dead-lettered",
        delivered.len(),
        dead.len()
    );
}

#[test]
fn an_endpoint_that_never_answers_ends_the_run() {
    a_failing_endpoint_ends_the_run(Failure::Silent, "not answering");
}

#[test]
fn an_endpoint_that_closes_without_answering_ends_the_run() {
    a_failing_endpoint_ends_the_run(Failure::Close, "not answering");
}

#[test]
fn an_endpoint_answering_503_forever_ends_the_run() {
    // Retry-After asks for an hour: honoured up to the down-timeout, no further.
    a_failing_endpoint_ends_the_run(Failure::Unavailable(3600), "unavailable");
}

/// The same endpoints failing for 2 s only, within a 15 s down-timeout: everything is
/// delivered, nothing dead-lettered. Two attempts per request: the first failures of the
/// outage, recorded before the breaker opens, spend one, and the second may be the last.
fn an_endpoint_back_in_time_loses_nothing(failure: Failure) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = scratch();
    numbered_events(&dir.path().join("events.ndjson"), SCRIPTED_EVENTS);
    let server = Scripted::start(&rt, GOOD_FOR, failure, Some(Duration::from_secs(2)));
    let mut child = spawn_send(
        &server.uri(),
        dir.path(),
        &[
            "--timeout",
            "1s",
            "--down-timeout",
            "15s",
            "--max-attempts",
            "2",
        ],
    );
    let stderr_path = dir.path().join("stderr.txt");
    let (code, took) = wait_within(&mut child, Duration::from_secs(60), &stderr_path);
    let stderr = std::fs::read_to_string(&stderr_path).expect("stderr");
    assert!(server.failed(), "the endpoint never failed");
    assert_eq!(code, Some(0), "{failure:?} after {took:?}:\n{stderr}");
    assert!(!dir.path().join("dl.ndjson").exists(), "{stderr}");
    let delivered = server.delivered();
    let missing: Vec<usize> = (0..SCRIPTED_EVENTS)
        .filter(|i| !delivered.contains(&format!("ev-{i}")))
        .collect();
    assert!(missing.is_empty(), "{missing:?}\n{stderr}");
}

#[test]
fn an_endpoint_silent_for_a_while_loses_nothing() {
    an_endpoint_back_in_time_loses_nothing(Failure::Silent);
}

#[test]
fn an_endpoint_closing_for_a_while_loses_nothing() {
    an_endpoint_back_in_time_loses_nothing(Failure::Close);
}

#[test]
fn an_endpoint_answering_503_for_a_while_loses_nothing() {
    an_endpoint_back_in_time_loses_nothing(Failure::Unavailable(1));
}
