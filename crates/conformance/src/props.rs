//! Property-based events: proptest strategies for Segment-Spec events (every field present,
//! absent, `null`, empty or of the wrong type; arbitrary unicode; numbers at the edges; random
//! nesting) run through every action, routing and every mapping fixture.
//!
//! Properties, per generated event:
//! - never a panic;
//! - the result is a request (POST to the s2s endpoint, JSON object body, right content-length)
//!   or a Segment-style error (a JS error name and a message);
//! - `event_type` follows the action: identify → `user_identify`, group → `group`, page →
//!   `pageview`, track → the (coerced) event name;
//! - a required-field error exactly when a required input is missing (`undefined`, `null`, `""`);
//! - the same `now`/seed give byte-identical output;
//! - a compiled mapping (`Destination::new` / `route`) equals a fresh compile
//!   (`Destination::execute` with `Some(mapping)`);
//! - routing runs exactly the preset whose `type` the event has.
//!
//! The events come from `usermaven-eventgen` (ChaCha seeded from the run's seed, stream 1), so a
//! seed always generates the same events, the same ones `usermaven-actions diff --generate`
//! draws.
//! The first failure of each action is shrunk with proptest's value trees.

use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use usermaven_destination::{
    ActionError, ActionKind, Destination, FixedEnv, Options as DestOptions, Request, Settings,
    Subscription,
};
pub use usermaven_eventgen::{event, runner};
use usermaven_json::Value;

use super::fixtures::MappingFixture;
use super::report::{Report, Stage};
use super::{Fixed, Options};

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Everything compiled once for a run.
pub struct Harness {
    fixed: Fixed,
    presets: Destination,
    /// One destination per mapping fixture (compiled once), with its fixture.
    mapped: Vec<(MappingFixture, Destination)>,
}

impl Harness {
    pub fn new(fixed: &Fixed, mappings: &[MappingFixture]) -> Harness {
        let settings = Settings::new(fixed.api_key.clone(), fixed.server_token.clone());
        Harness {
            fixed: fixed.clone(),
            presets: Destination::new(settings.clone(), DestOptions::default()),
            mapped: mappings
                .iter()
                .map(|m| {
                    let d = Destination::with_subscriptions(
                        settings.clone(),
                        DestOptions::default(),
                        vec![Subscription::new(
                            &m.name,
                            m.action,
                            &m.subscribe,
                            &m.mapping,
                        )],
                    );
                    (m.clone(), d)
                })
                .collect(),
        }
    }

    fn env(&self) -> FixedEnv {
        FixedEnv::new(self.fixed.now, self.fixed.seed)
    }

    /// Check every property for one row (`identify`/`track`/`group`/`page` or `routing`).
    /// `Err` holds the first broken property.
    pub fn check(&self, row: &str, event: &Value) -> Result<(), String> {
        match catch_unwind(AssertUnwindSafe(|| self.check_inner(row, event))) {
            Ok(r) => r,
            Err(p) => Err(format!("panic: {}", panic_message(&p))),
        }
    }

    fn check_inner(&self, row: &str, event: &Value) -> Result<(), String> {
        if row == "routing" {
            return self.check_routing(event);
        }
        let kind = ActionKind::from_name(row).ok_or_else(|| format!("unknown row {row}"))?;
        let first = self.presets.execute(kind, None, event, &mut self.env());
        let second = self.presets.execute(kind, None, event, &mut self.env());
        if first != second {
            return Err(format!(
                "not deterministic: same now/seed gave\n  {}\n  {}",
                super::snapshots::outcome_line(&first),
                super::snapshots::outcome_line(&second)
            ));
        }
        shape(&first)?;
        event_type_rule(kind, event, &first, true)?;
        required_rule(kind, event, &first)?;
        let fresh = self.presets.execute(
            kind,
            Some(&kind.action().default_mapping),
            event,
            &mut self.env(),
        );
        if let Some(d) = super::snapshots::same_outcome(&first, &fresh) {
            return Err(format!("default mapping: compiled != fresh compile\n{d}"));
        }
        for (m, dest) in self.mapped.iter().filter(|(m, _)| m.action == kind) {
            let routed = dest.route(event, &mut self.env());
            let again = dest.route(event, &mut self.env());
            let fused = dest
                .route_text(&event.to_json(), &mut self.env())
                .map_err(|e| format!("mapping {}: route_text: {e}", m.name))?;
            let f: Vec<_> = fused.iter().map(|r| (&r.result, r.generated_id)).collect();
            let g: Vec<_> = routed.iter().map(|r| (&r.result, r.generated_id)).collect();
            if f != g {
                return Err(format!(
                    "mapping {}: route_text differs from route:\n  {f:?}\n  {g:?}",
                    m.name
                ));
            }
            for (r, r2) in routed.iter().zip(&again) {
                if r.result != r2.result {
                    return Err(format!("mapping {}: not deterministic", m.name));
                }
                shape(&r.result).map_err(|e| format!("mapping {}: {e}", m.name))?;
                event_type_rule(kind, event, &r.result, false)
                    .map_err(|e| format!("mapping {}: {e}", m.name))?;
                let fresh = self
                    .presets
                    .execute(kind, Some(&m.mapping), event, &mut self.env());
                if let Some(d) = super::snapshots::same_outcome(&r.result, &fresh) {
                    return Err(format!(
                        "mapping {}: compiled (route) != fresh compile (execute)\n{d}",
                        m.name
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_routing(&self, event: &Value) -> Result<(), String> {
        let routed = self.presets.route(event, &mut self.env());
        let again = self.presets.route(event, &mut self.env());
        let a: Vec<_> = routed.iter().map(|r| (&r.action_name, &r.result)).collect();
        let b: Vec<_> = again.iter().map(|r| (&r.action_name, &r.result)).collect();
        if a != b {
            return Err("routing is not deterministic".into());
        }
        // The fused fast path (route from the JSON text) must give exactly what the general
        // path gives, printed compactly or not.
        for text in [event.to_json(), event.to_json_pretty()] {
            let fused = self
                .presets
                .route_text(&text, &mut self.env())
                .map_err(|e| format!("route_text: {e}"))?;
            let f: Vec<_> = fused
                .iter()
                .map(|r| (&r.action_name, &r.result, r.generated_id))
                .collect();
            let g: Vec<_> = routed
                .iter()
                .map(|r| (&r.action_name, &r.result, r.generated_id))
                .collect();
            if f != g {
                return Err(format!(
                    "route_text (fused: {:?}) differs from route:\n  {f:?}\n  {g:?}",
                    fused.iter().map(|r| r.fused).collect::<Vec<_>>()
                ));
            }
        }
        let expected: Vec<&str> = match event.get("type") {
            Some(Value::String(t)) => ActionKind::PRESET_ORDER
                .iter()
                .filter(|k| k.name() == &**t)
                .map(|k| k.name())
                .collect(),
            _ => Vec::new(),
        };
        let got: Vec<&str> = routed.iter().map(|r| r.action_name.as_str()).collect();
        if got != expected {
            return Err(format!(
                "routing ran {got:?}, expected the preset for type {}: {expected:?}",
                event
                    .get("type")
                    .map(Value::to_json)
                    .unwrap_or("(absent)".into())
            ));
        }
        for r in &routed {
            shape(&r.result)?;
            let Some(kind) = r.action else { continue };
            let direct = self.presets.execute(kind, None, event, &mut self.env());
            if let Some(d) = super::snapshots::same_outcome(&r.result, &direct) {
                return Err(format!("route vs execute for {}:\n{d}", kind.name()));
            }
            if let Err(e) = &r.result {
                let validation = e.name == "AggregateAjvError" || e.name == "ValidationError";
                if validation != (e.status == Some(400)) {
                    return Err(format!("routed validation error without status 400: {e}"));
                }
            }
        }
        Ok(())
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic)".into()
    }
}

/// A request to the s2s endpoint with a JSON object body, or a Segment-style error.
fn shape(r: &Result<Request, ActionError>) -> Result<(), String> {
    match r {
        Ok(req) => {
            if req.method != "POST" {
                return Err(format!("method {}", req.method));
            }
            let url = req.redacted_url();
            if !url.starts_with("https://events.usermaven.com/api/v1/s2s/event?token=") {
                return Err(format!("unexpected URL {url}"));
            }
            match Value::parse(&req.body) {
                Ok(Value::Object(_)) => {}
                Ok(_) => return Err("body is not a JSON object".into()),
                Err(e) => return Err(format!("body is not valid JSON: {}", e.message)),
            }
            let len = req
                .headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map(|(_, v)| &**v);
            if len != Some(req.body.len().to_string().as_str()) {
                return Err(format!(
                    "content-length {len:?} for a {}-byte body",
                    req.body.len()
                ));
            }
            Ok(())
        }
        Err(e) => {
            let name_ok = !e.name.is_empty()
                && e.name.chars().all(|c| c.is_ascii_alphanumeric())
                && e.name.ends_with("Error");
            if !name_ok || e.message.is_empty() {
                return Err(format!("not a Segment-style error: {:?}", e));
            }
            Ok(())
        }
    }
}

/// ajv's coercion of a scalar (or a one-element array of one) to a string.
fn coerced_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_js_string()),
        Value::Array(items) if items.len() == 1 && !matches!(items[0], Value::Array(_)) => {
            coerced_string(&items[0])
        }
        _ => None,
    }
}

fn event_type_rule(
    kind: ActionKind,
    event: &Value,
    r: &Result<Request, ActionError>,
    default_mapping: bool,
) -> Result<(), String> {
    let Ok(req) = r else { return Ok(()) };
    let body = Value::parse(&req.body).unwrap_or(Value::Null);
    let got = body.get("event_type");
    // request-params.ts: `event_type: eventType || payload.event_type`, where track's perform
    // first moves a truthy `event` into `event_type`. So a non-empty event name wins; an empty
    // one leaves the mapped `event_type` field (a string, or absent).
    let expected = match kind {
        ActionKind::Identify => Some("user_identify".to_string()),
        ActionKind::Group => Some("group".to_string()),
        ActionKind::Page => Some("pageview".to_string()),
        ActionKind::Track if default_mapping => event
            .get("event")
            .and_then(coerced_string)
            .filter(|s| !s.is_empty()),
        ActionKind::Track => None,
    };
    match (expected, got) {
        (Some(e), Some(Value::String(g))) if *e == **g => Ok(()),
        (None, None | Some(Value::String(_))) => Ok(()),
        (e, g) => Err(format!(
            "event_type is {} but the {} rule says {}",
            g.map(Value::to_json).unwrap_or("(absent)".into()),
            kind.name(),
            e.map(|e| Value::str(&e).to_json())
                .unwrap_or("a string or absent".into())
        )),
    }
}

/// `$.a.b` on an event, as actions-core's `get` resolves it for `@path`:
/// `path.reduce((o, key) => o && o[key], event)`, so a falsy value part-way is the result.
fn get_path<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = Some(event);
    for part in path.trim_start_matches("$.").split('.') {
        cur = match cur {
            None => None,
            Some(v) if !v.is_truthy() => Some(v),
            Some(Value::Object(o)) => o.get(part),
            Some(Value::Array(a)) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            Some(_) => None,
        };
    }
    cur
}

/// The default mapping's value for a field: `@path` and `@if exists` only (all a required field
/// uses). `Err` when the mapping uses anything else.
fn resolve<'a>(m: &Value, event: &'a Value) -> Result<Option<&'a Value>, ()> {
    if let Some(p) = m.get("@path").and_then(Value::as_str) {
        return Ok(get_path(event, p));
    }
    if let Some(c) = m.get("@if") {
        let cond = resolve(c.get("exists").ok_or(())?, event)?;
        let branch = if matches!(cond, Some(v) if !v.is_null()) {
            c.get("then")
        } else {
            c.get("else")
        };
        return match branch {
            Some(b) => resolve(b, event),
            None => Ok(None),
        };
    }
    Err(())
}

fn required_rule(
    kind: ActionKind,
    event: &Value,
    r: &Result<Request, ActionError>,
) -> Result<(), String> {
    for f in kind.action().fields.iter().filter(|f| f.required()) {
        let Some(default) = f.default_mapping() else {
            continue;
        };
        let Ok(value) = resolve(default, event) else {
            continue;
        };
        let missing = match value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        let phrase = format!("missing the required field '{}'", f.name);
        let reported = matches!(r, Err(e) if e.message.contains(&phrase));
        if missing != reported {
            return Err(format!(
                "required field {}: input {} but {}",
                f.name,
                if missing { "is missing" } else { "is present" },
                match r {
                    Ok(_) => "the action sent a request".to_string(),
                    Err(e) => format!("the error is {e}"),
                }
            ));
        }
    }
    Ok(())
}

/// The rows every generated event is checked in.
pub const ROWS: [&str; 5] = ["identify", "track", "group", "page", "routing"];

/// Run the property stage.
pub fn run(opts: &Options, mappings: &[MappingFixture], fixed: &Fixed, report: &mut Report) {
    let harness = Harness::new(fixed, mappings);
    let strategy = event();
    let mut runner = runner(opts.seed, 1, opts.cases);
    let mut shrunk_rows: Vec<&str> = Vec::new();
    for i in 0..opts.cases {
        let tree = match strategy.new_tree(&mut runner) {
            Ok(t) => t,
            Err(e) => {
                report
                    .notes
                    .push(format!("property generator gave up: {e}"));
                break;
            }
        };
        let event = tree.current();
        for row in ROWS {
            let failure = match harness.check(row, &event) {
                Ok(()) => None,
                Err(first) => {
                    let mut text = format!(
                        "property failed: action {row}, generated event #{i} (seed {:#x}): {first}",
                        opts.seed
                    );
                    if !shrunk_rows.contains(&row) {
                        shrunk_rows.push(row);
                        let minimal = shrink(tree_clone(&strategy, opts, i), |e| {
                            harness.check(row, e).is_err()
                        });
                        let why = harness.check(row, &minimal).err().unwrap_or_default();
                        text.push_str(&format!(
                            "\n    minimal event: {}\n    its failure: {why}",
                            minimal.to_json()
                        ));
                    }
                    Some(text)
                }
            };
            report.record(Stage::Property, row, &format!("generated #{i}"), failure);
        }
    }
    report.count("generated_property_events", u64::from(opts.cases));
    report.count(
        "generated_property_checks",
        u64::from(opts.cases) * ROWS.len() as u64,
    );
}

/// Re-create the value tree of generated case `i` (the runner is deterministic).
fn tree_clone(
    strategy: &BoxedStrategy<Value>,
    opts: &Options,
    i: u32,
) -> Option<Box<dyn ValueTree<Value = Value>>> {
    let mut runner = runner(opts.seed, 1, opts.cases);
    let mut tree = None;
    for _ in 0..=i {
        tree = strategy.new_tree(&mut runner).ok();
    }
    tree
}

/// Proptest's shrinking loop: simplify while the case still fails, complicate when it passes.
pub fn shrink(
    tree: Option<Box<dyn ValueTree<Value = Value>>>,
    fails: impl Fn(&Value) -> bool,
) -> Value {
    let Some(mut tree) = tree else {
        return Value::Null;
    };
    let mut last = tree.current();
    let mut budget = 4096;
    if !tree.simplify() {
        return last;
    }
    while budget > 0 {
        budget -= 1;
        let current = tree.current();
        if fails(&current) {
            last = current;
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_rule_resolves_if_exists() {
        let m = ActionKind::Identify
            .action()
            .fields
            .iter()
            .find(|f| f.name == "user_email")
            .and_then(|f| f.default_mapping().cloned())
            .unwrap();
        let e = Value::parse(r#"{"traits":{"email":null},"properties":{"email":"p@x"}}"#).unwrap();
        assert_eq!(resolve(&m, &e), Ok(Some(&Value::str("p@x"))));
        let e = Value::parse(r#"{"traits":"x"}"#).unwrap();
        assert_eq!(resolve(&m, &e), Ok(None));
        // Reference run: traits "" makes `$.traits.email` resolve to "" (exists), so the
        // required user_email is missing even with properties.email set.
        let e = Value::parse(r#"{"traits":"","properties":{"email":"a@x"}}"#).unwrap();
        assert_eq!(resolve(&m, &e), Ok(Some(&Value::str(""))));
    }
}
