//! Helpers shared by the integration tests (recorded reference data as JSON lines).

use usermaven_json::{Object, Value};

/// The non-blank lines of the committed JSON-lines file `rel` (from the workspace root),
/// parsed.
pub fn lines(rel: &str) -> Vec<Value> {
    usermaven_test_support::lines(rel)
        .iter()
        .map(|l| Value::parse(l).expect("valid JSON line"))
        .collect()
}

/// The clock the recorded cases ran with.
pub fn now() -> jiff::Timestamp {
    "2024-01-01T00:00:00Z".parse().expect("timestamp")
}

/// A `transform` case's result as the reference's case runner writes it: `{"id","ok"}`,
/// `{"id","ok":null,"undefined":true}` or `{"id","error":message}`.
pub fn transform_result(case: &Value, now: jiff::Timestamp) -> Value {
    let id = case.get("id").cloned().unwrap_or_default();
    let mapping = case.get("mapping").cloned().unwrap_or_default();
    let input = case.get("input").cloned().unwrap_or_default();
    match usermaven_mapping::transform(&mapping, &input, now) {
        Ok(Some(v)) => obj(vec![("id", id), ("ok", v)]),
        Ok(None) => obj(vec![
            ("id", id),
            ("ok", Value::Null),
            ("undefined", Value::Bool(true)),
        ]),
        Err(e) => obj(vec![("id", id), ("error", Value::from(e.message))]),
    }
}

pub fn obj(entries: Vec<(&str, Value)>) -> Value {
    let mut o = Object::new();
    for (k, v) in entries {
        o.set(k, v);
    }
    Value::Object(o)
}
