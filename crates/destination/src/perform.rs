//! The actions' `perform`: `resolveRequestPayload` and `eventRequestParams` of
//! `usermaven/request-params.ts`, run on the validated payload.
//!
//! Every step keeps the reference's key order: the body starts with the defaults
//! (`api_key, ids, doc_encoding, src, screen_resolution`), the payload is spread over them,
//! derived keys are appended, and `delete` removes keys in place.
//!
//! Two implementations: the `Object`-based one in `object_spec.rs` is the executable
//! specification (it follows request-params.ts step by step), and [`body_writer`] writes the
//! same bytes in one pass over the payload. [`perform`] uses the fast one whenever it applies; the tests check both
//! give identical bodies and errors.

pub(crate) mod body_writer;
mod object_spec;
#[cfg(test)]
mod tests;
pub(crate) mod trace;

use std::borrow::Cow;

use usermaven_json::Object;

use object_spec::body_by_object;
pub(crate) use object_spec::body_by_object_traced;
pub(crate) use object_spec::omit;

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
    let thrown = stringify_thrown(&payload);
    let text = match body_writer::body(kind, &payload, settings, options, env) {
        Some(body) => body?,
        None => body_by_object(kind, payload, settings, options, env)?,
    };
    if let Some((_, e)) = thrown {
        return Err(e);
    }
    Ok(request(text, target))
}

/// JSON.stringify of the body, the last step, calls an own `toJSON` built-in that a mapping
/// put into an object field; the error of one that throws fails the action (after the body's
/// own errors, which come first). Taken from the payload before the body consumes it: the
/// field whose `toJSON` threw, and the error.
fn stringify_thrown(payload: &Object) -> Option<(String, ActionError)> {
    payload.iter().find_map(|(k, v)| {
        usermaven_json::js::stringify_error(v, k)
            .map(|e| (k.to_string(), ActionError::new(e.name, e.message)))
    })
}

/// [`perform`] by the executable specification, recording what it does in `trace`
/// (`explain`; the one-pass writer gives the same bytes, as `perform/tests.rs` checks).
pub(crate) fn perform_traced(
    kind: ActionKind,
    payload: Object,
    settings: &Settings,
    target: &Target,
    options: &Options,
    env: &mut dyn Env,
    trace: &mut trace::PerformTrace,
) -> Result<Request, ActionError> {
    let thrown = stringify_thrown(&payload);
    let text = body_by_object_traced(kind, payload, settings, options, env, Some(trace))?;
    if let Some((field, e)) = thrown {
        trace.reading = Some(field);
        return Err(e);
    }
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
