//! `diff`: two configurations over the same events, with the same `now` and seed; what changes,
//! per event and subscription, and a summary.
//!
//! Each event gets a fresh `FixedEnv(now, seed)` on both sides, so an event's requests do not
//! depend on the events before it. Requests are paired by subscription name (the second
//! subscription of the same name is `NAME #2`, and so on).

use std::collections::HashMap;

use usermaven_destination::{
    ActionError, Destination, Explanation, FixedEnv, Origin, Request, Routed,
};
use usermaven_json::{Object, Value};
use usermaven_snapshot::diff::{self, Change};

use usermaven_snapshot::events::{self, EventInput};

/// What happened to one subscription's outcome on one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Unchanged,
    /// A request on both sides, with differences.
    Changed,
    /// The subscription produces an outcome only in HEAD.
    Added,
    /// The subscription produces an outcome only in BASE.
    Removed,
    /// BASE sent a request, HEAD fails with an error.
    ErrorAppeared,
    /// BASE failed with an error, HEAD sends a request.
    ErrorDisappeared,
    /// Both fail, differently.
    ErrorChanged,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Unchanged => "unchanged",
            Kind::Changed => "changed",
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::ErrorAppeared => "error-appeared",
            Kind::ErrorDisappeared => "error-disappeared",
            Kind::ErrorChanged => "error-changed",
        }
    }
}

/// One changed field of a request: a body path as a JSON pointer (`/user/email`; `""` is the
/// body itself), `url` or `header NAME`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub path: String,
    /// `None`: absent on that side.
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// The keys of the object at `path` are the same but in another order (`old`/`new` are
    /// the key lists).
    pub key_order: bool,
    /// What produced the value at `path` (a body path), from `explain` on each side.
    pub source: Option<Source>,
}

/// What produced a changed body value: a mapping key (with its directive on each side), or
/// one of perform's rules.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    MappingKey {
        key: String,
        /// The directive in BASE and in HEAD (`None`: that side's mapping lacks the key).
        old: Option<Value>,
        new: Option<Value>,
    },
    Rule(String),
}

impl Source {
    /// `mapping key K (DIRECTIVE)`, or `(OLD -> NEW)` when the directive changed; `perform: RULE`.
    pub fn describe(&self) -> String {
        match self {
            Source::MappingKey { key, old, new } => {
                let d = |v: &Option<Value>| {
                    v.as_ref()
                        .map_or_else(|| "not mapped".to_string(), Value::to_json)
                };
                if old == new {
                    format!("mapping key {key} ({})", d(new))
                } else {
                    format!("mapping key {key} ({} -> {})", d(old), d(new))
                }
            }
            Source::Rule(rule) => format!("perform: {rule}"),
        }
    }
}

/// The source of each changed body path, read off the explanations of both sides (HEAD's
/// where the path is in HEAD's body, else BASE's).
pub fn attribute(fields: &mut [Field], base: Option<&Explanation>, head: Option<&Explanation>) {
    for f in fields.iter_mut() {
        if !(f.path.is_empty() || f.path.starts_with('/')) {
            continue;
        }
        let origin = head
            .and_then(|x| x.origin(&f.path))
            .or_else(|| base.and_then(|x| x.origin(&f.path)));
        f.source = origin.map(|o| match o {
            Origin::Field(field) => {
                let directive = |x: Option<&Explanation>| {
                    x.and_then(|x| x.field(&field.field))
                        .and_then(|x| x.directive.clone())
                };
                let below = field
                    .body_pointer
                    .as_deref()
                    .and_then(|p| f.path.strip_prefix(p))
                    .unwrap_or("");
                narrow(field.field.clone(), directive(base), directive(head), below)
            }
            Origin::Derived(d) => Source::Rule(d.rule.clone()),
        });
    }
}

/// The mapping key as deep as the mapping names it: while the directive (on either side) is
/// a plain object of keys (no `@` directive) holding the next key of `below` (a JSON pointer
/// under the field), that key and its directive (`event_attributes.currency`).
fn narrow(mut key: String, mut old: Option<Value>, mut new: Option<Value>, below: &str) -> Source {
    let plain_member = |v: &Option<Value>, k: &str| match v {
        Some(Value::Object(o)) if !o.iter().any(|(k, _)| k.starts_with('@')) => {
            o.get(k).cloned().map(Some)
        }
        _ => None,
    };
    for token in below.split('/').skip(1) {
        let k = token.replace("~1", "/").replace("~0", "~");
        let (a, b) = (plain_member(&old, &k), plain_member(&new, &k));
        if a.is_none() && b.is_none() {
            break;
        }
        key = format!("{key}.{k}");
        old = a.flatten();
        new = b.flatten();
    }
    Source::MappingKey { key, old, new }
}

/// `test`: what produced each differing field (`body.a.b`, as snapshot diffs name them) of
/// the request `subscription` makes for `event_text`, from `explain` on the configuration
/// under test. A snapshot holds no mapping, so each side's directive is the current one.
pub fn snapshot_sources(
    dest: &Destination,
    event_text: &str,
    subscription: &str,
    fields: &[&str],
    now: jiff::Timestamp,
    seed: u64,
) -> Vec<Option<Source>> {
    let explained = Value::parse(event_text).ok().and_then(|event| {
        dest.explain(&event, &mut FixedEnv::new(now, seed))
            .into_iter()
            .find(|x| x.matched && x.subscription == subscription)
    });
    fields
        .iter()
        .map(|f| {
            let x = explained.as_ref()?;
            let rest = f.strip_prefix("body.")?;
            let mut path = Field {
                path: rest
                    .split('.')
                    .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
                    .collect(),
                old: None,
                new: None,
                key_order: false,
                source: None,
            };
            attribute(std::slice::from_mut(&mut path), Some(x), Some(x));
            path.source
        })
        .collect()
}

impl Field {
    /// The name counted in the summary: the path, marked when only the key order changed.
    pub fn summary_name(&self) -> String {
        let p = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        if self.key_order {
            format!("{p} (key order)")
        } else {
            p.to_string()
        }
    }
}

/// One subscription's outcome on one event, compared.
#[derive(Clone, Debug)]
pub struct Pair {
    pub subscription: String,
    pub action: String,
    pub kind: Kind,
    /// For `Changed`: every changed field, in document order.
    pub fields: Vec<Field>,
    /// The error text on each side (`name: message`), when there is one.
    pub old_error: Option<String>,
    pub new_error: Option<String>,
}

/// One event, compared.
#[derive(Clone, Debug)]
pub struct EventDiff {
    pub label: String,
    /// The pairs that differ (unchanged ones only count).
    pub pairs: Vec<Pair>,
    /// Set when the event is not a JSON object (both sides refuse it).
    pub bad_input: Option<String>,
}

/// Totals over a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub events: usize,
    pub events_differing: usize,
    pub bad_events: usize,
    pub unchanged: usize,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
    pub errors_appeared: usize,
    pub errors_disappeared: usize,
    pub errors_changed: usize,
    /// Changed fields with how many requests changed there, most frequent first (ties by name).
    pub paths: Vec<(String, usize)>,
}

impl Summary {
    pub fn differs(&self) -> bool {
        self.events_differing > 0
    }
}

fn error_line(e: &ActionError) -> String {
    format!("{}: {}", e.name, e.message)
}

/// Label each routed result by subscription, numbering repeated names.
fn keyed(routed: Vec<Routed>) -> Vec<(String, Routed)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    routed
        .into_iter()
        .map(|r| {
            let n = seen.entry(r.subscription.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 {
                r.subscription.clone()
            } else {
                format!("{} #{n}", r.subscription)
            };
            (key, r)
        })
        .collect()
}

fn request_fields(a: &Request, b: &Request) -> Vec<Field> {
    let mut out = Vec::new();
    let (ua, ub) = (a.redacted_url(), b.redacted_url());
    if ua != ub {
        out.push(Field {
            path: "url".into(),
            old: Some(Value::str(&ua)),
            new: Some(Value::str(&ub)),
            key_order: false,
            source: None,
        });
    }
    if a.method != b.method {
        out.push(Field {
            path: "method".into(),
            old: Some(Value::str(a.method)),
            new: Some(Value::str(b.method)),
            key_order: false,
            source: None,
        });
    }
    let header = |r: &Request, k: &str| {
        r.headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| Value::str(v))
    };
    let mut names: Vec<&str> = a.headers.iter().map(|(k, _)| &**k).collect();
    for (k, _) in &b.headers {
        if !names.contains(&&**k) {
            names.push(k);
        }
    }
    for k in names {
        let (x, y) = (header(a, k), header(b, k));
        if x != y {
            out.push(Field {
                path: format!("header {k}"),
                old: x,
                new: y,
                key_order: false,
                source: None,
            });
        }
    }
    match (Value::parse(&a.body), Value::parse(&b.body)) {
        (Ok(x), Ok(y)) => {
            for c in diff::changes(&x, &y) {
                out.push(match c {
                    Change::Changed { path, old, new } => Field {
                        path: diff::pointer(&path),
                        old: Some(old),
                        new: Some(new),
                        key_order: false,
                        source: None,
                    },
                    Change::Added { path, new } => Field {
                        path: diff::pointer(&path),
                        old: None,
                        new: Some(new),
                        key_order: false,
                        source: None,
                    },
                    Change::Removed { path, old } => Field {
                        path: diff::pointer(&path),
                        old: Some(old),
                        new: None,
                        key_order: false,
                        source: None,
                    },
                    Change::KeyOrder { path, old, new } => Field {
                        path: diff::pointer(&path),
                        old: Some(Value::Array(old.iter().map(|k| Value::str(k)).collect())),
                        new: Some(Value::Array(new.iter().map(|k| Value::str(k)).collect())),
                        key_order: true,
                        source: None,
                    },
                });
            }
        }
        _ if a.body != b.body => out.push(Field {
            path: "body".into(),
            old: Some(Value::str(&a.body)),
            new: Some(Value::str(&b.body)),
            key_order: false,
            source: None,
        }),
        _ => {}
    }
    out
}

fn pair(key: String, base: Option<&Routed>, head: Option<&Routed>) -> Pair {
    let action = head
        .or(base)
        .map(|r| r.action_name.clone())
        .unwrap_or_default();
    let err = |r: Option<&Routed>| r.and_then(|r| r.result.as_ref().err().map(error_line));
    let (old_error, new_error) = (err(base), err(head));
    let mut fields = Vec::new();
    let kind = match (base.map(|r| &r.result), head.map(|r| &r.result)) {
        (None, Some(_)) => Kind::Added,
        (Some(_), None) => Kind::Removed,
        (Some(Ok(a)), Some(Ok(b))) => {
            fields = request_fields(a, b);
            if fields.is_empty() {
                Kind::Unchanged
            } else {
                Kind::Changed
            }
        }
        (Some(Ok(_)), Some(Err(_))) => Kind::ErrorAppeared,
        (Some(Err(_)), Some(Ok(_))) => Kind::ErrorDisappeared,
        (Some(Err(a)), Some(Err(b))) => {
            if a.name == b.name && a.message == b.message && a.status == b.status {
                Kind::Unchanged
            } else {
                Kind::ErrorChanged
            }
        }
        (None, None) => Kind::Unchanged,
    };
    Pair {
        subscription: key,
        action,
        kind,
        fields,
        old_error,
        new_error,
    }
}

/// Compare `base` and `head` over `events` with the given clock and seed.
pub fn compare(
    base: &Destination,
    head: &Destination,
    events: &[EventInput],
    now: jiff::Timestamp,
    seed: u64,
) -> (Vec<EventDiff>, Summary) {
    let mut summary = Summary::default();
    let mut paths: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for e in events {
        summary.events += 1;
        let a = events::route(base, &mut FixedEnv::new(now, seed), &e.text);
        let b = events::route(head, &mut FixedEnv::new(now, seed), &e.text);
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (keyed(a), keyed(b)),
            (Err(why), _) | (_, Err(why)) => {
                summary.bad_events += 1;
                out.push(EventDiff {
                    label: e.label.clone(),
                    pairs: Vec::new(),
                    bad_input: Some(why),
                });
                continue;
            }
        };
        let mut keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
        for (k, _) in &b {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        let mut pairs = Vec::new();
        for k in keys {
            let x = a.iter().find(|(n, _)| n == k).map(|(_, r)| r);
            let y = b.iter().find(|(n, _)| n == k).map(|(_, r)| r);
            let mut p = pair(k.to_string(), x, y);
            if p.kind == Kind::Changed {
                if let Ok(event) = Value::parse(&e.text) {
                    let explain = |d: &Destination, r: Option<&Routed>| {
                        d.explain_subscription(r?.index, &event, &mut FixedEnv::new(now, seed))
                    };
                    attribute(
                        &mut p.fields,
                        explain(base, x).as_ref(),
                        explain(head, y).as_ref(),
                    );
                }
            }
            match p.kind {
                Kind::Unchanged => summary.unchanged += 1,
                Kind::Changed => {
                    summary.changed += 1;
                    let mut names: Vec<String> = p.fields.iter().map(Field::summary_name).collect();
                    names.dedup();
                    for n in names {
                        *paths.entry(n).or_insert(0) += 1;
                    }
                }
                Kind::Added => summary.added += 1,
                Kind::Removed => summary.removed += 1,
                Kind::ErrorAppeared => summary.errors_appeared += 1,
                Kind::ErrorDisappeared => summary.errors_disappeared += 1,
                Kind::ErrorChanged => summary.errors_changed += 1,
            }
            if p.kind != Kind::Unchanged {
                pairs.push(p);
            }
        }
        if !pairs.is_empty() {
            summary.events_differing += 1;
            out.push(EventDiff {
                label: e.label.clone(),
                pairs,
                bad_input: None,
            });
        }
    }
    let mut paths: Vec<(String, usize)> = paths.into_iter().collect();
    paths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    summary.paths = paths;
    (out, summary)
}

fn show(v: &Option<Value>) -> String {
    match v {
        Some(v) => diff::show(v),
        None => diff::ABSENT.to_string(),
    }
}

/// The human report: each differing event, then the summary.
pub fn render_text(events: &[EventDiff], summary: &Summary, out: &mut String) {
    for e in events {
        if let Some(why) = &e.bad_input {
            out.push_str(&format!("event {}: bad input: {why}\n", e.label));
            continue;
        }
        out.push_str(&format!("event {}\n", e.label));
        for p in &e.pairs {
            let who = format!("{} ({})", p.subscription, p.action);
            match p.kind {
                Kind::Changed => {
                    out.push_str(&format!("  ~ {who}: {} field(s) changed\n", p.fields.len()));
                    for f in &p.fields {
                        let path = if f.path.is_empty() { "/" } else { &f.path };
                        let order = if f.key_order { "key order " } else { "" };
                        let source = f
                            .source
                            .as_ref()
                            .map(|s| format!("  ← {}", s.describe()))
                            .unwrap_or_default();
                        out.push_str(&format!(
                            "      {path}: {order}{} -> {}{source}\n",
                            show(&f.old),
                            show(&f.new)
                        ));
                    }
                }
                Kind::Added => out.push_str(&format!(
                    "  + {who}: {}\n",
                    p.new_error
                        .as_ref()
                        .map(|e| format!("now matches, with an error: {e}"))
                        .unwrap_or_else(|| "request added".into())
                )),
                Kind::Removed => out.push_str(&format!(
                    "  - {who}: {}\n",
                    p.old_error
                        .as_ref()
                        .map(|e| format!("no longer matches (it failed with: {e})"))
                        .unwrap_or_else(|| "request removed".into())
                )),
                Kind::ErrorAppeared => out.push_str(&format!(
                    "  ! {who}: error appeared: {}\n",
                    p.new_error.as_deref().unwrap_or("")
                )),
                Kind::ErrorDisappeared => out.push_str(&format!(
                    "  ! {who}: error disappeared (was: {})\n",
                    p.old_error.as_deref().unwrap_or("")
                )),
                Kind::ErrorChanged => out.push_str(&format!(
                    "  ! {who}: error changed: {} -> {}\n",
                    p.old_error.as_deref().unwrap_or(""),
                    p.new_error.as_deref().unwrap_or("")
                )),
                Kind::Unchanged => {}
            }
        }
    }
    let s = summary;
    out.push_str(&format!(
        "summary: {} events compared, {} differ{}; requests: {} unchanged, {} changed, {} added, {} removed; errors: {} appeared, {} disappeared, {} changed\n",
        s.events,
        s.events_differing,
        if s.bad_events > 0 { format!(", {} bad", s.bad_events) } else { String::new() },
        s.unchanged, s.changed, s.added, s.removed,
        s.errors_appeared, s.errors_disappeared, s.errors_changed
    ));
    if !s.paths.is_empty() {
        out.push_str("changed paths:\n");
        for (p, n) in &s.paths {
            out.push_str(&format!("  {n:>5}  {p}\n"));
        }
    }
}

fn opt(v: &Option<Value>) -> Value {
    v.clone().unwrap_or(Value::Null)
}

/// The report for programs: `{"events":[…],"summary":{…}}`.
pub fn to_json(events: &[EventDiff], summary: &Summary) -> Value {
    let mut list = Vec::new();
    for e in events {
        let mut o = Object::new();
        o.set("event", Value::str(&e.label));
        if let Some(why) = &e.bad_input {
            o.set("bad_input", Value::str(why));
        }
        let pairs = e
            .pairs
            .iter()
            .map(|p| {
                let mut q = Object::new();
                q.set("subscription", Value::str(&p.subscription));
                q.set("action", Value::str(&p.action));
                q.set("change", Value::str(p.kind.name()));
                if p.kind == Kind::Changed {
                    let fields = p
                        .fields
                        .iter()
                        .map(|f| {
                            let mut r = Object::new();
                            r.set("path", Value::str(&f.path));
                            if f.key_order {
                                r.set("key_order", Value::Bool(true));
                            }
                            r.set("old_present", Value::Bool(f.old.is_some()));
                            r.set("old", opt(&f.old));
                            r.set("new_present", Value::Bool(f.new.is_some()));
                            r.set("new", opt(&f.new));
                            match &f.source {
                                Some(Source::MappingKey { key, old, new }) => {
                                    r.set("mapping_key", Value::str(key));
                                    r.set("old_directive", opt(old));
                                    r.set("new_directive", opt(new));
                                }
                                Some(Source::Rule(rule)) => r.set("rule", Value::str(rule)),
                                None => {}
                            }
                            Value::Object(r)
                        })
                        .collect();
                    q.set("fields", Value::Array(fields));
                }
                if let Some(e) = &p.old_error {
                    q.set("old_error", Value::str(e));
                }
                if let Some(e) = &p.new_error {
                    q.set("new_error", Value::str(e));
                }
                Value::Object(q)
            })
            .collect();
        o.set("requests", Value::Array(pairs));
        list.push(Value::Object(o));
    }
    let s = summary;
    let mut sm = Object::new();
    let n = |x: usize| Value::Number(x as f64);
    sm.set("events", n(s.events));
    sm.set("events_differing", n(s.events_differing));
    sm.set("bad_events", n(s.bad_events));
    sm.set("unchanged", n(s.unchanged));
    sm.set("changed", n(s.changed));
    sm.set("added", n(s.added));
    sm.set("removed", n(s.removed));
    sm.set("errors_appeared", n(s.errors_appeared));
    sm.set("errors_disappeared", n(s.errors_disappeared));
    sm.set("errors_changed", n(s.errors_changed));
    let paths = s
        .paths
        .iter()
        .map(|(p, c)| {
            let mut o = Object::new();
            o.set("path", Value::str(p));
            o.set("count", n(*c));
            Value::Object(o)
        })
        .collect();
    sm.set("paths", Value::Array(paths));
    let mut root = Object::new();
    root.set("events", Value::Array(list));
    root.set("summary", Value::Object(sm));
    Value::Object(root)
}
