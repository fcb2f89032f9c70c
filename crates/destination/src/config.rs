//! Destination configurations in Segment's own shapes, so a user can paste what Segment
//! shows: settings plus a list of subscriptions `{name, subscribe, partnerAction, mapping,
//! enabled}` (the preset shape of the reference's metadata.json).
//!
//! ```json
//! { "settings": { "api_key": "…", "server_token": { "$env": "USERMAVEN_SERVER_TOKEN" } },
//!   "subscriptions": [ { "name": "Orders", "subscribe": "event = \"Order Completed\"",
//!                        "partnerAction": "track", "mapping": { … }, "enabled": true } ],
//!   "options": { "fix_company_custom": false } }
//! ```
//!
//! No `subscriptions` key means the four presets. A secret may be a literal, `{"$env": NAME}`
//! or the string `"${NAME}"`; environment lookups go through a caller-supplied function, so
//! this module stays free of I/O.

use usermaven_json::Value;

use crate::{ActionKind, Destination, Options, Settings, Subscription};

/// Segment's limit on subscriptions ("mappings") per destination.
pub const MAX_ENABLED_SUBSCRIPTIONS: usize = 50;

/// One problem found in a configuration, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// e.g. `subscriptions[2] "Orders" mapping.event`.
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A configuration that has been checked: the destination it builds and every problem found.
#[derive(Debug)]
pub struct Checked {
    pub destination: Option<Destination>,
    pub problems: Vec<Problem>,
}

fn problem(location: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        location: location.into(),
        message: message.into(),
    }
}

/// Resolve a secret: literal, `{"$env": NAME}` or `"${NAME}"`.
fn secret(
    v: Option<&Value>,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> Value {
    let loc = format!("settings.{name}");
    let var = match v {
        Some(Value::Object(o)) if o.len() == 1 && o.get("$env").is_some() => {
            match o.get("$env").and_then(Value::as_str) {
                Some(n) => Some(n.to_string()),
                None => {
                    problems.push(problem(loc, "\"$env\" must name an environment variable"));
                    return Value::Null;
                }
            }
        }
        Some(Value::String(s)) if s.starts_with("${") && s.ends_with('}') && s.len() > 3 => {
            Some(s[2..s.len() - 1].to_string())
        }
        Some(other) => return other.clone(),
        None => return Value::Null,
    };
    let var = var.unwrap_or_default();
    match env(&var) {
        Some(val) => Value::from(val),
        None => {
            problems.push(problem(
                loc,
                format!("environment variable {var} is not set"),
            ));
            Value::Null
        }
    }
}

/// Check a configuration and build its destination. `destination` is `None` only when the
/// settings themselves are unusable; subscription problems are reported and the subscription
/// kept (an invalid trigger never matches; an invalid mapping errors per event, as in Segment).
pub fn check(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Checked {
    let mut problems = Vec::new();
    let Some(root) = config.as_object() else {
        return Checked {
            destination: None,
            problems: vec![problem("(root)", "a configuration must be a JSON object")],
        };
    };
    for (k, _) in root.iter() {
        if !matches!(&**k, "settings" | "subscriptions" | "options") {
            problems.push(problem(
                k.to_string(),
                "unknown key (expected settings, subscriptions, options)",
            ));
        }
    }

    // Settings.
    let raw = root.get("settings");
    let mut settings_value = usermaven_json::Object::new();
    if let Some(o) = raw.and_then(Value::as_object) {
        for key in ["api_key", "server_token"] {
            let v = secret(o.get(key), key, env, &mut problems);
            if !(v.is_null() && o.get(key).is_none()) {
                settings_value.set(key, v);
            }
        }
        for (k, _) in o.iter() {
            if !matches!(&**k, "api_key" | "server_token") {
                problems.push(problem(
                    format!("settings.{k}"),
                    "unknown setting (Segment strips it)",
                ));
            }
        }
    } else {
        problems.push(problem(
            "settings",
            "missing: an object with api_key and server_token",
        ));
    }
    let settings = match Settings::from_value(&Value::Object(settings_value)) {
        Ok(s) => {
            if s.api_key().is_empty() {
                problems.push(problem("settings.api_key", "API Key is required"));
            }
            if s.server_token().is_empty() {
                problems.push(problem("settings.server_token", "Server Token is required"));
            }
            Some(s)
        }
        Err(e) => {
            problems.push(problem("settings", e.message));
            None
        }
    };

    // Options.
    let mut options = Options::default();
    if let Some(o) = root.get("options") {
        match o.as_object() {
            Some(o) => {
                for (k, v) in o.iter() {
                    match (&**k, v) {
                        ("fix_company_custom", Value::Bool(b)) => options.fix_company_custom = *b,
                        ("tz_offset_at_event_time", Value::Bool(b)) => {
                            options.tz_offset_at_event_time = *b
                        }
                        ("fix_tz_midnight", Value::Bool(b)) => options.fix_tz_midnight = *b,
                        ("base_url", Value::String(s)) => options.base_url = s.to_string(),
                        _ => problems.push(problem(
                            format!("options.{k}"),
                            "unknown option or wrong type",
                        )),
                    }
                }
            }
            None => problems.push(problem("options", "must be an object")),
        }
    }

    // Subscriptions.
    let subscriptions = match root.get("subscriptions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(check_subscriptions(list, &mut problems)),
        Some(_) => {
            problems.push(problem("subscriptions", "must be an array"));
            Some(Vec::new())
        }
    };

    let destination = settings.map(|s| match subscriptions {
        None => Destination::new(s, options),
        Some(subs) => Destination::with_subscriptions(s, options, subs),
    });
    Checked {
        destination,
        problems,
    }
}

fn check_subscriptions(list: &[Value], problems: &mut Vec<Problem>) -> Vec<Subscription> {
    let mut subs = Vec::with_capacity(list.len());
    let mut enabled = 0;
    for (i, s) in list.iter().enumerate() {
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        let loc = if name.is_empty() {
            format!("subscriptions[{i}]")
        } else {
            format!("subscriptions[{i}] {name:?}")
        };
        let Some(obj) = s.as_object() else {
            problems.push(problem(loc, "a subscription must be an object"));
            continue;
        };
        for (k, _) in obj.iter() {
            if !matches!(
                &**k,
                "name"
                    | "subscribe"
                    | "partnerAction"
                    | "mapping"
                    | "enabled"
                    | "type"
                    | "eventSlug"
            ) {
                problems.push(problem(format!("{loc}.{k}"), "unknown key"));
            }
        }
        let action = obj
            .get("partnerAction")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(kind) = ActionKind::from_name(action) else {
            problems.push(problem(
                format!("{loc}.partnerAction"),
                format!("unknown action {action:?} (expected identify, track, group or page)"),
            ));
            continue;
        };
        let subscribe = match obj.get("subscribe") {
            Some(Value::String(t)) => t.to_string(),
            _ => {
                problems.push(problem(
                    format!("{loc}.subscribe"),
                    "missing trigger (an FQL string)",
                ));
                String::new()
            }
        };
        let is_enabled = match obj.get("enabled") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                problems.push(problem(format!("{loc}.enabled"), "must be true or false"));
                true
            }
        };
        let empty = Value::Object(usermaven_json::Object::new());
        let mapping = obj.get("mapping").unwrap_or(&empty);
        check_mapping(kind, mapping, &loc, problems);
        let mut sub = Subscription::new(
            if name.is_empty() { action } else { name },
            kind,
            &subscribe,
            mapping,
        );
        if let Some(e) = sub.trigger.error() {
            problems.push(problem(
                format!("{loc}.subscribe"),
                format!("invalid trigger {subscribe:?}: {e}"),
            ));
        }
        if let Err(e) = usermaven_mapping::Mapping::compile(mapping) {
            if e.errors.is_empty() {
                problems.push(problem(
                    format!("{loc}.mapping"),
                    e.message.trim().to_string(),
                ));
            }
            for err in &e.errors {
                problems.push(problem(format!("{loc}.mapping"), err.clone()));
            }
        }
        sub.enabled = is_enabled;
        if is_enabled {
            enabled += 1;
        }
        subs.push(sub);
    }
    if enabled > MAX_ENABLED_SUBSCRIPTIONS {
        problems.push(problem(
            "subscriptions",
            format!("{enabled} enabled subscriptions; Segment allows at most {MAX_ENABLED_SUBSCRIPTIONS} per destination"),
        ));
    }
    subs
}

fn is_directive(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.keys().any(|k| k.starts_with('@')))
}

/// Field-level checks that need the action's declaration: unknown fields, unmapped required
/// fields, literal values of the wrong type.
fn check_mapping(kind: ActionKind, mapping: &Value, loc: &str, problems: &mut Vec<Problem>) {
    let Some(m) = mapping.as_object() else {
        problems.push(problem(
            format!("{loc}.mapping"),
            "a mapping must be an object of field → value",
        ));
        return;
    };
    let action = kind.action();
    for (k, v) in m.iter() {
        let Some(field) = action.fields.iter().find(|f| f.name == **k) else {
            if &**k != "dynamicAuthSettings" {
                problems.push(problem(
                    format!("{loc}.mapping.{k}"),
                    format!(
                        "unknown field for action {} (Segment drops it)",
                        kind.name()
                    ),
                ));
            }
            continue;
        };
        if !is_directive(v) {
            if let Some(msg) =
                literal_type_problem(field.field_type(), v, field.definition.get("properties"))
            {
                problems.push(problem(
                    format!("{loc}.mapping.{k}"),
                    format!("{}: {msg}", field.label()),
                ));
            }
        }
    }
    for f in action.fields.iter().filter(|f| f.required()) {
        if m.get(&f.name).is_none() {
            let default = f
                .default_mapping()
                .map(|d| format!(" (the preset maps it from {})", d.to_json()))
                .unwrap_or_default();
            problems.push(problem(
                format!("{loc}.mapping.{}", f.name),
                format!(
                    "required field '{}' ({}) is not mapped{default}",
                    f.name,
                    f.label()
                ),
            ));
        }
    }
}

fn literal_type_problem(ty: &str, v: &Value, properties: Option<&Value>) -> Option<String> {
    let got = match v {
        Value::Null => return None,
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let bad = match ty {
        "string" => matches!(v, Value::Object(_)) || matches!(v, Value::Array(a) if a.len() != 1),
        "integer" | "number" => match v {
            Value::Number(n) => ty == "integer" && n.fract() != 0.0,
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(|n| ty == "integer" && n.fract() != 0.0)
                .unwrap_or(true),
            Value::Bool(_) => false,
            _ => true,
        },
        "object" => {
            if let (Value::Object(o), Some(props)) = (v, properties.and_then(Value::as_object)) {
                for (k, pv) in o.iter() {
                    if let Some(pt) = props
                        .get(k)
                        .and_then(|p| p.get("type"))
                        .and_then(Value::as_str)
                    {
                        if !is_directive(pv) {
                            if let Some(msg) = literal_type_problem(pt, pv, None) {
                                return Some(format!("property {k}: {msg}"));
                            }
                        }
                    }
                }
            }
            !matches!(v, Value::Object(_))
        }
        _ => false,
    };
    bad.then(|| format!("must be {} but the literal value is {got}", article(ty)))
}

fn article(ty: &str) -> String {
    match ty {
        "integer" | "object" => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}
