//! Scrubbing the token out of anything the server sends back (Usermaven's 401 body repeats
//! the token it did not recognise).

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
                out = out.replace(s.as_str(), usermaven_request::REDACTED_TOKEN);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
