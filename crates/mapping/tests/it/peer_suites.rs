//! Segment's own mapping-kit suites (recorded from the published reference) run
//! against this crate: `cases/mapping-kit.cases.ndjson` (the case-runner format),
//! `mapping-kit.jsonl`, `mapping-validate.jsonl`, `path-get.jsonl` and
//! `mapping-kit-helpers.jsonl`.
//!
//! The files are read from `fixtures/peer-suites/` of the workspace (committed; see its
//! README for how they were recorded).

use crate::common::{now, transform_result};
use usermaven_json::{Object, Value};
use usermaven_mapping::{
    flatten_object, get, get_field_value_keys, get_keys, render, transform, Mapping,
};

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
    report("mapping-kit.jsonl", cases.len(), &failures);
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
    report("mapping-validate", cases.len(), &failures);
}

#[test]
fn path_get_jsonl() {
    let cases = lines("path-get.jsonl");
    let mut failures = Vec::new();
    for case in &cases {
        let id = case.get("id").map(Value::to_js_string).unwrap_or_default();
        let object = case.get("object").cloned().unwrap_or_default();
        let expect = case.get("expect").cloned().unwrap_or_default();
        let got = match case.get("path") {
            Some(Value::String(p)) => get(&object, p).expect("no lookup throws"),
            Some(Value::Array(keys)) => {
                let keys: Vec<String> = keys.iter().map(Value::to_js_string).collect();
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                get_keys(&object, &keys).expect("no lookup throws")
            }
            // `get(obj, null)` / `get(obj, undefined)` return undefined.
            _ => None,
        };
        let ok = match (&got, expect.get("ok")) {
            (Some(v), Some(want)) => v == want,
            (None, None) => expect.get("ok_undefined") == Some(&Value::Bool(true)),
            _ => false,
        };
        if !ok {
            failures.push(format!("{id}\n   got: {got:?}\n  want: {expect}"));
        }
    }
    report("path-get", cases.len(), &failures);
}

#[test]
fn mapping_kit_helpers_jsonl() {
    let cases = lines("mapping-kit-helpers.jsonl");
    let mut failures = Vec::new();
    for case in &cases {
        let id = case.get("id").map(Value::to_js_string).unwrap_or_default();
        let args = case
            .get("args")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let nargs = case.get("nargs").and_then(Value::as_f64).unwrap_or(0.0) as usize;
        let undefined_args: Vec<String> = case
            .get("undefined_paths")
            .and_then(|u| u.get("args"))
            .and_then(Value::as_array)
            .map(|a| a.iter().map(Value::to_js_string).collect())
            .unwrap_or_default();
        // An argument is JS `undefined` when missing or listed in `undefined_paths`.
        let arg = |i: usize| -> Option<&Value> {
            if i >= nargs || undefined_args.contains(&format!("/{i}")) {
                None
            } else {
                args.get(i)
            }
        };
        let expect = case.get("expect").cloned().unwrap_or_default();
        let got: Result<Value, (String, String)> = match case.get("fn").and_then(Value::as_str) {
            Some("flattenObject") => {
                let input = arg(0).cloned().unwrap_or_default();
                let prefix = arg(1).map(Value::to_js_string).unwrap_or_default();
                let sep = arg(2).map_or(".".to_string(), Value::to_js_string);
                let ignore = arg(3).is_some_and(Value::is_truthy);
                Ok(flatten_object(&input, &prefix, &sep, ignore))
            }
            Some("render") => match arg(0) {
                Some(Value::String(t)) => {
                    let empty = Value::Object(Object::new());
                    render(t, arg(1).unwrap_or(&empty))
                        .map(Value::from)
                        .map_err(|e| ("TypeError".to_string(), e.message.to_string()))
                }
                other => {
                    let t = other.map_or("undefined", |v| match v {
                        Value::Null => "null",
                        Value::Array(_) => "array",
                        _ => v.type_of(),
                    });
                    Err((
                        "TypeError".to_string(),
                        format!(
                            "Invalid template! Template should be a \"string\" but {t} was given."
                        ),
                    ))
                }
            },
            Some("getFieldValueKeys") => {
                let v = arg(0).cloned().unwrap_or_default();
                Ok(Value::Array(
                    get_field_value_keys(&v)
                        .into_iter()
                        .map(Value::from)
                        .collect(),
                ))
            }
            other => panic!("unknown helper {other:?}"),
        };
        let ok = match (&got, expect.get("ok")) {
            (Ok(v), Some(want)) => v == want,
            (Err((name, msg)), None) => {
                expect.get("error_name").and_then(Value::as_str) == Some(name.as_str())
                    && expect.get("error").and_then(Value::as_str) == Some(msg.as_str())
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{id}\n   got: {got:?}\n  want: {expect}"));
        }
    }
    report("mapping-kit-helpers", cases.len(), &failures);
}

/// Print the pass count of a suite and fail with every failure listed.
fn report(suite: &str, total: usize, failures: &[String]) {
    eprintln!("{suite}: {}/{total} pass", total - failures.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
