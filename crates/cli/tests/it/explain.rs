//! `explain`, run as a user runs it: the same requests as `map` for the same flags, one JSON
//! object per event and subscription, bad lines named, no token printed, plain text off a
//! terminal.

use usermaven_json::Value;

use crate::{bin, root};

const TOKEN: &str = "sEcReT-server-token-123";

fn run(command: &str, format: &str) -> (Option<i32>, String, String) {
    let mut cmd = bin();
    cmd.args([command, "--api-key", "demo-key", "--server-token", TOKEN])
        .args(["--now", "2025-03-14T09:30:00Z", "--seed", "1"]);
    if !format.is_empty() {
        cmd.args(["--format", format]);
    }
    let out = cmd
        .arg(root().join("fixtures/samples/mixed.ndjson"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn key(v: &Value) -> (f64, String) {
    let line = v.get("line").and_then(Value::as_f64).unwrap();
    let sub = v.get("subscription").and_then(Value::as_str).unwrap_or("");
    (line, sub.to_string())
}

#[test]
fn explain_json_gives_maps_requests_and_explains_every_subscription() {
    let (code, map_out, _) = run("map", "");
    assert_eq!(code, Some(1));
    let (code, out, err) = run("explain", "json");
    assert_eq!(code, Some(1), "the bad line 9 fails the run: {err}");
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN));
    let explained: Vec<Value> = out.lines().map(|l| Value::parse(l).unwrap()).collect();
    // Line 9 is not JSON: one error object, no subscription.
    let bad: Vec<&Value> = explained
        .iter()
        .filter(|v| v.get("subscription").is_none())
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(key(bad[0]).0, 9.0);
    // Every other line: one object per preset, with the documented keys.
    for v in explained.iter().filter(|v| v.get("subscription").is_some()) {
        for k in [
            "line",
            "subscription",
            "matched",
            "trigger",
            "fields",
            "derived",
        ] {
            assert!(v.get(k).is_some(), "no {k}: {}", v.to_json());
        }
        let matched = v.get("matched") == Some(&Value::Bool(true));
        let has_result = v.get("request").is_some() || v.get("error").is_some();
        assert_eq!(matched, has_result, "{}", v.to_json());
    }
    // map's requests, each explained with the same body.
    let mut mapped = 0;
    for m in map_out.lines().map(|l| Value::parse(l).unwrap()) {
        let Some(req) = m.get("request") else {
            continue;
        };
        let x = explained
            .iter()
            .find(|x| key(x) == key(&m))
            .unwrap_or_else(|| panic!("no explanation for {:?}", key(&m)));
        assert_eq!(
            x.get("request").and_then(|r| r.get("body")),
            req.get("body")
        );
        mapped += 1;
    }
    assert!(mapped >= 5, "{mapped}");
}

#[test]
fn explain_text_is_one_aligned_line_per_field_without_colour_off_a_terminal() {
    let (_, out, _) = run("explain", "");
    assert!(!out.contains('\x1b'), "no colour into a pipe");
    let utc = out
        .lines()
        .find(|l| l.trim_start().starts_with("utc_time "))
        .expect("a utc_time line");
    assert!(utc.contains(r#"{"@path":"$.timestamp"}"#) && utc.contains("/utc_time"));
    // The directive column starts at the same place on every field line of a block.
    let block: Vec<&str> = out
        .split("\n\n")
        .find(|b| b.contains("utc_time "))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.starts_with("  +"))
        .collect();
    let col = |l: &str| l.find(" {").or_else(|| l.find(" -"));
    let first = col(block[0]);
    assert!(block.iter().all(|l| col(l) == first), "{block:#?}");
}
