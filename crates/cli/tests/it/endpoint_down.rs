//! `send` when the endpoint dies mid-run: it ends after about `--down-timeout`, names the
//! endpoint, and every undelivered event is in the dead-letter file or after the checkpoint;
//! an endpoint back within the down-timeout loses nothing.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use usermaven_mock::{Fault, MockConfig, MockUsermaven, StrictMode};

use crate::checkpoint::{acknowledged, numbered_events, send, KEY, TOKEN};
use crate::proxy::Proxy;
use crate::scratch;

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
