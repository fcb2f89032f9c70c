//! Reference cases for the worked example `examples/segment-workspace/`: one `route` case per
//! event, with the example's enabled subscriptions (in the preset shape run-cases.js takes),
//! the stand-in settings, clock and seed `usermaven-actions test` uses. `cargo xtask reference`
//! writes them as `fixtures/cases/example-workspace.cases.ndjson` and runs them through
//! Segment's code; a test then holds the example's snapshots (a team's record of its own
//! mappings) to those reference bodies, so the committed snapshots are Segment's requests.
//!
//! Case ids are `example/EVENT_ID`, EVENT_ID being what the example's snapshot names start with.

use std::path::Path;

use anyhow::{bail, Context, Result};
use usermaven_destination::config::{self, Target};
use usermaven_json::{Object, Value};
use usermaven_snapshot::suite::{self, API_KEY, DEFAULT_NOW, DEFAULT_SEED, SERVER_TOKEN};

/// The example directory, relative to the workspace root.
pub const EXAMPLE_DIR: &str = "examples/segment-workspace";
/// The case group it is written as.
pub const GROUP: &str = "example-workspace";

/// The example's enabled subscriptions in the preset shape, in order: (name, subscription).
pub fn subscriptions(root: &Path) -> Result<Vec<(String, Value)>> {
    let path = root.join(EXAMPLE_DIR).join("config.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let value = Value::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let presets = match config::convert(&value, Target::Presets) {
        Ok(v) => v,
        Err(p) => bail!("{}: {:?}", path.display(), p),
    };
    let list = presets
        .get("subscriptions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for s in list {
        if s.get("enabled") == Some(&Value::Bool(false)) {
            continue;
        }
        let name = s
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut sub = Object::new();
        for k in ["subscribe", "partnerAction", "mapping"] {
            if let Some(v) = s.get(k) {
                sub.set(k, v.clone());
            }
        }
        out.push((name, Value::Object(sub)));
    }
    Ok(out)
}

/// The case file's text.
pub fn cases(root: &Path) -> Result<String> {
    let suite = suite::load(&root.join(EXAMPLE_DIR), None, Default::default())?;
    let subs: Vec<Value> = subscriptions(root)?.into_iter().map(|(_, s)| s).collect();
    let mut settings = Object::new();
    settings.set("api_key", Value::str(API_KEY));
    settings.set("server_token", Value::str(SERVER_TOKEN));
    let mut out = String::new();
    for (id, e) in &suite.events {
        let event = Value::parse(&e.text).map_err(|err| anyhow::anyhow!("{}: {err}", e.label))?;
        let mut case = Object::new();
        case.set("id", Value::str(&format!("example/{id}")));
        case.set("kind", Value::str("route"));
        case.set("event", event);
        case.set("settings", Value::Object(settings.clone()));
        case.set("subscriptions", Value::Array(subs.clone()));
        case.set("now", Value::str(DEFAULT_NOW));
        case.set("seed", Value::Number(DEFAULT_SEED as f64));
        out.push_str(&Value::Object(case).to_json());
        out.push('\n');
    }
    Ok(out)
}
