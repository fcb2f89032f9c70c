//! `test DIR` on the worked example: passes as committed, fails naming the field after one
//! mapping changes, passes again after `--accept`; JUnit report.

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
    assert!(out.contains("7 snapshots, 5 passed, 2 failed"), "{out}");
    let report = std::fs::read_to_string(&junit).unwrap();
    assert!(report.contains(r#"<testsuites tests="7" failures="2">"#), "{report}");
    assert!(report.contains("body.event_attributes.currency"), "{report}");
    // On CI nothing is written; elsewhere pending files for `cargo insta review`.
    assert!(!dir.join("snapshots/order-completed__orders.snap.new").exists());
    let (out2, _) = run(bin().arg("test").arg(&dir).env_remove("CI"));
    assert_eq!(out2.status.code(), Some(1));
    let pending = dir.join("snapshots/order-completed__orders.snap.new");
    let snap = insta::Snapshot::from_file(&pending).unwrap();
    assert!(!snap.contents().as_text().unwrap().to_string().contains("\"currency\""));

    let (code, out) = test_dir(&dir, &["--accept"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("updated: snapshots/order-completed__orders.snap"), "{out}");
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
    assert!(out.contains("FAIL stale snapshot snapshots/signed-up__signups.snap"), "{out}");
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
