//! Seed inputs: what the committed fixtures hold (events, mappings, triggers, transform
//! inputs), read once per run.

use std::path::Path;

use usermaven_json::Value;

#[derive(Default)]
pub struct Seeds {
    /// Event texts (as the fixtures write them).
    pub events: Vec<String>,
    /// Mappings (action and transform cases, mapping fixtures).
    pub mappings: Vec<Value>,
    /// FQL trigger texts.
    pub fql: Vec<String>,
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn files(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

impl Seeds {
    pub fn load(root: &Path) -> Seeds {
        let mut s = Seeds::default();
        let fx = root.join("fixtures");
        for f in files(&fx.join("cases"), ".cases.ndjson") {
            for line in lines(&f) {
                let Ok(case) = Value::parse(&line) else {
                    continue;
                };
                for k in ["event", "input"] {
                    if let Some(e @ Value::Object(_)) = case.get(k) {
                        s.events.push(e.to_json());
                    }
                }
                if let Some(m @ Value::Object(_)) = case.get("mapping") {
                    s.mappings.push(m.clone());
                }
                if let Some(q) = case.get("fql").and_then(Value::as_str) {
                    s.fql.push(q.to_string());
                }
                if let Some(Value::Array(subs)) = case.get("subscriptions") {
                    for sub in subs {
                        if let Some(q) = sub.get("subscribe").and_then(Value::as_str) {
                            s.fql.push(q.to_string());
                        }
                        if let Some(m @ Value::Object(_)) = sub.get("mapping") {
                            s.mappings.push(m.clone());
                        }
                    }
                }
            }
        }
        for f in files(&fx.join("events"), ".json") {
            if let Ok(v) = Value::parse(&std::fs::read_to_string(&f).unwrap_or_default()) {
                if let Some(e) = v.get("event") {
                    s.events.push(e.to_json());
                }
            }
        }
        for f in ["samples/events.ndjson", "bench/track-events.ndjson"] {
            s.events
                .extend(lines(&fx.join(f)).into_iter().filter(|l| !l.is_empty()));
        }
        for f in files(&fx.join("mappings"), ".json") {
            if let Ok(v) = Value::parse(&std::fs::read_to_string(&f).unwrap_or_default()) {
                if let Some(m) = v.get("mapping") {
                    s.mappings.push(m.clone());
                }
                if let Some(q) = v.get("subscribe").and_then(Value::as_str) {
                    s.fql.push(q.to_string());
                }
            }
        }
        s.events.dedup();
        s.fql.sort();
        s.fql.dedup();
        if s.events.is_empty() {
            s.events
                .push(r#"{"type":"track","event":"E","userId":"u"}"#.into());
        }
        if s.mappings.is_empty() {
            s.mappings
                .push(Value::parse(r#"{"a":{"@path":"$.a"}}"#).unwrap_or_default());
        }
        if s.fql.is_empty() {
            s.fql.push("type = \"track\"".into());
        }
        s
    }
}
