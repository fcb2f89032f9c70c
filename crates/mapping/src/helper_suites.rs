//! The reference's helper functions that the mapping uses inside (`get`, `render`,
//! `flattenObject`, `getFieldValueKeys` and liquid's variable listing) checked one by one
//! against what the reference returned: `fixtures/peer-suites/path-get.jsonl`,
//! `fixtures/peer-suites/mapping-kit-helpers.jsonl` and
//! `reference/liquid/keys.expected.jsonl`. They are unit tests because these helpers are
//! not part of the crate's API.

use usermaven_json::{Object, Value};

use crate::flatten::flatten_object;
use crate::get::{get, get_keys};
use crate::placeholders::render;
use crate::value_keys::get_field_value_keys;

fn lines(rel: &str) -> Vec<Value> {
    usermaven_test_support::lines(rel)
        .iter()
        .map(|l| Value::parse(l).expect("valid JSON line"))
        .collect()
}

fn obj(entries: Vec<(&str, Value)>) -> Value {
    let mut o = Object::new();
    for (k, v) in entries {
        o.set(k, v);
    }
    Value::Object(o)
}

#[test]
fn path_get_jsonl() {
    let cases = lines("fixtures/peer-suites/path-get.jsonl");
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
    usermaven_test_support::assert_suite_passes("path-get", cases.len(), &failures);
}

#[test]
fn mapping_kit_helpers_jsonl() {
    let cases = lines("fixtures/peer-suites/mapping-kit-helpers.jsonl");
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
    usermaven_test_support::assert_suite_passes("mapping-kit-helpers", cases.len(), &failures);
}

#[test]
fn liquid_keys_match_the_reference() {
    let mut failures = Vec::new();
    for line in lines("reference/liquid/keys.expected.jsonl") {
        let template = line.get("template").and_then(Value::as_str).unwrap_or("");
        let got: Vec<Value> = get_field_value_keys(&obj(vec![("@liquid", Value::from(template))]))
            .into_iter()
            .map(Value::from)
            .collect();
        // The reference throws the parse error; our API has no error channel and
        // returns no keys for a template that does not parse.
        let want = match line.get("ok") {
            Some(v) => v.clone(),
            None => Value::Array(Vec::new()),
        };
        if Value::Array(got.clone()) != want {
            failures.push(format!("{template:?}: got {:?}, want {want}", got));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
