//! Token lookup: where the collector finds a request's token, in its order.

use axum::http::HeaderMap;
use base64::Engine as _;

/// Where the token was found (the collector's lookup order, then Usermaven's Bearer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenSource {
    QueryToken,
    XAuthToken,
    ApiKeyHeader,
    PQuery,
    BasicUser,
    Bearer,
}

impl TokenSource {
    pub(crate) fn label(self) -> &'static str {
        match self {
            TokenSource::QueryToken => "query token",
            TokenSource::XAuthToken => "X-Auth-Token header",
            TokenSource::ApiKeyHeader => "api_key header",
            TokenSource::PQuery => "p_* query parameter",
            TokenSource::BasicUser => "Basic auth username",
            TokenSource::Bearer => "Bearer token",
        }
    }
}

/// The decoded `key=value` pairs of a query string, in order.
pub(super) fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A header's value as text; empty when absent or not visible ASCII.
pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The decoded value of the first query pair whose key satisfies `key` (and whose value
/// satisfies `value`), decoding only that one.
pub(super) fn query_value(
    query: &str,
    key: impl Fn(&str) -> bool,
    value: impl Fn(&str) -> bool,
) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| key(k) && value(v))
        .map(|(_, v)| v.into_owned())
}

/// The collector's `extractToken`: query `token`, `X-Auth-Token`, `api_key` header, first `p_*`
/// query parameter, Basic username; then (Usermaven) `Authorization: Bearer`. Each source is
/// looked at only when the ones before it gave nothing.
pub(super) fn extract_token(query: &str, headers: &HeaderMap) -> (String, Option<TokenSource>) {
    let sources: [(TokenSource, &dyn Fn() -> String); 6] = [
        (TokenSource::QueryToken, &|| {
            query_value(query, |k| k == "token", |_| true).unwrap_or_default()
        }),
        (TokenSource::XAuthToken, &|| {
            header_str(headers, "x-auth-token").to_owned()
        }),
        (TokenSource::ApiKeyHeader, &|| {
            header_str(headers, "api_key").to_owned()
        }),
        (TokenSource::PQuery, &|| {
            query_value(query, |k| k.starts_with("p_"), |v| !v.is_empty()).unwrap_or_default()
        }),
        (TokenSource::BasicUser, &|| {
            basic_username(header_str(headers, "authorization"))
        }),
        (TokenSource::Bearer, &|| {
            bearer_token(header_str(headers, "authorization"))
        }),
    ];
    for (source, find) in sources {
        let token = find();
        if !token.is_empty() {
            return (token, Some(source));
        }
    }
    (String::new(), None)
}

/// Go's `Request.BasicAuth` username (empty unless the header is valid).
fn basic_username(auth: &str) -> String {
    const PREFIX: &str = "Basic ";
    if auth.len() < PREFIX.len() || !auth[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
        return String::new();
    }
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(&auth[PREFIX.len()..]) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&raw);
    match text.split_once(':') {
        Some((user, _)) => user.to_owned(),
        None => String::new(),
    }
}

fn bearer_token(auth: &str) -> String {
    const PREFIX: &str = "Bearer ";
    if auth.len() > PREFIX.len() && auth[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
        auth[PREFIX.len()..].trim().to_owned()
    } else {
        String::new()
    }
}
