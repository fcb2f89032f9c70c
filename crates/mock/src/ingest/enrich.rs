//! Enrichment of the stored copy: `getRequestContext` (handlers/event.go), the
//! `ContextEnrichmentStep` and the api/js preprocessors.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::token::{header_str, query_value};
use super::Head;
use crate::lite::{self, Entries, Lite};
use crate::strict::Channel;

/// `getRequestContext` in handlers/event.go.
#[derive(Debug)]
pub(crate) struct ReqContext {
    client_ip: String,
    user_agent: String,
    hashed_anonymous_id: String,
    jitsu_anonymous_id: String,
    /// The visitor counts as compliant with the cookie policy (no `delete_cookie` in the answer).
    pub(crate) compliant: bool,
}

/// `source_ips` are the events' `source_ip` strings in order (the first one found is used).
pub(crate) fn request_context(
    head: &Head,
    source_ips: impl IntoIterator<Item = Option<String>>,
) -> ReqContext {
    let mut client_ip = source_ips.into_iter().flatten().next().unwrap_or_else(|| {
        let mut ip = header_str(&head.headers, "x-forwarded-for").to_owned();
        if ip.is_empty() {
            if let Some(addr) = head.remote {
                // Go splits RemoteAddr on ':' and keeps the first part.
                let s = addr.to_string();
                ip = s.split(':').next().unwrap_or("").to_owned();
            }
        }
        match ip.split_once(',') {
            Some((first, _)) => first.trim().to_owned(),
            None => ip,
        }
    });
    let user_agent = header_str(&head.headers, "user-agent").to_owned();
    let q = |name: &str| query_value(&head.query, |k| k == name, |_| true).unwrap_or_default();
    // No MaxMind resolver here, so "comply" never finds the visitor compliant.
    let compliant = !matches!(q("cookie_policy").as_str(), "comply" | "strict");
    let mut ctx = md5::Context::new();
    ctx.consume(client_ip.as_bytes());
    ctx.consume(user_agent.as_bytes());
    let hashed = hex(&ctx.compute().0);
    let jitsu_anonymous_id = if compliant {
        String::new()
    } else {
        hashed.clone()
    };
    if matches!(q("ip_policy").as_str(), "comply" | "strict") {
        let mut parts: Vec<&str> = client_ip.split('.').collect();
        if let Some(last) = parts.last_mut() {
            *last = "1";
        }
        client_ip = parts.join(".");
    }
    ReqContext {
        client_ip,
        user_agent,
        hashed_anonymous_id: hashed,
        jitsu_anonymous_id,
        compliant,
    }
}

/// Lower-case hex of a digest.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Jitsu's multi-path `Set` without creating intermediate objects: the first path whose parent
/// objects exist gets the value; a parent that exists but is not an object stops the search.
fn set_first_existing<'a>(event: &mut Entries<'a>, paths: &[&[&'static str]], value: Lite<'a>) {
    'paths: for path in paths {
        let (last, parents) = match path.split_last() {
            Some(x) => x,
            None => continue,
        };
        let mut node = &mut *event;
        for p in parents {
            match lite::get_mut(node, p) {
                Some(Lite::Object(m)) => node = m,
                Some(_) => return,
                None => continue 'paths,
            }
        }
        lite::insert(node, last, value);
        return;
    }
}

/// `fmt.Sprint` of a decoded JSON value (strings bare, numbers as written).
fn go_sprint(v: Lite<'_>) -> String {
    match v.into_value() {
        Value::String(s) => s,
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// Removes and returns the unique id: `/eventn_ctx/event_id`, `/eventn_ctx_event_id`, `/event_id`.
fn extract_event_id(event: &mut Entries<'_>) -> String {
    if let Some(Lite::Object(ctx)) = lite::get_mut(event, "eventn_ctx") {
        if let Some(v) = lite::remove(ctx, "event_id") {
            return go_sprint(v);
        }
    }
    for key in ["eventn_ctx_event_id", "event_id"] {
        if let Some(v) = lite::remove(event, key) {
            return go_sprint(v);
        }
    }
    String::new()
}

/// `ContextEnrichmentStep` plus the api/js preprocessors.
/// `now` is the request's receipt time (the `_timestamp` an event without one gets). An event
/// without an id gets `generated` when given (re-deriving a stored copy), else a new UUID,
/// which is returned.
///
/// The values it adds borrow from `rc`, `api_key` and `now` (no copies per event).
pub(crate) fn enrich<'a>(
    e: &mut Entries<'a>,
    channel: Channel,
    rc: &'a ReqContext,
    api_key: &'a str,
    now: &'a str,
    generated: Option<&str>,
) -> Option<String> {
    let text = |s: &'a str| Lite::String(Cow::Borrowed(s));
    if !lite::contains_key(e, "source_ip") && !rc.client_ip.is_empty() {
        lite::insert(e, "source_ip", text(&rc.client_ip));
    }
    match channel {
        Channel::S2s => {
            if !lite::contains_key(e, "src") {
                lite::insert(e, "src", text("api"));
            }
        }
        Channel::Browser => {
            if !rc.user_agent.is_empty() {
                set_first_existing(
                    e,
                    &[&["eventn_ctx", "user_agent"], &["user_agent"]],
                    text(&rc.user_agent),
                );
            }
        }
    }
    if !rc.compliant {
        set_first_existing(
            e,
            &[
                &["eventn_ctx", "user", "anonymous_id"],
                &["user", "anonymous_id"],
            ],
            text(&rc.jitsu_anonymous_id),
        );
    }
    set_first_existing(
        e,
        &[
            &["eventn_ctx", "user", "hashed_anonymous_id"],
            &["user", "hashed_anonymous_id"],
        ],
        text(&rc.hashed_anonymous_id),
    );
    let mut id = extract_event_id(e);
    let mut new_id = None;
    if id.is_empty() {
        id = match generated {
            Some(g) => g.to_owned(),
            None => {
                let g = uuid::Uuid::new_v4().to_string();
                new_id = Some(g.clone());
                g
            }
        };
    }
    set_first_existing(
        e,
        &[&["eventn_ctx", "event_id"], &["eventn_ctx_event_id"]],
        Lite::String(Cow::Owned(id)),
    );
    // The collector overwrites api_key with the request's token; the mock stores the token's
    // public part (the api key) so that no server token is ever stored.
    lite::insert(e, "api_key", text(api_key));
    if !lite::contains_key(e, "_timestamp") {
        lite::insert(e, "_timestamp", text(now));
    }
    new_id
}

/// Everything enrichment used besides the event's own text, shared by the events of one
/// request: enough to derive a stored event's enriched copy again instead of keeping it.
#[derive(Debug)]
pub(crate) struct EnrichInputs {
    pub(crate) channel: Channel,
    pub(crate) rc: ReqContext,
    pub(crate) api_key: String,
    pub(crate) now: String,
}

impl EnrichInputs {
    /// Bytes its strings hold.
    pub(crate) fn heap_len(&self) -> usize {
        self.rc.client_ip.len()
            + self.rc.user_agent.len()
            + self.rc.hashed_anonymous_id.len()
            + self.rc.jitsu_anonymous_id.len()
            + self.api_key.len()
            + self.now.len()
    }

    /// The enriched copy of `text` (an event object as received), or `None` if it does not
    /// parse (it always did when it was stored).
    pub(crate) fn derive(&self, text: &str, generated: Option<&str>) -> Option<Map<String, Value>> {
        let Lite::Object(mut e) =
            crate::gojson::decode_lite(text.as_bytes(), crate::gojson::Target::Event).ok()?
        else {
            return None;
        };
        enrich(
            &mut e,
            self.channel,
            &self.rc,
            &self.api_key,
            &self.now,
            generated,
        );
        Some(lite::into_map(e))
    }
}
