//! The executable specification of the request body: `resolveRequestPayload` and
//! `eventRequestParams` of `usermaven/request-params.ts`, followed step by step on an
//! [`Object`] (assembled, edited with `delete`, stringified). The one-pass
//! [`body_writer`](super::body_writer) must give the same bytes; `perform/tests.rs` holds them
//! equal over every committed case.

use std::sync::Arc;

use usermaven_json::{Object, Str, Value};

use super::trace::{top, PerformTrace, Source};
use super::url_host;
use crate::{tz, ActionError, ActionKind, Env, Options, Settings};

/// The trace being recorded, if any: `None` costs one test per step.
type Trace<'t> = Option<&'t mut PerformTrace>;

/// Records into the trace, when there is one.
fn record(trace: &mut Trace<'_>, f: impl FnOnce(&mut PerformTrace)) {
    if let Some(t) = trace.as_deref_mut() {
        f(t);
    }
}

fn field(name: &str, note: Option<&str>) -> Source {
    Source::Field {
        name: name.to_string(),
        note: note.map(str::to_string),
    }
}

fn rule(text: impl Into<String>) -> Source {
    Source::Rule(text.into())
}

/// The request body, built as the reference builds it: an object assembled, edited and
/// stringified.
pub(super) fn body_by_object(
    kind: ActionKind,
    payload: Object,
    settings: &Settings,
    options: &Options,
    env: &mut dyn Env,
) -> Result<String, ActionError> {
    body_by_object_traced(kind, payload, settings, options, env, None)
}

/// [`body_by_object`], recording what it does in `trace` when given one.
pub(crate) fn body_by_object_traced(
    kind: ActionKind,
    payload: Object,
    settings: &Settings,
    options: &Options,
    env: &mut dyn Env,
    mut trace: Trace<'_>,
) -> Result<String, ActionError> {
    let mut body = resolve_request_payload(settings, payload, options, env, &mut trace)?;
    // eventRequestParams: `{...payload, event_type: eventType || payload.event_type}`.
    // With no event_type at all the key would hold `undefined`, which JSON.stringify drops.
    if let Some(t) = kind.forced_event_type() {
        body.set("event_type", Value::str(t));
        record(&mut trace, |tr| {
            let why = format!("the {} action always sends event_type {t:?}", kind.name());
            tr.place(top("event_type"), rule(why), &Value::str(t));
        });
    }
    record(&mut trace, |tr| tr.finish(&body));
    let mut text = String::with_capacity(1024);
    Value::Object(body).write_json(&mut text);
    Ok(text)
}

fn key(s: &str) -> Str {
    Arc::from(s)
}

fn resolve_request_payload(
    settings: &Settings,
    payload: Object,
    options: &Options,
    env: &mut dyn Env,
    trace: &mut Trace<'_>,
) -> Result<Object, ActionError> {
    // `{api_key, ids, doc_encoding, src, screen_resolution, ...payload}`. Every payload key
    // then holds the payload's value, so below we read (and move) values out of `p` itself.
    let mut p = Object::with_capacity(payload.len() + 8);
    if let Some(k) = &settings.api_key {
        p.insert(key("api_key"), k.clone());
    }
    p.insert(key("ids"), Value::Object(Object::new()));
    p.insert(key("doc_encoding"), Value::str("utf-8"));
    p.insert(key("src"), Value::str("usermaven-segment"));
    p.insert(key("screen_resolution"), Value::str("0"));
    record(trace, |tr| {
        for (k, v) in p.iter() {
            let why = match &**k {
                "api_key" => "the api_key setting",
                "ids" => "always {} at first",
                "doc_encoding" => "always \"utf-8\" at first",
                "src" => "always \"usermaven-segment\" at first",
                _ => "\"0\" at first (screen.width x screen.height when both are set)",
            };
            tr.place(top(k), rule(why), v);
        }
    });
    for (k, v) in payload {
        record(trace, |tr| tr.place(top(&k), field(&k, None), &v));
        p.insert(k, v);
    }

    // doc_host from the WHATWG URL's host.
    if let Some(u) = p.get("url").filter(|v| v.is_truthy()) {
        record(trace, |tr| tr.reading = Some("url".into()));
        let parsed = match u {
            Value::String(s) => url::Url::parse(s),
            other => url::Url::parse(&other.to_js_string()),
        }
        .map_err(|_| ActionError::new("TypeError", "Invalid URL"))?;
        let host = Value::from(url_host(&parsed));
        record(trace, |tr| {
            let why = format!("the host of url {}", u.to_json());
            tr.place(top("doc_host"), rule(why), &host);
        });
        p.set("doc_host", host);
    }

    // screen → screen_resolution and vp_size, when width and height are both truthy.
    let resolution = p
        .get("screen")
        .filter(|v| v.is_truthy())
        .and_then(|screen| {
            let w = screen.get("width").filter(|v| v.is_truthy())?;
            let h = screen.get("height").filter(|v| v.is_truthy())?;
            Some(format!("{}x{}", w.to_js_string(), h.to_js_string()))
        });
    if let Some(res) = resolution {
        record(trace, |tr| {
            let v = Value::from(res.as_str());
            let why = "screen.width x screen.height";
            tr.place(top("screen_resolution"), rule(why), &v);
            tr.place(top("vp_size"), rule(why), &v);
            tr.remove(
                "/screen",
                "perform made screen_resolution and vp_size of it",
            );
        });
        p.set("screen_resolution", Value::from(res.clone()));
        p.set("vp_size", Value::from(res));
        p.remove("screen");
    }

    // timezone → local_tz_offset at *now* (or at the event's time, as an option).
    if let Some(zone) = p.get("timezone").filter(|v| v.is_truthy()) {
        record(trace, |tr| tr.reading = Some("timezone".into()));
        let event_time = || p.get("utc_time").map(Value::to_js_string);
        let at = tz::offset_instant(options, event_time, env.now());
        let offset = tz::local_tz_offset(&zone.to_js_string(), at, options.fixes.fix_tz_midnight)?;
        let offset = offset.map(Value::Number).unwrap_or(Value::Null);
        record(trace, |tr| {
            let when = if at == env.now() {
                "now"
            } else {
                "the event's utc_time (tz_offset_at_event_time)"
            };
            let midnight = if options.fixes.fix_tz_midnight {
                ", local midnight read as hour 0 (fix_tz_midnight)"
            } else {
                ""
            };
            let why = format!(
                "the offset in minutes of zone {} at {at} ({when}){midnight}",
                zone.to_json()
            );
            tr.place(top("local_tz_offset"), rule(why), &offset);
            tr.remove("/timezone", "perform made local_tz_offset of it");
        });
        p.set("local_tz_offset", offset);
        p.remove("timezone");
    }

    // The event name becomes event_type.
    if let Some(ev) = p.get("event").filter(|v| v.is_truthy()).cloned() {
        record(trace, |tr| {
            tr.remove("/event", "moved to /event_type");
            tr.place(
                top("event_type"),
                field("event", Some("moved to event_type")),
                &ev,
            );
        });
        p.set("event_type", ev);
        p.remove("event");
    }

    // user. Taking the user_* keys out before appending `user` gives the same order as
    // the reference's append-then-delete.
    let id = p.remove("user_id");
    let anonymous = p.remove("user_anonymous_id").filter(Value::is_truthy);
    let email = p.remove("user_email");
    let first_name = p.remove("user_first_name");
    let last_name = p.remove("user_last_name");
    let custom = p.remove("user_custom_attributes");
    let created_at = p.remove("user_created_at");
    record(trace, |tr| {
        for k in [
            "user_id",
            "user_anonymous_id",
            "user_email",
            "user_first_name",
            "user_last_name",
            "user_custom_attributes",
            "user_created_at",
        ] {
            let why = if k == "user_anonymous_id" && anonymous.is_none() {
                "not truthy: perform generates an anonymous_id instead".to_string()
            } else {
                format!("moved into /user/{}", user_key(k))
            };
            tr.remove(&top(k), &why);
        }
    });
    let generated = anonymous.is_none();
    let anonymous_id = match anonymous {
        Some(v) => v,
        None => Value::from(env.generate_id()),
    };
    let mut user = Object::with_capacity(7);
    put(&mut user, "id", id);
    user.insert(key("anonymous_id"), anonymous_id);
    put(&mut user, "email", email);
    put(&mut user, "first_name", first_name);
    put(&mut user, "last_name", last_name);
    put(&mut user, "created_at", created_at);
    if let Some(custom) = custom {
        let custom = if custom.is_truthy() {
            omit(custom, &["first_name", "last_name", "email", "created_at"])
        } else {
            custom
        };
        user.insert(key("custom"), custom);
    }
    record(trace, |tr| {
        let why = "the user object, assembled from the user_* fields";
        tr.place(top("user"), rule(why), &Value::Object(Object::new()));
        for (k, v) in user.iter() {
            let pointer = format!("/user/{}", super::trace::pointer_token(k));
            let source = match &**k {
                "anonymous_id" if generated => rule("a generated id (no truthy user_anonymous_id)"),
                "custom" => field(
                    "user_custom_attributes",
                    Some("first_name, last_name, email and created_at left out when it is truthy"),
                ),
                other => field(&format!("user_{other}"), Some("moved into user")),
            };
            tr.place(pointer, source, v);
        }
    });
    p.set("user", Value::Object(user));

    // company, when company_id is truthy.
    let company_id = p.remove("company_id");
    let company_name = p.remove("company_name");
    let company_created_at = p.remove("company_created_at");
    let company_custom = p.remove("company_custom_attributes");
    let company_made = company_id.as_ref().is_some_and(Value::is_truthy);
    record(trace, |tr| {
        for k in [
            "company_id",
            "company_name",
            "company_created_at",
            "company_custom_attributes",
        ] {
            let why = if company_made {
                "moved into /company"
            } else {
                "dropped by perform: company_id is not truthy, so there is no company"
            };
            tr.remove(&top(k), why);
        }
    });
    if company_made {
        let mut company = Object::with_capacity(4);
        put(&mut company, "id", company_id);
        put(&mut company, "name", company_name);
        put(&mut company, "created_at", company_created_at);
        if let Some(custom) = company_custom {
            // The reference tests `payload.company`, which never exists, so the intended
            // omission never happens. `Fixes::fix_company_custom` applies it.
            let custom = if options.fixes.fix_company_custom && custom.is_truthy() {
                omit(
                    custom,
                    &["name", "created_at", "company_id", "company_created_at"],
                )
            } else {
                custom
            };
            company.insert(key("custom"), custom);
        }
        record(trace, |tr| {
            let why = "the company object, assembled because company_id is truthy";
            tr.place(top("company"), rule(why), &Value::Object(Object::new()));
            for (k, v) in company.iter() {
                let pointer = format!("/company/{}", super::trace::pointer_token(k));
                let source = match &**k {
                    "custom" if options.fixes.fix_company_custom => field(
                        "company_custom_attributes",
                        Some("name, created_at, company_id and company_created_at left out (fix_company_custom)"),
                    ),
                    "custom" => field("company_custom_attributes", Some("moved into company (kept whole, as the reference does)")),
                    other => field(&format!("company_{other}"), Some("moved into company")),
                };
                tr.place(pointer, source, v);
            }
        });
        p.set("company", Value::Object(company));
    }

    // event_attributes without email and created_at (the key keeps its position).
    if let Some(attrs) = p.get_mut("event_attributes").filter(|v| v.is_truthy()) {
        let taken = std::mem::take(attrs);
        *attrs = omit(taken, &["email", "created_at"]);
        let attrs = &*attrs;
        record(trace, |tr| {
            let note = Some("email and created_at left out");
            tr.place(
                top("event_attributes"),
                field("event_attributes", note),
                attrs,
            );
        });
    }

    Ok(p)
}

/// The key of `user` that a `user_*` payload field goes to.
fn user_key(field: &str) -> &str {
    match field {
        "user_custom_attributes" => "custom",
        other => other.strip_prefix("user_").unwrap_or(other),
    }
}

fn put(o: &mut Object, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(key(k), v);
    }
}

/// `const {a, b, ...rest} = value`: own enumerable keys minus `keys`, in order. Strings
/// spread into index keys; other primitives give `{}`.
pub(crate) fn omit(value: Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(mut o) => {
            o.retain(|k, _| !keys.contains(&&**k));
            Value::Object(o)
        }
        Value::Array(a) => {
            let mut out = Object::with_capacity(a.len());
            for (i, v) in a.into_iter().enumerate() {
                out.insert(Arc::from(i.to_string()), v);
            }
            Value::Object(out)
        }
        // A string's own properties are its UTF-16 code units (lone surrogates included).
        Value::String(s) => {
            let mut out = Object::new();
            let units = usermaven_json::js::utf16_len(&s);
            for (i, unit) in (0..units)
                .filter_map(|i| usermaven_json::js::char_at(&s, i))
                .enumerate()
            {
                out.insert(Arc::from(i.to_string()), Value::from(unit));
            }
            Value::Object(out)
        }
        _ => Value::Object(Object::new()),
    }
}
