//! The generator's stream is part of the project's interface: the conformance harness's seeded
//! runs and `diff --generate N --seed S` name events by seed. `seed-1-first-5.ndjson` holds the
//! first five events of seed 1 as generated when the strategies moved here from xtask
//! (unchanged code); a strategy change that alters the stream fails here, and must be made on
//! purpose (rewrite the file with `UPDATE_PINNED=1 cargo test -p usermaven-eventgen`).

use usermaven_json::Value;

#[test]
fn seed_1_generates_the_pinned_events() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/seed-1-first-5.ndjson");
    let now: String = usermaven_eventgen::generate(1, 5)
        .iter()
        .map(|e| format!("{}\n", e.to_json()))
        .collect();
    if std::env::var("UPDATE_PINNED").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &now).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap();
    assert_eq!(now, pinned);
    assert_eq!(pinned.lines().count(), 5);
    assert!(pinned.lines().all(|l| Value::parse(l).is_ok()));
}
