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

pub fn obj(entries: Vec<(&str, Value)>) -> Value {
    let mut o = Object::new();
    for (k, v) in entries {
        o.set(k, v);
    }
    Value::Object(o)
}
