//! The saved corpus: `fixtures/conformance/*.cases.ndjson` (shrunk failures found by the
//! differential mode) checked against their reference expectations (`*.expected.ndjson`), with
//! the same comparison as `crates/cases/tests/it/reference.rs`
//! ([`usermaven_cases::same_result`]: equal result JSON and byte-equal bodies).
//!
//! `fixtures/conformance/known-mismatches.txt` lists case ids (one per line, `#` comments) that
//! are known core mismatches awaiting a fix: they are reported as notes, not failures, and a
//! listed case that matches again fails the run until it is removed from the list.

use std::path::Path;

use anyhow::{bail, Context, Result};
use usermaven_json::Value;

use super::report::{Report, Stage};

/// The row a case belongs to: its action, or `routing`.
pub fn action_of(case: &Value) -> String {
    match case.get("kind").and_then(Value::as_str) {
        Some("action") => case
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or("action")
            .to_string(),
        Some("route") => "routing".into(),
        Some(k) => k.to_string(),
        None => "unknown".into(),
    }
}

/// What differs between an expected and an actual result, field by field.
pub fn describe(expected: &Value, got: &Value) -> String {
    let mut diffs = Vec::new();
    usermaven_snapshot::diff::value_diff("result", expected, got, &mut diffs);
    // Bodies are strings inside the result: compare them as JSON to name the field.
    let (a, b) = (
        usermaven_cases::request_bodies(expected),
        usermaven_cases::request_bodies(got),
    );
    for (x, y) in a.iter().zip(&b) {
        if let (Ok(x), Ok(y)) = (Value::parse(x), Value::parse(y)) {
            usermaven_snapshot::diff::value_diff("body", &x, &y, &mut diffs);
        }
    }
    let lines: Vec<String> = diffs
        .iter()
        .filter(|d| !d.field.ends_with(".body"))
        .take(8)
        .map(|d| format!("    reference {} vs ours {} at {}", d.old, d.new, d.field))
        .collect();
    if lines.is_empty() {
        format!(
            "    reference: {}\n    ours:      {}",
            expected.to_json(),
            got.to_json()
        )
    } else {
        lines.join("\n")
    }
}

/// The ids in `known-mismatches.txt`.
pub fn known_mismatches(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("known-mismatches.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

pub fn run(root: &Path, report: &mut Report) -> Result<()> {
    let dir = root.join("fixtures/conformance");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let known = known_mismatches(&dir);
    let mut known_failing = Vec::new();
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".cases.ndjson"))
        .collect();
    files.sort();
    let mut n = 0;
    for cases in files {
        let expected = cases
            .to_string_lossy()
            .replace(".cases.ndjson", ".expected.ndjson");
        let case_text = std::fs::read_to_string(&cases)?;
        let exp_text = std::fs::read_to_string(&expected)
            .with_context(|| format!("{} has no expectations file", cases.display()))?;
        let case_lines: Vec<&str> = case_text.lines().filter(|l| !l.trim().is_empty()).collect();
        let exp_lines: Vec<&str> = exp_text.lines().filter(|l| !l.trim().is_empty()).collect();
        if case_lines.len() != exp_lines.len() {
            bail!("{}: case and expectation counts differ", cases.display());
        }
        let file = cases
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (c, e) in case_lines.iter().zip(&exp_lines) {
            n += 1;
            let case = Value::parse(c).unwrap_or(Value::Null);
            let exp = Value::parse(e)
                .map_err(|err| anyhow::anyhow!("{expected}: invalid JSON: {}", err.message))?;
            let got = usermaven_cases::run_line(c);
            let id = exp.get("id").map(Value::to_js_string).unwrap_or_default();
            let matches = usermaven_cases::same_result(&exp, &got);
            let is_known = known.contains(&id);
            let failure = if is_known && !matches {
                known_failing.push(id.clone());
                None
            } else if is_known {
                Some(format!(
                    "corpus: {file} case {id} is listed in fixtures/conformance/known-mismatches.txt \
                     but now matches the reference: remove it from the list"
                ))
            } else if !matches {
                Some(format!(
                    "corpus mismatch: {file} case {id} (action {}) differs from the reference\n{}",
                    action_of(&case),
                    describe(&exp, &got)
                ))
            } else {
                None
            };
            report.record(
                Stage::Corpus,
                &action_of(&case),
                &format!("{file}::{id}"),
                failure,
            );
        }
    }
    report.count("corpus_cases", n);
    if !known_failing.is_empty() {
        report.notes.push(format!(
            "{} known core mismatch(es) still open (fixtures/conformance/known-mismatches.txt): {}",
            known_failing.len(),
            known_failing.join(", ")
        ));
    }
    Ok(())
}
