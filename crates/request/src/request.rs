//! The HTTP request an action produces: what Segment would send to Usermaven.

use std::borrow::Cow;

use crate::Secret;

/// One header: lower-case name and value (most are fixed text, so no allocation).
pub type Header = (Cow<'static, str>, Cow<'static, str>);

/// One HTTP request, exactly as Segment would send it.
///
/// The URL carries the API key and server token in its query (`?token=KEY.TOKEN`), so it
/// is a [`Secret`]: use [`Request::redacted_url`] for anything a person or a log sees.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub url: Secret,
    pub method: &'static str,
    /// Header names in lower case, in the order Segment sets them.
    pub headers: Vec<Header>,
    /// The raw body, byte for byte as `JSON.stringify` produced it.
    pub body: String,
}

/// What replaces the token value in [`Request::redacted_url`].
pub const REDACTED_TOKEN: &str = "REDACTED";

impl Request {
    /// The URL with the value of every `token` query parameter replaced by `REDACTED`.
    pub fn redacted_url(&self) -> String {
        redact_url(self.url.expose())
    }
}

/// Replace the value of the `token=` query parameter, and any fragment, with `REDACTED`.
/// The token is sent as given, so it may itself hold `&` (the URL parser leaves it in the
/// query): everything from `token=` to the end of the query is replaced.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, q),
        None => return url.to_string(),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(head);
    out.push('?');
    let (query, fragment) = match query.split_once('#') {
        Some((q, _)) => (q, true),
        None => (query, false),
    };
    for (i, part) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match part.split_once('=') {
            Some((k, _)) if k == "token" => {
                out.push_str(k);
                out.push('=');
                out.push_str(REDACTED_TOKEN);
                break;
            }
            _ => out.push_str(part),
        }
    }
    if fragment {
        out.push('#');
        out.push_str(REDACTED_TOKEN);
    }
    out
}

#[cfg(test)]
mod redact_tests {
    use super::redact_url;

    #[test]
    fn a_token_holding_an_ampersand_is_redacted_whole() {
        assert_eq!(
            redact_url("https://h/api/v1/s2s/event?token=k&ey.s&ec=ret#frag"),
            "https://h/api/v1/s2s/event?token=REDACTED#REDACTED"
        );
        assert_eq!(
            redact_url("http://h/p?x=1&token=a.b"),
            "http://h/p?x=1&token=REDACTED"
        );
        assert_eq!(redact_url("http://h/p"), "http://h/p");
    }
}
