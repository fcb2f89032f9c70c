//! `perform`'s body written straight to JSON text: one pass over the payload to find the
//! keys request-params.ts reads, the derived values computed in the reference's order (so
//! errors and `Env` calls happen exactly as there), then one pass writing the body in the
//! key order the reference's object ends up with. No intermediate object, no key moves.
//!
//! The order the reference produces, given its steps (spread the payload over the
//! defaults, set derived keys, delete consumed keys):
//! 1. the defaults (`api_key` when the settings have one, `ids`, `doc_encoding`, `src`,
//!    `screen_resolution`), each holding the payload's value when it has that key;
//! 2. the payload's other keys in their order, minus the deleted ones, derived keys the
//!    payload already had holding their new value in place;
//! 3. the derived keys the payload did not have, in the order they are first set.
//!
//! This holds when no payload key is an array index (those would enumerate first);
//! [`body`] declines such payloads and the `Object`-based path handles them.

use usermaven_json::extract::{Extract, Kind, Raw};
use usermaven_json::{is_array_index, write_js_string, write_number, Object, Value};

use std::borrow::Cow;

use super::{doc_host, omit, tz};
use crate::{ActionError, ActionKind, Env, Options, Settings};

/// The payload keys request-params.ts gives a meaning to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Other,
    ApiKey,
    Ids,
    DocEncoding,
    Src,
    ScreenResolution,
    Url,
    DocHost,
    Screen,
    VpSize,
    Timezone,
    LocalTzOffset,
    Event,
    EventType,
    User,
    UserId,
    UserAnonymousId,
    UserEmail,
    UserFirstName,
    UserLastName,
    UserCustomAttributes,
    UserCreatedAt,
    Company,
    CompanyId,
    CompanyName,
    CompanyCreatedAt,
    CompanyCustomAttributes,
    EventAttributes,
}

#[inline]
fn classify(k: &str) -> Field {
    match k {
        "api_key" => Field::ApiKey,
        "ids" => Field::Ids,
        "doc_encoding" => Field::DocEncoding,
        "src" => Field::Src,
        "screen_resolution" => Field::ScreenResolution,
        "url" => Field::Url,
        "doc_host" => Field::DocHost,
        "screen" => Field::Screen,
        "vp_size" => Field::VpSize,
        "timezone" => Field::Timezone,
        "local_tz_offset" => Field::LocalTzOffset,
        "event" => Field::Event,
        "event_type" => Field::EventType,
        "user" => Field::User,
        "user_id" => Field::UserId,
        "user_anonymous_id" => Field::UserAnonymousId,
        "user_email" => Field::UserEmail,
        "user_first_name" => Field::UserFirstName,
        "user_last_name" => Field::UserLastName,
        "user_custom_attributes" => Field::UserCustomAttributes,
        "user_created_at" => Field::UserCreatedAt,
        "company" => Field::Company,
        "company_id" => Field::CompanyId,
        "company_name" => Field::CompanyName,
        "company_created_at" => Field::CompanyCreatedAt,
        "company_custom_attributes" => Field::CompanyCustomAttributes,
        "event_attributes" => Field::EventAttributes,
        _ => Field::Other,
    }
}

/// The payload's values for the keys that matter (`None`: the payload lacks the key).
#[derive(Default)]
struct Found<'a> {
    api_key: Option<PayloadValue<'a>>,
    ids: Option<PayloadValue<'a>>,
    doc_encoding: Option<PayloadValue<'a>>,
    src: Option<PayloadValue<'a>>,
    screen_resolution: Option<PayloadValue<'a>>,
    url: Option<PayloadValue<'a>>,
    doc_host: bool,
    screen: Option<PayloadValue<'a>>,
    vp_size: bool,
    timezone: Option<PayloadValue<'a>>,
    local_tz_offset: bool,
    event: Option<PayloadValue<'a>>,
    event_type: bool,
    user: bool,
    user_id: Option<PayloadValue<'a>>,
    user_anonymous_id: Option<PayloadValue<'a>>,
    user_email: Option<PayloadValue<'a>>,
    user_first_name: Option<PayloadValue<'a>>,
    user_last_name: Option<PayloadValue<'a>>,
    user_custom_attributes: Option<PayloadValue<'a>>,
    user_created_at: Option<PayloadValue<'a>>,
    company: bool,
    company_id: Option<PayloadValue<'a>>,
    company_name: Option<PayloadValue<'a>>,
    company_created_at: Option<PayloadValue<'a>>,
    company_custom_attributes: Option<PayloadValue<'a>>,
}

/// How many leading payload keys have their classification remembered between the scan
/// and the writing pass (payloads rarely have more keys).
const REMEMBERED: usize = 32;

impl<'a> Found<'a> {
    fn scan(
        payload: &[(&'a str, PayloadValue<'a>)],
        fields: &mut [Field; REMEMBERED],
    ) -> Found<'a> {
        let mut f = Found::default();
        for (i, &(k, v)) in payload.iter().enumerate() {
            let field = classify(k);
            if let Some(slot) = fields.get_mut(i) {
                *slot = field;
            }
            match field {
                Field::Other | Field::EventAttributes => {}
                Field::ApiKey => f.api_key = Some(v),
                Field::Ids => f.ids = Some(v),
                Field::DocEncoding => f.doc_encoding = Some(v),
                Field::Src => f.src = Some(v),
                Field::ScreenResolution => f.screen_resolution = Some(v),
                Field::Url => f.url = Some(v),
                Field::DocHost => f.doc_host = true,
                Field::Screen => f.screen = Some(v),
                Field::VpSize => f.vp_size = true,
                Field::Timezone => f.timezone = Some(v),
                Field::LocalTzOffset => f.local_tz_offset = true,
                Field::Event => f.event = Some(v),
                Field::EventType => f.event_type = true,
                Field::User => f.user = true,
                Field::UserId => f.user_id = Some(v),
                Field::UserAnonymousId => f.user_anonymous_id = Some(v),
                Field::UserEmail => f.user_email = Some(v),
                Field::UserFirstName => f.user_first_name = Some(v),
                Field::UserLastName => f.user_last_name = Some(v),
                Field::UserCustomAttributes => f.user_custom_attributes = Some(v),
                Field::UserCreatedAt => f.user_created_at = Some(v),
                Field::Company => f.company = true,
                Field::CompanyId => f.company_id = Some(v),
                Field::CompanyName => f.company_name = Some(v),
                Field::CompanyCreatedAt => f.company_created_at = Some(v),
                Field::CompanyCustomAttributes => f.company_custom_attributes = Some(v),
            }
        }
        f
    }
}

/// A payload value as the body writer sees it: a value of a parsed payload, or text found
/// by the fused path ([`crate::fused`]), which only ever hands over canonical text (what
/// `JSON.stringify` would print for it).
#[derive(Clone, Copy, Debug)]
pub(crate) enum PayloadValue<'a> {
    /// A value of a parsed payload.
    Parsed(&'a Value),
    /// A canonical scalar.
    Raw(Raw<'a>),
    /// A canonical object at a whole node of an extraction.
    Entries(&'a Extract<'a>, u32),
    /// An object a plain mapping built from canonical scalars.
    Obj(&'a [(&'a str, Raw<'a>)]),
}

impl<'a> PayloadValue<'a> {
    fn is_truthy(&self) -> bool {
        match self {
            PayloadValue::Parsed(v) => v.is_truthy(),
            PayloadValue::Raw(r) => r.truthy().unwrap_or(true),
            PayloadValue::Entries(..) | PayloadValue::Obj(_) => true,
        }
    }

    fn write_json(&self, out: &mut String) {
        match self {
            PayloadValue::Parsed(v) => v.write_json(out),
            PayloadValue::Raw(r) => out.push_str(r.text),
            PayloadValue::Entries(ex, node) => {
                out.push_str(ex.get(*node).map_or("{}", |r| r.text));
            }
            PayloadValue::Obj(entries) => {
                out.push('{');
                for (i, (k, r)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_js_string(out, k);
                    out.push(':');
                    out.push_str(r.text);
                }
                out.push('}');
            }
        }
    }

    /// `value[key]` of an object (`None` for other values, whose members are not needed).
    fn get(&self, key: &str) -> Option<PayloadValue<'a>> {
        match *self {
            PayloadValue::Parsed(v) => v.get(key).map(PayloadValue::Parsed),
            PayloadValue::Raw(_) => None,
            PayloadValue::Entries(ex, node) => ex
                .entries(node)
                .find(|(k, _)| *k == key)
                .map(|(_, r)| PayloadValue::Raw(r)),
            PayloadValue::Obj(entries) => entries
                .iter()
                .find(|(k, _)| &**k == key)
                .map(|(_, r)| PayloadValue::Raw(*r)),
        }
    }

    /// `String(value)` appended to `out`.
    fn push_js_string(&self, out: &mut String) {
        match self {
            PayloadValue::Parsed(Value::String(s)) => out.push_str(s),
            PayloadValue::Parsed(Value::Number(n)) => write_number(out, *n),
            PayloadValue::Parsed(other) => out.push_str(&other.to_js_string()),
            PayloadValue::Raw(r) => match r.kind {
                Kind::String => out.push_str(r.plain_str().unwrap_or_default()),
                _ => out.push_str(r.text),
            },
            PayloadValue::Entries(..) | PayloadValue::Obj(_) => out.push_str("[object Object]"),
        }
    }

    fn js_string(self) -> String {
        let mut s = String::new();
        self.push_js_string(&mut s);
        s
    }
}

fn truthy(v: Option<PayloadValue<'_>>) -> Option<PayloadValue<'_>> {
    v.filter(PayloadValue::is_truthy)
}

/// The payload's entries as the body writer takes them.
pub(crate) fn entries(payload: &Object) -> Vec<(&str, PayloadValue<'_>)> {
    payload
        .iter()
        .map(|(k, v)| (&**k, PayloadValue::Parsed(v)))
        .collect()
}

/// The request body for `payload`, or `None` when the payload has an array-index key or a
/// field holding a function (a payload validation did not see; JSON.stringify leaves such a
/// field out where request-params.ts copies it), and the caller then takes the
/// `Object`-based path.
pub(super) fn body(
    kind: ActionKind,
    payload: &Object,
    settings: &Settings,
    options: &Options,
    env: &mut dyn Env,
) -> Option<Result<String, ActionError>> {
    // Array-index keys enumerate first, so checking the first key is enough. An object
    // field with an own `toJSON` built-in (only a mapping puts one there) is called with its
    // key in the body, which the `Object`-based path passes.
    if payload.keys().next().is_some_and(|k| is_array_index(k))
        || payload
            .values()
            .any(|v| v.is_skipped_member() || has_own_to_json(v))
    {
        return None;
    }
    Some(write_body(kind, &entries(payload), settings, options, env))
}

/// An object field with an own `toJSON` built-in: JSON.stringify calls it with the field's key.
pub(super) fn has_own_to_json(v: &Value) -> bool {
    matches!(v, Value::Object(o) if matches!(o.get("toJSON"), Some(Value::Builtin(usermaven_json::js::Builtin::Function(_)))))
}

/// The body for a payload given as entries in JS order, none of them an array index.
pub(crate) fn write_body(
    kind: ActionKind,
    payload: &[(&str, PayloadValue<'_>)],
    settings: &Settings,
    options: &Options,
    env: &mut dyn Env,
) -> Result<String, ActionError> {
    let mut fields = [Field::Other; REMEMBERED];
    let f = Found::scan(payload, &mut fields);

    // The derived values, in the reference's order.
    let url = match truthy(f.url) {
        Some(u) => Some(
            match u {
                PayloadValue::Parsed(Value::String(s)) => doc_host(s),
                PayloadValue::Raw(r) if r.plain_str().is_some() => {
                    doc_host(r.plain_str().unwrap_or_default())
                }
                other => doc_host(&other.js_string()).map(|h| h.into_owned().into()),
            }
            .ok_or_else(|| ActionError::new("TypeError", "Invalid URL"))?,
        ),
        None => None,
    };
    let resolution = truthy(f.screen).and_then(|screen| {
        let w = truthy(screen.get("width"))?;
        let h = truthy(screen.get("height"))?;
        let mut s = String::with_capacity(16);
        w.push_js_string(&mut s);
        s.push('x');
        h.push_js_string(&mut s);
        Some(s)
    });
    let tz_offset = match truthy(f.timezone) {
        Some(zone) => {
            let event_time = || {
                payload
                    .iter()
                    .find(|(k, _)| *k == "utc_time")
                    .map(|(_, v)| v.js_string())
            };
            let at = tz::offset_instant(options, event_time, env.now());
            Some(
                tz::local_tz_offset(&zone.js_string(), at, options.fixes.fix_tz_midnight)?
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
            )
        }
        None => None,
    };
    let event = truthy(f.event);
    let generated_id = match truthy(f.user_anonymous_id) {
        Some(_) => None,
        None => Some(env.generate_id()),
    };
    let company = truthy(f.company_id).is_some();
    let forced = kind.forced_event_type();

    let mut out = String::with_capacity(2048);

    // 1. The defaults.
    out.push('{');
    let api_key_default = settings.api_key.as_ref();
    if let Some(k) = api_key_default {
        out.push_str("\"api_key\":");
        f.api_key
            .unwrap_or(PayloadValue::Parsed(k))
            .write_json(&mut out);
        out.push(',');
    }
    out.push_str("\"ids\":");
    match f.ids {
        Some(v) => v.write_json(&mut out),
        None => out.push_str("{}"),
    }
    out.push_str(",\"doc_encoding\":");
    match f.doc_encoding {
        Some(v) => v.write_json(&mut out),
        None => out.push_str("\"utf-8\""),
    }
    out.push_str(",\"src\":");
    match f.src {
        Some(v) => v.write_json(&mut out),
        None => out.push_str("\"usermaven-segment\""),
    }
    out.push_str(",\"screen_resolution\":");
    match (&resolution, f.screen_resolution) {
        (Some(r), _) => write_js_string(&mut out, r),
        (None, Some(v)) => v.write_json(&mut out),
        (None, None) => out.push_str("\"0\""),
    }

    // 2. The payload's keys, in place.
    for (i, &(k, v)) in payload.iter().enumerate() {
        let field = match fields.get(i) {
            Some(&field) => field,
            None => classify(k),
        };
        match field {
            Field::ApiKey if api_key_default.is_some() => continue,
            Field::Ids | Field::DocEncoding | Field::Src | Field::ScreenResolution => continue,
            Field::Screen if resolution.is_some() => continue,
            Field::Timezone if tz_offset.is_some() => continue,
            Field::Event if event.is_some() => continue,
            Field::UserId
            | Field::UserAnonymousId
            | Field::UserEmail
            | Field::UserFirstName
            | Field::UserLastName
            | Field::UserCustomAttributes
            | Field::UserCreatedAt
            | Field::CompanyId
            | Field::CompanyName
            | Field::CompanyCreatedAt
            | Field::CompanyCustomAttributes => continue,
            Field::DocHost if url.is_some() => {
                out.push_str(",\"doc_host\":");
                write_host(&mut out, url.as_ref());
            }
            Field::VpSize if resolution.is_some() => {
                out.push_str(",\"vp_size\":");
                write_js_string(&mut out, resolution.as_deref().unwrap_or(""));
            }
            Field::LocalTzOffset if tz_offset.is_some() => {
                out.push_str(",\"local_tz_offset\":");
                tz_offset
                    .as_ref()
                    .unwrap_or(&Value::Null)
                    .write_json(&mut out);
            }
            Field::EventType if forced.is_some() || event.is_some() => {
                out.push_str(",\"event_type\":");
                write_event_type(&mut out, forced, event);
            }
            Field::User => {
                out.push_str(",\"user\":");
                write_user(&mut out, &f, generated_id.as_deref());
            }
            Field::Company if company => {
                out.push_str(",\"company\":");
                write_company(&mut out, &f, options);
            }
            Field::EventAttributes if v.is_truthy() => {
                out.push_str(",\"event_attributes\":");
                write_omit(&mut out, v, &["email", "created_at"]);
            }
            // JSON.stringify leaves out members holding a function.
            _ if matches!(v, PayloadValue::Parsed(d) if d.is_skipped_member()) => {}
            _ => {
                out.push(',');
                write_js_string(&mut out, k);
                out.push(':');
                v.write_json(&mut out);
            }
        }
    }

    // 3. The derived keys the payload lacked, in the order they are first set.
    if url.is_some() && !f.doc_host {
        out.push_str(",\"doc_host\":");
        write_host(&mut out, url.as_ref());
    }
    if let Some(r) = resolution.as_deref().filter(|_| !f.vp_size) {
        out.push_str(",\"vp_size\":");
        write_js_string(&mut out, r);
    }
    if let Some(offset) = tz_offset.as_ref().filter(|_| !f.local_tz_offset) {
        out.push_str(",\"local_tz_offset\":");
        offset.write_json(&mut out);
    }
    let event_type_early = event.is_some() && !f.event_type;
    if event_type_early {
        out.push_str(",\"event_type\":");
        write_event_type(&mut out, forced, event);
    }
    if !f.user {
        out.push_str(",\"user\":");
        write_user(&mut out, &f, generated_id.as_deref());
    }
    if company && !f.company {
        out.push_str(",\"company\":");
        write_company(&mut out, &f, options);
    }
    if let Some(t) = forced.filter(|_| !f.event_type && !event_type_early) {
        out.push_str(",\"event_type\":");
        write_js_string(&mut out, t);
    }
    out.push('}');
    Ok(out)
}

/// WHATWG `url.host` ([`doc_host`]) as a JSON string.
fn write_host(out: &mut String, host: Option<&Cow<'_, str>>) {
    write_js_string(out, host.map_or("", |h| h));
}

/// `eventType || event`, the value `event_type` ends with when one of them is set.
fn write_event_type(out: &mut String, forced: Option<&str>, event: Option<PayloadValue<'_>>) {
    match (forced, event) {
        (Some(t), _) => write_js_string(out, t),
        (None, Some(v)) => v.write_json(out),
        (None, None) => out.push_str("null"),
    }
}

fn field(out: &mut String, name: &str, v: Option<PayloadValue<'_>>) {
    if let Some(v) = v {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":");
        v.write_json(out);
    }
}

fn write_user(out: &mut String, f: &Found<'_>, generated_id: Option<&str>) {
    out.push('{');
    if let Some(id) = f.user_id {
        out.push_str("\"id\":");
        id.write_json(out);
        out.push(',');
    }
    out.push_str("\"anonymous_id\":");
    match (generated_id, f.user_anonymous_id) {
        (Some(id), _) => write_js_string(out, id),
        (None, Some(v)) => v.write_json(out),
        (None, None) => out.push_str("null"),
    }
    field(out, "email", f.user_email);
    field(out, "first_name", f.user_first_name);
    field(out, "last_name", f.user_last_name);
    field(out, "created_at", f.user_created_at);
    if let Some(custom) = f.user_custom_attributes {
        out.push_str(",\"custom\":");
        if custom.is_truthy() {
            write_omit(
                out,
                custom,
                &["first_name", "last_name", "email", "created_at"],
            );
        } else {
            custom.write_json(out);
        }
    }
    out.push('}');
}

fn write_company(out: &mut String, f: &Found<'_>, options: &Options) {
    out.push_str("{\"id\":");
    f.company_id
        .unwrap_or(PayloadValue::Parsed(&Value::Null))
        .write_json(out);
    field(out, "name", f.company_name);
    field(out, "created_at", f.company_created_at);
    if let Some(custom) = f.company_custom_attributes {
        out.push_str(",\"custom\":");
        if options.fixes.fix_company_custom && custom.is_truthy() {
            write_omit(
                out,
                custom,
                &["name", "created_at", "company_id", "company_created_at"],
            );
        } else {
            custom.write_json(out);
        }
    }
    out.push('}');
}

/// [`omit`] written as JSON; objects (the usual case) are filtered while writing.
fn write_omit(out: &mut String, value: PayloadValue<'_>, keys: &[&str]) {
    let value = match value {
        PayloadValue::Parsed(v) => v,
        PayloadValue::Entries(ex, node) => {
            out.push('{');
            let mut first = true;
            for (k, r) in ex.entries(node).filter(|(k, _)| !keys.contains(k)) {
                if !first {
                    out.push(',');
                }
                first = false;
                // The key's text is canonical, as the whole object is: no escaping needed.
                out.push('"');
                out.push_str(k);
                out.push('"');
                out.push(':');
                out.push_str(r.text);
            }
            out.push('}');
            return;
        }
        PayloadValue::Obj(entries) => {
            let kept: Vec<(&str, Raw<'_>)> = entries
                .iter()
                .filter(|(k, _)| !keys.contains(k))
                .copied()
                .collect();
            PayloadValue::Obj(&kept).write_json(out);
            return;
        }
        PayloadValue::Raw(r) => {
            let v = Value::parse(r.text).unwrap_or_default();
            return omit(v, keys).write_json(out);
        }
    };
    match value {
        Value::Object(o) => {
            out.push('{');
            let mut first = true;
            // JSON.stringify leaves out members holding a function.
            for (k, v) in o
                .iter()
                .filter(|(k, v)| !keys.contains(&&***k) && !v.is_skipped_member())
            {
                if !first {
                    out.push(',');
                }
                first = false;
                write_js_string(out, k);
                out.push(':');
                v.write_json(out);
            }
            out.push('}');
        }
        other => omit(other.clone(), keys).write_json(out),
    }
}
