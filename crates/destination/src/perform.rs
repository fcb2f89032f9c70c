//! The actions' `perform`: `resolveRequestPayload` and `eventRequestParams` of
//! `usermaven/request-params.ts`, run on the validated payload.
//!
//! Every step keeps the reference's key order: the body starts with the defaults
//! (`api_key, ids, doc_encoding, src, screen_resolution`), the payload is spread over them,
//! derived keys are appended, and `delete` removes keys in place.
//!
//! Two implementations: the `Object`-based one here is the executable specification (it
//! follows request-params.ts step by step), and [`body_writer`] writes the same bytes in one pass
//! over the payload. [`perform`] uses the fast one whenever it applies; the tests check both
//! give identical bodies and errors.

pub(crate) mod body_writer;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;

use usermaven_json::{Object, Str, Value};

use crate::{tz, ActionError, ActionKind, Env, Options, Request, Secret, Settings};

/// The default API origin.
pub const DEFAULT_BASE_URL: &str = "https://events.usermaven.com";

/// The request target, computed once per destination: the settings never change.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    url: Secret,
    host: String,
}

impl Target {
    pub(crate) fn new(settings: &Settings, options: &Options) -> Target {
        let (url, host) = request_url(settings, options);
        Target { url, host }
    }
}

/// Build the request for a validated payload.
pub(crate) fn perform(
    kind: ActionKind,
    payload: Object,
    settings: &Settings,
    target: &Target,
    options: &Options,
    env: &mut dyn Env,
) -> Result<Request, ActionError> {
    let text = match body_writer::body(kind, &payload, settings, options, env) {
        Some(body) => body?,
        None => body_by_object(kind, payload, settings, options, env)?,
    };
    Ok(request(text, target))
}

/// The request that carries `text`.
pub(crate) fn request(text: String, target: &Target) -> Request {
    let mut length = String::with_capacity(8);
    usermaven_json::write_number(&mut length, text.len() as f64);
    Request {
        url: target.url.clone(),
        method: "POST",
        headers: vec![
            (
                Cow::Borrowed("user-agent"),
                Cow::Borrowed("Segment (Actions)"),
            ),
            (
                Cow::Borrowed("content-type"),
                Cow::Borrowed("application/json"),
            ),
            (Cow::Borrowed("accept"), Cow::Borrowed("*/*")),
            (Cow::Borrowed("content-length"), Cow::Owned(length)),
            (
                Cow::Borrowed("accept-encoding"),
                Cow::Borrowed("gzip,deflate"),
            ),
            (Cow::Borrowed("host"), Cow::Owned(target.host.clone())),
            (Cow::Borrowed("connection"), Cow::Borrowed("keep-alive")),
        ],
        body: text,
    }
}

/// `${apiBaseUrl}/api/v1/s2s/event?token=${api_key}.${server_token}` as the reference's
/// request holds it (and the `host` header): parsed by the WHATWG URL parser (tabs and
/// newlines dropped, leading and trailing controls and spaces trimmed, a lone surrogate read
/// as U+FFFD, spaces, quotes and non-ASCII percent-encoded), plus the characters node-fetch's
/// legacy `url.parse` escapes on top (`{ } | \ ^ ' ` and backtick; `'` is already escaped in
/// the query, not in a fragment). A `#` in a setting starts a fragment, which stays in the URL
/// as Node serializes it (`…?token=key#frag.tok`) but never goes on the wire: HTTP clients
/// (the sender, the reference's) send the path and query only.
pub fn request_url(settings: &Settings, options: &Options) -> (Secret, String) {
    let raw = format!(
        "{}/api/v1/s2s/event?token={}.{}",
        options.base_url.trim_end_matches('/'),
        settings.api_key(),
        settings.server_token()
    );
    // JS strings may hold lone surrogates (our stand-ins): URL parsing sees U+FFFD.
    let raw: String = raw
        .chars()
        .map(|c| {
            if usermaven_json::lone_surrogate_unit(c).is_some() {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    match url::Url::parse(&raw) {
        Ok(u) => {
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
                    '\'' => s.push_str("%27"),
                    _ => s.push(c),
                }
            }
            (Secret::new(s), host)
        }
        Err(_) => (Secret::new(raw), String::new()),
    }
}

/// The request body, built as the reference builds it: an object assembled, edited and
/// stringified.
fn body_by_object(
    kind: ActionKind,
    payload: Object,
    settings: &Settings,
    options: &Options,
    env: &mut dyn Env,
) -> Result<String, ActionError> {
    let mut body = resolve_request_payload(settings, payload, options, env)?;
    // eventRequestParams: `{...payload, event_type: eventType || payload.event_type}`.
    // With no event_type at all the key would hold `undefined`, which JSON.stringify drops.
    if let Some(t) = kind.forced_event_type() {
        body.set("event_type", Value::str(t));
    }
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
    for (k, v) in payload {
        p.insert(k, v);
    }

    // doc_host from the WHATWG URL's host.
    if let Some(u) = p.get("url").filter(|v| v.is_truthy()) {
        let parsed = match u {
            Value::String(s) => url::Url::parse(s),
            other => url::Url::parse(&other.to_js_string()),
        }
        .map_err(|_| ActionError::new("TypeError", "Invalid URL"))?;
        p.set("doc_host", Value::from(url_host(&parsed)));
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
        p.set("screen_resolution", Value::from(res.clone()));
        p.set("vp_size", Value::from(res));
        p.remove("screen");
    }

    // timezone → local_tz_offset at *now* (or at the event's time, as an option).
    if let Some(zone) = p.get("timezone").filter(|v| v.is_truthy()) {
        let event_time = || p.get("utc_time").map(Value::to_js_string);
        let at = tz::offset_instant(options, event_time, env.now());
        let offset = tz::local_tz_offset(&zone.to_js_string(), at, options.fix_tz_midnight)?;
        p.set(
            "local_tz_offset",
            offset.map(Value::Number).unwrap_or(Value::Null),
        );
        p.remove("timezone");
    }

    // The event name becomes event_type.
    if let Some(ev) = p.get("event").filter(|v| v.is_truthy()).cloned() {
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
    p.set("user", Value::Object(user));

    // company, when company_id is truthy.
    let company_id = p.remove("company_id");
    let company_name = p.remove("company_name");
    let company_created_at = p.remove("company_created_at");
    let company_custom = p.remove("company_custom_attributes");
    if company_id.as_ref().is_some_and(Value::is_truthy) {
        let mut company = Object::with_capacity(4);
        put(&mut company, "id", company_id);
        put(&mut company, "name", company_name);
        put(&mut company, "created_at", company_created_at);
        if let Some(custom) = company_custom {
            // The reference tests `payload.company`, which never exists, so the intended
            // omission never happens. `Options::fix_company_custom` applies it.
            let custom = if options.fix_company_custom && custom.is_truthy() {
                omit(
                    custom,
                    &["name", "created_at", "company_id", "company_created_at"],
                )
            } else {
                custom
            };
            company.insert(key("custom"), custom);
        }
        p.set("company", Value::Object(company));
    }

    // event_attributes without email and created_at (the key keeps its position).
    if let Some(attrs) = p.get_mut("event_attributes").filter(|v| v.is_truthy()) {
        let taken = std::mem::take(attrs);
        *attrs = omit(taken, &["email", "created_at"]);
    }

    Ok(p)
}

fn put(o: &mut Object, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(key(k), v);
    }
}

/// `const {a, b, ...rest} = value`: own enumerable keys minus `keys`, in order. Strings
/// spread into index keys; other primitives give `{}`.
fn omit(value: Value, keys: &[&str]) -> Value {
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

/// WHATWG `url.host`: hostname plus `:port` when the port is not the scheme's default.
/// `new URL(s).host`: the hostname, plus `:port` when not the scheme's default; `None` when
/// `s` is not a valid URL.
pub(crate) fn doc_host(s: &str) -> Option<Cow<'_, str>> {
    if let Some(host) = plain_host(s) {
        return Some(Cow::Borrowed(host));
    }
    url::Url::parse(s).ok().map(|u| Cow::Owned(url_host(&u)))
}

/// The host of the common URL `http(s)://name/…`, read off without the URL parser when that
/// is certain to give the same: the whole URL printable ASCII without a backslash (nothing
/// is trimmed, removed or re-encoded before the host), a lower-case scheme and exactly two
/// slashes, an authority of plain DNS labels (`[a-z0-9]` with inner single hyphens, no
/// `xn--`, no userinfo, no port) whose last label has a letter and no `0x` (so it is not
/// an IPv4 number). The host is then serialized as written, and for a special scheme
/// nothing after the host can make the parse fail. `None`: ask the URL parser.
fn plain_host(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let start = if b.starts_with(b"https://") {
        8
    } else if b.starts_with(b"http://") {
        7
    } else {
        return None;
    };
    // One pass over the host, label by label (the end of the string ends it as `/` does).
    let mut i = start;
    let mut label = start;
    let mut letter = false;
    loop {
        let c = b.get(i).copied().unwrap_or(b'/');
        match c {
            b'a'..=b'z' => letter = true,
            b'0'..=b'9' => {}
            // No leading hyphen, no `--` (so no `xn--`).
            b'-' if i > label && b[i - 1] != b'-' => {}
            b'.' | b'/' | b'?' | b'#' => {
                // No empty label, no trailing hyphen.
                if i == label || b[i - 1] == b'-' {
                    return None;
                }
                if c != b'.' {
                    // The last label: a name, not an IPv4 number.
                    if !letter || b[label..].starts_with(b"0x") {
                        return None;
                    }
                    break;
                }
                label = i + 1;
                letter = false;
            }
            _ => return None,
        }
        i += 1;
    }
    let rest = b.get(i..).unwrap_or_default();
    rest.iter()
        .all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\')
        .then(|| &s[start..i])
}

fn url_host(u: &url::Url) -> String {
    // The url crate serializes hosts as WHATWG does (IPv6 compressed, in brackets).
    let host = u.host_str().unwrap_or("");
    match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}
