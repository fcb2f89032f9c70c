//! `--jobs N`: `map` and `send` route on N threads with the same output as `--jobs 1`, byte for
//! byte and in input order, generated anonymous ids included.

use std::path::{Path, PathBuf};

use usermaven_mock::{Fault, MockConfig, MockUsermaven, StrictMode};

use crate::{bin, root, run, scratch};

/// The realistic corpus, the mixed samples (a bad line, unmatched types) and every event
/// fixture, repeated and interleaved to ~3,000 lines (many chunks for the workers), with
/// anonymous ids removed from some lines so that the seeded id stream is drawn from.
fn input(dir: &Path) -> PathBuf {
    let realistic = std::fs::read_to_string(root().join("fixtures/bench-realistic/events.ndjson"))
        .expect("realistic corpus");
    let mixed =
        std::fs::read_to_string(root().join("fixtures/samples/mixed.ndjson")).expect("samples");
    let mut out = String::new();
    for round in 0..4 {
        for (i, line) in realistic.lines().enumerate() {
            if (i + round) % 7 == 0 {
                // No anonymous id: the destination generates one.
                out.push_str(&line.replace("\"anonymousId\"", "\"anonymousIdX\""));
            } else {
                out.push_str(line);
            }
            out.push('\n');
            if i % 50 == 0 {
                out.push_str(&mixed);
            }
        }
    }
    let path = dir.join("events.ndjson");
    std::fs::write(&path, out).expect("write");
    path
}

fn map(jobs: &str, inputs: &[&Path]) -> (Vec<u8>, String, Option<i32>) {
    let out = bin()
        .args(["map", "--api-key", "k", "--server-token", "t"])
        .args([
            "--now",
            "2025-03-14T09:30:00Z",
            "--seed",
            "9",
            "--jobs",
            jobs,
        ])
        .args(inputs)
        .output()
        .expect("run map");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    (out.stdout, stderr, out.status.code())
}

#[test]
fn map_output_is_the_same_for_every_jobs() {
    let scratch = scratch();
    let events = input(scratch.path());
    let other = root().join("fixtures/samples/mixed.ndjson");
    for inputs in [
        vec![events.as_path()],
        vec![events.as_path(), other.as_path()],
    ] {
        let one = map("1", &inputs);
        let text = String::from_utf8_lossy(&one.0);
        assert!(text.lines().count() > 3000, "{}", one.1);
        // The id stream was used: generated ids differ from line to line.
        let generated = text.matches("anonymous_id\\\":\\\"").count();
        assert!(generated > 100, "{generated} generated ids");
        for jobs in ["2", "4", "7"] {
            let many = map(jobs, &inputs);
            assert!(
                many.0 == one.0,
                "--jobs {jobs} output differs from --jobs 1"
            );
            assert_eq!(many.1, one.1, "--jobs {jobs}");
            assert_eq!(many.2, one.2, "--jobs {jobs}");
        }
    }
}

/// `send` into a mock that rejects every request (400) dead-letters each with its body: the
/// bodies (generated ids included) are the same for `--jobs 4` as for `--jobs 1`.
#[test]
fn send_routes_the_same_requests_for_every_jobs() {
    let scratch = scratch();
    let events = input(scratch.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mock = rt
        .block_on(MockUsermaven::start(
            MockConfig::new("k", "t").with_strict(StrictMode::Off),
        ))
        .expect("mock");
    mock.inject_n(Fault::status(400), 1_000_000);
    let bodies = |jobs: &str| {
        let dl = scratch.path().join(format!("dl-{jobs}.ndjson"));
        let (out, text) = run(bin()
            .args([
                "send",
                "--endpoint",
                &mock.uri(),
                "--api-key",
                "k",
                "--server-token",
                "t",
            ])
            .args(["--max-attempts", "1", "--jobs", jobs])
            .args([
                "--now",
                "2025-01-01T00:00:00Z",
                "--seed",
                "3",
                "--dead-letter",
            ])
            .arg(&dl)
            .arg(&events));
        assert!(out.status.code().is_some(), "{text}");
        let raw = std::fs::read_to_string(&dl).expect("dead letters");
        let mut lines: Vec<(u64, String, String)> = raw
            .lines()
            .map(|l| {
                let v = usermaven_json::Value::parse(l).expect("json");
                let line = v.get("line").and_then(|n| n.as_f64()).expect("line") as u64;
                let sub = v
                    .get("subscription")
                    .map(|s| s.to_json())
                    .unwrap_or_default();
                let body = v.get("body").map(|r| r.to_json()).unwrap_or_default();
                (line, sub, body)
            })
            .collect();
        lines.sort();
        lines
    };
    let one = bodies("1");
    assert!(one.len() > 2500, "{}", one.len());
    assert!(
        one == bodies("4"),
        "--jobs 4 routed other requests than --jobs 1"
    );
}
