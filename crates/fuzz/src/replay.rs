//! Regression cases: every file under `fixtures/fuzz/<target>/` is an input a fuzz run once
//! found wrong, run again through its target's oracle (`cargo test -p usermaven-fuzz` and so `cargo
//! xtask ci` do it). A `.txt` or `.md` file beside an input describes it and is not replayed.
//!
//! The `reference` target's files hold `{"case", "expected"}` (the reference's answer,
//! recorded when the case was found), so replaying them needs no node.

use std::path::{Path, PathBuf};

use usermaven_json::Value;

use super::catching;
use usermaven_cases::same_result as same;
use usermaven_conformance::corpus::describe;

/// The committed inputs of `target`, sorted.
pub fn inputs(root: &Path, target: &str) -> Vec<PathBuf> {
    let dir = root.join("fixtures").join("fuzz").join(target);
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && !matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "md"))
        })
        .collect();
    out.sort();
    out
}

/// A committed reference case against our runner: it must agree with the reference's answer.
pub fn reference_case(text: &str) -> Result<(), String> {
    let v = Value::parse(text).map_err(|e| format!("unreadable: {e}"))?;
    let case = v.get("case").ok_or("no `case`")?;
    let expected = v.get("expected").ok_or("no `expected`")?;
    let line = case.to_json();
    let got = usermaven_cases::run_line(&line);
    if same(expected, &got) {
        return Ok(());
    }
    Err(format!("reference mismatch\n{}", describe(expected, &got)))
}

/// Every committed input, as (target, file).
pub fn all_inputs(root: &Path) -> Vec<(&'static str, PathBuf)> {
    super::TARGETS
        .iter()
        .flat_map(|name| inputs(root, name).into_iter().map(move |f| (*name, f)))
        .collect()
}

/// Replays one committed input of `target`.
pub fn replay_one(root: &Path, target: &str, file: &Path) -> Result<(), String> {
    if target == "reference" {
        let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
        return catching(|| reference_case(&text));
    }
    let mut t = match super::target(root, target) {
        Ok(Some(t)) => t,
        Ok(None) => return Err(format!("{target}: target unavailable")),
        Err(e) => return Err(format!("{target}: {e:#}")),
    };
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    catching(|| t.check(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each input is replayed in a child process of the test binary (on an 8 MiB thread, as
    /// `map` would run it): an input that aborts the process (a stack overflow) fails this
    /// test, with its file named, instead of killing the whole test run.
    #[test]
    fn committed_fuzz_findings_pass_their_oracles() {
        let root = crate::workspace_root();
        if let (Some(t), Some(f)) = (
            std::env::var_os("FUZZ_REPLAY_TARGET"),
            std::env::var_os("FUZZ_REPLAY_FILE"),
        ) {
            let target = t.to_string_lossy().into_owned();
            let file = PathBuf::from(f);
            let r = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn(move || replay_one(&root, &target, &file))
                .expect("thread")
                .join()
                .expect("replay");
            if let Err(e) = r {
                panic!("{e}");
            }
            return;
        }
        let mut failures = Vec::new();
        let all = all_inputs(&root);
        for (target, file) in &all {
            let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
                .args([
                    "--exact",
                    "fuzz::replay::tests::committed_fuzz_findings_pass_their_oracles",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("FUZZ_REPLAY_TARGET", target)
                .env("FUZZ_REPLAY_FILE", file)
                .output()
                .expect("running the replay");
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let why: Vec<&str> = stderr
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("at ") && !l.contains("note: "))
                    .take(12)
                    .collect();
                failures.push(format!(
                    "{target} {} ({}):\n{}",
                    file.display(),
                    out.status,
                    why.join("\n")
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} committed fuzz finding(s) fail again:\n\n{}",
            failures.len(),
            all.len(),
            failures.join("\n\n")
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
        assert!(reference_case(bad).is_err());
        let good = r#"{"case":{"id":"x","kind":"fql","fql":"type = \"track\"","event":{"type":"track"}},"expected":{"id":"x","ok":true}}"#;
        assert_eq!(reference_case(good), Ok(()));
    }
}
