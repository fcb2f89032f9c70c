//! Destination configurations in Segment's own shapes, so a user can paste what Segment
//! shows or its Public API returns: the preset shape of the reference's metadata.json
//! (settings plus a list of subscriptions `{name, subscribe, partnerAction, mapping,
//! enabled}`), or the Public API's subscription and destination objects ([`shape`] lists
//! them all; the shape is recognised from the content).
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
//! this module stays free of I/O. Settings the file does not hold come from [`Inputs`] (the
//! command line's `--api-key`/`--server-token`).
//!
//! Problems are errors or warnings ([`Severity`]): what Segment tolerates (an unknown mapping
//! key, which it drops; anything in a disabled subscription) is a warning and does not stop a
//! run.

use usermaven_json::Value;

use crate::{ActionKind, Destination, Fixes, Options, Settings, Subscription};

pub mod shape;

pub use shape::{Shape, Style, Target};

/// Segment's limit on subscriptions ("mappings") per destination.
pub const MAX_ENABLED_SUBSCRIPTIONS: usize = 50;

/// How much a problem matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Segment refuses it, or every event through it would fail: `map`/`send`/`diff` stop.
    Error,
    /// Segment tolerates it (an unknown mapping key it drops, a problem in a disabled
    /// subscription): reported once, and the run goes on.
    Warning,
}

/// One problem found in a configuration, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// In the file's own shape: `subscriptions[2] "Orders" mapping.event`,
    /// `data.subscriptions[3] "Orders" settings.user_id`.
    pub location: String,
    pub message: String,
    pub severity: Severity,
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
    /// The shape the file was recognised as (`None` when it is not a configuration at all).
    pub shape: Option<Shape>,
}

impl Checked {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

fn problem(location: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        location: location.into(),
        message: message.into(),
        severity: Severity::Error,
    }
}

fn warning(location: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        severity: Severity::Warning,
        ..problem(location, message)
    }
}

/// What a check takes besides the file: environment lookups (for `$env` secrets) and the
/// settings to use where the file has none (`--api-key`/`--server-token` or their variables).
pub struct Inputs<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub api_key: Option<String>,
    pub server_token: Option<String>,
    /// Use `api_key`/`server_token` even where the file has settings (snapshot tests run
    /// with stand-in credentials, whatever the file holds).
    pub ignore_file_settings: bool,
    /// Fixes turned on from outside the file (the command line's `--fix-…` flags): each one
    /// set here is on whatever the file's `options` say.
    pub fixes: Fixes,
}

/// Resolve a secret: literal, `{"$env": NAME}` or `"${NAME}"`.
fn secret(
    v: Option<&Value>,
    loc: &str,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> Value {
    let loc = loc.to_string();
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

/// Check a configuration and build its destination, with no settings but the file's.
pub fn check(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Checked {
    check_with(
        config,
        &Inputs {
            env,
            api_key: None,
            server_token: None,
            ignore_file_settings: false,
            fixes: Default::default(),
        },
    )
}

/// Check a configuration in any of Segment's shapes (see [`shape`]) and build its destination.
/// `destination` is `None` only when the settings themselves are unusable or the file is not
/// a configuration; subscription problems are reported and the subscription kept (an invalid
/// trigger never matches; an invalid mapping errors per event, as in Segment).
pub fn check_with(config: &Value, inputs: &Inputs<'_>) -> Checked {
    let mut problems = Vec::new();
    let Some(layout) = shape::layout(config, &mut problems) else {
        return Checked {
            destination: None,
            problems,
            shape: None,
        };
    };
    let env = inputs.env;

    // Settings: the file's, else the inputs'.
    let (raw, settings_loc) = match &layout.settings {
        Some((v, loc)) if !inputs.ignore_file_settings => (Some(*v), loc.clone()),
        Some((_, loc)) => (None, loc.clone()),
        None => (None, String::new()),
    };
    let at = |key: &str| {
        if settings_loc.is_empty() {
            key.to_string()
        } else {
            format!("{settings_loc}.{key}")
        }
    };
    let mut settings_value = usermaven_json::Object::new();
    let mut missing = false;
    let raw_object = raw.and_then(Value::as_object);
    if raw.is_some() && raw_object.is_none() {
        problems.push(problem(
            settings_loc.clone(),
            "must be an object with api_key and server_token",
        ));
    }
    for (key, given, flag) in [
        ("api_key", &inputs.api_key, "--api-key or USERMAVEN_API_KEY"),
        (
            "server_token",
            &inputs.server_token,
            "--server-token or USERMAVEN_SERVER_TOKEN",
        ),
    ] {
        let loc = at(key);
        match raw_object.and_then(|o| o.get(key)) {
            Some(v) => {
                let v = secret(Some(v), &loc, env, &mut problems);
                settings_value.set(key, v);
            }
            None => match given {
                Some(v) => settings_value.set(key, Value::from(v.clone())),
                None => {
                    missing = true;
                    problems.push(problem(
                        loc,
                        format!("missing: not in the file; pass {flag}"),
                    ));
                }
            },
        }
    }
    if let Some(o) = raw_object {
        for (k, _) in o.iter() {
            if !matches!(&**k, "api_key" | "server_token") {
                problems.push(warning(
                    format!("{settings_loc}.{k}"),
                    "unknown setting (Segment strips it)",
                ));
            }
        }
    }
    let settings = match Settings::from_value(&Value::Object(settings_value)) {
        _ if missing => None,
        Ok(s) => {
            let missing = |p: &Vec<Problem>, k: &str| !p.iter().any(|x| x.location == at(k));
            if s.api_key().is_empty() && missing(&problems, "api_key") {
                problems.push(problem(at("api_key"), "API Key is required"));
            }
            if s.server_token().is_empty() && missing(&problems, "server_token") {
                problems.push(problem(at("server_token"), "Server Token is required"));
            }
            Some(s)
        }
        Err(e) => {
            let loc = if settings_loc.is_empty() {
                "settings"
            } else {
                &settings_loc
            };
            problems.push(problem(loc, e.message));
            None
        }
    };

    // Options.
    let mut options = Options::default();
    if let Some(o) = layout.options {
        match o.as_object() {
            Some(o) => {
                for (k, v) in o.iter() {
                    match (&**k, v) {
                        ("base_url", Value::String(s)) => options.base_url = s.to_string(),
                        (name, Value::Bool(b)) if options.fixes.set(name, *b) => {}
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

    options.fixes = options.fixes.or(inputs.fixes);

    // Subscriptions.
    let subscriptions = layout
        .subscriptions
        .as_ref()
        .map(|list| check_subscriptions(list, &layout.list_location, &mut problems));

    let destination = settings.map(|s| match subscriptions {
        None => Destination::new(s, options),
        Some(subs) => Destination::with_subscriptions(s, options, subs),
    });
    Checked {
        destination,
        problems,
        shape: Some(layout.shape),
    }
}

/// Write `config` in another shape (`config convert`); errors when its shape is not
/// recognised. See [`shape::convert`] for what is carried over.
pub fn convert(config: &Value, to: Target) -> Result<Value, Vec<Problem>> {
    let mut problems = Vec::new();
    match shape::layout(config, &mut problems) {
        Some(layout) if problems.iter().all(|p| p.severity == Severity::Warning) => {
            Ok(shape::convert(&layout, to))
        }
        _ => Err(problems),
    }
}

/// Locations of the secrets a configuration holds literally (not as `{"$env": …}` or
/// `"${…}"`), so a command that copies the file can say so.
pub fn literal_secrets(config: &Value) -> Vec<String> {
    let mut ignored = Vec::new();
    let Some(layout) = shape::layout(config, &mut ignored) else {
        return Vec::new();
    };
    let Some((settings, loc)) = layout.settings else {
        return Vec::new();
    };
    ["api_key", "server_token"]
        .into_iter()
        .filter(|k| match settings.get(k) {
            Some(Value::String(s)) => !(s.starts_with("${") && s.ends_with('}')),
            Some(Value::Object(o)) => o.get("$env").is_none(),
            Some(Value::Null) | None => false,
            Some(_) => true,
        })
        .map(|k| format!("{loc}.{k}"))
        .collect()
}

fn check_subscriptions(
    list: &[shape::Entry<'_>],
    list_location: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Subscription> {
    let mut subs = Vec::with_capacity(list.len());
    let mut enabled = 0;
    for entry in list {
        let s = entry.value;
        let style = entry.style;
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        let loc = if name.is_empty() {
            entry.location.clone()
        } else {
            format!("{} {name:?}", entry.location)
        };
        let at = |field: &str| format!("{loc} {field}");
        let Some(obj) = s.as_object() else {
            problems.push(problem(loc, "a subscription must be an object"));
            continue;
        };
        let is_enabled = match obj.get("enabled") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                problems.push(problem(at("enabled"), "must be true or false"));
                true
            }
        };
        // Problems of this subscription; a disabled one's are only warnings.
        let mut found = Vec::new();
        for (k, _) in obj.iter() {
            if !style.known_keys().contains(&&**k) {
                found.push(warning(at(k), "unknown key (ignored)"));
            }
        }
        let action_key = style.action_key();
        let action = obj.get(action_key).and_then(Value::as_str).unwrap_or("");
        let Some(kind) = ActionKind::from_name(action) else {
            found.push(problem(
                at(action_key),
                format!("unknown action {action:?} (expected identify, track, group or page)"),
            ));
            finish(found, is_enabled, problems);
            continue;
        };
        let subscribe = match obj.get(style.trigger_key()) {
            Some(Value::String(t)) => t.to_string(),
            _ => {
                found.push(problem(
                    at(style.trigger_key()),
                    "missing trigger (an FQL string)",
                ));
                String::new()
            }
        };
        let empty = Value::Object(usermaven_json::Object::new());
        let mapping = obj.get(style.mapping_key()).unwrap_or(&empty);
        let mapping_loc = at(style.mapping_key());
        check_mapping(kind, mapping, &mapping_loc, &mut found);
        let mut sub = Subscription::new(
            if name.is_empty() { action } else { name },
            kind,
            &subscribe,
            mapping,
        );
        if let Some(e) = sub.trigger.error() {
            found.push(problem(
                at(style.trigger_key()),
                format!("invalid trigger {subscribe:?}: {e}"),
            ));
        }
        if let Err(e) = usermaven_mapping::Mapping::compile(mapping) {
            if e.errors.is_empty() {
                found.push(problem(mapping_loc.clone(), e.message.trim().to_string()));
            }
            for err in &e.errors {
                found.push(problem(mapping_loc.clone(), err.clone()));
            }
        }
        finish(found, is_enabled, problems);
        sub.enabled = is_enabled;
        if is_enabled {
            enabled += 1;
        }
        subs.push(sub);
    }
    if enabled > MAX_ENABLED_SUBSCRIPTIONS {
        problems.push(problem(
            list_location,
            format!("{enabled} enabled subscriptions; Segment allows at most {MAX_ENABLED_SUBSCRIPTIONS} per destination"),
        ));
    }
    subs
}

/// Keep a subscription's problems; in a disabled subscription they are warnings (it never
/// runs, so Segment's behaviour does not depend on them).
fn finish(found: Vec<Problem>, enabled: bool, problems: &mut Vec<Problem>) {
    for mut p in found {
        if !enabled && p.severity == Severity::Error {
            p.severity = Severity::Warning;
            p.message.push_str(" (subscription disabled)");
        }
        problems.push(p);
    }
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
            loc.to_string(),
            "a mapping must be an object of field → value",
        ));
        return;
    };
    let action = kind.action();
    for (k, v) in m.iter() {
        let Some(field) = action.fields.iter().find(|f| f.name == **k) else {
            if &**k != "dynamicAuthSettings" {
                problems.push(warning(
                    format!("{loc}.{k}"),
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
                    format!("{loc}.{k}"),
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
                format!("{loc}.{}", f.name),
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
        Value::Object(_) | Value::Builtin(_) => "an object",
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
