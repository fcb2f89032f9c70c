//! Where a request goes: the `base_url` override, and scrubbing the token out of anything the
//! server sends back (Usermaven's 401 body repeats the token it did not recognise).

use url::Url;

use crate::BuildError;

/// A parsed `base_url`: its scheme, host and port replace the request's; a non-root path is
/// put in front of the request's path.
#[derive(Clone, Debug)]
pub(crate) struct BaseUrl {
    url: Url,
}

impl BaseUrl {
    pub(crate) fn parse(s: &str) -> Result<BaseUrl, BuildError> {
        let url = Url::parse(s).map_err(|e| BuildError::BaseUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(BuildError::BaseUrl(
                "scheme must be http or https, with a host".into(),
            ));
        }
        Ok(BaseUrl { url })
    }

    /// The request URL re-targeted at this base, keeping path and query. `None` when the
    /// request URL does not parse.
    pub(crate) fn apply(&self, request_url: &str) -> Option<String> {
        let req = Url::parse(request_url).ok()?;
        let mut out = self.url.clone();
        let prefix = self.url.path().trim_end_matches('/');
        out.set_path(&format!("{prefix}{}", req.path()));
        out.set_query(req.query());
        out.set_fragment(None);
        Some(out.into())
    }
}

/// Strings that must never leave the process: the `token` query value of a request URL,
/// decoded and raw, and its dot-separated parts (API key, server token).
#[derive(Clone, Debug, Default)]
pub(crate) struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    pub(crate) fn for_url(url: &str) -> Scrubber {
        let mut secrets = Vec::new();
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        let query = query.split('#').next().unwrap_or("");
        for part in query.split('&') {
            if let Some(("token", raw)) = part.split_once('=') {
                let decoded: String = url::form_urlencoded::parse(format!("t={raw}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                for s in [raw.to_string(), decoded] {
                    for piece in s.split('.') {
                        // Very short pieces would redact ordinary words; a real key is longer.
                        if piece.len() >= 6 {
                            secrets.push(piece.to_string());
                        }
                    }
                    if !s.is_empty() {
                        secrets.push(s);
                    }
                }
            }
        }
        // Longest first, so a whole token is replaced before its parts.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Scrubber { secrets }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), usermaven_destination::REDACTED_TOKEN);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_replaces_origin_keeps_path_and_query() {
        let table = [
            (
                "http://127.0.0.1:8080",
                "https://events.usermaven.com/api/v1/s2s/event?token=k.t",
                "http://127.0.0.1:8080/api/v1/s2s/event?token=k.t",
            ),
            (
                "http://localhost:9/",
                "https://events.usermaven.com/api/v1/s2s/event?token=k.t&x=1",
                "http://localhost:9/api/v1/s2s/event?token=k.t&x=1",
            ),
            (
                "https://proxy.example/prefix/",
                "https://events.usermaven.com/api/v1/s2s/event?token=a%20b.t",
                "https://proxy.example/prefix/api/v1/s2s/event?token=a%20b.t",
            ),
            ("http://h:1", "https://e.com/p#frag", "http://h:1/p"),
        ];
        for (base, url, want) in table {
            let b = BaseUrl::parse(base).map_err(|e| e.to_string());
            assert_eq!(
                b.as_ref().ok().and_then(|b| b.apply(url)).as_deref(),
                Some(want),
                "{base} {url}"
            );
        }
    }

    #[test]
    fn base_url_rejects_non_http() {
        for bad in ["ftp://h/", "not a url", "", "mailto:x@y"] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scrubber_removes_token_and_parts() {
        let s = Scrubber::for_url("http://h/api?x=1&token=pubkey123.sekret%2Ftoken&y=2");
        let text = "The token is not found: pubkey123.sekret/token (raw pubkey123.sekret%2Ftoken; key pubkey123)";
        let out = s.scrub(text);
        assert!(!out.contains("sekret"), "{out}");
        assert!(!out.contains("pubkey123"), "{out}");
        assert!(out.starts_with("The token is not found: REDACTED"), "{out}");
        // Nothing to scrub without a token.
        assert_eq!(Scrubber::for_url("http://h/p").scrub("abc"), "abc");
    }
}
