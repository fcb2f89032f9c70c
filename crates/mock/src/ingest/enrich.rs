//! Enrichment of the stored copy: `getRequestContext` (handlers/event.go), the
//! `ContextEnrichmentStep` and the api/js preprocessors.

use serde_json::{Map, Value};

use super::clock::now_rfc3339;
use super::token::{header_str, query_pairs};
use super::Head;
use crate::strict::Channel;

/// `getRequestContext` in handlers/event.go.
pub(crate) struct ReqContext {
    client_ip: String,
    user_agent: String,
    hashed_anonymous_id: String,
    jitsu_anonymous_id: String,
    /// The visitor counts as compliant with the cookie policy (no `delete_cookie` in the answer).
    pub(crate) compliant: bool,
}

pub(crate) fn request_context<'a>(
    head: &Head,
    events: impl IntoIterator<Item = &'a Map<String, Value>>,
) -> ReqContext {
    let mut client_ip = events
        .into_iter()
        .find_map(|e| {
            e.get("source_ip")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| {
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
    let pairs = query_pairs(&head.query);
    let q = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    // No MaxMind resolver here, so "comply" never finds the visitor compliant.
    let compliant = !matches!(q("cookie_policy"), "comply" | "strict");
    let hashed = format!("{:x}", md5::compute(format!("{client_ip}{user_agent}")));
    let jitsu_anonymous_id = if compliant {
        String::new()
    } else {
        hashed.clone()
    };
    if matches!(q("ip_policy"), "comply" | "strict") {
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

/// Jitsu's multi-path `Set` without creating intermediate objects: the first path whose parent
/// objects exist gets the value; a parent that exists but is not an object stops the search.
fn set_first_existing(event: &mut Map<String, Value>, paths: &[&[&str]], value: Value) {
    'paths: for path in paths {
        let (last, parents) = match path.split_last() {
            Some(x) => x,
            None => continue,
        };
        let mut node = &mut *event;
        for p in parents {
            match node.get_mut(*p) {
                Some(Value::Object(m)) => node = m,
                Some(_) => return,
                None => continue 'paths,
            }
        }
        node.insert((*last).to_owned(), value);
        return;
    }
}

/// `fmt.Sprint` of a decoded JSON value (strings bare, numbers as written).
fn go_sprint(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// Removes and returns the unique id: `/eventn_ctx/event_id`, `/eventn_ctx_event_id`, `/event_id`.
fn extract_event_id(event: &mut Map<String, Value>) -> String {
    if let Some(Value::Object(ctx)) = event.get_mut("eventn_ctx") {
        if let Some(v) = ctx.shift_remove("event_id") {
            return go_sprint(&v);
        }
    }
    for key in ["eventn_ctx_event_id", "event_id"] {
        if let Some(v) = event.shift_remove(key) {
            return go_sprint(&v);
        }
    }
    String::new()
}

/// `ContextEnrichmentStep` plus the api/js preprocessors.
pub(crate) fn enrich(e: &mut Map<String, Value>, channel: Channel, rc: &ReqContext, api_key: &str) {
    if !e.contains_key("source_ip") && !rc.client_ip.is_empty() {
        e.insert("source_ip".into(), Value::String(rc.client_ip.clone()));
    }
    match channel {
        Channel::S2s => {
            if !e.contains_key("src") {
                e.insert("src".into(), Value::String("api".into()));
            }
        }
        Channel::Browser => {
            if !rc.user_agent.is_empty() {
                set_first_existing(
                    e,
                    &[&["eventn_ctx", "user_agent"], &["user_agent"]],
                    Value::String(rc.user_agent.clone()),
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
            Value::String(rc.jitsu_anonymous_id.clone()),
        );
    }
    set_first_existing(
        e,
        &[
            &["eventn_ctx", "user", "hashed_anonymous_id"],
            &["user", "hashed_anonymous_id"],
        ],
        Value::String(rc.hashed_anonymous_id.clone()),
    );
    let mut id = extract_event_id(e);
    if id.is_empty() {
        id = uuid::Uuid::new_v4().to_string();
    }
    set_first_existing(
        e,
        &[&["eventn_ctx", "event_id"], &["eventn_ctx_event_id"]],
        Value::String(id),
    );
    // The collector overwrites api_key with the request's token; the mock stores the token's
    // public part (the api key) so that no server token is ever stored.
    e.insert("api_key".into(), Value::String(api_key.to_owned()));
    if !e.contains_key("_timestamp") {
        e.insert("_timestamp".into(), Value::String(now_rfc3339()));
    }
}
