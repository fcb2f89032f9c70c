//! `check` in each update mode: what it reports and what it writes.

use usermaven_snapshot::file::{self, Meta};
use usermaven_snapshot::{check, Produced, Status, Update};

fn produced(name: &str, content: &str) -> Produced {
    Produced {
        name: name.into(),
        meta: Meta {
            source: "config.json".into(),
            description: format!("{name} / sub"),
        },
        content: content.into(),
    }
}

#[test]
fn pending_accept_nothing_and_stale() {
    let dir = std::env::temp_dir().join(format!("um-check-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let a = produced("a__x", "event: a\n\n{\n  \"k\": 1\n}\n");
    let b = produced(
        "b__x",
        "event: b\n\nerror: TypeError\nstatus: null\nmessage: m\n",
    );

    // Nothing committed: both new; Nothing writes nothing, Pending writes .snap.new.
    let c = check(&dir, &[a.clone(), b.clone()], Update::Nothing, false).unwrap();
    assert!(c.outcomes.iter().all(|o| o.status == Status::New));
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
    let c = check(&dir, &[a.clone(), b.clone()], Update::Pending, false).unwrap();
    assert_eq!(c.written, 2);
    assert!(file::pending_path(&dir, "a__x").exists());
    assert!(!file::snap_path(&dir, "a__x").exists());

    // Accept: .snap written, .snap.new gone; then everything is the same.
    let c = check(&dir, &[a.clone(), b.clone()], Update::Accept, true).unwrap();
    assert_eq!((c.written, c.failures()), (2, 2));
    assert!(!file::pending_path(&dir, "a__x").exists());
    let c = check(&dir, &[a.clone(), b.clone()], Update::Pending, false).unwrap();
    assert_eq!(c.failures(), 0);
    assert!(c.stale.is_empty());

    // A changed body is a field-level difference; b no longer produced is stale.
    let a2 = produced("a__x", "event: a\n\n{\n  \"k\": 2\n}\n");
    let c = check(&dir, std::slice::from_ref(&a2), Update::Nothing, false).unwrap();
    match &c.outcomes[0].status {
        Status::Changed(d) => assert_eq!(d[0].to_string(), "field body.k: snapshot 1 -> now 2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.stale, ["b__x"]);
    assert!(
        file::snap_path(&dir, "b__x").exists(),
        "reporting removes nothing"
    );
    let c = check(&dir, std::slice::from_ref(&a2), Update::Accept, true).unwrap();
    assert_eq!(c.removed, 1);
    assert!(!file::snap_path(&dir, "b__x").exists());
    assert_eq!(
        file::read(&file::snap_path(&dir, "a__x")).unwrap(),
        file::normalized(&a2.content)
    );
    std::fs::remove_dir_all(&dir).ok();
}
