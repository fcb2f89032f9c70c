//! Redaction: no token or server secret ever reaches the request journal.

use std::borrow::Cow;

use axum::http::HeaderMap;

use super::token::query_pairs;
use crate::state::MockState;

/// The workspaces' secrets, longest first (computed once per state).
pub(crate) fn workspace_secrets(workspaces: &[crate::model::Workspace]) -> Vec<String> {
    let mut s: Vec<String> = workspaces
        .iter()
        .flat_map(|w| [w.s2s_token(), w.server_token.clone(), w.api_key.clone()])
        // Shorter strings are not secrets and redacting them would garble the log.
        .filter(|s| s.len() >= 4)
        .collect();
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    s.dedup();
    s
}

/// Values that must never appear in the request log, longest first: the workspaces' secrets
/// and the request's token.
pub(crate) fn secrets<'a>(state: &'a MockState, token: &str) -> Cow<'a, [String]> {
    let known = state.secrets();
    if token.len() < 4 || known.iter().any(|s| s == token) {
        return Cow::Borrowed(known);
    }
    let mut s = known.to_vec();
    s.push(token.to_owned());
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    Cow::Owned(s)
}

pub(crate) fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = Cow::Borrowed(text);
    for s in secrets {
        if s.len() <= out.len() && out.contains(s.as_str()) {
            out = Cow::Owned(out.replace(s.as_str(), "REDACTED"));
        }
    }
    out.into_owned()
}

/// The query with `token` and `p_*` values replaced and secrets elsewhere redacted.
pub(crate) fn redact_query(query: &str, secrets: &[String]) -> String {
    // What every s2s client sends: one `token=…` pair. Its value is replaced whatever it holds,
    // so the answer is known without decoding and re-encoding the pair.
    if query.starts_with("token=") && !query.contains('&') {
        return "token=REDACTED".to_owned();
    }
    let pairs = query_pairs(query);
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        let v = if k == "token" || k.starts_with("p_") {
            "REDACTED".to_owned()
        } else {
            redact(&v, secrets)
        };
        ser.append_pair(&k, &v);
    }
    ser.finish()
}

/// Headers as text; credential headers replaced, secrets elsewhere redacted.
pub(crate) fn redact_headers(headers: &HeaderMap, secrets: &[String]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_owned();
            let value = if matches!(
                name.as_str(),
                "x-auth-token" | "api_key" | "authorization" | "cookie"
            ) {
                "REDACTED".to_owned()
            } else {
                match v.to_str() {
                    // Visible ASCII (nearly every header): checked in place.
                    Ok(text) => redact(text, secrets),
                    Err(_) => redact(&String::from_utf8_lossy(v.as_bytes()), secrets),
                }
            };
            (name, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general path: every pair decoded, `token`/`p_*` replaced, re-encoded.
    fn general(query: &str, secrets: &[String]) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in query_pairs(query) {
            let v = if k == "token" || k.starts_with("p_") {
                "REDACTED".to_owned()
            } else {
                redact(&v, secrets)
            };
            ser.append_pair(&k, &v);
        }
        ser.finish()
    }

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
            assert_eq!(redact_query(q, &secrets), general(q, &secrets), "{q}");
        }
    }
}
