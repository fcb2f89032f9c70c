//! Regression cases: every file under `fixtures/fuzz/<target>/` is an input a fuzz run once
//! found wrong, run again through its target's oracle (`cargo test -p xtask` and so `cargo
//! xtask ci` do it). A `.txt` or `.md` file beside an input describes it and is not replayed.
//!
//! The `reference` target's files hold `{"case", "expected"}` (the reference's answer,
//! recorded when the case was found), so replaying them needs no node.

use std::path::{Path, PathBuf};

use usermaven_json::Value;

use super::{catching, Options};
use crate::conformance::corpus::{describe, same};

/// The committed inputs of `target`, sorted.
pub fn inputs(root: &Path, target: &str) -> Vec<PathBuf> {
    let dir = root.join("fixtures").join("fuzz").join(target);
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("txt" | "md")
                )
        })
        .collect();
    out.sort();
    out
}

/// A committed reference case against our runner. Known mismatches (issue 12) pass unless
/// `all_mismatches`; `Ok(true)` means it was one.
pub fn reference_case(text: &str, all_mismatches: bool) -> Result<bool, String> {
    let v = Value::parse(text).map_err(|e| format!("unreadable: {e}"))?;
    let case = v.get("case").ok_or("no `case`")?;
    let expected = v.get("expected").ok_or("no `expected`")?;
    let line = case.to_json();
    let got = usermaven_actions::cases::run_line(&line);
    if same(expected, &got) {
        return Ok(false);
    }
    if super::reference::js_special(&line) && !all_mismatches {
        return Ok(true);
    }
    Err(format!("reference mismatch\n{}", describe(expected, &got)))
}

/// Replays every committed input of every target; one line per failure.
pub fn replay_all(root: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    for name in super::TARGETS {
        let files = inputs(root, name);
        if files.is_empty() {
            continue;
        }
        if *name == "reference" {
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                if let Err(e) = catching(|| reference_case(&text, false)) {
                    failures.push(format!("{}: {e}", f.display()));
                }
            }
            continue;
        }
        let mut t = match super::target(root, name, &Options::new()) {
            Ok(Some(t)) => t,
            Ok(None) => {
                failures.push(format!("{name}: target unavailable"));
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}: {e:#}"));
                continue;
            }
        };
        for f in files {
            let bytes = std::fs::read(&f).unwrap_or_default();
            if let Err(e) = catching(|| t.check(&bytes)) {
                failures.push(format!("{}: {e}", f.display()));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs in a child process of the test binary (see below): an input that aborts the
    /// process (a stack overflow) fails this test instead of killing the whole run.
    #[test]
    fn committed_fuzz_findings_pass_their_oracles() {
        if std::env::var_os("FUZZ_REPLAY_CHILD").is_some() {
            let root = crate::workspace_root();
            let failures = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn(move || replay_all(&root))
                .expect("thread")
                .join()
                .expect("replay");
            assert!(failures.is_empty(), "{}", failures.join("\n\n"));
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "fuzz::replay::tests::committed_fuzz_findings_pass_their_oracles",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FUZZ_REPLAY_CHILD", "1")
            .output()
            .expect("running the replay");
        assert!(
            out.status.success(),
            "replaying fixtures/fuzz failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn the_oracles_can_fail() {
        // Each oracle rejects a wrong answer, so a replay that passes means something.
        assert!(super::super::go_scan::scan(b"{\"a\":1").is_err());
        assert_eq!(
            super::super::go_scan::scan(b"{\"a\" 1}").unwrap_err(),
            "invalid character '1' after object key"
        );
        let bad = r#"{"case":{"id":"x","kind":"fql","fql":"type = \"track\"","event":{"type":"track"}},"expected":{"id":"x","ok":false}}"#;
        assert!(reference_case(bad, false).is_err());
        let good = r#"{"case":{"id":"x","kind":"fql","fql":"type = \"track\"","event":{"type":"track"}},"expected":{"id":"x","ok":true}}"#;
        assert_eq!(reference_case(good, false), Ok(false));
    }
}
