//! The live page in Debian's headless chromium (driven by `tests/clients/page-check.mjs`
//! through playwright-core), while Segment's own analytics-node sends: a message appears live
//! with its subscriptions, request, delivery and the mock's verdict; a subscription that did
//! not match says which part of its trigger failed; hostile strings stay text; filters and
//! clear work.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{fixed, start, WRITE_KEY};

pub fn clients() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// The node packages of `tests/clients/`, installed on first use.
pub fn npm_packages() {
    usermaven_test_support::npm_ci(&clients(), &["playwright-core", "@segment/analytics-node"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_sdk_message_appears_live_with_its_whole_way() {
    npm_packages();
    let s = start(fixed()).await;
    let uri = s.segment.uri();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(clients().join("page-check.mjs"))
            .args([&uri, WRITE_KEY])
            .output()
            .expect("node must be installed for the page test")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "page-check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(v["rowsBefore"], 0);
    assert_eq!(v["problems"], serde_json::json!([]), "{v}");
    let row = v["orderRow"].as_str().unwrap();
    assert!(
        row.contains("track") && row.contains("page-user") && row.contains("mapped"),
        "{row}"
    );
    assert!(row.contains("Track Event → delivered"), "{row}");

    let subs = v["subscriptions"].as_array().unwrap();
    let by_name = |n: &str| {
        subs.iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("{n} in {subs:?}"))
    };
    let track = by_name("Track Event");
    assert_eq!(track["matched"], "true");
    assert!(
        track["request"]
            .as_str()
            .unwrap()
            .starts_with("POST http://127.0.0.1:"),
        "{track}"
    );
    assert!(
        track["request"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/s2s/event?token=REDACTED"),
        "{track}"
    );
    assert!(
        track["body"]
            .as_str()
            .unwrap()
            .contains(r#""event_type": "Order Completed""#),
        "{track}"
    );
    assert!(
        track["delivery"]
            .as_str()
            .unwrap()
            .contains("delivered, HTTP 200, 1 attempt(s)"),
        "{track}"
    );
    // The destination's explanation, per field, in the detail view.
    let explained = v["explained"].as_array().unwrap();
    let utc = explained
        .iter()
        .find(|f| f["field"] == "utc_time")
        .unwrap_or_else(|| panic!("utc_time in {explained:?}"));
    assert_eq!(utc["directive"], r#"{"@path":"$.timestamp"}"#, "{utc}");
    assert_eq!(utc["pointer"], "/utc_time", "{utc}");
    assert!(utc["value"].as_str().unwrap().starts_with("\"20"), "{utc}");
    let decided = v["decidedBy"].as_array().unwrap();
    assert!(
        decided
            .iter()
            .any(|d| d.as_str().unwrap().contains("was true")),
        "{decided:?}"
    );
    assert!(!v["derivedRules"].as_array().unwrap().is_empty(), "{v}");
    // A subscription that did not match names the failed part of its trigger.
    let identify = by_name("Identify User");
    assert_eq!(identify["matched"], "false");
    assert_eq!(identify["failed"], r#"failed: type = "identify""#);
    assert!(v["seen"]
        .as_str()
        .unwrap()
        .contains(r#""receivedAt": "2026-03-04T05:06:07.089Z""#));
    assert!(v["received"]
        .as_str()
        .unwrap()
        .contains(r#""event": "Order Completed""#));
    // The mock's verdict, and the way to the event on the mock's page.
    assert!(
        v["verdict"].as_str().unwrap().starts_with("mock event #"),
        "{v}"
    );
    assert!(
        v["mockLink"]
            .as_str()
            .unwrap()
            .starts_with("/__mock/?event_id="),
        "{v}"
    );

    // Hostile strings stay text.
    assert_eq!(
        v["hostileEventCell"],
        r#"<img src=x onerror="window.__pwned=1">"#
    );
    assert!(
        v["hostileReceived"]
            .as_str()
            .unwrap()
            .contains(r#""event": "<img src=x onerror=\"window.__pwned=1\">""#),
        "{v}"
    );
    assert_eq!(v["imgs"], 0);
    assert_eq!(v["pwned"], Value::Null);
    assert_eq!(v["filteredRows"], 0);
    assert_eq!(v["rowsAfterClear"], 0);
    assert!(s.segment.messages().is_empty(), "clear reached the server");
}
