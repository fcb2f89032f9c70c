//! Segment's own mapping-kit suites (recorded from the published reference) run
//! against this crate: `cases/mapping-kit.cases.ndjson` (the case-runner format),
//! `mapping-kit.jsonl`, `mapping-validate.jsonl`, `path-get.jsonl` and
//! `mapping-kit-helpers.jsonl`.
//!
//! The files are read from `fixtures/peer-suites/` of the workspace (committed; see its
//! README for how they were recorded).

use crate::common::{now, transform_result};
use usermaven_json::Value;
use usermaven_mapping::{transform, Mapping};

fn lines(name: &str) -> Vec<Value> {
    crate::common::lines(&format!("fixtures/peer-suites/{name}"))
}

#[test]
fn mapping_kit_cases_ndjson() {
    let cases = lines("cases/mapping-kit.cases.ndjson");
    let expected = lines("cases/mapping-kit.expected.ndjson");
    assert_eq!(cases.len(), expected.len());
    let mut failures = Vec::new();
    for (case, exp) in cases.iter().zip(&expected) {
        let id = case.get("id").cloned().unwrap_or_default();
        assert_eq!(Some(&id), exp.get("id"));
        let got = transform_result(case, now());
        if &got != exp {
            failures.push(format!("{}\n   got: {}\n  want: {}", id, got, exp));
        }
    }
    let pass = cases.len() - failures.len();
    eprintln!("mapping-kit.cases: {pass}/{} pass", cases.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn mapping_kit_jsonl_with_error_names() {
    let cases = lines("mapping-kit.jsonl");
    let mut failures = Vec::new();
    for case in &cases {
        let id = case.get("id").map(Value::to_js_string).unwrap_or_default();
        let mapping = case.get("mapping").cloned().unwrap_or_default();
        let input = case.get("input").cloned().unwrap_or_default();
        let expect = case.get("expect").cloned().unwrap_or_default();
        let res = transform(&mapping, &input, now());
        let ok = match (&res, expect.get("ok"), expect.get("ok_undefined")) {
            (Ok(Some(v)), Some(want), _) => v == want,
            (Ok(None), _, Some(Value::Bool(true))) => true,
            (Err(e), _, _) if expect.get("error").is_some() => {
                let name_ok = expect.get("error_name").and_then(Value::as_str) == Some(e.name);
                let msg_ok = match expect.get("errors") {
                    Some(Value::Array(errs)) if e.name == "AggregateError" => {
                        let want: String = errs
                            .iter()
                            .map(|m| format!("\n    ValidationError: {}", m.to_js_string()))
                            .collect();
                        want == e.message
                    }
                    _ => expect.get("error").and_then(Value::as_str) == Some(e.message.as_str()),
                };
                name_ok && msg_ok
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{id}\n   got: {res:?}\n  want: {expect}"));
        }
    }
    usermaven_test_support::assert_suite_passes("mapping-kit.jsonl", cases.len(), &failures);
}

#[test]
fn mapping_validate_jsonl() {
    let cases = lines("mapping-validate.jsonl");
    let mut failures = Vec::new();
    for case in &cases {
        let id = case.get("id").map(Value::to_js_string).unwrap_or_default();
        let mapping = case.get("mapping").cloned().unwrap_or_default();
        let expect = case.get("expect").cloned().unwrap_or_default();
        let res = Mapping::compile(&mapping);
        let ok = match (&res, expect.get("valid")) {
            (Ok(_), Some(Value::Bool(true))) => true,
            (Err(e), None) => {
                let want: Vec<String> = expect
                    .get("errors")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(Value::to_js_string).collect())
                    .unwrap_or_default();
                e.errors == want && expect.get("error_name").and_then(Value::as_str) == Some(e.name)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{id}\n   got: {:?}\n  want: {expect}", res.err()));
        }
    }
    usermaven_test_support::assert_suite_passes("mapping-validate", cases.len(), &failures);
}
