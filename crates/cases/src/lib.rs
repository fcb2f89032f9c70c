//! `usermaven-cases`, the differential case runner: one NDJSON *case* in, one NDJSON
//! *result* out, in the exact shape `reference/run-cases.js` produces from Segment's own code
//! (the contract is in `reference/README.md`). The CLI's `cases` command, the committed-case
//! tests and xtask's conformance harness all run cases through it.
//!
//! Kinds: `action` (one action, default or given mapping), `route` (presets or given
//! subscriptions), `transform` (mapping-kit alone), `fql` (a trigger against an event).
//! A malformed case answers `{"id":…,"error":{"name":"InvalidCase",…}}`.

use usermaven_destination::{
    ActionError, ActionKind, CountingEnv, Destination, Env, FixedEnv, Options, Request, Settings,
    Subscription,
};
use usermaven_json::{Object, Value};

/// Run one case (already parsed) and return its result object.
pub fn run_case(case: &Value) -> Value {
    run_case_text(case, None)
}

/// [`run_case`] for a case read from `line`: a `route` case routes its event's text as it
/// is written there (what `map` and `send` do with their input).
fn run_case_text(case: &Value, line: Option<&str>) -> Value {
    let id = match case.get("id") {
        Some(v @ Value::String(_)) => v.clone(),
        _ => Value::Null,
    };
    let mut out = Object::new();
    out.set("id", id.clone());
    let result = if case.as_object().is_none() {
        Err("a case must be a JSON object".to_string())
    } else if id.is_null() {
        Err("`id` must be a string".to_string())
    } else {
        match case.get("kind").and_then(Value::as_str) {
            Some("action") => action_case(case, &mut out),
            Some("route") => route_case(case, line.and_then(event_text), &mut out),
            Some("transform") => transform_case(case, &mut out),
            Some("fql") => fql_case(case, &mut out),
            _ => Err(format!(
                "unknown kind: {}",
                case.get("kind").map(Value::to_json).unwrap_or_default()
            )),
        }
    };
    if let Err(message) = result {
        let mut out = Object::new();
        out.set("id", id);
        out.set("error", invalid_case(&message));
        return Value::Object(out);
    }
    Value::Object(out)
}

fn invalid_case(message: &str) -> Value {
    let mut e = Object::new();
    e.set("name", Value::str("InvalidCase"));
    e.set("message", Value::str(message));
    e.set("status", Value::Null);
    Value::Object(e)
}

/// Run one NDJSON line (`line_no` counts from 1). A line that is not JSON is itself an
/// invalid case.
pub fn run_line_numbered(line: &str, line_no: usize) -> Value {
    match Value::parse(line) {
        Ok(case) => run_case_text(&case, Some(line)),
        Err(e) => {
            let mut out = Object::new();
            out.set("id", Value::Null);
            out.set(
                "error",
                invalid_case(&format!("line {line_no}: {}", e.message)),
            );
            Value::Object(out)
        }
    }
}

/// Run one NDJSON line.
pub fn run_line(line: &str) -> Value {
    run_line_numbered(line, 1)
}

/// The case's clock and id generator (`now`, `seed`).
fn env_of(case: &Value, defaults: bool) -> Result<FixedEnv, String> {
    let now = match case.get("now") {
        Some(Value::String(s)) => parse_now(s)?,
        None if defaults => jiff::Timestamp::from_second(1_704_067_200).unwrap_or_default(),
        _ => return Err("`now` must be an RFC 3339 string".to_string()),
    };
    let seed = match case.get("seed") {
        Some(Value::Number(n))
            if *n >= 0.0 && n.fract() == 0.0 && *n <= 9_007_199_254_740_991.0 =>
        {
            *n as u64
        }
        None if defaults => 0,
        _ => return Err("`seed` must be a non-negative integer".to_string()),
    };
    Ok(FixedEnv::new(now, seed))
}

/// RFC 3339 with `T`, seconds, optional fraction and `Z` or `±hh:mm`.
fn parse_now(s: &str) -> Result<jiff::Timestamp, String> {
    let b = s.as_bytes();
    let shape_ok = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b't')
        && b[13] == b':'
        && b[16] == b':';
    let ts = s.parse::<jiff::Timestamp>();
    match (shape_ok, ts) {
        (true, Ok(t)) => Ok(t),
        _ => Err(format!(
            "`now` is not an RFC 3339 date-time: {}",
            Value::str(s).to_json()
        )),
    }
}

fn require_object<'a>(case: &'a Value, key: &str) -> Result<&'a Value, String> {
    match case.get(key) {
        Some(v @ Value::Object(_)) => Ok(v),
        _ => Err(format!("`{key}` must be an object")),
    }
}

/// The request bodies in a result (`ok.body`, and each match's in a route result), in order.
pub fn request_bodies(result: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_bodies(result, &mut out);
    out
}

fn collect_bodies<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    if let Some(b) = v
        .get("ok")
        .and_then(|ok| ok.get("body"))
        .and_then(Value::as_str)
    {
        out.push(b);
    }
    if let Some(Value::Array(ms)) = v.get("matches") {
        for m in ms {
            collect_bodies(m, out);
        }
    }
}

/// Whether `got` agrees with the reference's `expected` result: equal as JSON values, and
/// every request body byte-equal (JSON equality alone would not see key order or number
/// spelling inside a body).
pub fn same_result(expected: &Value, got: &Value) -> bool {
    expected == got && request_bodies(expected) == request_bodies(got)
}

/// An error as the case format writes it: `{"name","message","status"}`.
pub fn error_value(e: &ActionError) -> Value {
    let mut o = Object::new();
    o.set("name", Value::str(&e.name));
    o.set("message", Value::str(&e.message));
    o.set(
        "status",
        e.status
            .map(|s| Value::Number(f64::from(s)))
            .unwrap_or(Value::Null),
    );
    Value::Object(o)
}

/// The `ok` object of a result: url, method, headers, raw body.
pub fn request_value(r: &Request) -> Value {
    let mut o = Object::new();
    o.set("url", Value::str(r.url.expose()));
    o.set("method", Value::str(r.method));
    let mut h = Object::new();
    for (k, v) in &r.headers {
        h.set(k, Value::str(v));
    }
    o.set("headers", Value::Object(h));
    o.set("body", Value::str(&r.body));
    Value::Object(o)
}

fn nondeterministic(out: &mut Object, generated_id: bool) {
    if generated_id {
        out.set(
            "nondeterministic",
            Value::Array(vec![Value::str("user.anonymous_id")]),
        );
    }
}

fn action_case(case: &Value, out: &mut Object) -> Result<(), String> {
    let name = case
        .get("action")
        .and_then(Value::as_str)
        .ok_or("`action` must be a string")?;
    let event = require_object(case, "event")?;
    let settings = require_object(case, "settings")?;
    let mapping = match case.get("mapping") {
        Some(Value::Null) => None,
        Some(m @ Value::Object(_)) => Some(m),
        _ => return Err("`mapping` must be null or an object".to_string()),
    };
    let mut env = env_of(case, false)?;
    let Some(kind) = ActionKind::from_name(name) else {
        // executeAction sends nothing for a name that is not an action (see `unknown_action`).
        match usermaven_destination::unknown_action(name) {
            e if e.name == "UnknownAction" => {
                out.set("noop", Value::Bool(true));
                out.set("note", Value::str(&e.message));
            }
            e => out.set("error", error_value(&e)),
        }
        return Ok(());
    };
    let mut env = CountingEnv::new(&mut env);
    // executeAction receives the settings unvalidated.
    let dest = Destination::new(Settings::raw(settings), Options::default());
    match dest.execute(kind, mapping, event, &mut env) {
        Ok(r) => {
            out.set("ok", request_value(&r));
            nondeterministic(out, env.generated());
        }
        Err(e) => out.set("error", error_value(&e)),
    }
    Ok(())
}

/// The text of the case's `event` object in `line`, when the scan can tell it.
fn event_text(line: &str) -> Option<&str> {
    use usermaven_json::extract::{Extract, Kind, PathSet};
    static EVENT: std::sync::OnceLock<(PathSet, u32)> = std::sync::OnceLock::new();
    let (set, node) = EVENT.get_or_init(|| {
        let mut set = PathSet::new();
        let node = set.node(&["event"]);
        (set, node)
    });
    let raw = Extract::run(set, line)?.get(*node)?;
    (raw.kind == Kind::Object).then_some(raw.text)
}

fn route_case(case: &Value, event_text: Option<&str>, out: &mut Object) -> Result<(), String> {
    let event = require_object(case, "event")?;
    let dest = route_destination(case)?;
    let mut env = env_of(case, false)?;
    let dest = match dest {
        Ok(dest) => dest,
        Err(e) => {
            out.set("error", error_value(&e));
            return Ok(());
        }
    };
    let mut matches = Vec::new();
    // Routed from the event's JSON text as the case line holds it, as `map` and `send` route
    // their input: the fused fast path is held to the reference's results here too.
    let routed = match event_text {
        Some(text) => dest
            .route_text(text, &mut env)
            .map_err(|e| format!("event: {e}"))?,
        None => dest.route(event, &mut env),
    };
    for routed in routed {
        let mut m = Object::new();
        m.set("index", Value::Number(routed.index as f64));
        m.set("action", Value::str(&routed.action_name));
        match (&routed.result, routed.action) {
            (Err(e), None) if e.name != "UnknownAction" => m.set("error", error_value(e)),
            (_, None) => m.set("noop", Value::Bool(true)),
            (Ok(r), _) => {
                m.set("ok", request_value(r));
                nondeterministic(&mut m, routed.generated_id);
            }
            (Err(e), _) => m.set("error", error_value(e)),
        }
        matches.push(Value::Object(m));
    }
    out.set("matches", Value::Array(matches));
    let invalid: Vec<Value> = dest
        .subscriptions()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.trigger.error().map(|msg| {
                let mut o = Object::new();
                o.set("index", Value::Number(i as f64));
                o.set("action", Value::str(&s.action_name));
                o.set("message", Value::str(msg));
                Value::Object(o)
            })
        })
        .collect();
    if !invalid.is_empty() {
        out.set("invalid", Value::Array(invalid));
    }
    Ok(())
}

/// The clock and id generator a case names (`now`, `seed`), as its kind runs with them.
pub fn case_env(case: &Value) -> Result<FixedEnv, String> {
    env_of(case, false)
}

/// The destination a `route` case routes with: its settings (validated: `Err` is the
/// settings error the case answers) and its subscriptions, or the presets.
pub fn route_destination(case: &Value) -> Result<Result<Destination, ActionError>, String> {
    let raw_settings = require_object(case, "settings")?;
    let subs = match case.get("subscriptions") {
        Some(Value::Null) => None,
        Some(Value::Array(subs)) if subs.iter().all(|s| matches!(s, Value::Object(_))) => {
            Some(subs)
        }
        _ => return Err("`subscriptions` must be null or an array of objects".to_string()),
    };
    let settings = match Settings::from_value(raw_settings) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(match subs {
        None => Destination::new(settings, Options::default()),
        Some(subs) => {
            let list = subs
                .iter()
                .map(|s| {
                    let action = s
                        .get("partnerAction")
                        .map(Value::to_js_string)
                        .unwrap_or_default();
                    let subscribe = match s.get("subscribe") {
                        Some(Value::String(t)) => t.to_string(),
                        _ => String::new(),
                    };
                    let empty = Value::Object(Object::new());
                    let mapping = s.get("mapping").filter(|m| m.is_truthy()).unwrap_or(&empty);
                    Subscription::for_action_name(&action, &action, &subscribe, mapping)
                })
                .collect();
            Destination::with_subscriptions(settings, Options::default(), list)
        }
    }))
}

fn transform_case(case: &Value, out: &mut Object) -> Result<(), String> {
    let mapping = case.get("mapping").ok_or("`mapping` is required")?;
    let input = case.get("input").ok_or("`input` is required")?;
    let now = env_of(case, true)?.now();
    match usermaven_mapping::transform(mapping, input, now) {
        Ok(Some(v)) => {
            // As the harness prints `{ok: value}`: through JSON.stringify (functions left
            // out, `toJSON` called, which may throw).
            if let Some(e) = usermaven_json::js::stringify_error(&v, "ok") {
                out.set("error", Value::str(&e.message));
                return Ok(());
            }
            let mut wrapper = Object::new();
            wrapper.set("ok", v);
            if let Ok(Value::Object(printed)) = Value::parse(&Value::Object(wrapper).to_json()) {
                for (k, v) in printed {
                    out.insert(k, v);
                }
            }
        }
        Ok(None) => {
            out.set("ok", Value::Null);
            out.set("undefined", Value::Bool(true));
        }
        Err(e) => out.set("error", Value::str(&e.message)),
    }
    Ok(())
}

fn fql_case(case: &Value, out: &mut Object) -> Result<(), String> {
    let fql = case
        .get("fql")
        .and_then(Value::as_str)
        .ok_or("`fql` must be a string")?;
    // Any JSON value is an event here; a missing one is the reference's `undefined`.
    match usermaven_fql::evaluate_event(fql, case.get("event")) {
        Ok(b) => out.set("ok", Value::Bool(b)),
        Err(e) => out.set("error", Value::from(e.message)),
    }
    Ok(())
}
