//! The differential case runner: one NDJSON *case* in, one NDJSON *result* out, in the
//! exact shape `reference/run-cases.js` produces from Segment's own code.
//!
//! Kinds: `action` (one action, default or given mapping), `route` (presets or given
//! subscriptions), `transform` (mapping-kit alone), `fql` (a trigger against an event).
//! A malformed case answers `{"id":…,"error":{"name":"InvalidCase",…}}`.

use usermaven_destination::{
    ActionError, ActionKind, Destination, Env, FixedEnv, Options, Request, Settings, Subscription,
};
use usermaven_json::{Object, Value};

/// Run one case (already parsed) and return its result object.
pub fn run_case(case: &Value) -> Value {
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let mut out = Object::new();
    out.set("id", id);
    let result = match case.get("kind").and_then(Value::as_str) {
        Some("action") => action_case(case, &mut out),
        Some("route") => route_case(case, &mut out),
        Some("transform") => transform_case(case, &mut out),
        Some("fql") => fql_case(case, &mut out),
        Some(k) => Err(format!("unknown case kind {k:?}")),
        None => Err("the case has no \"kind\"".to_string()),
    };
    if let Err(message) = result {
        let mut e = Object::new();
        e.set("name", Value::str("InvalidCase"));
        e.set("message", Value::from(message));
        e.set("status", Value::Null);
        out.set("error", Value::Object(e));
    }
    Value::Object(out)
}

/// Run one NDJSON line. A line that is not JSON is itself an invalid case.
pub fn run_line(line: &str) -> Value {
    match Value::parse(line) {
        Ok(case) => run_case(&case),
        Err(e) => {
            let mut out = Object::new();
            out.set("id", Value::Null);
            let mut err = Object::new();
            err.set("name", Value::str("InvalidCase"));
            err.set("message", Value::from(format!("invalid JSON: {e}")));
            err.set("status", Value::Null);
            out.set("error", Value::Object(err));
            Value::Object(out)
        }
    }
}

/// An [`Env`] that remembers whether a random id was generated.
struct TrackingEnv {
    inner: FixedEnv,
    generated: bool,
}

impl Env for TrackingEnv {
    fn now(&self) -> jiff::Timestamp {
        self.inner.now()
    }
    fn generate_id(&mut self) -> String {
        self.generated = true;
        self.inner.generate_id()
    }
}

fn env_of(case: &Value) -> Result<TrackingEnv, String> {
    let now = match case.get("now") {
        Some(Value::String(s)) => s
            .parse::<jiff::Timestamp>()
            .map_err(|e| format!("invalid \"now\" {s:?}: {e}"))?,
        None | Some(Value::Null) => jiff::Timestamp::UNIX_EPOCH,
        Some(_) => return Err("\"now\" must be an RFC 3339 string".to_string()),
    };
    let seed = match case.get("seed") {
        Some(Value::Number(n)) if *n >= 0.0 => *n as u64,
        None | Some(Value::Null) => 0,
        Some(_) => return Err("\"seed\" must be a non-negative number".to_string()),
    };
    Ok(TrackingEnv {
        inner: FixedEnv::new(now, seed),
        generated: false,
    })
}

fn error_value(e: &ActionError) -> Value {
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

fn settings_of(case: &Value) -> Result<Settings, ActionError> {
    Settings::from_value(case.get("settings").unwrap_or(&Value::Null))
}

fn nondeterministic(out: &mut Object, env: &TrackingEnv) {
    if env.generated {
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
        .ok_or("\"action\" is missing")?;
    let kind = ActionKind::from_name(name).ok_or_else(|| format!("unknown action {name:?}"))?;
    let event = case.get("event").ok_or("\"event\" is missing")?;
    let mapping = case.get("mapping").filter(|m| !m.is_null());
    let mut env = env_of(case)?;
    let result = settings_of(case).and_then(|settings| {
        Destination::new(settings, Options::default()).execute(kind, mapping, event, &mut env)
    });
    match result {
        Ok(r) => {
            out.set("ok", request_value(&r));
            nondeterministic(out, &env);
        }
        Err(e) => out.set("error", error_value(&e)),
    }
    Ok(())
}

fn route_case(case: &Value, out: &mut Object) -> Result<(), String> {
    let event = case.get("event").ok_or("\"event\" is missing")?;
    let mut env = env_of(case)?;
    let settings = match settings_of(case) {
        Ok(s) => s,
        Err(e) => {
            out.set("error", error_value(&e));
            return Ok(());
        }
    };
    let dest = match case.get("subscriptions").filter(|s| !s.is_null()) {
        None => Destination::new(settings, Options::default()),
        Some(Value::Array(subs)) => {
            let mut list = Vec::with_capacity(subs.len());
            for (i, s) in subs.iter().enumerate() {
                let action = s.get("partnerAction").and_then(Value::as_str).unwrap_or("");
                let kind = ActionKind::from_name(action)
                    .ok_or_else(|| format!("subscription {i}: unknown partnerAction {action:?}"))?;
                let subscribe = s.get("subscribe").and_then(Value::as_str).unwrap_or("");
                let mapping = s
                    .get("mapping")
                    .cloned()
                    .unwrap_or(Value::Object(Object::new()));
                let name = s.get("name").and_then(Value::as_str).unwrap_or(action);
                list.push(Subscription::new(name, kind, subscribe, &mapping));
            }
            Destination::with_subscriptions(settings, Options::default(), list)
        }
        Some(_) => return Err("\"subscriptions\" must be null or an array".to_string()),
    };
    let mut matches = Vec::new();
    for routed in dest.route(event, &mut env) {
        let mut m = Object::new();
        m.set("index", Value::Number(routed.index as f64));
        m.set("action", Value::str(routed.action.name()));
        match &routed.result {
            Ok(r) => m.set("ok", request_value(r)),
            Err(e) => m.set("error", error_value(e)),
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
                o.set("action", Value::str(s.action.name()));
                o.set("message", Value::str(msg));
                Value::Object(o)
            })
        })
        .collect();
    if !invalid.is_empty() {
        out.set("invalid", Value::Array(invalid));
    }
    nondeterministic(out, &env);
    Ok(())
}

fn transform_case(case: &Value, out: &mut Object) -> Result<(), String> {
    let mapping = case.get("mapping").cloned().unwrap_or(Value::Null);
    let input = case
        .get("input")
        .cloned()
        .unwrap_or(Value::Object(Object::new()));
    let now = env_of(case)?.now();
    match usermaven_destination::transform(&mapping, &input, now) {
        Ok(Some(v)) => out.set("ok", v),
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
        .ok_or("\"fql\" is missing")?;
    let event = case.get("event").ok_or("\"event\" is missing")?;
    match usermaven_destination::evaluate_fql(fql, event) {
        Ok(b) => out.set("ok", Value::Bool(b)),
        Err(message) => out.set("error", Value::from(message)),
    }
    Ok(())
}
