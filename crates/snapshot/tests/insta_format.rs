//! Our `.snap` writer against insta: every snapshot insta wrote for the harness (`crates/conformance/snapshots/`)
//! is reproduced byte for byte from what insta reads out of it, and what we write insta reads
//! back unchanged (contents and header), including strings its YAML writer must quote.

use std::path::Path;

use usermaven_snapshot::file::{self, Meta};

fn committed() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/snapshots");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    files.sort();
    files
}

#[test]
fn rewrites_every_committed_snapshot_byte_for_byte() {
    let files = committed();
    assert!(
        files.len() > 100,
        "expected the harness's snapshots, found {}",
        files.len()
    );
    for path in files {
        let snap = insta::Snapshot::from_file(&path).unwrap();
        let meta = Meta {
            source: snap.metadata().source().unwrap().to_string(),
            description: snap.metadata().description().unwrap().to_string(),
        };
        let content = snap.contents().as_text().unwrap().to_string();
        let ours = file::text(&meta, &content);
        let theirs = std::fs::read_to_string(&path).unwrap();
        assert_eq!(ours, theirs, "{}", path.display());
    }
}

#[test]
fn insta_reads_back_what_we_write() {
    let dir = std::env::temp_dir().join(format!("um-snap-format-{}", std::process::id()));
    for (i, description) in [
        "plain words / mapping x",
        "colon: inside",
        "\"quoted\" and \\ back",
        "tab\there, newline\nthere",
        "123",
        "true",
        "- dash first",
        "ünïcödé / 日本",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.join(format!("case-{i}.snap"));
        let meta = Meta {
            source: "examples/segment-workspace/config.json".into(),
            description: description.to_string(),
        };
        let content = "event: x\n\n{\n  \"a\": 1\n}\n";
        file::write(&path, &meta, content).unwrap();
        let snap = insta::Snapshot::from_file(&path).unwrap();
        assert_eq!(snap.metadata().description(), Some(*description));
        assert_eq!(snap.metadata().source(), Some(meta.source.as_str()));
        assert_eq!(file::read(&path).unwrap(), file::normalized(content));
    }
    std::fs::remove_dir_all(&dir).ok();
}
