//! The actions' `perform`: `resolveRequestPayload` and `eventRequestParams` of
//! `usermaven/request-params.ts`, run on the validated payload.
//!
//! Every step keeps the reference's key order: the body starts with the defaults
//! (`api_key, ids, doc_encoding, src, screen_resolution`), the payload is spread over them,
//! derived keys are appended, and `delete` removes keys in place.

use std::sync::Arc;

use usermaven_json::{Object, Str, Value};

use crate::{tz, ActionError, ActionKind, Env, Options, Request, Secret, Settings};

/// The default API origin.
pub const DEFAULT_BASE_URL: &str = "https://events.usermaven.com";

/// Build the request for a validated payload.
pub fn perform(
    kind: ActionKind,
    payload: Object,
    settings: &Settings,
    options: &Options,
    env: &mut dyn Env,
) -> Result<Request, ActionError> {
    let mut body = resolve_request_payload(settings, payload, options, env)?;
    // eventRequestParams: `{...payload, event_type: eventType || payload.event_type}`.
    let event_type = match kind.forced_event_type() {
        Some(t) => Some(Value::str(t)),
        None => body.get("event_type").cloned(),
    };
    match event_type {
        Some(v) => body.set("event_type", v),
        // `event_type: undefined` is dropped by JSON.stringify, but the key still
        // holds its position; nothing to emit.
        None => {}
    }
    let mut text = String::with_capacity(512);
    Value::Object(body).write_json(&mut text);
    let (url, host) = request_url(settings, options);
    Ok(Request {
        url,
        method: "POST",
        headers: vec![
            ("user-agent".to_string(), "Segment (Actions)".to_string()),
            ("content-type".to_string(), "application/json".to_string()),
            ("accept".to_string(), "*/*".to_string()),
            ("content-length".to_string(), text.len().to_string()),
            ("accept-encoding".to_string(), "gzip,deflate".to_string()),
            ("host".to_string(), host),
            ("connection".to_string(), "keep-alive".to_string()),
        ],
        body: text,
    })
}

/// `${apiBaseUrl}/api/v1/s2s/event?token=${api_key}.${server_token}` as it goes on the wire
/// (and the `host` header): parsed by the WHATWG URL parser (tabs and newlines dropped, `#`
/// starts a fragment that is never sent, spaces, quotes and non-ASCII percent-encoded), plus
/// the characters Node's HTTP client escapes on top (`{ } | \ ^` and backtick).
pub fn request_url(settings: &Settings, options: &Options) -> (Secret, String) {
    let raw = format!(
        "{}/api/v1/s2s/event?token={}.{}",
        options.base_url.trim_end_matches('/'),
        settings.api_key(),
        settings.server_token()
    );
    match url::Url::parse(&raw) {
        Ok(mut u) => {
            u.set_fragment(None);
            let host = url_host(&u);
            let mut s = String::with_capacity(raw.len() + 16);
            for c in String::from(u).chars() {
                match c {
                    '{' => s.push_str("%7B"),
                    '}' => s.push_str("%7D"),
                    '|' => s.push_str("%7C"),
                    '\\' => s.push_str("%5C"),
                    '^' => s.push_str("%5E"),
                    '`' => s.push_str("%60"),
                    _ => s.push(c),
                }
            }
            (Secret::new(s), host)
        }
        Err(_) => (Secret::new(raw), String::new()),
    }
}

fn key(s: &str) -> Str {
    Arc::from(s)
}

fn resolve_request_payload(
    settings: &Settings,
    payload: Object,
    options: &Options,
    env: &mut dyn Env,
) -> Result<Object, ActionError> {
    let mut p = Object::with_capacity(payload.len() + 8);
    if let Some(k) = &settings.api_key {
        p.insert(key("api_key"), k.clone());
    }
    p.insert(key("ids"), Value::Object(Object::new()));
    p.insert(key("doc_encoding"), Value::str("utf-8"));
    p.insert(key("src"), Value::str("usermaven-segment"));
    p.insert(key("screen_resolution"), Value::str("0"));
    for (k, v) in payload.iter() {
        p.insert(k.clone(), v.clone());
    }
    let payload = payload;

    // doc_host from the WHATWG URL's host.
    if let Some(u) = payload.get("url").filter(|v| v.is_truthy()) {
        let text = u.to_js_string();
        let parsed =
            url::Url::parse(&text).map_err(|_| ActionError::new("TypeError", "Invalid URL"))?;
        p.set("doc_host", Value::from(url_host(&parsed)));
    }

    // screen → screen_resolution and vp_size, when width and height are both truthy.
    if let Some(screen) = payload.get("screen").filter(|v| v.is_truthy()) {
        let w = screen.get("width").filter(|v| v.is_truthy());
        let h = screen.get("height").filter(|v| v.is_truthy());
        if let (Some(w), Some(h)) = (w, h) {
            let res = format!("{}x{}", w.to_js_string(), h.to_js_string());
            p.set("screen_resolution", Value::from(res.clone()));
            p.set("vp_size", Value::from(res));
            p.remove("screen");
        }
    }

    // timezone → local_tz_offset at *now*.
    if let Some(zone) = payload.get("timezone").filter(|v| v.is_truthy()) {
        let offset = tz::local_tz_offset(&zone.to_js_string(), env.now())?;
        p.set(
            "local_tz_offset",
            offset.map(Value::Number).unwrap_or(Value::Null),
        );
        p.remove("timezone");
    }

    // The event name becomes event_type.
    if let Some(ev) = payload.get("event").filter(|v| v.is_truthy()) {
        p.set("event_type", ev.clone());
        p.remove("event");
    }

    // user
    let anonymous_id = match payload.get("user_anonymous_id").filter(|v| v.is_truthy()) {
        Some(v) => v.clone(),
        None => Value::from(env.generate_id()),
    };
    let mut user = Object::with_capacity(7);
    put(&mut user, "id", payload.get("user_id"));
    user.insert(key("anonymous_id"), anonymous_id);
    put(&mut user, "email", payload.get("user_email"));
    put(&mut user, "first_name", payload.get("user_first_name"));
    put(&mut user, "last_name", payload.get("user_last_name"));
    put(&mut user, "created_at", payload.get("user_created_at"));
    if let Some(custom) = payload.get("user_custom_attributes") {
        let custom = if custom.is_truthy() {
            omit(custom, &["first_name", "last_name", "email", "created_at"])
        } else {
            custom.clone()
        };
        user.insert(key("custom"), custom);
    }
    p.set("user", Value::Object(user));
    for k in [
        "user_id",
        "user_anonymous_id",
        "user_email",
        "user_first_name",
        "user_last_name",
        "user_custom_attributes",
        "user_created_at",
    ] {
        p.remove(k);
    }

    // company, when company_id is truthy.
    if payload.get("company_id").is_some_and(Value::is_truthy) {
        let mut company = Object::with_capacity(4);
        put(&mut company, "id", payload.get("company_id"));
        put(&mut company, "name", payload.get("company_name"));
        put(
            &mut company,
            "created_at",
            payload.get("company_created_at"),
        );
        if let Some(custom) = payload.get("company_custom_attributes") {
            // The reference tests `payload.company`, which never exists, so the intended
            // omission never happens. `Options::fix_company_custom` applies it.
            let custom = if options.fix_company_custom && custom.is_truthy() {
                omit(
                    custom,
                    &["name", "created_at", "company_id", "company_created_at"],
                )
            } else {
                custom.clone()
            };
            company.insert(key("custom"), custom);
        }
        p.set("company", Value::Object(company));
    }
    for k in [
        "company_id",
        "company_name",
        "company_created_at",
        "company_custom_attributes",
    ] {
        p.remove(k);
    }

    // event_attributes without email and created_at.
    if let Some(attrs) = payload.get("event_attributes").filter(|v| v.is_truthy()) {
        p.set("event_attributes", omit(attrs, &["email", "created_at"]));
    }

    Ok(p)
}

fn put(o: &mut Object, k: &str, v: Option<&Value>) {
    if let Some(v) = v {
        o.insert(key(k), v.clone());
    }
}

/// `const {a, b, ...rest} = value`: own enumerable keys minus `keys`, in order. Strings
/// spread into index keys; other primitives give `{}`.
fn omit(value: &Value, keys: &[&str]) -> Value {
    let mut out = Object::new();
    match value {
        Value::Object(o) => {
            for (k, v) in o.iter() {
                if !keys.contains(&&**k) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                out.insert(Arc::from(i.to_string()), v.clone());
            }
        }
        Value::String(s) => {
            for (i, c) in s.encode_utf16().enumerate() {
                let ch = String::from_utf16_lossy(&[c]);
                out.insert(Arc::from(i.to_string()), Value::from(ch));
            }
        }
        _ => {}
    }
    Value::Object(out)
}

/// WHATWG `url.host`: hostname plus `:port` when the port is not the scheme's default.
fn url_host(u: &url::Url) -> String {
    // The url crate serializes hosts as WHATWG does (IPv6 compressed, in brackets).
    let host = u.host_str().unwrap_or("");
    match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}
