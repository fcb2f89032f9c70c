//! Redaction: no token or server secret ever reaches the request journal.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderValue};

use super::token::query_pairs;
use crate::store::Store;

/// Values that must never appear in the request log, longest first: the workspaces' secrets
/// and the request's token.
pub(crate) fn secrets<'a>(state: &'a Store, token: &str) -> Cow<'a, [String]> {
    let known = state.secrets();
    if token.len() < 4 || known.iter().any(|s| s == token) {
        return Cow::Borrowed(known);
    }
    let mut s = known.to_vec();
    s.push(token.to_owned());
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    Cow::Owned(s)
}

/// `text` with every secret replaced by `REDACTED` (borrowed when none occurs).
pub(crate) fn redact<'a>(text: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for s in secrets {
        if s.len() <= out.len() && out.contains(s.as_str()) {
            out = Cow::Owned(out.replace(s.as_str(), "REDACTED"));
        }
    }
    out
}

/// The query with `token` and `p_*` values replaced and secrets elsewhere redacted.
pub(super) fn redact_query(query: &str, secrets: &[String]) -> String {
    // What every s2s client sends: one `token=…` pair. Its value is replaced whatever it holds,
    // so the answer is known without decoding and re-encoding the pair.
    if query.starts_with("token=") && !query.contains('&') {
        return "token=REDACTED".to_owned();
    }
    redact_query_pairs(query, secrets)
}

/// [`redact_query`]'s general path: every pair decoded, `token`/`p_*` replaced, re-encoded.
fn redact_query_pairs(query: &str, secrets: &[String]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query_pairs(query) {
        let v = if k == "token" || k.starts_with("p_") {
            "REDACTED".to_owned()
        } else {
            redact(&v, secrets).into_owned()
        };
        ser.append_pair(&k, &v);
    }
    ser.finish()
}

/// Headers whose values are credentials whatever they hold.
fn is_credential(name: &str) -> bool {
    matches!(
        name,
        "x-auth-token" | "api_key" | "authorization" | "cookie"
    )
}

/// One header value as text (lossy when not visible ASCII).
fn header_text(v: &HeaderValue) -> Cow<'_, str> {
    match v.to_str() {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(v.as_bytes()),
    }
}

/// Headers as `name: value\n` lines (names never hold `:`, values never a line break);
/// credential headers replaced, secrets elsewhere redacted.
pub(super) fn redacted_header_lines(headers: &HeaderMap, secrets: &[String]) -> String {
    let lines = |redact_values: bool| {
        let mut out = String::new();
        for (k, v) in headers {
            out.push_str(k.as_str());
            out.push_str(": ");
            if is_credential(k.as_str()) {
                out.push_str("REDACTED");
            } else if redact_values {
                out.push_str(&redact(&header_text(v), secrets));
            } else {
                out.push_str(&header_text(v));
            }
            out.push('\n');
        }
        out
    };
    let plain = lines(false);
    // A secret inside a value is inside the lines; in nearly every request none is, and one
    // search per secret over all the lines settles it. Otherwise each value is redacted on its
    // own (a match across a line break or in a name is not one).
    if secrets
        .iter()
        .any(|s| s.len() <= plain.len() && plain.contains(s.as_str()))
    {
        lines(true)
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_token_fast_path_answers_as_the_general_path() {
        let secrets = vec!["KEY.SECRET".to_string(), "SECRET".to_string()];
        for q in [
            "token=KEY.SECRET",
            "token=",
            "token=a%20b+c",
            "token=%ZZ",
            "token==x",
            "token=KEY.SECRET&cookie_policy=strict",
            "t%6Fken=KEY.SECRET",
            "tokens=KEY.SECRET",
            "p_x=KEY&note=SECRET",
            "",
        ] {
            assert_eq!(
                redact_query(q, &secrets),
                redact_query_pairs(q, &secrets),
                "{q}"
            );
        }
        // And the general path itself: token and p_* values replaced, secrets elsewhere too.
        assert_eq!(
            redact_query("note=a+KEY.SECRET&token=x&p_k=1&ip_policy=strict", &secrets),
            "note=a+REDACTED&token=REDACTED&p_k=REDACTED&ip_policy=strict"
        );
    }

    #[test]
    fn header_lines_redact_values_credentials_and_nothing_else() {
        let secrets = vec!["KEY.SECRET".to_string(), "SECRET".to_string()];
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("127.0.0.1"));
        h.insert("x-note", HeaderValue::from_static("a KEY.SECRET b SECRET"));
        h.insert("authorization", HeaderValue::from_static("Bearer anything"));
        h.insert("x-secret", HeaderValue::from_static("plain: value"));
        h.insert(
            "x-bytes",
            HeaderValue::from_bytes(b"caf\xe9").expect("obs-text"),
        );
        assert_eq!(
            redacted_header_lines(&h, &secrets),
            "host: 127.0.0.1\nx-note: a REDACTED b REDACTED\nauthorization: REDACTED\n\
             x-secret: plain: value\nx-bytes: caf\u{fffd}\n"
        );
        // No secret in any value: the one-pass answer.
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("127.0.0.1"));
        h.insert("cookie", HeaderValue::from_static("s=1"));
        assert_eq!(
            redacted_header_lines(&h, &secrets),
            "host: 127.0.0.1\ncookie: REDACTED\n"
        );
    }
}
