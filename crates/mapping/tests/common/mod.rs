//! Helpers shared by the integration tests (recorded reference data as JSON lines).

use std::path::{Path, PathBuf};

use usermaven_json::{Object, Value};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The non-blank lines of a JSON-lines file, parsed.
pub fn lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
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
