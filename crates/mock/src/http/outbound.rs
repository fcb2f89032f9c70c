//! The last step of every `/__mock/` response: workspace secrets never leave, and nothing is
//! cached or sniffed.
//!
//! The journal already redacts what it records, but stored events keep the body as received, and
//! a client may put a server token anywhere in it. Every data frame of every `/__mock/` answer
//! (JSON, NDJSON, the live stream, the page's first screen) is scanned for each workspace's
//! server token and s2s token and those are replaced by `REDACTED`. Static assets are answered
//! without this pass, so a short token that happens to occur in the page's script cannot garble
//! it.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use hyper::body::Body as _;
use memchr::memmem;

use crate::store::Store;

/// Shorter tokens are left alone: they are not secrets worth the risk of garbling text.
const MIN_SECRET_LEN: usize = 8;

/// The byte strings to replace, longest first (an s2s token contains its server token).
pub(crate) fn secrets(state: &Store) -> Arc<Vec<Vec<u8>>> {
    let mut s: Vec<Vec<u8>> = state
        .workspaces()
        .iter()
        .flat_map(|w| [w.s2s_token(), w.server_token.clone()])
        .filter(|s| s.len() >= MIN_SECRET_LEN)
        .map(String::into_bytes)
        .collect();
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    s.dedup();
    Arc::new(s)
}

fn scrub_bytes(data: Bytes, secrets: &[Vec<u8>]) -> Bytes {
    if !secrets.iter().any(|s| memmem::find(&data, s).is_some()) {
        return data;
    }
    let mut text = data.to_vec();
    for s in secrets {
        let finder = memmem::Finder::new(s);
        let mut out = Vec::with_capacity(text.len());
        let mut last = 0;
        for at in finder.find_iter(&text) {
            out.extend_from_slice(&text[last..at]);
            out.extend_from_slice(b"REDACTED");
            last = at + s.len();
        }
        out.extend_from_slice(&text[last..]);
        text = out;
    }
    Bytes::from(text)
}

/// Middleware for the `/__mock/` data routes.
pub(super) async fn scrub(State(state): State<Store>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let secrets = secrets(&state);
    let (mut parts, body) = res.into_parts();
    parts.headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if secrets.is_empty() {
        return Response::from_parts(parts, body);
    }
    // A replacement changes the length: a complete answer is scrubbed whole and keeps an exact
    // length (hyper sets Content-Length from it); a streamed one (NDJSON, the live stream) has
    // none and is scrubbed a frame at a time (a frame is whole events or one message).
    parts.headers.remove(header::CONTENT_LENGTH);
    if body.size_hint().exact().is_some() {
        return match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => Response::from_parts(parts, Body::from(scrub_bytes(bytes, &secrets))),
            Err(_) => Response::from_parts(parts, Body::empty()),
        };
    }
    let body = body.map_frame(move |f| f.map_data(|d| scrub_bytes(d, &secrets)));
    Response::from_parts(parts, Body::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let secrets = vec![b"key1.secret-token".to_vec(), b"secret-token".to_vec()];
        let out = scrub_bytes(
            Bytes::from_static(b"a key1.secret-token b secret-token c"),
            &secrets,
        );
        assert_eq!(&out[..], b"a REDACTED b REDACTED c");
        let clean = Bytes::from_static(b"nothing here");
        assert_eq!(scrub_bytes(clean.clone(), &secrets), clean);
    }
}
