//! `test DIR` on the worked example: passes as committed, fails naming the field (and the
//! mapping key that produces it) after one mapping changes, passes again after `--accept`; JUnit report.

use std::path::Path;

use crate::{bin, root, run, scratch};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn test_dir(dir: &Path, extra: &[&str]) -> (i32, String) {
    let (out, text) = run(bin().arg("test").arg(dir).args(extra).env("CI", "1"));
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_example_passes_as_committed() {
    let (code, text) = test_dir(&root().join("examples/segment-workspace"), &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("7 snapshots, 7 passed, 0 failed"), "{text}");
}

#[test]
fn a_changed_mapping_fails_naming_the_field_and_accept_makes_it_pass() {
    let scratch = scratch();
    let dir = scratch.path().join("ws");
    copy_dir(&root().join("examples/segment-workspace"), &dir);
    let config = dir.join("config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let changed = text.replacen(
        r#""currency": { "@path": "$.properties.currency" },"#,
        r#""currency": { "@path": "$.properties.currency_code" },"#,
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&config, changed).unwrap();

    let junit = scratch.path().join("junit.xml");
    let (code, out) = test_dir(&dir, &["--junit", junit.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL snapshot differs: events/order-completed.json / Orders (snapshots/order-completed__orders.snap)"),
        "{out}"
    );
    assert!(
        out.contains(r#"field body.event_attributes.currency: snapshot "USD" -> now (absent)"#),
        "{out}"
    );
    assert!(
        out.contains(r#"field body.event_attributes.currency: snapshot "EUR" -> now (absent)"#),
        "{out}"
    );
    // Each differing body field names the mapping key that produces it now.
    assert!(
        out.contains(
            r#"body.event_attributes.currency ← mapping key event_attributes.currency ({"@path":"$.properties.currency_code"})"#
        ),
        "{out}"
    );
    assert!(out.contains("7 snapshots, 5 passed, 2 failed"), "{out}");
    let report = std::fs::read_to_string(&junit).unwrap();
    assert!(
        report.contains(r#"<testsuites tests="7" failures="2">"#),
        "{report}"
    );
    assert!(
        report.contains("body.event_attributes.currency"),
        "{report}"
    );
    // On CI nothing is written; elsewhere pending files for `cargo insta review`.
    assert!(!dir
        .join("snapshots/order-completed__orders.snap.new")
        .exists());
    let (out2, _) = run(bin().arg("test").arg(&dir).env_remove("CI"));
    assert_eq!(out2.status.code(), Some(1));
    let pending = dir.join("snapshots/order-completed__orders.snap.new");
    let snap = insta::Snapshot::from_file(&pending).unwrap();
    assert!(!snap
        .contents()
        .as_text()
        .unwrap()
        .to_string()
        .contains("\"currency\""));

    let (code, out) = test_dir(&dir, &["--accept"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("updated: snapshots/order-completed__orders.snap"),
        "{out}"
    );
    assert!(!pending.exists(), "accepting removes the pending file");
    let (code, out) = test_dir(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("7 snapshots, 7 passed, 0 failed"), "{out}");
}

#[test]
fn new_and_stale_snapshots_fail_until_accepted() {
    let scratch = scratch();
    let dir = scratch.path().join("ws");
    copy_dir(&root().join("examples/segment-workspace"), &dir);
    // An event that no longer triggers Signups leaves its snapshot stale; a new event file
    // makes a new snapshot.
    std::fs::remove_file(dir.join("events/signed-up.json")).unwrap();
    std::fs::write(
        dir.join("events/second-account.json"),
        r#"{"type":"group","userId":"u_9","groupId":"org_9","traits":{"name":"Nine"}}"#,
    )
    .unwrap();
    let (code, out) = test_dir(&dir, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL stale snapshot snapshots/signed-up__signups.snap"),
        "{out}"
    );
    assert!(
        out.contains("FAIL new snapshot: events/second-account.json / Accounts"),
        "{out}"
    );
    let (code, out) = test_dir(&dir, &["--accept"]);
    assert_eq!(code, 0, "{out}");
    assert!(!dir.join("snapshots/signed-up__signups.snap").exists());
    assert!(dir.join("snapshots/second-account__accounts.snap").exists());
    let (code, out) = test_dir(&dir, &[]);
    assert_eq!(code, 0, "{out}");
}

/// The example's snapshots record a team's own mappings; that they are what Segment would send
/// is checked here against the reference: `cargo xtask reference` runs the example's events
/// through its enabled subscriptions in Segment's code (`fixtures/cases/example-workspace.*`),
/// and every snapshot must hold exactly that request (redacted URL, headers, body with key
/// order) or that error, one snapshot per reference match and no others.
#[test]
fn the_example_snapshots_are_the_references_requests() {
    use usermaven_json::Value;
    let ws = root().join("examples/segment-workspace");
    let config = Value::parse(&std::fs::read_to_string(ws.join("config.json")).unwrap()).unwrap();
    let names: Vec<String> = config
        .get("data")
        .and_then(|d| d.get("subscriptions"))
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .filter(|s| s.get("enabled") != Some(&Value::Bool(false)))
        .map(|s| s.get("name").and_then(Value::as_str).unwrap().to_string())
        .collect();
    let expected =
        std::fs::read_to_string(root().join("fixtures/cases/example-workspace.expected.ndjson"))
            .unwrap();
    let mut checked = 0;
    for line in expected.lines() {
        let v = Value::parse(line).unwrap();
        let id = v.get("id").and_then(Value::as_str).unwrap();
        let event_id = id.strip_prefix("example/").unwrap();
        for m in v.get("matches").and_then(Value::as_array).unwrap() {
            let index = m.get("index").and_then(Value::as_f64).unwrap() as usize;
            let name = usermaven_snapshot::suite::slug(&names[index]);
            let path = ws.join(format!("snapshots/{event_id}__{name}.snap"));
            let snap = insta::Snapshot::from_file(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let content = snap.contents().as_text().unwrap().to_string();
            let request_part = content.split_once("\n\n").unwrap().1;
            let want = if let Some(ok) = m.get("ok") {
                let mut s = format!(
                    "{} {}\n",
                    ok.get("method").and_then(Value::as_str).unwrap(),
                    usermaven_destination::redact_url(
                        ok.get("url").and_then(Value::as_str).unwrap()
                    )
                );
                for (k, h) in ok.get("headers").and_then(Value::as_object).unwrap().iter() {
                    s.push_str(&format!("{k}: {}\n", h.as_str().unwrap()));
                }
                let body = Value::parse(ok.get("body").and_then(Value::as_str).unwrap()).unwrap();
                s.push('\n');
                s.push_str(&body.to_json_pretty());
                s
            } else {
                let e = m.get("error").unwrap();
                let status = match e.get("status") {
                    Some(Value::Number(n)) => n.to_string(),
                    _ => "null".into(),
                };
                format!(
                    "error: {}\nstatus: {status}\nmessage: {}",
                    e.get("name").and_then(Value::as_str).unwrap(),
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap()
                        .replace('\n', "\\n")
                )
            };
            assert_eq!(request_part, want, "{}", path.display());
            checked += 1;
        }
    }
    let committed = std::fs::read_dir(ws.join("snapshots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "snap")
        })
        .count();
    assert_eq!(checked, committed, "one snapshot per reference match");
    assert!(checked >= 7);
}
