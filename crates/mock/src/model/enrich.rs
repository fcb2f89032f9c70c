//! Enrichment of the stored copy: what `getRequestContext` (handlers/event.go) makes of a
//! request, the `ContextEnrichmentStep` and the api/js preprocessors.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::strict::Channel;
use crate::json::lite::{self, Entries, Lite};

/// `getRequestContext` in handlers/event.go (what [`EnrichInputs::new`] packs).
#[derive(Debug)]
pub(crate) struct ReqContext {
    client_ip: String,
    user_agent: String,
    hashed_anonymous_id: String,
    jitsu_anonymous_id: String,
    compliant: bool,
}

impl ReqContext {
    /// `client_ip` as the request gives it (the first event's `source_ip`, else
    /// `X-Forwarded-For`'s first address, else the peer's), the `User-Agent`, and the query's
    /// `cookie_policy` and `ip_policy` values (empty when absent).
    pub(crate) fn new(
        mut client_ip: String,
        user_agent: String,
        cookie_policy: &str,
        ip_policy: &str,
    ) -> Self {
        // No MaxMind resolver here, so "comply" never finds the visitor compliant.
        let compliant = !matches!(cookie_policy, "comply" | "strict");
        let mut ctx = md5::Context::new();
        ctx.consume(client_ip.as_bytes());
        ctx.consume(user_agent.as_bytes());
        let hashed = hex(&ctx.compute().0);
        let jitsu_anonymous_id = if compliant {
            String::new()
        } else {
            hashed.clone()
        };
        if matches!(ip_policy, "comply" | "strict") {
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
/// The values it adds borrow from `inputs` (no copies per event).
pub(crate) fn enrich<'a>(
    e: &mut Entries<'a>,
    inputs: &'a EnrichInputs,
    generated: Option<&str>,
) -> Option<String> {
    let text = |s: &'a str| Lite::String(Cow::Borrowed(s));
    let client_ip = inputs.get(Part::ClientIp);
    if !lite::contains_key(e, "source_ip") && !client_ip.is_empty() {
        lite::insert(e, "source_ip", text(client_ip));
    }
    match inputs.channel {
        Channel::S2s => {
            if !lite::contains_key(e, "src") {
                lite::insert(e, "src", text("api"));
            }
        }
        Channel::Browser => {
            let user_agent = inputs.get(Part::UserAgent);
            if !user_agent.is_empty() {
                set_first_existing(
                    e,
                    &[&["eventn_ctx", "user_agent"], &["user_agent"]],
                    text(user_agent),
                );
            }
        }
    }
    if !inputs.compliant {
        set_first_existing(
            e,
            &[
                &["eventn_ctx", "user", "anonymous_id"],
                &["user", "anonymous_id"],
            ],
            text(inputs.get(Part::JitsuAnonymousId)),
        );
    }
    set_first_existing(
        e,
        &[
            &["eventn_ctx", "user", "hashed_anonymous_id"],
            &["user", "hashed_anonymous_id"],
        ],
        text(inputs.get(Part::HashedAnonymousId)),
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
    lite::insert(e, "api_key", text(inputs.get(Part::ApiKey)));
    if !lite::contains_key(e, "_timestamp") {
        lite::insert(e, "_timestamp", text(inputs.get(Part::Now)));
    }
    new_id
}

/// The strings of [`EnrichInputs`], in the order they are packed.
#[derive(Clone, Copy)]
enum Part {
    ClientIp,
    UserAgent,
    HashedAnonymousId,
    JitsuAnonymousId,
    ApiKey,
    Now,
}

const PARTS: usize = 6;

/// Everything enrichment used besides the event's own text, shared by the events of one
/// request: enough to derive a stored event's enriched copy again instead of keeping it.
///
/// It lives as long as the request's newest retained event, so its six strings are packed into
/// one allocation.
#[derive(Debug)]
pub(crate) struct EnrichInputs {
    pub(crate) channel: Channel,
    /// The visitor counts as compliant with the cookie policy (no `delete_cookie` in the answer).
    pub(crate) compliant: bool,
    text: Box<str>,
    /// Where each [`Part`] ends in `text`.
    ends: [usize; PARTS],
}

impl EnrichInputs {
    /// `api_key` is the token's public part; `now` the request's receipt time.
    pub(crate) fn new(channel: Channel, rc: ReqContext, api_key: &str, now: &str) -> Self {
        let parts = [
            rc.client_ip.as_str(),
            &rc.user_agent,
            &rc.hashed_anonymous_id,
            &rc.jitsu_anonymous_id,
            api_key,
            now,
        ];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0; PARTS];
        for (end, p) in ends.iter_mut().zip(parts) {
            text.push_str(p);
            *end = text.len();
        }
        EnrichInputs {
            channel,
            compliant: rc.compliant,
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn get(&self, part: Part) -> &str {
        let i = part as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Bytes its strings hold.
    pub(super) fn heap_len(&self) -> usize {
        self.text.len()
    }

    /// The enriched copy of `text` (an event object as received), or `None` if it does not
    /// parse (it always did when it was stored).
    pub(crate) fn derive(&self, text: &str, generated: Option<&str>) -> Option<Map<String, Value>> {
        let Lite::Object(mut e) =
            crate::json::go::decode_lite(text.as_bytes(), crate::json::go::Target::Event).ok()?
        else {
            return None;
        };
        enrich(&mut e, self, generated);
        Some(lite::into_map(e))
    }
}
