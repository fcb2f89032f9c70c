//! `send --checkpoint`: killed with SIGKILL mid-run and run again, nothing is lost and only
//! the requests in flight at the kill are sent twice.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use usermaven_mock::{Fault, MockConfig, MockUsermaven, StrictMode};

use crate::{bin, run, scratch};

pub const KEY: &str = "pk_cp_31c9";
pub const TOKEN: &str = "sk_CP_SECRET_0b7e";
pub const CONCURRENCY: usize = 4;

/// `n` track events with distinct message ids (the mock's event ids), index in the id. Every
/// fifth has no anonymous id, so the destination draws one from the seeded id stream.
pub fn numbered_events(path: &Path, n: usize) {
    let mut text = String::new();
    for i in 0..n {
        let anonymous = if i % 5 == 0 {
            String::new()
        } else {
            format!(r#""anonymousId":"a{}","#, i % 17)
        };
        text.push_str(&format!(
            r#"{{"type":"track","event":"Step {}","userId":"u{}",{anonymous}"messageId":"ev-{i}","timestamp":"2025-01-01T00:00:00Z","properties":{{"i":{i}}}}}"#,
            i % 7,
            i % 13,
        ));
        text.push('\n');
    }
    std::fs::write(path, text).expect("write events");
}

fn mock(rt: &tokio::runtime::Runtime) -> MockUsermaven {
    rt.block_on(MockUsermaven::start(
        MockConfig::new(KEY, TOKEN).with_strict(StrictMode::Off),
    ))
    .expect("mock")
}

/// Event id → how many times the mock stored it.
fn stored(m: &MockUsermaven) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for e in m.events() {
        *out.entry(e.event_id().expect("event id").to_string())
            .or_default() += 1;
    }
    out
}

/// Event id → the bodies the mock stored under it.
fn bodies(m: &MockUsermaven) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for e in m.events() {
        out.entry(e.event_id().expect("event id").to_string())
            .or_default()
            .push(e.body.clone());
    }
    out
}

/// `send` into `endpoint` with this file's credentials, a fixed `now` and seed, and
/// [`CONCURRENCY`] requests in flight (also what `endpoint_down` runs).
pub fn send(endpoint: &str) -> std::process::Command {
    let mut c = bin();
    c.args([
        "send",
        "--endpoint",
        endpoint,
        "--api-key",
        KEY,
        "--server-token",
        TOKEN,
    ])
    .args(["--now", "2025-01-01T00:00:00Z", "--seed", "1"])
    .args(["--concurrency", &CONCURRENCY.to_string()])
    .env_remove("USERMAVEN_API_KEY")
    .env_remove("USERMAVEN_SERVER_TOKEN");
    c
}

/// The highest line the checkpoint file says is acknowledged.
pub fn acknowledged(cp: &Path) -> u64 {
    std::fs::read_to_string(cp)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| usermaven_json::Value::parse(l).ok())
        .filter_map(|v| v.get("line").and_then(|n| n.as_f64()))
        .fold(0, |a, n| a.max(n as u64))
}

#[test]
fn a_kill_mid_run_resumes_with_nothing_lost() {
    const EVENTS: usize = 3000;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = scratch();
    let events = dir.path().join("events.ndjson");
    numbered_events(&events, EVENTS);

    // One clean run: what the mock must end up with (at least).
    let clean = mock(&rt);
    let (out, text) = run(send(&clean.uri()).arg(&events));
    assert_eq!(out.status.code(), Some(0), "{text}");
    let want = stored(&clean);
    assert_eq!(want.len(), EVENTS);

    // Slow responses so the run is still going when it is killed.
    let target = mock(&rt);
    target.inject_n(Fault::delay(Duration::from_millis(3)), 1_000_000);
    let cp = dir.path().join("progress.checkpoint");
    let mut child = send(&target.uri())
        .arg("--checkpoint")
        .arg(&cp)
        .arg(&events)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged(&cp) < 500 {
        assert!(Instant::now() < deadline, "no progress recorded");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let at_kill = acknowledged(&cp);
    let before = stored(&target).values().sum::<u32>() as usize;
    assert!(
        (500..EVENTS).contains(&before),
        "killed mid-run: {before} stored of {EVENTS}"
    );

    // Resume: everything arrives; what arrives twice was in flight at the kill.
    target.clear_faults();
    let (out, text) = run(send(&target.uri())
        .arg("--checkpoint")
        .arg(&cp)
        .arg(&events));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("resuming from the checkpoint"), "{text}");
    assert!(
        text.contains(&format!("{at_kill} line(s) skipped")),
        "{text}"
    );
    let got = stored(&target);
    for (id, n) in &want {
        assert!(got.get(id).is_some_and(|g| g >= n), "{id} lost");
    }
    // The same bodies as the clean run, generated anonymous ids included (skipped lines still
    // draw theirs, so the seeded stream lines up).
    let (clean_bodies, got_bodies) = (bodies(&clean), bodies(&target));
    for (id, want_bodies) in &clean_bodies {
        for b in want_bodies {
            assert!(
                got_bodies[id].contains(b),
                "{id}: the resumed run stored {:?}, the clean run {b}",
                got_bodies[id]
            );
        }
    }
    let mut duplicated: Vec<u64> = got
        .iter()
        .filter(|(id, n)| **n > want[*id])
        .map(|(id, _)| id.trim_start_matches("ev-").parse::<u64>().expect("index") + 1)
        .collect();
    duplicated.sort();
    // Duplicates only after the acknowledged line, among the requests in flight then.
    assert!(
        duplicated
            .iter()
            .all(|&line| line > at_kill && line <= at_kill + 4 * CONCURRENCY as u64),
        "acknowledged {at_kill}, duplicated lines {duplicated:?}"
    );
    assert!(duplicated.len() <= 2 * CONCURRENCY, "{duplicated:?}");

    // A third run has nothing left to send.
    let (out, text) = run(send(&target.uri())
        .arg("--checkpoint")
        .arg(&cp)
        .arg(&events));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 requests"), "{text}");
    assert_eq!(
        stored(&target).values().sum::<u32>(),
        got.values().sum::<u32>()
    );
    rt.block_on(clean.shutdown());
    rt.block_on(target.shutdown());
}
