//! Replays `payload-validation.jsonl`: Segment's `remove-empty-values.test.ts` and
//! `schema-validation.test.ts`, recorded against the published `@segment/actions-core`.
//! Outputs are compared as JSON text, so key order counts.

use usermaven_json::Value;
use usermaven_schema::{fields_from_value, fields_to_json_schema, CompiledSchema, ValidateOptions};

/// Segment's suite, committed under `fixtures/peer-suites/`.
const SUITE: &str = "fixtures/peer-suites/payload-validation.jsonl";

fn json(v: Option<&Value>) -> String {
    v.map_or_else(|| "undefined".to_string(), Value::to_json)
}

/// Run one case; `Err` describes the mismatch.
fn run_case(case: &Value) -> Result<(), String> {
    let f = case.get("fn").and_then(Value::as_str).unwrap_or_default();
    let expect = case.get("expect").ok_or("case without expect")?;
    match f {
        "fieldsToJsonSchema" => {
            let fields = fields_from_value(case.get("fields").ok_or("no fields")?)
                .map_err(|e| e.to_string())?;
            let got = fields_to_json_schema(&fields);
            let want = json(expect.get("ok"));
            if got.to_json() != want {
                return Err(format!("schema\n  got  {}\n  want {want}", got.to_json()));
            }
            Ok(())
        }
        "removeEmptyValues" => {
            let schema = CompiledSchema::compile(case.get("schema").ok_or("no schema")?)
                .map_err(|e| e.to_string())?;
            let input = case.get("input").cloned().unwrap_or_default();
            let is_root = case
                .get("is_root")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let got = schema.remove_empty_values(input, is_root);
            let want = json(expect.get("ok"));
            if json(got.as_ref()) != want {
                return Err(format!(
                    "output\n  got  {}\n  want {want}",
                    json(got.as_ref())
                ));
            }
            Ok(())
        }
        "validateSchema" => {
            let raw = case
                .get("effective_schema")
                .or_else(|| case.get("schema"))
                .ok_or("no schema")?;
            let schema = CompiledSchema::compile(raw).map_err(|e| e.to_string())?;
            let options = case.get("options").filter(|o| !o.is_null());
            let throw = options
                .and_then(|o| o.get("throwIfInvalid"))
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let exempt_owned: Vec<String> = options
                .and_then(|o| o.get("exempt"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let exempt: Vec<&str> = exempt_owned.iter().map(String::as_str).collect();
            let calls = case
                .get("duplicate_calls")
                .and_then(Value::as_f64)
                .unwrap_or(1.0) as usize;
            let mut data = case.get("input").cloned().unwrap_or_default();
            let mut result = Ok(true);
            for _ in 0..calls {
                result = schema.validate_schema(
                    &mut data,
                    ValidateOptions {
                        throw_if_invalid: throw,
                        exempt: &exempt,
                    },
                );
            }
            if let Some(ok) = expect.get("ok") {
                let want_valid = ok.get("valid").and_then(Value::as_bool);
                match result {
                    Ok(valid) if Some(valid) == want_valid => {}
                    other => return Err(format!("result {other:?}, want valid={want_valid:?}")),
                }
                let want = json(ok.get("output"));
                if data.to_json() != want {
                    return Err(format!("output\n  got  {}\n  want {want}", data.to_json()));
                }
            } else {
                let err = match result {
                    Err(e) => e,
                    Ok(v) => {
                        return Err(format!(
                            "expected an error, got Ok({v}); output {}",
                            data.to_json()
                        ))
                    }
                };
                let want_msg = expect
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if err.message != want_msg {
                    return Err(format!(
                        "message\n  got  {:?}\n  want {want_msg:?}",
                        err.message
                    ));
                }
                if let Some(name) = expect.get("error_name").and_then(Value::as_str) {
                    if err.name != name {
                        return Err(format!("name {} want {name}", err.name));
                    }
                }
                if let Some(list) = expect.get("errors").and_then(Value::as_array) {
                    let want: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                    let got: Vec<&str> = err.errors.iter().map(|e| e.message.as_str()).collect();
                    if got != want {
                        return Err(format!("errors\n  got  {got:?}\n  want {want:?}"));
                    }
                }
                let want = json(expect.get("output"));
                if data.to_json() != want {
                    return Err(format!("output\n  got  {}\n  want {want}", data.to_json()));
                }
            }
            Ok(())
        }
        other => Err(format!("unknown fn {other}")),
    }
}

#[test]
fn payload_validation_suite() {
    let text = usermaven_test_support::read(SUITE);
    let mut failures = Vec::new();
    let mut total = 0;
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        total += 1;
        let case = Value::parse(line).unwrap_or_else(|e| panic!("line {}: {e}", line_no + 1));
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        if let Err(why) = run_case(&case) {
            failures.push(format!("line {} {id}: {why}", line_no + 1));
        }
    }
    eprintln!(
        "payload-validation: {}/{total} passed",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, 223, "the suite has 223 cases");
}
