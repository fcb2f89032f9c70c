//! `dev` with Segment's real SDKs (crates/segment/tests/clients/, pinned by package-lock.json
//! and requirements.txt): analytics-node and analytics-python send identify, track, page,
//! screen and group; analytics-next in Debian's headless chromium sends identify, track and
//! page from a page whose only change is `cdnURL`. For each, the requests the embedded mock
//! stored equal, byte for byte, what `map` makes of the exported messages
//! (`/__segment/messages?format=ndjson`) with the same `--now` and `--seed`.
//!
//! Without node, npm, python3 or chromium these tests fail (they never skip): `.ci/run`
//! installs them; the npm packages and the Python venv are installed here on first use.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::{bin, root, scratch};

const NOW: &str = "2026-03-04T05:06:07.089Z";
const SEED: &str = "7";
const WRITE_KEY: &str = "wk-dev-test";

fn clients() -> PathBuf {
    root().join("crates/segment/tests/clients")
}

/// The node packages of the clients directory, installed on first use.
fn npm_packages() {
    usermaven_test_support::npm_ci(
        &clients(),
        &[
            "playwright-core",
            "@segment/analytics-node",
            "@segment/analytics-next",
        ],
    );
}

/// The Python of a venv holding segment-analytics-python from requirements.txt (with hashes):
/// `$SEGMENT_PYTHON`, or `target/segment-py` (made here when missing; `.ci/run` makes it).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SEGMENT_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = root().join("target/segment-py");
    let python = venv.join("bin/python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 must be installed for the SDK tests");
        assert!(ok.success(), "python3 -m venv failed");
    }
    let installed = Command::new(&python)
        .args(["-c", "import segment.analytics"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        let out = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--require-hashes", "-r"])
            .arg(clients().join("requirements.txt"))
            .output()
            .expect("pip");
        assert!(
            out.status.success(),
            "pip install failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    python
}

/// A running `dev --port 0 --now NOW --seed SEED`, killed when dropped.
struct Dev {
    child: Child,
    uri: String,
}

impl Dev {
    fn start(extra: &[&str]) -> Dev {
        let mut child = bin()
            .args(["dev", "--port", "0", "--now", NOW, "--seed", SEED])
            .args(extra)
            .env_remove("USERMAVEN_API_KEY")
            .env_remove("USERMAVEN_SERVER_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dev starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("dev prints its address");
        // The rest of its output is read (and dropped) so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let uri = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        Dev { child, uri }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = reqwest::get(format!("{}{path}", self.uri))
            .await
            .expect("get");
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_client(program: &Path, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(clients())
        .output()
        .expect("client runs");
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What `map --now NOW --seed SEED` makes of `ndjson`: (path and redacted query, body) per
/// request, and the headers of each.
fn mapped(ndjson: &str) -> Vec<(String, String, Value)> {
    let dir = scratch();
    let file = dir.path().join("seen.ndjson");
    std::fs::write(&file, ndjson).unwrap();
    let out = bin()
        .args(["map", "--now", NOW, "--seed", SEED])
        .args([
            "--api-key",
            usermaven_mock_key(),
            "--server-token",
            "mock-server-token",
        ])
        .arg(&file)
        .env_remove("USERMAVEN_API_KEY")
        .env_remove("USERMAVEN_SERVER_TOKEN")
        .output()
        .expect("map");
    assert!(
        out.status.success(),
        "map: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let req = &v["request"];
            assert!(req.is_object(), "map gave no request: {l}");
            let url = url::Url::parse(req["url"].as_str().unwrap()).unwrap();
            let target = format!("{}?{}", url.path(), url.query().unwrap_or(""));
            (
                target,
                req["body"].as_str().unwrap().to_string(),
                req["headers"].clone(),
            )
        })
        .collect()
}

fn usermaven_mock_key() -> &'static str {
    "mock-api-key"
}

/// Runs one client against a fresh `dev`, waits until its `n` messages are delivered, and
/// checks the mock's requests against `map` of the export.
async fn client_round_trip(program: &Path, script: &str, n: usize) -> Vec<Value> {
    let dev = Dev::start(&["--write-key", WRITE_KEY]);
    let uri = dev.uri.clone();
    run_client(program, &[script, &uri, WRITE_KEY]);
    let (status, body) = dev
        .get(&format!(
            "/__segment/messages?settled=true&wait_for={n}&timeout_ms=20000"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let messages: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(messages.len(), n, "{body}");
    for m in &messages {
        // The presets have no screen subscription.
        let expected = if m["type"] == "screen" {
            "unmatched"
        } else {
            "mapped"
        };
        assert_eq!(m["outcome"], expected, "{m}");
    }
    let (_, ndjson) = dev.get("/__segment/messages?format=ndjson").await;
    assert_eq!(ndjson.lines().count(), n);
    let mut expected = mapped(&ndjson);

    let (_, events) = dev.get("/__mock/events").await;
    let events: Vec<Value> = serde_json::from_str(&events).unwrap();
    let (_, requests) = dev.get("/__mock/requests").await;
    let requests: Value = serde_json::from_str(&requests).unwrap();
    let requests = requests
        .as_array()
        .cloned()
        .or_else(|| requests["requests"].as_array().cloned())
        .expect("requests");
    let mut received: Vec<(String, String, Value)> = events
        .iter()
        .map(|e| {
            let request = requests
                .iter()
                .find(|r| r["id"] == e["request_id"])
                .expect("the event's request is journaled");
            let target = format!(
                "{}?{}",
                request["path"].as_str().unwrap(),
                request["query"].as_str().unwrap()
            );
            (
                target,
                e["body"].as_str().unwrap().to_string(),
                request["headers"].clone(),
            )
        })
        .collect();
    let mapped_messages = messages.iter().filter(|m| m["outcome"] == "mapped").count();
    assert_eq!(
        expected.len(),
        mapped_messages,
        "map makes one request per mapped message"
    );
    assert_eq!(
        received.len(),
        expected.len(),
        "the mock stored every request"
    );
    // The sender delivers concurrently: compare as sets, byte for byte.
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    received.sort_by(|a, b| a.1.cmp(&b.1));
    for ((et, eb, eh), (rt, rb, rh)) in expected.iter().zip(&received) {
        assert_eq!(rt, et, "request target");
        assert_eq!(rb, eb, "request body, byte for byte");
        // Every header the mock journals that `map` also lists has map's value (the host
        // differs: map names Usermaven, the request went to the mock).
        for pair in rh.as_array().unwrap() {
            let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            if name == "host" {
                continue;
            }
            if let Some(v) = eh.get(name) {
                assert_eq!(v.as_str().unwrap(), value, "header {name}");
            }
        }
    }
    messages
}

#[tokio::test]
async fn analytics_node_round_trip_equals_map_of_the_export() {
    npm_packages();
    let messages = client_round_trip(Path::new("node"), "node-sdk.mjs", 5).await;
    let types: Vec<&str> = messages
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["identify", "track", "page", "screen", "group"]);
    assert_eq!(messages[0]["path"], "/v1/batch");
}

#[tokio::test]
async fn analytics_python_round_trip_equals_map_of_the_export() {
    let python = python();
    let messages = client_round_trip(&python, "python_sdk.py", 5).await;
    let types: Vec<&str> = messages
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["identify", "track", "page", "screen", "group"]);
    // analytics-python writes "anonymousId": null and +00:00 times; the message still goes.
    assert!(messages[0]["received"]
        .as_str()
        .unwrap()
        .contains(r#""anonymousId":null"#));
}

#[tokio::test]
async fn analytics_next_in_chromium_round_trip_equals_map_of_the_export() {
    npm_packages();
    let messages = client_round_trip(Path::new("node"), "browser-sdk.mjs", 3).await;
    let got: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| (m["type"].as_str().unwrap(), m["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [("identify", "/v1/i"), ("track", "/v1/t"), ("page", "/v1/p")]
    );
    let seen: Value = serde_json::from_str(messages[2]["seen"].as_str().unwrap()).unwrap();
    assert_eq!(seen["context"]["page"]["referrer"], "");
    assert_eq!(seen["context"]["page"]["search"], "");
    assert_eq!(seen["receivedAt"], NOW);
}
